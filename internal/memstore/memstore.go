// Package memstore is an in-memory session store for gorilla/sessions: the
// Go counterpart of express-session's MemoryStore.
//
// gorilla/sessions ships no memory store, and the published ones either
// never remove an expired session (so memory grows for ever) or keep the
// handler's own map, so that a value changed after Save changes the stored
// session too. This one behaves like the stores with a server behind them:
// the cookie carries only a random session ID, signed with securecookie;
// each session is a copy of its values, taken at Save, with an idle expiry
// and an absolute one; and a background sweep removes expired sessions.
//
// It keeps its sessions in one process's memory, so they vanish when the
// process stops and are not shared between processes. Use it to learn, in
// tests, and for a single instance that may forget its visitors; for
// anything else use a store with a server behind it (step05 shows Redis).
//
//	store, err := memstore.New(memstore.Config{Secrets: [][]byte{secret}})
//	if err != nil { ... }
//	defer store.Close()
//	e.Use(session.Middleware(store))
package memstore

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/sessionid"
)

// DefaultMaxAge is the idle lifetime of a session, in seconds, when
// Config.MaxAge is zero: one day. DefaultLifetime is the absolute one: a
// week.
const (
	DefaultMaxAge   = 86400
	DefaultLifetime = 7 * 86400
)

// MaxMaxAge is the longest MaxAge or Lifetime accepted: 400 days, the most
// a browser keeps a cookie (RFC 6265bis); a longer Max-Age buys nothing.
const MaxMaxAge = 400 * 86400

// Config holds what New needs. Only Secrets is required.
type Config struct {
	// Secrets sign the session cookie. The first one signs new cookies; all
	// of them verify incoming ones, so a secret can be rotated without
	// logging everybody out. Each must be at least 32 bytes long and must
	// come from configuration, never from the source of a deployment.
	Secrets [][]byte
	// MaxAge is how long, in seconds, a session lives after its last save
	// (the idle timeout), and the cookie's Max-Age. Zero means
	// DefaultMaxAge.
	MaxAge int
	// Lifetime is how long, in seconds, a session lives after it was
	// created, however busy (the absolute timeout). Zero means
	// DefaultLifetime.
	Lifetime int
	// Secure marks the cookie Secure, so that the browser sends it only over
	// HTTPS. A request that arrives over TLS gets a Secure cookie anyway.
	Secure bool
	// SweepInterval is how often expired sessions are removed. Zero means
	// one minute, or MaxAge if that is shorter.
	SweepInterval time.Duration
	// Now returns the current time; nil means time.Now. Tests may inject a
	// clock to expire sessions without waiting.
	Now func() time.Time
	// Logger receives a debug line for each cookie that could not be used.
	// Nil means slog.Default().
	Logger *slog.Logger
}

// Store is an in-memory sessions.Store. Create it with New and stop its
// sweep with Close. A Store is safe for concurrent use.
type Store struct {
	// Options are the cookie options that new sessions start with: Path
	// "/", HttpOnly, SameSite Lax, and Secure only when asked for. Change
	// them before serving, not while serving.
	Options *sessions.Options

	ids      *sessionid.Codec
	maxAge   time.Duration
	lifetime time.Duration
	now      func() time.Time
	log      *slog.Logger

	mu       sync.Mutex
	sessions map[string]entry

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// entry is one stored session: a copy of its values, and when it ends.
type entry struct {
	values  map[any]any // plain values as they are, others gob-encoded
	ends    time.Time   // the absolute lifetime: creation + Lifetime
	expires time.Time   // the idle timeout: the last Save + MaxAge
}

// gobbed is a value that is not a plain number or string, kept as gob
// encodes it, so that the handler's copy and the stored one share nothing.
type gobbed []byte

// New returns a Store and starts its sweep.
func New(cfg Config) (*Store, error) {
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = DefaultLifetime
	}
	if cfg.MaxAge < 0 || cfg.MaxAge > MaxMaxAge || cfg.Lifetime < 0 || cfg.Lifetime > MaxMaxAge {
		return nil, fmt.Errorf("memstore: MaxAge and Lifetime must be from 1 to %d seconds, got %d and %d",
			MaxMaxAge, cfg.MaxAge, cfg.Lifetime)
	}
	ids, err := sessionid.New(cfg.Secrets, cfg.MaxAge)
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	maxAge := time.Duration(cfg.MaxAge) * time.Second
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = min(time.Minute, maxAge)
	}
	s := &Store{
		Options: &sessions.Options{
			Path:   "/",
			MaxAge: cfg.MaxAge,
			// HttpOnly: page scripts cannot read the cookie, so an XSS bug
			// cannot steal the session.
			HttpOnly: true,
			// Lax: the browser leaves the cookie off cross-site POSTs and
			// subresource requests, but sends it when the visitor follows a
			// link here. (gorilla's own stores default to None.)
			SameSite: http.SameSiteLaxMode,
			// Secure only when asked for: over plain http://localhost the
			// browser would drop a Secure cookie, and every visit would
			// look like the first.
			Secure: cfg.Secure,
		},
		ids:      ids,
		maxAge:   maxAge,
		lifetime: time.Duration(cfg.Lifetime) * time.Second,
		now:      cfg.Now,
		log:      cfg.Logger,
		sessions: make(map[string]entry),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go s.sweepEvery(cfg.SweepInterval)
	return s, nil
}

