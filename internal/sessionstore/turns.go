package sessionstore

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"sync"
	"time"
)

// Locker is what a Storage that several processes share adds, so that
// their requests of one session take turns too. The engine polls TryLock
// and renews the lock while its request runs; a holder that dies stops
// renewing, and its lock ends with its lease.
type Locker interface {
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

// ErrBusy is the answer when another request of the session kept its turn
// for all of Config.Wait.
var ErrBusy = errors.New("another request of this session is still running")

// Middleware returns net/http middleware that runs the requests of one
// session one at a time (mount it in Echo with echo.WrapMiddleware). Without
// it, two overlapping requests both load page_views = 7, both save 8, and
// a visit is lost: express-session, gorilla, echo-contrib and scs all let
// that happen. A first visit (no ID yet) takes no turn, and other sessions
// never wait. The requests of a session are served in the order they came;
// one that waited Config.Wait in vain, or whose storage failed, gets a 503
// that says so.
func (s *Store) Middleware(name string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, ok := s.ID(r, name)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			unlock, err := s.lock(r.Context(), id)
			if err != nil {
				msg := "The session store is not answering. Try again in a moment."
				if errors.Is(err, ErrBusy) {
					msg = "Another request of this session is still running. Try again in a moment."
				}
				s.log.Warn("sessionstore: request refused, no turn", "uri", r.RequestURI, "err", err)
				w.Header().Set("Retry-After", "1")
				http.Error(w, msg, http.StatusServiceUnavailable)
				return
			}
			defer unlock() // also when the handler panics
			next.ServeHTTP(w, r)
		})
	}
}

// lock takes id's turn: first in this process (in order), then, where the
// storage is shared, across processes; both within s.wait.
func (s *Store) lock(ctx context.Context, id string) (func(), error) {
	ctx, cancel := context.WithTimeoutCause(ctx, s.wait, ErrBusy)
	defer cancel()
	unlockLocal, err := s.turns.lock(ctx, id)
	if err != nil || s.shared == nil {
		return unlockLocal, err
	}
	unlockShared, err := s.lockShared(ctx, id)
	if err != nil {
		unlockLocal()
		return nil, err
	}
	return func() { unlockShared(); unlockLocal() }, nil
}

// lockShared polls the storage's lock until it is ours or ctx ends.
func (s *Store) lockShared(ctx context.Context, id string) (func(), error) {
	token := rand.Text() // tells this holder from every other
	for pause := time.Millisecond; ; pause = min(2*pause, 16*time.Millisecond) {
		ok, err := s.shared.TryLock(ctx, id, token, s.lease)
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if err != nil {
			return nil, errors.Join(ErrUnavailable, err)
		}
		if ok {
			return s.holdShared(id, token), nil
		}
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-time.After(pause):
		}
	}
}

// holdShared renews the lock every third of its lease until the returned
// func is called, which then releases it.
func (s *Store) holdShared(id, token string) func() {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(s.lease / 3)
		defer ticker.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ticker.C:
				ctx, cancel := context.WithTimeout(context.Background(), s.lease/3)
				held, err := s.shared.Renew(ctx, id, token, s.lease)
				cancel()
				if err == nil && !held {
					s.log.Warn("sessionstore: a session lock was lost while its request ran")
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
			ctx, cancel := context.WithTimeout(context.Background(), s.lease)
			defer cancel()
			if err := s.shared.Unlock(ctx, id, token); err != nil {
				s.log.Warn("sessionstore: releasing a session lock failed; it ends with its lease", "err", err)
			}
		})
	}
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
	if t.locks == nil {
		t.locks = make(map[string]*turn)
	}
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
	var once sync.Once
	return func() {
		once.Do(func() { // a second call must not end somebody else's turn
			<-tn.token
			leave()
		})
	}, nil
}

// Len reports how many sessions have a turn held or awaited in this process.
func (s *Store) Len() int {
	s.turns.mu.Lock()
	defer s.turns.mu.Unlock()
	return len(s.turns.locks)
}
