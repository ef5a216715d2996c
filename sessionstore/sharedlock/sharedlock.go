// Package sharedlock makes the requests of one session take turns across
// processes, on the lock of the database they share: a row lock in a
// PostgreSQL transaction, a Redis key with a lease, a row in an SQLite
// file. Each storage takes its own (see their Turn methods); this package
// is the engine's side of it, written once: a turn that ends as its
// deadline passes is given back, and a failed release is logged.
//
// It stands in for nothing published: express-session, gorilla/sessions,
// echo-contrib and scs all let two requests of one session overlap. The
// session engine (sessionstore) takes its own process's turn first, so
// that only one request per process waits here.
//
//	store, _ := sessionstore.New(storage, sessionstore.Config{
//		Secrets: secrets,
//		Shared:  sharedlock.New(storage, 0, logger),
//	})
package sharedlock

import (
	"cmp"
	"context"
	"log/slog"
	"sync"
	"time"
)

// Storage is a storage that several processes share, with a lock per
// session ID.
type Storage interface {
	// Turn should return once the caller holds id's turn, or ctx's cause
	// when ctx ends first. The request's storage calls then run with the
	// context that in returns (in may be nil), so that the storage can
	// answer Find from what the turn read, and write within the turn.
	// end gives the turn back. A lock that outlives a dead holder (a
	// lease) should end lease after it was taken.
	Turn(ctx context.Context, id string, lease time.Duration) (
		in func(context.Context) context.Context, end func() error, err error)
}

// DefaultLease is how long a lease lives, where the lock is one (Redis,
// SQLite): a request that runs longer loses its turn, and its write is
// refused. A holder that died frees the session after it.
const DefaultLease = 10 * time.Second

// Lock is a sessionstore.Locker over a Storage.
type Lock struct {
	storage Storage
	lease   time.Duration
	log     *slog.Logger
}

// New returns a Lock; lease 0 means DefaultLease, logger nil slog.Default().
func New(storage Storage, lease time.Duration, logger *slog.Logger) *Lock {
	return &Lock{storage, cmp.Or(lease, DefaultLease), cmp.Or(logger, slog.Default())}
}

// Lock waits for id's turn until ctx ends, and returns the func that
// gives it back (a second call does nothing).
func (l *Lock) Lock(ctx context.Context, id string) (func(context.Context) context.Context,
	func(), error) {
	in, end, err := l.storage.Turn(ctx, id, l.lease)
	if err != nil {
		return nil, nil, err
	}
	var once sync.Once
	unlock := func() {
		once.Do(func() {
			if err := end(); err != nil {
				l.log.Warn("sharedlock: giving a session's turn back failed", "err", err)
			}
		})
	}
	if ctx.Err() != nil { // taken as the deadline passed: nobody will use it
		unlock()
		return nil, nil, context.Cause(ctx)
	}
	return in, unlock, nil
}
