// Package sessionlock makes the requests of one session take turns.
//
// It stands in for nothing published: express-session, gorilla/sessions,
// echo-contrib and scs all let two requests of one session overlap. A store
// loads a session when a request starts and saves it when it ends, so two
// overlapping requests both load page_views = 7, both save 8, and a visit
// is lost. This middleware holds a lock per session for the whole request.
// Other sessions never wait, and a first visit (no ID yet) takes no lock.
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

// DefaultWait is the longest a request waits for its turn by default.
const DefaultWait = 5 * time.Second

// ErrBusy is a Locker's answer when the lock stayed taken for all the wait.
var ErrBusy = errors.New("sessionlock: another request of this session holds the lock")

// Locker hands out one lock per session ID.
type Locker interface {
	// Lock should block until the caller holds id's lock, and return the
	// func that releases it (a second call does nothing). It should give
	// up with ErrBusy after wait, or with ctx's error. A lock shared between
	// processes should end if its holder dies.
	Lock(ctx context.Context, id string, wait time.Duration) (unlock func(), err error)
}

// Config configures Middleware.
type Config struct {
	// ID returns the checked session ID of the request's cookie, and false
	// when there is none. Required.
	ID     func(r *http.Request) (id string, ok bool)
	Locker Locker        // hands out the locks; required
	Wait   time.Duration // before a 503; zero means DefaultWait
}

// Middleware returns Echo middleware that runs the requests of one session
// one at a time. A request that cannot get its turn within Config.Wait, or
// whose Locker fails, gets a 503 that says so, never a lost update.
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
			unlock, err := cfg.Locker.Lock(c.Request().Context(), id, cfg.Wait)
			if err != nil {
				msg := "The session store is not answering. Try again in a moment."
				if errors.Is(err, ErrBusy) {
					msg = "Another request of this session is still running. Try again in a moment."
				}
				return echo.NewHTTPError(http.StatusServiceUnavailable, msg).SetInternal(err)
			}
			defer unlock() // also when the handler panics
			return next(c)
		}
	}
}

// Local is a Locker for one process: a mutex-guarded map from session ID to
// a lock, with an entry only while a request holds or awaits it.
type Local struct {
	mu    sync.Mutex
	locks map[string]*turn
}

// turn is one session's lock: its channel holds a token while it is held.
type turn struct {
	token chan struct{}
	users int // holders and waiters; guarded by Local.mu
}

// NewLocal returns an empty Local.
func NewLocal() *Local { return &Local{} }

// Lock implements Locker. A free lock is taken without setting a timer.
func (l *Local) Lock(ctx context.Context, id string, wait time.Duration) (func(), error) {
	t := l.join(id)
	select {
	case t.token <- struct{}{}: // free: the common case
	default:
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case t.token <- struct{}{}:
		case <-timer.C:
			l.leave(id, t)
			return nil, ErrBusy
		case <-ctx.Done():
			l.leave(id, t)
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() { // a second call must not release somebody else's turn
			<-t.token
			l.leave(id, t)
		})
	}, nil
}

// join finds or makes id's lock, and counts the caller as a user.
func (l *Local) join(id string) *turn {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.locks == nil {
		l.locks = make(map[string]*turn)
	}
	t := l.locks[id]
	if t == nil {
		t = &turn{token: make(chan struct{}, 1)}
		l.locks[id] = t
	}
	t.users++
	return t
}

// leave drops a user of id's lock, and the lock when nobody is left.
func (l *Local) leave(id string, t *turn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.users--; t.users == 0 {
		delete(l.locks, id)
	}
}

// Len reports how many sessions have a lock held or awaited right now.
func (l *Local) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.locks)
}
