// Package sharedlock makes the requests of one session take turns across
// processes, over a lock that a storage keeps (a Redis key, an SQL row):
// the poll, the lease and its renewal, written once for every such store.
//
// It stands in for nothing published: express-session, gorilla/sessions,
// echo-contrib and scs all let two requests of one session overlap. The
// session engine (sessionstore) takes its own process's turn first,
// so that only one request per process polls here.
//
//	store, _ := sessionstore.New(storage, sessionstore.Config{
//		Secrets: secrets,
//		Shared:  sharedlock.New(storage, 0, logger),
//	})
package sharedlock

import (
	"cmp"
	"context"
	"crypto/rand"
	"log/slog"
	"sync"
	"time"
)

// Storage is a lock per session ID that several processes share. The
// holder renews it while its request runs; one that dies stops renewing,
// and its lock ends with its lease.
type Storage interface {
	// TryLock should take id's lock for token until lease from now if
	// nobody holds it (or its holder's lease ran out), and report whether
	// it did.
	TryLock(ctx context.Context, id, token string, lease time.Duration) (bool, error)
	// Renew should extend the lock if token still holds it, and report
	// whether it does.
	Renew(ctx context.Context, id, token string, lease time.Duration) (bool, error)
	// Unlock should release the lock if token still holds it.
	Unlock(ctx context.Context, id, token string) error
}

// DefaultLease is how long a lock lives unless renewed.
const DefaultLease = 2 * time.Second

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

// Lock polls until id's lock is ours or ctx ends, and returns the func
// that releases it (a second call does nothing).
func (l *Lock) Lock(ctx context.Context, id string) (func(), error) {
	token := rand.Text() // tells this holder from every other
	for pause := time.Millisecond; ; pause = min(2*pause, 16*time.Millisecond) {
		ok, err := l.storage.TryLock(ctx, id, token, l.lease)
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if err != nil {
			return nil, err
		}
		if ok {
			return l.hold(id, token), nil
		}
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-time.After(pause):
		}
	}
}

// hold renews the lock every third of its lease until the returned func is
// called, which then releases it.
func (l *Lock) hold(id, token string) func() {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(l.lease / 3)
		defer ticker.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ticker.C:
				ctx, cancel := context.WithTimeout(context.Background(), l.lease/3)
				held, err := l.storage.Renew(ctx, id, token, l.lease)
				cancel()
				if err == nil && !held {
					l.log.Warn("sharedlock: a session lock was lost while its request ran")
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
			ctx, cancel := context.WithTimeout(context.Background(), l.lease)
			defer cancel()
			if err := l.storage.Unlock(ctx, id, token); err != nil {
				l.log.Warn("sharedlock: releasing a session lock failed; it ends with its lease",
					"err", err)
			}
		})
	}
}
