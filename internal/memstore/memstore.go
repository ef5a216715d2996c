// Package memstore is an in-memory session store for gorilla/sessions.
//
// It is the Go counterpart of express-session's MemoryStore, built the way a
// production store should be: the cookie carries only a random session ID,
// signed (HMAC-SHA256, in securecookie's format); the session's values stay
// in this process; every session expires after its idle lifetime, and a
// background sweep removes expired sessions so memory does not grow without
// bound. Save a session with its own Save method (see Get).
//
// It keeps its sessions in one process's memory, so they vanish when the
// process restarts and are not shared between several processes. Use it to
// learn, in tests, and for a single instance that may forget its visitors; for
// anything else use a store with a server behind it (step05 shows Redis).
//
//	store, err := memstore.New(memstore.Config{Secrets: [][]byte{secret}})
//	if err != nil { ... }
//	defer store.Close()
//	e.Use(session.Middleware(store))
package memstore

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/idcookie"
)

// DefaultMaxAge is the idle lifetime of a session, in seconds, when
// Config.MaxAge is zero: one day.
const DefaultMaxAge = 86400

// MinSecretLength is the shortest secret New accepts. A signing key shorter
// than the HMAC-SHA256 output (32 bytes) is easier to guess than the
// signature it protects.
const MinSecretLength = idcookie.MinSecretLength

// Config holds what New needs. Only Secrets is required.
type Config struct {
	// Secrets sign the session cookie. The first one signs new cookies; all
	// of them verify incoming ones, so a secret can be rotated without
	// logging everybody out: put the new one first and keep the old one
	// second until the old cookies have expired. Each must be at least
	// MinSecretLength bytes long and must come from configuration, never
	// from the source code of a real deployment.
	Secrets [][]byte

	// MaxAge is how long, in seconds, a session lives after its last save.
	// It is also the cookie's Max-Age. Zero means DefaultMaxAge.
	MaxAge int

	// Secure marks the cookie Secure, so that the browser sends it only over
	// HTTPS. Set it when the site is served over HTTPS (also behind a proxy
	// that terminates TLS). A request that arrives over TLS gets a Secure
	// cookie either way.
	Secure bool

	// SweepInterval is how often expired sessions are removed. Zero means
	// one minute, or MaxAge if that is shorter. Tests set it short.
	SweepInterval time.Duration

	// Now returns the current time. Nil means time.Now. Tests inject a
	// clock so that they can expire a session without sleeping. It also
	// judges the age of the signed timestamp in cookies.
	Now func() time.Time

	// Logger receives a debug line for each cookie that could not be used.
	// Nil means slog.Default().
	Logger *slog.Logger
}

