package sessionstore

import (
	"context"
	"errors"
	"net/http"
	"sync"
)

// Locker takes a session's turn across processes, after this process's
// own (see sessionstore/sharedlock). Lock should return once the caller holds
// id's turn, or ctx's cause when ctx ends first. The request then runs with
// the context that in returns (in may be nil): a storage whose lock read
// the record, or holds a transaction, finds its turn there.
type Locker interface {
	Lock(ctx context.Context, id string) (in func(context.Context) context.Context,
		unlock func(), err error)
}

// ErrBusy means another request of the session held its turn past Config.Wait.
var ErrBusy = errors.New("another request of this session is still running")

// Middleware returns net/http middleware that runs the requests of one
// session one at a time, in the order they came (mount it in Echo with
// echo.WrapMiddleware). Without it, two overlapping requests both load
// page_views = 7, both save 8, and a visit is lost: express-session,
// gorilla, echo-contrib and scs all let that happen. A first visit (no ID
// yet) takes no turn, and other sessions never wait. A request that waited
// Config.Wait in vain, or whose storage failed, gets a 503 that says so.
func (s *Store) Middleware(name string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, ok := s.ID(r, name)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			in, unlock, err := s.lock(r.Context(), id)
			if err != nil {
				msg := "The session store is not answering. Try again in a moment."
				if errors.Is(err, ErrBusy) {
					msg = "Another request of this session is still running. Try again in a moment."
				}
				// The path only: a query string may carry a password.
				s.log.Warn("sessionstore: request refused, no turn", "path", r.URL.Path, "err", err)
				w.Header().Set("Retry-After", "1")
				http.Error(w, msg, http.StatusServiceUnavailable)
				return
			}
			defer unlock() // also when the handler panics
			if in != nil {
				r = r.WithContext(in(r.Context()))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// lock takes id's turn: first in this process (in order), then, where the
// storage is shared, across processes; both within s.wait. Unlock once.
func (s *Store) lock(ctx context.Context, id string) (func(context.Context) context.Context,
	func(), error) {
	ctx, cancel := context.WithTimeoutCause(ctx, s.wait, ErrBusy)
	defer cancel()
	unlockLocal, err := s.turns.lock(ctx, id)
	if err != nil || s.shared == nil {
		return nil, unlockLocal, err
	}
	in, unlockShared, err := s.shared.Lock(ctx, id)
	if err != nil {
		unlockLocal()
		if ctx.Err() == nil {
			err = errors.Join(ErrUnavailable, err)
		}
		return nil, nil, err
	}
	return in, func() { unlockShared(); unlockLocal() }, nil
}

// turns is this process's lock per session: a map from ID to a channel
// that holds a token while the session's turn is taken, with an entry only
// while a request holds or awaits it. Go serves a channel's waiting senders
// in order, so the waiters of one session go first come, first served.
type turns struct {
	mu    sync.Mutex
	locks map[string]*turn
}

type turn struct {
	token chan struct{}
	users int // holders and waiters; guarded by turns.mu
}

func (t *turns) lock(ctx context.Context, id string) (func(), error) {
	t.mu.Lock()
	tn := t.locks[id]
	if tn == nil {
		tn = &turn{token: make(chan struct{}, 1)}
		t.locks[id] = tn
	}
	tn.users++
	t.mu.Unlock()
	leave := func() {
		t.mu.Lock()
		if tn.users--; tn.users == 0 {
			delete(t.locks, id)
		}
		t.mu.Unlock()
	}
	select {
	case tn.token <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, context.Cause(ctx)
	}
	return func() { <-tn.token; leave() }, nil
}
