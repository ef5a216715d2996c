// Package sessionlock makes the requests of one session take turns.
//
// A session store loads a session's values at the start of a request and
// writes them back at the end. When two requests of one visitor overlap,
// both load page_views = 7, both save 8, and one visit is lost: the last
// write wins. The middleware here holds a per-session lock for the whole
// request, so the second request loads what the first one saved. Requests
// of different sessions never wait for each other, and a first visit (no
// session ID yet) takes no lock at all.
//
//	e.Use(session.Middleware(store))
//	e.Use(sessionlock.Middleware(sessionlock.Config{
//		ID:     func(r *http.Request) (string, bool) { return store.ID(r, "sid") },
//		Locker: sessionlock.NewLocal(),
//	}))
package sessionlock

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// DefaultWait is how long a request waits for its session's lock when
// Config.Wait is zero.
const DefaultWait = 5 * time.Second

// Locker hands out one lock per session ID.
type Locker interface {
	// Lock should block until the caller holds the lock for id, and return
	// the function that releases it. It should give up, with an error, when
	// ctx is done. A lock must not be held for ever by a caller that never
	// releases it: a process-local Locker releases when the request ends
	// (the middleware defers unlock), a shared one should expire its locks.
	Lock(ctx context.Context, id string) (unlock func(), err error)
}

// Config configures Middleware.
type Config struct {
	// ID returns the session ID that the request's cookie carries, after
	// checking its signature, and false when there is none. Required.
	ID func(r *http.Request) (id string, ok bool)
	// Locker hands out the locks. Required.
	Locker Locker
	// Wait is the longest a request waits for its turn before it gets a
	// 503. Zero means DefaultWait.
	Wait time.Duration
}

// Middleware returns Echo middleware that runs the requests of one session
// one at a time. A request that cannot get its turn within Config.Wait, or
// whose Locker fails (a lock server that is down), gets a 503 with a plain
// explanation rather than a silently lost update.
func Middleware(cfg Config) echo.MiddlewareFunc {
	if cfg.ID == nil || cfg.Locker == nil {
		panic("sessionlock: Config.ID and Config.Locker are required")
	}
	if cfg.Wait <= 0 {
		cfg.Wait = DefaultWait
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, ok := cfg.ID(c.Request())
			if !ok {
				return next(c) // no session yet: nothing to race with
			}
			ctx, cancel := context.WithTimeout(c.Request().Context(), cfg.Wait)
			unlock, err := cfg.Locker.Lock(ctx, id)
			cancel()
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) {
					return echo.NewHTTPError(http.StatusServiceUnavailable,
						"Another request of this session is still running. Try again in a moment.").SetInternal(err)
				}
				return echo.NewHTTPError(http.StatusServiceUnavailable,
					"The session store is not answering. Try again in a moment.").SetInternal(err)
			}
			defer unlock() // also when the handler panics
			return next(c)
		}
	}
}

// Local is a Locker for the sessions of one process. Its table holds an
// entry only while some request holds or waits for that session's lock, so
// it never grows beyond the requests in flight. The zero value is ready to
// use; it must not be copied after first use.
type Local struct {
	mu    sync.Mutex
	locks map[string]*localLock
}

type localLock struct {
	turn  chan struct{} // holds one token while the lock is held
	users int           // holders and waiters; guarded by Local.mu
}

// NewLocal returns an empty Local.
func NewLocal() *Local { return &Local{} }

// Lock implements Locker.
func (l *Local) Lock(ctx context.Context, id string) (func(), error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = make(map[string]*localLock)
	}
	lk := l.locks[id]
	if lk == nil {
		lk = &localLock{turn: make(chan struct{}, 1)}
		l.locks[id] = lk
	}
	lk.users++
	l.mu.Unlock()

	select {
	case lk.turn <- struct{}{}:
		var once sync.Once
		return func() {
			once.Do(func() {
				<-lk.turn
				l.leave(id, lk)
			})
		}, nil
	case <-ctx.Done():
		l.leave(id, lk)
		return nil, ctx.Err()
	}
}

// leave drops one user of lk and removes the entry when nobody is left.
func (l *Local) leave(id string, lk *localLock) {
	l.mu.Lock()
	lk.users--
	if lk.users == 0 {
		delete(l.locks, id)
	}
	l.mu.Unlock()
}

// Len reports how many sessions have a lock held or awaited right now.
func (l *Local) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.locks)
}
