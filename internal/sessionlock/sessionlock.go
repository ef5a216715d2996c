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
	"hash/maphash"
	"net/http"
	"runtime"
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
			unlock, err := lock(c.Request().Context(), cfg, id)
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

// TryLocker is a Locker that can also take a free lock without waiting.
// Middleware uses it first, and sets up a deadline only when it must wait.
type TryLocker interface {
	Locker
	// TryLock should take the lock for id if nobody holds it, and report
	// false at once otherwise.
	TryLock(id string) (unlock func(), ok bool)
}

// trySpins is how many more times lock tries a TryLocker before it waits.
const trySpins = 3

// lock takes id's lock, waiting at most cfg.Wait.
func lock(ctx context.Context, cfg Config, id string) (func(), error) {
	if t, ok := cfg.Locker.(TryLocker); ok {
		if unlock, ok := t.TryLock(id); ok {
			return unlock, nil // the common case: nobody else is in this session
		}
		// Another request of this session holds the lock, most likely for a
		// few microseconds more. Let other goroutines run a few times and
		// try again before paying for a deadline and a wait.
		for range trySpins {
			runtime.Gosched()
			if unlock, ok := t.TryLock(id); ok {
				return unlock, nil
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Wait)
	defer cancel()
	return cfg.Locker.Lock(ctx, id)
}

// Local is a Locker for the sessions of one process. Its table holds an
// entry only while some request holds or waits for that session's lock, so
// it never grows beyond the requests in flight. The zero value is ready to
// use; it must not be copied after first use.
type Local struct {
	// The table is split in shards, each with its own mutex, so that
	// requests of different sessions seldom touch the same mutex.
	shards [localShards]localShard
}

const localShards = 32

type localShard struct {
	mu    sync.Mutex
	locks map[string]*localLock
	_     [40]byte // keep shards on separate cache lines
}

// seed hashes IDs to shards.
var seed = maphash.MakeSeed()

func (l *Local) shard(id string) *localShard {
	return &l.shards[maphash.String(seed, id)%localShards]
}

type localLock struct {
	turn    chan struct{} // holds one token while the lock is held
	users   int           // holders and waiters; guarded by the shard's mu
	owner   *localShard
	id      string
	release func() // lk.unlock, made once: a method value allocates
}

// lockPool recycles entries: a busy server takes and releases a lock on
// every request, and need not allocate one (or its unlock func) each time.
var lockPool = sync.Pool{New: func() any { return new(localLock) }}

// NewLocal returns an empty Local.
func NewLocal() *Local { return &Local{} }

// Lock implements Locker. Call the returned unlock exactly once.
func (l *Local) Lock(ctx context.Context, id string) (func(), error) {
	sh := l.shard(id)
	lk := sh.join(id)
	select {
	case lk.turn <- struct{}{}:
		return lk.release, nil
	case <-ctx.Done():
		sh.leave(lk)
		return nil, ctx.Err()
	}
}

// TryLock implements TryLocker. Call the returned unlock exactly once.
func (l *Local) TryLock(id string) (func(), bool) {
	sh := l.shard(id)
	lk := sh.join(id)
	select {
	case lk.turn <- struct{}{}:
		return lk.release, true
	default:
		sh.leave(lk)
		return nil, false
	}
}

// join finds or makes id's entry and counts the caller as one of its users.
func (sh *localShard) join(id string) *localLock {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.locks == nil {
		sh.locks = make(map[string]*localLock)
	}
	lk := sh.locks[id]
	if lk == nil {
		lk = lockPool.Get().(*localLock)
		if lk.turn == nil { // new from the pool
			lk.turn, lk.release = make(chan struct{}, 1), lk.unlock
		}
		lk.owner, lk.id = sh, id
		sh.locks[id] = lk
	}
	lk.users++
	return lk
}

// unlock releases a held lock.
func (lk *localLock) unlock() {
	<-lk.turn
	lk.owner.leave(lk)
}

// leave drops one user of lk and, when nobody is left, removes the entry
// and recycles it.
func (sh *localShard) leave(lk *localLock) {
	sh.mu.Lock()
	lk.users--
	if lk.users == 0 {
		delete(sh.locks, lk.id)
		lk.owner, lk.id = nil, ""
		lockPool.Put(lk)
	}
	sh.mu.Unlock()
}

// Len reports how many sessions have a lock held or awaited right now.
func (l *Local) Len() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.locks)
		sh.mu.Unlock()
	}
	return n
}