// Store is an in-memory sessions.Store. Create it with New and stop its
// sweeper with Close. A Store is safe for concurrent use.
type Store struct {
	// Options are the cookie options that new sessions start with. They are
	// set by New from Config: Path "/", HttpOnly, SameSite Lax, and Secure
	// only when asked for. Change them before serving, not while serving.
	Options *sessions.Options

	ids           *idcookie.Codec
	maxAge        time.Duration
	sweepInterval time.Duration
	now           func() time.Time
	log           *slog.Logger

	mu       sync.RWMutex
	sessions map[key]entry

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// The sessions map is built to be small and cheap for the garbage
// collector, which looks at every live session each time it runs, and
// runs more often the more the server allocates:
//
//   - key is the session ID's 16 bytes, not its 32-character hex string,
//     so the map holds no pointer to a separate string;
//   - a session's first value is kept in its entry, and only the others in
//     a list of their own: a session with one value (the counter's) is a
//     single slot in the map, with nothing else to allocate or to follow.
//     (A map of values would take some 300 bytes per session.)
//   - its expiry is a number, not a time.Time (which holds a pointer).

// key is a session ID as the map holds it.
type key [16]byte

// entry is one stored session. It is never changed once stored (Save puts
// in a fresh one), so Get can copy its values outside the lock.
type entry struct {
	expires int64 // unix nanoseconds; the session is gone from this instant
	n       int   // how many values: first, then more
	first   pair
	more    []pair
}

// pair is one of a session's values.
type pair struct{ key, value any }

// newEntry copies a session's values into an entry.
func newEntry(values map[any]any, expires int64) entry {
	e := entry{expires: expires, n: len(values)}
	if len(values) > 1 {
		e.more = make([]pair, 0, len(values)-1)
	}
	first := true
	for k, v := range values {
		if first {
			e.first, first = pair{k, v}, false
		} else {
			e.more = append(e.more, pair{k, v})
		}
	}
	return e
}

// copyTo puts the entry's values into m.
func (e *entry) copyTo(m map[any]any) {
	if e.n == 0 {
		return
	}
	m[e.first.key] = e.first.value
	for _, p := range e.more {
		m[p.key] = p.value
	}
}

// keyOf returns the map key for a session ID, and false when id cannot be
// an ID from idcookie.NewID.
func keyOf(id string) (key, bool) {
	var k key
	if len(id) != 2*len(k) {
		return k, false
	}
	_, err := hex.Decode(k[:], []byte(id))
	return k, err == nil
}

// New returns a Store and starts its sweeper. It fails when no secret is
// given or when a secret is too short.
func New(cfg Config) (*Store, error) {
	if cfg.MaxAge < 0 {
		return nil, fmt.Errorf("memstore: MaxAge must not be negative, got %d", cfg.MaxAge)
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	maxAge := time.Duration(cfg.MaxAge) * time.Second

	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	ids, err := idcookie.New(cfg.Secrets, cfg.MaxAge, now)
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}

	sweep := cfg.SweepInterval
	if sweep <= 0 {
		sweep = min(time.Minute, maxAge)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}

	s := &Store{
		Options: &sessions.Options{
			Path:   "/",
			MaxAge: cfg.MaxAge,
			// HttpOnly: page scripts cannot read the cookie, so an XSS bug
			// cannot steal the session.
			HttpOnly: true,
			// Lax: the browser leaves the cookie off cross-site POSTs and
			// subresource requests (a CSRF defence) but still sends it when
			// the visitor follows a link to us. gorilla's own stores default
			// to None, which needs Secure and sends the cookie everywhere.
			SameSite: http.SameSiteLaxMode,
			// Secure only when asked for: over plain http://localhost the
			// browser would drop a Secure cookie and every visit would
			// look like the first.
			Secure: cfg.Secure,
		},
		ids:           ids,
		maxAge:        maxAge,
		sweepInterval: sweep,
		now:           now,
		log:           logger,
		sessions:      make(map[key]entry),
		stop:          make(chan struct{}),
		done:          make(chan struct{}),
	}
	go s.sweepEvery()
	return s, nil
}

// Get returns the session called name for this request. It follows the
// sessions.Store contract: within one request, every call returns the same
// *sessions.Session.
//
// A cookie that cannot be used (missing, tampered with, signed with an
// unknown secret, too long, expired, or naming a session this store does not
// hold) is not an error: Get returns a new, empty session with IsNew set and
// a nil error, and the next Save gives the visitor a fresh ID.
//
// Get keeps the request's sessions in the request's context itself, not in
// gorilla's registry, which costs four allocations and some 450 bytes on
// every request. So save a session with its own Save method, as the course
// does: sessions.Save(r, w), which saves the registry's sessions, does not
// see this store's.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	ctx := r.Context()
	first, _ := ctx.Value(cacheKey{s}).(*cached)
	for c := first; c != nil; c = c.next {
		if c.session.Name() == name {
			return c.session, nil
		}
	}
	session, cookie := s.load(r, name)
	// As gorilla's registry does: the request carries the cache from here on.
	*r = *r.WithContext(context.WithValue(ctx, cacheKey{s}, &cached{session, cookie, first}))
	return session, nil
}

// cacheKey is the context key of a store's sessions for one request.
type cacheKey struct{ s *Store }

// cached is a list of the sessions that Get returned for one request: one,
// nearly always.
type cached struct {
	session *sessions.Session
	cookie  idcookie.Cookie // what the request's cookie carried, if it verified
	next    *cached
}

// cachedFor returns what Get cached for session in this request, or nil.
func (s *Store) cachedFor(r *http.Request, session *sessions.Session) *cached {
	c, _ := r.Context().Value(cacheKey{s}).(*cached)
	for ; c != nil; c = c.next {
		if c.session == session {
			return c
		}
	}
	return nil
}

// New returns the session called name for this request without the
// registry's cache: the stored session if the request's cookie names a live
// one, otherwise a new, empty session (see Get). Its Values are a copy, so
// changing them changes nothing until Save.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	session, _ := s.load(r, name)
	return session, nil
}

// load is New, and also returns what the request's cookie carried (the zero
// Cookie if it had none that verified), for Save to tell whether the
// browser's copy needs renewing.
func (s *Store) load(r *http.Request, name string) (*sessions.Session, idcookie.Cookie) {
	session := sessions.NewSession(s, name)
	*session.Options = *s.Options // a copy: the handler may change it
	session.IsNew = true

	now := s.now() // once per call: the clock is not free
	cookie, ok := s.readCookie(r, name, now)
	if !ok {
		return session, cookie
	}
	k, _ := keyOf(cookie.ID) // a verified ID is always a valid key
	s.mu.RLock()
	e, found := s.sessions[k]
	s.mu.RUnlock()
	if !found || now.UnixNano() >= e.expires {
		s.log.Debug("memstore: unknown or expired session ID; starting a fresh session")
		return session, cookie
	}
	session.ID = cookie.ID
	session.IsNew = false
	e.copyTo(session.Values) // a copy: handlers never share a map
	return session, cookie
}

// ID returns the session ID that the request's cookie called name carries,
// after checking its signature. It does not look the ID up, so the session
// may have expired. It reports false when there is no usable cookie.
func (s *Store) ID(r *http.Request, name string) (string, bool) {
	cookie, ok := s.readCookie(r, name, s.now())
	return cookie.ID, ok
}

