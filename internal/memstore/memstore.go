// Package memstore is an in-memory session store for gorilla/sessions: the
// Go counterpart of express-session's MemoryStore.
//
// gorilla/sessions ships no memory store, and the published ones either
// never remove an expired session or share the handler's values, so that a
// change after Save changes the stored session too. This one behaves like
// a store with a server behind it: the cookie carries only a random ID,
// signed with securecookie; each session is a copy of its values, taken at
// Save, with an idle and an absolute timeout; a sweep removes the expired.
// Its sessions vanish when the process stops, and are not shared between
// processes: for more than one instance, use Redis (step05).
//
//	store, err := memstore.New(memstore.Config{Secrets: [][]byte{secret}})
//	if err != nil { ... }
//	defer store.Close()
//	e.Use(session.Middleware(store))
package memstore

import (
	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/sessionid"
)

// Config holds what New needs. Only Secrets is required.
type Config struct {
	// Secrets sign the cookie: the first signs, all verify (rotation). At
	// least 32 bytes each, from configuration, never from the source.
	Secrets [][]byte
	// MaxAge is how long, in seconds, a session lives after its last save
	// (the idle timeout), and the cookie's Max-Age; Lifetime, after it
	// began (the absolute timeout). 0 means a day, and a week.
	MaxAge, Lifetime int
	Secure           bool             // HTTPS only; a request over TLS gets it anyway
	SweepInterval    time.Duration    // 0 means a minute, or MaxAge if shorter
	Now              func() time.Time // the clock; nil means time.Now
	Logger           *slog.Logger     // for debug lines; nil means slog.Default()
}

// Store is an in-memory sessions.Store, safe for concurrent use. Create it
// with New and stop its sweep with Close.
type Store struct {
	Options *sessions.Options // for new sessions; change before serving

	ids                       *sessionid.Codec
	maxAge, lifetime, refresh time.Duration // refresh: see Save
	now                       func() time.Time
	log                       *slog.Logger

	mu       sync.Mutex
	sessions map[string]entry

	stopSweep context.CancelFunc
	sweeping  sync.WaitGroup
}

// entry is one stored session: a copy of its values, and when it ends.
type entry struct {
	values  []pair    // plain values as they are, others gob-encoded
	ends    time.Time // the absolute lifetime: creation + Lifetime
	expires time.Time // the idle timeout: the last Save + MaxAge
	sent    time.Time // when the cookie was last sent
}

// pair is one of a session's values: a short list of them takes half the
// memory of a map.
type pair struct{ key, value any }

// gobbed is a value kept as gob encodes it (see Save).
type gobbed []byte

// New returns a Store and starts its sweep.
func New(cfg Config) (*Store, error) {
	maxAgeSeconds, lifetime, err := sessionid.Timeouts(cfg.MaxAge, cfg.Lifetime)
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	ids, err := sessionid.New(cfg.Secrets, maxAgeSeconds)
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	maxAge := time.Duration(maxAgeSeconds) * time.Second
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = min(time.Minute, maxAge)
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	s := &Store{
		Options:  sessionid.Options(maxAgeSeconds, cfg.Secure),
		ids:      ids,
		maxAge:   maxAge,
		lifetime: time.Duration(lifetime) * time.Second,
		refresh:  min(time.Minute, maxAge/10),
		now:      cfg.Now,
		log:      cfg.Logger,
		sessions: make(map[string]entry),
	}
	ctx, stop := context.WithCancel(context.Background())
	s.stopSweep = stop
	s.sweeping.Go(func() { s.sweepEvery(ctx, cfg.SweepInterval) })
	return s, nil
}

