// Package sessionstore is a session engine: a gorilla sessions.Store that
// owns every rule of a session, over a Storage that only keeps bytes, as
// express-session's middleware and scs's session manager do. The course's
// steps run it, and a program of your own can import it (go get
// github.com/go-sessions-course/echo-sessions), with a storage from
// memstore, sqlstore or redisstore. It stands in for the stores gorilla's README lists
// (boj/redistore, antonlindstrom/pgstore, its FilesystemStore...), each of
// which writes its own cookie, timeout and ID rules again, and none of
// which refuses an ID it did not issue or lets one session's requests take
// turns. The rules, once: the cookie carries only a random ID, signed with
// securecookie; an ID the storage does not hold is never adopted (that
// would allow session fixation); a session ends MaxAge after its last save
// or Lifetime after it began; a session's own Options last; Options.MaxAge
// < 0 deletes it; a record that does not decode is a fresh session;
// Middleware makes one session's requests take turns.
//
//	store, err := sessionstore.New(memstore.New(), sessionstore.Config{Secrets: secrets})
//	e.Use(session.Middleware(store))
//	e.Use(echo.WrapMiddleware(store.Middleware("sid")))
package sessionstore

import (
	"cmp"
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// Storage keeps session records: bytes the engine made, under an ID,
// until a time. It makes no rule of its own. Every call carries a context
// that ends after Config.Wait. The conformance suite that memstore,
// sqlstore and redisstore pass checks these rules.
type Storage interface {
	// Find should return the record stored under id, and found false when
	// there is none. A record past its expiry may be returned: the engine
	// checks the time itself.
	Find(ctx context.Context, id string) (data []byte, found bool, err error)
	// Create should store a record under a new id, to be kept until
	// expiry. It must fail, not overwrite, where id holds a live record.
	Create(ctx context.Context, id string, data []byte, expiry time.Time) error
	// Update should replace the record under id, if it still holds one,
	// and report whether it did: a session deleted meanwhile (a logout on
	// another device) must not come back. Nor may one past its expiry:
	// Update reports false for it.
	Update(ctx context.Context, id string, data []byte, expiry time.Time) (bool, error)
	// Delete should remove the record under id. Deleting nothing is fine.
	Delete(ctx context.Context, id string) error
}

// ErrUnavailable wraps every error from the storage: a handler answers it
// with 503 Service Unavailable, since trying again later may work.
var ErrUnavailable = errors.New("the session store is unavailable")

func unavailable(err error) error { return fmt.Errorf("%w: %w", ErrUnavailable, err) }

// DefaultMaxAge and DefaultLifetime are the timeouts' defaults in seconds
// (a day idle, a week in all). MaxMaxAge is the longest either may be (400
// days, the most a browser keeps a cookie). MinSecretLength is the
// shortest secret (a key shorter than HMAC-SHA256's output is easier to
// guess than the signature it makes).
const (
	DefaultMaxAge, DefaultLifetime, MaxMaxAge = 86400, 7 * 86400, 400 * 86400
	MinSecretLength                           = 32
)

// Config holds what New needs. Only Secrets is required; a zero field
// takes the default its comment names.
type Config struct {
	// Secrets sign the cookie: the first signs, all verify (rotation). At
	// least 32 bytes each, from configuration, never from the source.
	Secrets          [][]byte
	MaxAge, Lifetime int           // idle (and Max-Age), absolute; seconds, 0: a day, a week
	Secure           bool          // HTTPS only; a request over TLS gets it anyway
	Wait             time.Duration // for a session's turn before a 503; 0 means 5s
	Shared           Locker        // turns across processes, for a shared storage
	// Now is the engine's clock; nil means time.Now. A storage expires
	// records by the wall clock, so a test clock must not run behind it.
	Now    func() time.Time
	Logger *slog.Logger // nil means slog.Default()
}

// Store is the engine: a sessions.Store, safe for concurrent use.
type Store struct {
	// Options are what new sessions start with: Path "/", HttpOnly,
	// SameSite Lax, Max-Age MaxAge, Secure only when asked for.
	Options *sessions.Options

	storage                Storage
	shared                 Locker
	codecs                 []securecookie.Codec
	keys                   [][]byte // sign gob records: the first signs, all verify
	maxAge, lifetime, wait time.Duration
	now                    func() time.Time
	log                    *slog.Logger
	turns                  turns
}

// New returns a Store over storage, or an error that says which field of
// cfg is out of range: no secret, one shorter than MinSecretLength, or a
// timeout over MaxMaxAge.
func New(storage Storage, cfg Config) (*Store, error) {
	cfg.MaxAge = cmp.Or(cfg.MaxAge, DefaultMaxAge)
	cfg.Lifetime = cmp.Or(cfg.Lifetime, DefaultLifetime)
	if cfg.MaxAge < 0 || cfg.MaxAge > MaxMaxAge || cfg.Lifetime < 0 || cfg.Lifetime > MaxMaxAge {
		return nil, fmt.Errorf("sessionstore: MaxAge and Lifetime must be from 1 to %d seconds, got %d and %d",
			MaxMaxAge, cfg.MaxAge, cfg.Lifetime)
	}
	if err := CheckSecrets(cfg.Secrets); err != nil {
		return nil, fmt.Errorf("sessionstore: %w", err)
	}
	var codecs []securecookie.Codec // signed, not encrypted: a random ID tells nothing
	var keys [][]byte
	for _, secret := range cfg.Secrets {
		// Records get a key of their own: one key, one use.
		key, err := hkdf.Key(sha256.New, secret, nil, "sessionstore record", sha256.Size)
		if err != nil {
			return nil, fmt.Errorf("sessionstore: %w", err)
		}
		keys = append(keys, key)
		// A cookie older than the lifetime names no live session. The ID's
		// bytes are signed as they are: gob (the default) costs more.
		codec := securecookie.New(secret, nil).MaxAge(cfg.Lifetime)
		codecs = append(codecs, codec.SetSerializer(securecookie.NopEncoder{}))
	}
	s := &Store{
		Options: &sessions.Options{
			Path:     "/",
			MaxAge:   cfg.MaxAge,
			HttpOnly: true,                 // page scripts cannot read it: XSS cannot steal it
			SameSite: http.SameSiteLaxMode, // left off cross-site POSTs (gorilla defaults to None)
			Secure:   cfg.Secure,           // a request over TLS gets it anyway, see Save
		},
		storage:  storage,
		codecs:   codecs,
		keys:     keys,
		maxAge:   time.Duration(cfg.MaxAge) * time.Second,
		lifetime: time.Duration(cfg.Lifetime) * time.Second,
		wait:     cmp.Or(cfg.Wait, 5*time.Second),
		shared:   cfg.Shared,
		now:      cfg.Now,
		log:      cmp.Or(cfg.Logger, slog.Default()),
		turns:    turns{locks: make(map[string]*turn)},
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// CheckSecrets returns an error unless there is a secret and none is
// shorter than MinSecretLength: New's check, for configuration read early.
func CheckSecrets(secrets [][]byte) error {
	if len(secrets) == 0 {
		return errors.New("at least one secret is required")
	}
	for i, secret := range secrets {
		if len(secret) < MinSecretLength {
			return fmt.Errorf("secret %d is %d bytes long; it must be at least %d",
				i+1, len(secret), MinSecretLength)
		}
	}
	return nil
}

// Get returns the request's session called name through gorilla's registry,
// so that it is loaded once per request and sessions.Save saves it too.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New returns the session the request's cookie names, or a new empty one
// (IsNew) when there is none: no cookie, one that does not verify, a
// session that ended. That is not an error: the next Save starts it under
// a fresh ID. An error means the storage failed (ErrUnavailable).
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	session := sessions.NewSession(s, name)
	*session.Options, session.IsNew = *s.Options, true // a handler may change its own copy
	st := s.state(r, name)
	if st.id == "" {
		return session, nil
	}
	ctx, cancel := s.deadline(r)
	defer cancel()
	data, found, err := s.storage.Find(ctx, st.id)
	if err != nil {
		st.err = err // see Save
		return session, unavailable(err)
	}
	var rec record
	if found {
		if err := rec.decode(data, s.keys); err != nil {
			s.log.Warn("sessionstore: a stored session is unreadable; starting a fresh one", "err", err)
			found = false
		}
	}
	if !found || rec.moved || !s.now().Before(rec.expiry) {
		s.log.Debug("sessionstore: unknown or expired session; starting a fresh one")
		// A request that was already waiting when its ID moved (Regenerate, at
		// a login) carries a stale cookie: see Save. A later one is just late.
		st.ended = found && rec.moved && rec.start.UnixMilli() >= st.arrived.UnixMilli()
		return session, nil
	}
	st.rec = &rec
	session.ID, session.Values, session.IsNew = st.id, rec.values, false
	if rec.opts != nil {
		*session.Options = *rec.opts // its own, kept with it: see Save
	}
	return session, nil
}

// Save stores the session and sends its cookie. A value that is not a
// string or an int is gob-encoded, so one gob cannot encode fails here,
// and a change after Save changes nothing stored. A record over 64 KiB is
// an error too. Options.MaxAge < 0 deletes the session and clears the
// cookie; 0 makes a cookie the browser forgets when it closes. Options
// the handler set are kept with the session, and every later Save sends
// them again. The cookie is sent for a new ID or changed options, else at
// most once a minute (or MaxAge/10), to move its Max-Age.
//
// On a HEAD request Save stores nothing and sends no cookie: RFC 9110
// calls HEAD safe, so a link preview starts no session and moves none on.
//
// After a failed load (New's error) Save returns ErrUnavailable: a new
// session would replace the visitor's. A session that ended while the
// request ran (a logout elsewhere, a login that moved it) stays ended:
// Save drops the changes, returns nil, and leaves the cookie alone, since
// the browser may hold a newer one by now.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	own, opts := *session.Options, *session.Options
	opts.Secure = opts.Secure || r.TLS != nil // over HTTPS: never send the ID in clear later
	st := s.state(r, session.Name())
	if st.err != nil { // a new session now would replace the cookie, and lose the stored one
		return unavailable(st.err)
	}
	if r.Method == http.MethodHead {
		return nil // safe: it changes nothing
	}
	if st.ended {
		// The session ended, or moved to a new ID (a login), while this
		// request ran. The browser may hold a new cookie: sending one now
		// would log it out.
		s.log.Warn("sessionstore: the session ended or moved while its request ran; changes dropped")
		return nil
	}
	ctx, cancel := s.deadline(r)
	defer cancel()
	if opts.MaxAge < 0 {
		st.rec = nil
		http.SetCookie(w, sessions.NewCookie(session.Name(), "", &opts))
		if err := s.storage.Delete(ctx, session.ID); err != nil {
			return unavailable(err)
		}
		return nil
	}
	now, idle := s.now(), s.maxAge
	if opts.MaxAge > 0 {
		idle = time.Duration(opts.MaxAge) * time.Second // this session's own
	}
	rec, send := record{start: now, sent: now, values: session.Values}, true
	if own != *s.Options {
		kept := own // kept with the record, so that every later save applies them
		rec.opts = &kept
	}
	stored := st.rec != nil && session.ID == st.id
	if stored { // keep its start
		rec.start, rec.sent = st.rec.start, st.rec.sent
		was := cmp.Or(st.rec.opts, s.Options)
		// The cookie moves its Max-Age on at most once a minute, or a tenth of it.
		if send = own != *was || now.Sub(rec.sent) >= min(time.Minute, idle/10); send {
			rec.sent = now
		}
	}
	rec.expiry = now.Add(min(idle, rec.start.Add(s.lifetime).Sub(now)))
	data, err := rec.encode(s.keys[0])
	if err != nil {
		return err
	}
	if stored {
		var updated bool
		updated, err = s.storage.Update(ctx, session.ID, data, rec.expiry)
		if err == nil && !updated {
			// Ended meanwhile: a logout elsewhere, or a login that gave the
			// browser a new cookie. It stays ended, and the cookie is left
			// alone: clearing it could log that new session out.
			s.log.Warn("sessionstore: the session ended while its request ran; changes dropped")
			st.rec, st.ended = nil, true
			return nil
		}
	} else {
		session.ID = rand.Text() // 128 random bits: nobody guesses one
		err = s.storage.Create(ctx, session.ID, data, rec.expiry)
	}
	if err != nil {
		return unavailable(err)
	}
	st.id, st.rec = session.ID, &rec
	if !send {
		return nil // the browser has a fresh enough cookie
	}
	value, err := securecookie.EncodeMulti(session.Name(), []byte(session.ID), s.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(session.Name(), value, &opts))
	return nil
}

// Regenerate gives the session a new ID, keeping its values and options
// (its lifetime starts again), ends the old one, saves and sends the new
// cookie. Call it at login, so that an ID planted or copied before is
// worthless. A session that another request ended meanwhile stays ended:
// Regenerate then saves nothing and leaves the cookie alone. On a HEAD
// request it does nothing, as Save does.
func (s *Store) Regenerate(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if r.Method == http.MethodHead {
		return nil
	}
	st := s.state(r, session.Name())
	if st.rec != nil && session.ID == st.id {
		ctx, cancel := s.deadline(r)
		defer cancel()
		// The old ID holds a moved record for a minute past Config.Wait:
		// a request still carrying the old cookie then leaves the new one be.
		now := s.now()
		data, err := (&record{start: now, expiry: now, sent: now, moved: true}).encode(nil)
		if err != nil {
			return err
		}
		updated, err := s.storage.Update(ctx, session.ID, data, now.Add(time.Minute+s.wait))
		if err != nil {
			return unavailable(err)
		}
		if !updated {
			s.log.Warn("sessionstore: the session ended while its request ran; it stays ended")
			st.rec, st.ended = nil, true
			return nil
		}
	}
	st.rec, session.ID = nil, "" // Save makes a new ID
	return s.Save(r, w, session)
}

// deadline bounds a storage call by Config.Wait, so that a stalled store
// gets the visitor a 503 in time, not a hang.
func (s *Store) deadline(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.wait)
}

