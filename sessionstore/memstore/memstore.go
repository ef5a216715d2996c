// Package memstore keeps sessions in this process's memory, as storage for
// the course's session engine (sessionstore): the Go counterpart
// of express-session's MemoryStore. gorilla/sessions ships no memory store,
// and the published ones either never remove an expired session or share
// the handler's values. This one keeps the engine's bytes, as Redis would,
// and removes expired sessions as it goes (lazily, as Echo's rate limiter
// does: no goroutine, no Close). Its sessions vanish with the process.
package memstore

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"
)

// SweepInterval is how often, at most, Create removes expired sessions.
const SweepInterval = time.Minute

// Store is a sessionstore.Storage in memory, safe for concurrent use.
type Store struct {
	mu        sync.Mutex
	sessions  map[string]entry
	lastSweep time.Time
}

// entry is one stored session. It holds one pointer, its bytes, so that the
// garbage collector has little to trace in a store of many sessions.
type entry struct {
	data   []byte
	expiry int64 // Unix nanoseconds
}

// New returns an empty Store.
func New() *Store { return &Store{sessions: make(map[string]entry), lastSweep: time.Now()} }

// Find implements sessionstore.Storage.
func (s *Store) Find(_ context.Context, id string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.sessions[id]
	return e.data, ok, nil
}

// errTaken is Create's answer for an ID that holds a live session.
var errTaken = errors.New("memstore: a fresh session ID already exists")

// Create implements sessionstore.Storage, and sweeps once a SweepInterval.
// It never overwrites a live session (128 random bits never collide; this
// makes sure of it, as Redis's NX and SQL's primary key do).
func (s *Store) Create(_ context.Context, id string, data []byte, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if now.Sub(s.lastSweep) >= SweepInterval {
		s.sweep(now)
	}
	if e, ok := s.sessions[id]; ok && e.expiry > now.UnixNano() {
		return errTaken
	}
	s.sessions[id] = entry{data, expiry.UnixNano()}
	return nil
}

// Update implements sessionstore.Storage. An expired session stays ended.
func (s *Store) Update(_ context.Context, id string, data []byte, expiry time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.sessions[id]; !ok || e.expiry <= time.Now().UnixNano() {
		return false, nil
	}
	s.sessions[id] = entry{data, expiry.UnixNano()}
	return true, nil
}

// Delete implements sessionstore.Storage.
func (s *Store) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
	return nil
}

// Len reports how many sessions the store holds, the unswept expired too.
func (s *Store) Len() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.sessions) }

// sweep removes every session expired by now.
func (s *Store) sweep(now time.Time) {
	s.lastSweep = now
	before := len(s.sessions)
	maps.DeleteFunc(s.sessions, func(_ string, e entry) bool { return e.expiry <= now.UnixNano() })
	// A Go map never gives back the room it grew to: after a wave of
	// visitors expired, move the survivors to a fresh, smaller map.
	if removed := before - len(s.sessions); removed > 0 && removed >= len(s.sessions) {
		fresh := make(map[string]entry, len(s.sessions))
		maps.Copy(fresh, s.sessions)
		s.sessions = fresh
	}
}
