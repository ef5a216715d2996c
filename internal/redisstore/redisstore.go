// Package redisstore is a Redis session store for gorilla/sessions, built on
// the go-redis client.
//
// The cookie carries only a random session ID, signed with securecookie;
// the values live in Redis under "session:<id>" with a TTL, so Redis itself
// expires idle sessions. Sessions survive a restart of the application, and
// every instance that talks to the same Redis with the same secret shares
// them: the answer for a site that outgrows one process.
//
// The store is strict: an ID that Redis does not hold (never issued, expired
// or deleted) is never adopted; the visitor gets a fresh one. It also
// provides Lock, a lock per session held in Redis, so that several
// instances take turns on one session (see package sessionlock).
//
// Get and Save return an error only when Redis failed (for example, it is
// down). A bad cookie is not an error: it means a new session.
package redisstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/gob"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/go-sessions-course/echo-sessions/internal/idcookie"
)

// DefaultMaxAge is the idle lifetime of a session, in seconds, when
// Config.MaxAge is zero: one day.
const DefaultMaxAge = 86400

// ErrUnavailable wraps every error that comes from Redis, so that a handler
// can answer 503 rather than 500.
var ErrUnavailable = errors.New("redisstore: Redis is unavailable")

// Config holds what New needs. Client and Secrets are required.
type Config struct {
	// Client talks to Redis. Its timeouts bound how long a request waits
	// for a Redis that does not answer.
	Client redis.UniversalClient
	// Secrets sign the cookie; the first signs, all verify (rotation). At
	// least 32 bytes each, from configuration.
	Secrets [][]byte
	// MaxAge is how long, in seconds, a session lives after its last save,
	// and the cookie's Max-Age. Zero means DefaultMaxAge.
	MaxAge int
	// Secure marks the cookie Secure; a request over TLS gets it anyway.
	Secure bool
	// KeyPrefix is put before every Redis key. Empty means "session:".
	KeyPrefix string
	// LockLease is how long a session lock lives in Redis if its holder
	// never releases it (a crashed instance). Zero means 10 seconds.
	LockLease time.Duration
	// Logger receives a debug line for each cookie that could not be used.
	// Nil means slog.Default().
	Logger *slog.Logger
}

// Store is a Redis sessions.Store. It is safe for concurrent use.
type Store struct {
	// Options are the cookie options that new sessions start with: Path
	// "/", HttpOnly, SameSite Lax, Secure only when asked for.
	Options *sessions.Options

	client redis.UniversalClient
	ids    *idcookie.Codec
	prefix string
	maxAge time.Duration
	lease  time.Duration
	log    *slog.Logger
}