// Get returns the request's session called name through gorilla's registry
// (so sessions.Save saves it too).
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New returns the stored session that the request's cookie names, or a new
// empty one (IsNew) when there is none: no cookie, a cookie that does not
// verify, a session that ended. That is not an error: the next Save gives
// the visitor a fresh ID. Values are a copy: nothing changes until Save.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	session := sessionid.NewSession(s, name, s.Options)
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
	for _, p := range e.values {
		v := p.value
		if b, ok := v.(gobbed); ok {
			if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&v); err != nil {
				return session, fmt.Errorf("memstore: decoding %v: %w", p.key, err) // Save encoded it
			}
		}
		session.Values[p.key] = v
	}
	session.ID, session.IsNew = id, false
	return session, nil
}

// ID returns the ID in the request's cookie called name, checked (once per
// request), and false when there is no usable cookie. The lock calls it.
func (s *Store) ID(r *http.Request, name string) (string, bool) {
	id, ok := s.ids.FromRequest(r, name)
	if !ok {
		if _, err := r.Cookie(name); err == nil { // tampered, too old...: a fresh session
			s.log.Debug("memstore: ignoring a session cookie that does not verify", "cookie", name)
		}
	}
	return id, ok
}

// live reports whether the session has neither timed out at now.
func (e entry) live(now time.Time) bool {
	return now.Before(e.expires) && now.Before(e.ends)
}

// Save stores a copy of the values: a value that is not a plain number,
// string or bool is stored gob-encoded, as Redis stores it, so a type gob
// cannot encode fails here, and a change after Save changes nothing.
// Options.MaxAge < 0 deletes the session and clears the cookie; 0 makes a
// cookie the browser forgets when it closes. A session the store does not
// hold gets a fresh ID: adopting an ID it did not issue would let an
// attacker choose a victim's ID (session fixation). The cookie is sent for
// a new ID or changed options, else at most once a minute (or MaxAge/10)
// to move its Max-Age on: signing costs more than the rest of a visit.
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
	if !found || !old.live(now) { // new, or ended since New: a fresh ID
		delete(s.sessions, session.ID)
		session.ID = sessionid.NewID()
		old = entry{ends: now.Add(s.lifetime)}
	}
	send := old.sent.IsZero() || opts != *s.Options || now.Sub(old.sent) >= s.refresh
	if send {
		old.sent = now
	}
	s.sessions[session.ID] = entry{values, old.ends, now.Add(idle), old.sent}
	s.mu.Unlock()
	if !send {
		return nil
	}
	return s.ids.SetCookie(w, session.Name(), session.ID, &opts)
}

// copyValues returns the store's copy of a session's values.
func copyValues(values map[any]any) ([]pair, error) {
	stored := make([]pair, 0, len(values))
	for k, v := range values {
		switch v.(type) {
		case bool, string, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
			// immutable: nothing to copy
		default:
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(&v); err != nil {
				return nil, fmt.Errorf("memstore: session value %v: %w (gob.Register its type)", k, err)
			}
			v = gobbed(buf.Bytes())
		}
		stored = append(stored, pair{k, v})
	}
	return stored, nil
}

// Regenerate gives the session a new ID, keeping its values (its lifetime
// starts again), forgets the old one, saves and sends the new cookie. Call
// it at login, so that an ID planted or copied before is worthless.
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

// Len reports how many sessions the store holds, the unswept expired too.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Sweep removes every expired session now and reports how many.
func (s *Store) Sweep() int {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	before := len(s.sessions)
	maps.DeleteFunc(s.sessions, func(_ string, e entry) bool { return !e.live(now) })
	removed := before - len(s.sessions)
	// A Go map never gives back the room it grew to: after a wave of
	// visitors expired, move the survivors to a fresh, smaller map.
	if removed > 0 && removed >= len(s.sessions) {
		fresh := make(map[string]entry, len(s.sessions))
		maps.Copy(fresh, s.sessions)
		s.sessions = fresh
	}
	return removed
}

// Close stops the background sweep; the store still answers. Close is safe
// to call twice.
func (s *Store) Close() error {
	s.stopSweep()
	s.sweeping.Wait()
	return nil
}

func (s *Store) sweepEvery(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if n := s.Sweep(); n > 0 {
				s.log.Debug("memstore: removed expired sessions", "count", n)
			}
		}
	}
}
