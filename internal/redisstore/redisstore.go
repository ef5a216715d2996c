// Package redisstore is a Redis session store for gorilla/sessions, built on
// the go-redis client.
//
// It stands in for boj/redistore, the store gorilla's README lists, which
// adopts any well-signed ID it is shown (a copy of a logged-out cookie
// brings the old ID back), speaks redigo rather than go-redis, and has no
// lock. Here the cookie carries only a random session ID, signed with
// securecookie; the values live in Redis under "session:<id>" with a TTL,
// so Redis itself expires idle sessions; and every instance that shares the
// Redis and the secret shares the sessions, and with Lock takes turns on
// them.
//
// The store is strict: an ID that Redis does not hold (never issued,
// expired, ended by its absolute lifetime, deleted) is never adopted; the
// visitor gets a fresh one. Get and Save return an error only when Redis
// failed (it is down, or too slow): wrapped in ErrUnavailable, for a 503.
// A bad cookie is not an error: it means a new session.
package redisstore

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/go-sessions-course/echo-sessions/internal/sessionid"
	"github.com/go-sessions-course/echo-sessions/internal/sessionlock"
)

// DefaultLockLease is how long a session lock lives in Redis without being
// renewed. Its holder renews it every third of that while its request runs,
// so a slow request keeps it; a holder that died, or a lock taken by a
// command that Redis ran late, frees it within the lease.
const DefaultLockLease = time.Second

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
	// MaxAge is how long, in seconds, a session lives after its last save
	// (the idle timeout), and the cookie's Max-Age; Lifetime, after it
	// began (the absolute timeout). 0 means a day, and a week.
	MaxAge, Lifetime int
	// Secure marks the cookie Secure; a request over TLS gets it anyway.
	Secure bool
	// KeyPrefix is put before every Redis key. Empty means "session:".
	KeyPrefix string
	// LockLease is how long a lock lives in Redis unless renewed. Zero
	// means DefaultLockLease.
	LockLease time.Duration
	// Now returns the current time, for the absolute lifetime; nil means
	// time.Now. (Redis keeps the idle timeout with its own clock.)
	Now func() time.Time
	// Logger receives a debug line for each cookie that could not be used,
	// and a warning for each stored session that could not be decoded.
	// Nil means slog.Default().
	Logger *slog.Logger
}

// Store is a Redis sessions.Store. It is safe for concurrent use.
type Store struct {
	// Options are the cookie options that new sessions start with: Path
	// "/", HttpOnly, SameSite Lax, Secure only when asked for.
	Options *sessions.Options

	client   redis.UniversalClient
	ids      *sessionid.Codec
	prefix   string
	maxAge   time.Duration
	lifetime time.Duration
	lease    time.Duration
	now      func() time.Time
	log      *slog.Logger
}

// record is what Redis holds for a session.
type record struct {
	Ends   time.Time // the absolute lifetime: creation + Lifetime
	Values map[any]any
}

// New returns a Store. It does not contact Redis; call Ping at start-up to
// fail fast when Redis cannot be reached.
func New(cfg Config) (*Store, error) {
	if cfg.Client == nil {
		return nil, errors.New("redisstore: Config.Client is required")
	}
	maxAge, lifetime, err := sessionid.Timeouts(cfg.MaxAge, cfg.Lifetime)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	ids, err := sessionid.New(cfg.Secrets, maxAge)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = "session:"
	}
	if cfg.LockLease <= 0 {
		cfg.LockLease = DefaultLockLease
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Store{
		Options:  sessionid.Options(maxAge, cfg.Secure),
		client:   cfg.Client,
		ids:      ids,
		prefix:   cfg.KeyPrefix,
		maxAge:   time.Duration(maxAge) * time.Second,
		lifetime: time.Duration(lifetime) * time.Second,
		lease:    cfg.LockLease,
		now:      cfg.Now,
		log:      cfg.Logger,
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
// rest of the request by gorilla's registry.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session that the request's cookie names. A missing or
// unusable cookie, or an ID that Redis does not hold, gives a new empty
// session and a nil error. An error means Redis failed; the session
// returned with it is new and must not be saved over the real one.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	session := sessionid.NewSession(s, name, s.Options)
	id, ok := s.ID(r, name)
	if !ok {
		return session, nil
	}
	rec, err := s.load(r.Context(), id)
	if err != nil || rec == nil {
		return session, err
	}
	session.Values = rec.Values
	session.ID = id
	session.IsNew = false
	return session, nil
}

// load reads session id, or returns nil when Redis does not hold it (or it
// outlived its lifetime, or cannot be decoded).
func (s *Store) load(ctx context.Context, id string) (*record, error) {
	data, err := s.client.Get(ctx, s.prefix+id).Bytes()
	if errors.Is(err, redis.Nil) {
		s.log.Debug("redisstore: unknown or expired session; starting a fresh one")
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: loading a session: %w", ErrUnavailable, err)
	}
	var rec record
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&rec); err != nil {
		// Not written by this store, or a value type is not registered.
		s.log.Warn("redisstore: cannot decode a stored session; starting a fresh one",
			"key", s.prefix+id, "err", err)
		return nil, nil
	}
	if !s.now().Before(rec.Ends) {
		s.log.Debug("redisstore: session outlived its lifetime; starting a fresh one")
		return nil, nil
	}
	return &rec, nil
}