// Get returns the session called name for this request, through gorilla's
// registry: every call in one request returns the same session, and
// sessions.Save(r, w) saves it.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New returns the stored session that the request's cookie names, or a new
// empty one (IsNew) when there is none: no cookie, a cookie that does not
// verify, or a session that has expired or was deleted. That is not an
// error: the next Save gives the visitor a fresh ID. The session's Values
// are a copy; changing them changes nothing until Save.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	session := sessions.NewSession(s, name)
	opts := *s.Options // a copy: the handler may change it
	session.Options = &opts
	session.IsNew = true

	id, ok := s.ID(r, name)
	if !ok {
		return session, nil
	}
	now := s.now()
	s.mu.Lock()
	e, found := s.sessions[id]
	if found && !e.live(now) {
		delete(s.sessions, id) // never revived, even by a late Save
		found = false
	}
	s.mu.Unlock()
	if !found {
		s.log.Debug("memstore: unknown or expired session; starting a fresh one")
		return session, nil
	}
	for k, v := range e.values {
		if b, ok := v.(gobbed); ok {
			// Save encoded it, so it decodes; an error would be a bug here.
			if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&v); err != nil {
				return session, fmt.Errorf("memstore: decoding %v: %w", k, err)
			}
		}
		session.Values[k] = v
	}
	session.ID = id
	session.IsNew = false
	return session, nil
}

// ID returns the session ID that the request's cookie called name carries,
// after checking its signature (once per request), and false when there is
// no usable cookie. The session lock calls it.
func (s *Store) ID(r *http.Request, name string) (string, bool) {
	id, ok := s.ids.FromRequest(r, name)
	if !ok {
		if _, err := r.Cookie(name); err == nil {
			// Tampered, garbage, too old or signed with another secret: the
			// visitor gets a fresh session, not an error page.
			s.log.Debug("memstore: ignoring a session cookie that does not verify", "cookie", name)
		}
	}
	return id, ok
}

// live reports whether the session has neither idled out nor outlived its
// absolute lifetime at now.
func (e entry) live(now time.Time) bool {
	return now.Before(e.expires) && now.Before(e.ends)
}

// Save stores a copy of the session's values and sends the cookie.
//
// A value that is not a plain number, string or bool is stored gob-encoded,
// as Redis stores it: a type gob cannot encode fails here, not later, and
// a value changed after Save does not change the stored one.
//
// Options.MaxAge < 0 deletes the session and clears the cookie; 0 sends a
// cookie that the browser forgets when it closes, while the store keeps
// the session for its own MaxAge. A new session, or one whose ID the store
// does not hold, gets a fresh random ID: a store that adopted an ID it did
// not issue would let an attacker choose a victim's ID (session fixation).
func (s *Store) Save(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	opts := *session.Options
	if r.TLS != nil {
		opts.Secure = true // served over HTTPS: never send the ID in clear later
	}
	if opts.MaxAge < 0 {
		s.forget(session.ID)
		return s.ids.SetCookie(w, session.Name(), "", &opts)
	}
	values, err := copyValues(session.Values)
	if err != nil {
		return err
	}
	now := s.now()
	idle := s.maxAge
	if opts.MaxAge > 0 {
		idle = time.Duration(opts.MaxAge) * time.Second
	}

	s.mu.Lock()
	old, found := s.sessions[session.ID]
	if found && old.live(now) {
		s.sessions[session.ID] = entry{values, old.ends, now.Add(idle)}
	} else {
		// A new session, or one that ended since New: a fresh ID.
		delete(s.sessions, session.ID)
		session.ID = sessionid.NewID()
		s.sessions[session.ID] = entry{values, now.Add(s.lifetime), now.Add(idle)}
	}
	s.mu.Unlock()
	return s.ids.SetCookie(w, session.Name(), session.ID, &opts)
}

// copyValues returns the store's copy of a session's values.
func copyValues(values map[any]any) (map[any]any, error) {
	stored := make(map[any]any, len(values))
	for k, v := range values {
		switch v.(type) {
		case bool, string, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
			stored[k] = v // immutable: nothing to copy
		default:
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(&v); err != nil {
				return nil, fmt.Errorf("memstore: session value %v: %w (gob.Register its type)", k, err)
			}
			stored[k] = gobbed(buf.Bytes())
		}
	}
	return stored, nil
}

// Regenerate gives the session a new ID and forgets the old one, keeping its
// values; its absolute lifetime starts again. Call it when a visitor's
// privileges change, such as at login, so that an ID somebody planted or
// copied before then is worthless afterwards. It saves the session and
// sends the new cookie.
func (s *Store) Regenerate(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	s.forget(session.ID)
	session.ID = ""
	return s.Save(r, w, session)
}

// forget deletes a session.
func (s *Store) forget(id string) {
	s.mu.Lock()
	delete(s.sessions, id)
	s.mu.Unlock()
}

// Len reports how many sessions the store holds, expired ones that the sweep
// has not yet removed included.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Sweep removes every expired session now and reports how many it removed.
// The background sweep calls it; tests may call it directly.
func (s *Store) Sweep() int {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	removed := 0
	for id, e := range s.sessions {
		if !e.live(now) {
			delete(s.sessions, id)
			removed++
		}
	}
	// A Go map never gives back the room it grew to. After a wave of
	// visitors has expired, move the survivors to a fresh map so that the
	// big one can be collected.
	if removed > 0 && removed >= len(s.sessions) {
		fresh := make(map[string]entry, len(s.sessions))
		for id, e := range s.sessions {
			fresh[id] = e
		}
		s.sessions = fresh
	}
	return removed
}

// Close stops the background sweep. The store still answers afterwards, but
// expired sessions are no longer removed. Close is safe to call twice.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *Store) sweepEvery(interval time.Duration) {
	defer close(s.done)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-ticker.C:
			if n := s.Sweep(); n > 0 {
				s.log.Debug("memstore: removed expired sessions", "count", n)
			}
		}
	}
}