// readCookie verifies the request's cookie called name at now. A cookie that
// does not verify is logged at debug level and reported as false.
func (s *Store) readCookie(r *http.Request, name string, now time.Time) (idcookie.Cookie, bool) {
	cookie, err := s.ids.Read(r, name, now)
	if err != nil {
		if _, hasCookie := idcookie.CookieValue(r, name); hasCookie {
			// Tampered, garbage, too long, too old or signed with another
			// secret. The visitor gets a fresh session, not an error page.
			s.log.Debug("memstore: ignoring a session cookie that does not verify", "cookie", name, "err", err)
		}
		return idcookie.Cookie{}, false
	}
	return cookie, true
}

// Save stores the session's values and, when needed, sends the cookie.
//
// A session whose Options.MaxAge is negative is deleted and its cookie
// cleared. A new session, or one whose ID this store does not hold, gets a
// fresh random ID: a store that adopted an ID it did not issue would let an
// attacker choose a victim's session ID (session fixation).
//
// The cookie is sent for a new ID, when the session's options differ from
// the store's, and otherwise at most once every refresh period (a minute, or
// a tenth of MaxAge) to move its expiry forward. An unchanged session on a
// busy page therefore costs no Set-Cookie header at all.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	opts := *session.Options
	sendCookie := opts != *s.Options // the handler changed the cookie's options
	if r.TLS != nil {
		opts.Secure = true // served over HTTPS: never send the ID in clear later
	}
	k, known := keyOf(session.ID)
	if opts.MaxAge < 0 {
		if known {
			s.forget(k)
		}
		return s.ids.WriteCookie(w, session.Name(), "", &opts, s.now())
	}

	t := s.now()
	now := t.UnixNano()
	lifetime := s.maxAge
	if opts.MaxAge > 0 {
		lifetime = time.Duration(opts.MaxAge) * time.Second
	}
	// A fresh entry, not a changed one: a concurrent Get may be copying
	// the old one's values outside the lock.
	e := newEntry(session.Values, now+int64(lifetime))

	stored := false
	if known {
		s.mu.Lock()
		if old, found := s.sessions[k]; found && now < old.expires {
			s.sessions[k] = e
			stored = true
		} else if found {
			delete(s.sessions, k) // expired since Get: never revive it
		}
		s.mu.Unlock()
	}
	if !stored {
		// A new session, or an ID this store does not hold: a fresh ID.
		id, err := idcookie.NewID()
		if err != nil {
			return err
		}
		k, _ = keyOf(id)
		s.mu.Lock()
		s.sessions[k] = e
		s.mu.Unlock()
		session.ID = id
		sendCookie = true
	}

	if !sendCookie && !s.cookieDue(r, session, t) {
		return nil // the browser's cookie is this session's, and fresh enough
	}
	if err := s.ids.WriteCookie(w, session.Name(), session.ID, &opts, t); err != nil {
		return fmt.Errorf("memstore: signing the session cookie: %w", err)
	}
	return nil
}

// cookieDue reports whether the response must carry the session's cookie
// again: the request's cookie is not this session's, or it is due for
// renewal. What the cookie carried comes from Get's cache when it can, so
// that it is not parsed and checked twice.
func (s *Store) cookieDue(r *http.Request, session *sessions.Session, now time.Time) bool {
	var cookie idcookie.Cookie
	if c := s.cachedFor(r, session); c != nil {
		cookie = c.cookie
	} else {
		cookie, _ = s.ids.Read(r, session.Name(), now) // a session from New
	}
	return cookie.ID != session.ID || s.ids.Due(cookie.Issued, now)
}

// Regenerate gives the session a new ID and forgets the old one, keeping its
// values. Call it when a visitor's privileges change, such as at login, so
// that an ID somebody planted or copied before then is worthless afterwards.
// It saves the session and sends the new cookie.
func (s *Store) Regenerate(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if k, ok := keyOf(session.ID); ok {
		s.forget(k)
	}
	session.ID = ""
	return s.Save(r, w, session)
}

// forget deletes a session.
func (s *Store) forget(k key) {
	s.mu.Lock()
	delete(s.sessions, k)
	s.mu.Unlock()
}

// Len reports how many sessions the store holds, expired ones that the sweep
// has not yet removed included.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sessions)
}

// Sweep removes every expired session now and reports how many it removed.
// The background sweeper calls it; tests may call it directly.
func (s *Store) Sweep() int {
	now := s.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	removed := 0
	for k, e := range s.sessions {
		if now >= e.expires {
			delete(s.sessions, k)
			removed++
		}
	}
	// A Go map never gives back the room it grew to. After a wave of
	// visitors has expired, move the survivors to a fresh map so that the
	// big one can be collected.
	// (maps.Clone would copy the big table along.)
	if removed > 0 && removed >= len(s.sessions) {
		fresh := make(map[key]entry, len(s.sessions))
		maps.Copy(fresh, s.sessions)
		s.sessions = fresh
	}
	return removed
}

// Close stops the background sweeper. The store still answers afterwards,
// but expired sessions are no longer removed. Close is safe to call twice.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *Store) sweepEvery() {
	defer close(s.done)
	ticker := time.NewTicker(s.sweepInterval)
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