// ID returns the checked session ID in the request's cookie called name,
// and false when there is no usable cookie.
func (s *Store) ID(r *http.Request, name string) (string, bool) {
	id := s.state(r, name).id
	return id, id != ""
}

// Read decodes a record the storage holds, for a page that lists sessions:
// when its session began, when it was last used (to within a minute: when
// its cookie was last sent, see Save), its values, and false when it cannot
// be decoded or its session has ended.
func (s *Store) Read(data []byte) (start, lastUsed time.Time, values map[any]any, ok bool) {
	var rec record
	if rec.decode(data, s.keys) != nil || rec.moved || !s.now().Before(rec.expiry) {
		return time.Time{}, time.Time{}, nil, false
	}
	return rec.start, rec.sent, rec.values, true
}

// state is what the engine knows of a session in a request: the checked ID
// of its cookie and the record loaded under it, kept in the request's
// context (as gorilla's registry keeps sessions) so the cookie is checked
// once, under a key type of its own (one pointer: it costs no allocation).
type state struct {
	name, id string
	rec      *record   // nil: nothing loaded or kept under id
	err      error     // the storage's, when loading failed
	ended    bool      // id ended or moved while this request ran: see Save
	arrived  time.Time // when Middleware (or the first Get) saw the request
	next     *state    // another name's
}

type stateKey struct{ s *Store }

func (s *Store) state(r *http.Request, name string) *state {
	first, _ := r.Context().Value(stateKey{s}).(*state)
	for st := first; st != nil; st = st.next {
		if st.name == name {
			return st
		}
	}
	st := &state{name: name, next: first, arrived: s.now()}
	if cookie, err := r.Cookie(name); err == nil {
		var raw []byte
		if err := securecookie.DecodeMulti(name, cookie.Value, &raw, s.codecs...); err != nil {
			// Tampered with, too old, another secret...: a fresh session.
			s.log.Debug("sessionstore: ignoring a session cookie that does not verify", "err", err)
		}
		st.id = string(raw)
	}
	*r = *r.WithContext(context.WithValue(r.Context(), stateKey{s}, st))
	return st
}