// New returns a Store. It does not contact Redis; call Ping at start-up to
// fail fast when Redis cannot be reached.
func New(cfg Config) (*Store, error) {
	if cfg.Client == nil {
		return nil, errors.New("redisstore: Config.Client is required")
	}
	if cfg.MaxAge < 0 {
		return nil, fmt.Errorf("redisstore: MaxAge must not be negative, got %d", cfg.MaxAge)
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	ids, err := idcookie.New(cfg.Secrets, cfg.MaxAge, nil)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = "session:"
	}
	if cfg.LockLease <= 0 {
		cfg.LockLease = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	maxAge := time.Duration(cfg.MaxAge) * time.Second
	return &Store{
		Options: &sessions.Options{
			Path:     "/",
			MaxAge:   cfg.MaxAge,
			HttpOnly: true,                 // page scripts cannot read it
			SameSite: http.SameSiteLaxMode, // not sent on cross-site posts
			Secure:   cfg.Secure,           // see memstore for why not always
		},
		client: cfg.Client,
		ids:    ids,
		prefix: cfg.KeyPrefix,
		maxAge: maxAge,
		lease:  cfg.LockLease,
		log:    cfg.Logger,
	}, nil
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// Get returns the session called name for this request, cached for the
// rest of the request (the sessions.Store contract). See New.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session that the request's cookie names. A missing or
// unusable cookie, or an ID that Redis does not hold, gives a new empty
// session and a nil error. An error means Redis failed; the session
// returned with it is new and must not be saved over the real one.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	session := sessions.NewSession(s, name)
	*session.Options = *s.Options // a copy: the handler may change it
	session.IsNew = true

	id, ok := s.ID(r, name)
	if !ok {
		return session, nil
	}
	data, err := s.client.Get(r.Context(), s.prefix+id).Bytes()
	if errors.Is(err, redis.Nil) {
		s.log.Debug("redisstore: unknown or expired session ID; starting a fresh session")
		return session, nil
	}
	if err != nil {
		return session, fmt.Errorf("%w: loading a session: %w", ErrUnavailable, err)
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&session.Values); err != nil {
		// Not written by this store (or by an incompatible version of a
		// value type): treat it as gone.
		s.log.Warn("redisstore: cannot decode a stored session; starting a fresh one", "err", err)
		session.Values = map[any]any{}
		return session, nil
	}
	session.ID = id
	session.IsNew = false
	return session, nil
}

// ID returns the ID that the request's cookie called name carries, after
// checking its signature (not whether Redis holds it), and false when there
// is no usable cookie.
func (s *Store) ID(r *http.Request, name string) (string, bool) {
	id, err := s.ids.FromRequest(r, name)
	if err != nil {
		if _, hasCookie := idcookie.CookieValue(r, name); hasCookie {
			s.log.Debug("redisstore: ignoring a session cookie that does not verify", "cookie", name, "err", err)
		}
		return "", false
	}
	return id, true
}

// Save writes the session to Redis with a TTL of its MaxAge and sends the
// cookie when it is new, when its options differ from the store's, or when
// the browser's copy is older than the refresh period. Options.MaxAge < 0
// deletes the session and clears the cookie.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	opts := *session.Options
	sendCookie := opts != *s.Options
	if r.TLS != nil {
		opts.Secure = true
	}
	ctx := r.Context()
	if opts.MaxAge < 0 {
		if session.ID != "" {
			if err := s.client.Del(ctx, s.prefix+session.ID).Err(); err != nil {
				return fmt.Errorf("%w: deleting a session: %w", ErrUnavailable, err)
			}
		}
		return s.ids.WriteCookie(w, session.Name(), "", &opts, time.Now())
	}

	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(session.Values); err != nil {
		return fmt.Errorf("redisstore: encoding session values (gob.Register custom types): %w", err)
	}
	lifetime := s.maxAge
	if opts.MaxAge > 0 {
		lifetime = time.Duration(opts.MaxAge) * time.Second
	}

	if session.ID == "" {
		id, err := idcookie.NewID()
		if err != nil {
			return err
		}
		// NX: only if no such key exists. 128 random bits never collide in
		// practice; NX makes sure of it.
		created, err := s.client.SetNX(ctx, s.prefix+id, buf.Bytes(), lifetime).Result()
		if err != nil {
			return fmt.Errorf("%w: creating a session: %w", ErrUnavailable, err)
		}
		if !created {
			return errors.New("redisstore: a fresh session ID already exists")
		}
		session.ID = id
		sendCookie = true
	} else {
		// XX: only if it still exists. A session that expired or was
		// deleted since New is not brought back under its old ID.
		updated, err := s.client.SetXX(ctx, s.prefix+session.ID, buf.Bytes(), lifetime).Result()
		if err != nil {
			return fmt.Errorf("%w: saving a session: %w", ErrUnavailable, err)
		}
		if !updated {
			session.ID = ""
			return s.Save(r, w, session)
		}
	}
	if !sendCookie && !s.ids.Stale(r, session.Name(), session.ID) {
		return nil // the browser's cookie is this session's, and fresh enough
	}
	return s.ids.WriteCookie(w, session.Name(), session.ID, &opts, time.Now())
}

// Regenerate gives the session a new ID, keeping its values, and deletes
// the old one: call it at login, so that an ID planted or copied earlier is
// worthless afterwards.
func (s *Store) Regenerate(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if session.ID != "" {
		if err := s.client.Del(r.Context(), s.prefix+session.ID).Err(); err != nil {
			return fmt.Errorf("%w: deleting the old session: %w", ErrUnavailable, err)
		}
	}
	session.ID = ""
	return s.Save(r, w, session)
}

// unlockScript deletes the lock only if it is still ours: after a lease ran
// out, another instance may hold it.
var unlockScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// Lock takes the lock of session id in Redis, so that every instance that
// shares this Redis agrees whose turn it is. It implements
// sessionlock.Locker. The lock expires after the lease if its holder dies;
// Lock polls until the lock is free or ctx is done.
func (s *Store) Lock(ctx context.Context, id string) (func(), error) {
	key := s.prefix + "lock:" + id
	token := rand.Text()
	wait := time.Millisecond
	for {
		ok, err := s.client.SetNX(ctx, key, token, s.lease).Result()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w: taking a session lock: %w", ErrUnavailable, err)
		}
		if ok {
			return func() {
				// Not the request's context: release even if it was
				// cancelled. If this fails the lease frees the lock.
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				if err := unlockScript.Run(ctx, s.client, []string{key}, token).Err(); err != nil {
					s.log.Warn("redisstore: releasing a session lock failed; it expires with its lease", "err", err)
				}
			}, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 16*time.Millisecond)
	}
}