// ID returns the ID that the request's cookie called name carries, after
// checking its signature (once per request; not whether Redis holds it),
// and false when there is no usable cookie.
func (s *Store) ID(r *http.Request, name string) (string, bool) {
	id, ok := s.ids.FromRequest(r, name)
	if !ok {
		if _, err := r.Cookie(name); err == nil {
			s.log.Debug("redisstore: ignoring a session cookie that does not verify", "cookie", name)
		}
	}
	return id, ok
}

// Save writes the session to Redis, with a TTL of its idle timeout (but
// never past its absolute lifetime), and sends the cookie. Options.MaxAge
// < 0 deletes the session and clears the cookie; 0 sends a cookie that the
// browser forgets when it closes, while Redis keeps the session for the
// store's MaxAge.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	opts := *session.Options
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
		return s.ids.SetCookie(w, session.Name(), "", &opts)
	}
	idle := s.maxAge
	if opts.MaxAge > 0 {
		idle = time.Duration(opts.MaxAge) * time.Second
	}
	now := s.now()

	if session.ID != "" {
		// The stored session's lifetime, read again: it may have ended, or
		// been deleted, since New. Such a session is not brought back
		// under its old ID.
		rec, err := s.load(ctx, session.ID)
		if err != nil {
			return err
		}
		if rec != nil {
			data, err := encode(rec.Ends, session.Values)
			if err != nil {
				return err
			}
			// XX: only if it still exists.
			ok, err := s.client.SetXX(ctx, s.prefix+session.ID, data, min(idle, rec.Ends.Sub(now))).Result()
			if err != nil {
				return fmt.Errorf("%w: saving a session: %w", ErrUnavailable, err)
			}
			if ok {
				return s.ids.SetCookie(w, session.Name(), session.ID, &opts)
			}
		}
	}

	ends := now.Add(s.lifetime)
	data, err := encode(ends, session.Values)
	if err != nil {
		return err
	}
	id := sessionid.NewID()
	// NX: only if no such key exists. 128 random bits never collide in
	// practice; NX makes sure of it.
	created, err := s.client.SetNX(ctx, s.prefix+id, data, min(idle, s.lifetime)).Result()
	if err != nil {
		return fmt.Errorf("%w: creating a session: %w", ErrUnavailable, err)
	}
	if !created {
		return errors.New("redisstore: a fresh session ID already exists")
	}
	session.ID = id
	return s.ids.SetCookie(w, session.Name(), session.ID, &opts)
}

// encode is a session's record as Redis holds it. A value whose type gob
// does not know fails here, with a hint.
func encode(ends time.Time, values map[any]any) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(record{ends, values}); err != nil {
		return nil, fmt.Errorf("redisstore: encoding session values (gob.Register custom types): %w", err)
	}
	return buf.Bytes(), nil
}

// Regenerate gives the session a new ID, keeping its values (its absolute
// lifetime starts again), and deletes the old one: call it at login, so
// that an ID planted or copied earlier is worthless afterwards.
func (s *Store) Regenerate(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if session.ID != "" {
		if err := s.client.Del(r.Context(), s.prefix+session.ID).Err(); err != nil {
			return fmt.Errorf("%w: deleting the old session: %w", ErrUnavailable, err)
		}
	}
	session.ID = ""
	return s.Save(r, w, session)
}

// releaseScript deletes the lock, and renewScript extends it, only if it is
// still ours: after a lease ran out, another instance may hold it.
var (
	releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0`)
	renewScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
return 0`)
)

// Lock takes the lock of session id in Redis, so that every instance that
// shares this Redis agrees whose turn it is. It implements
// sessionlock.Locker: it polls until the lock is free, for at most wait.
//
// The lock lives for the lease and is renewed every third of it until
// unlock is called, so a request slower than the lease keeps its turn; a
// holder that dies stops renewing, and its lock ends within a lease. When
// Redis stalls, a lock command that timed out here may still run when
// Redis wakes: nobody renews that lock either, so it too ends within a
// lease. If a renewal finds the lock taken by another, the loss is logged.
func (s *Store) Lock(ctx context.Context, id string, wait time.Duration) (func(), error) {
	key := s.prefix + "lock:" + id
	token := sessionid.NewID()
	deadline := time.Now().Add(wait)
	pause := time.Millisecond
	for {
		ok, err := s.client.SetNX(ctx, key, token, s.lease).Result()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w: taking a session lock: %w", ErrUnavailable, err)
		}
		if ok {
			return s.hold(key, token), nil
		}
		if time.Now().Add(pause).After(deadline) {
			return nil, sessionlock.ErrBusy
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 16*time.Millisecond)
	}
}

// hold renews a lock that this instance took until the returned func is
// called, which then releases it.
func (s *Store) hold(key, token string) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(s.lease / 3)
		defer ticker.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ticker.C:
				ctx, cancel := context.WithTimeout(context.Background(), s.lease/3)
				n, err := renewScript.Run(ctx, s.client, []string{key}, token, s.lease.Milliseconds()).Int()
				cancel()
				if err == nil && n == 0 {
					s.log.Warn("redisstore: a session lock was lost while its request ran", "key", key)
					return
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done
			// Not the request's context: release even if it was cancelled.
			// If this fails, the lease frees the lock.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if err := releaseScript.Run(ctx, s.client, []string{key}, token).Err(); err != nil {
				s.log.Warn("redisstore: releasing a session lock failed; it ends with its lease", "err", err)
			}
		})
	}
}
