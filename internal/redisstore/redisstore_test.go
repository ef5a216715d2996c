package redisstore

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/go-sessions-course/echo-sessions/internal/redistest"
	"github.com/go-sessions-course/echo-sessions/internal/sessionid"
	"github.com/go-sessions-course/echo-sessions/internal/sessionlock"
	"github.com/go-sessions-course/echo-sessions/internal/storetest"
)

const cookieName = "sid"

var secret = []byte("redisstore-test-secret-0123456789abcdef")

func newStore(t *testing.T, srv *redistest.Server, cfg Config) (*Store, *redis.Client) {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	cfg.Client = client
	if cfg.Secrets == nil {
		cfg.Secrets = [][]byte{secret}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, client
}

// visit runs one request through the store (see storetest.Visit).
func visit(t *testing.T, s *Store, cookie *http.Cookie, change func(*sessions.Session)) (*sessions.Session, *http.Cookie, error) {
	return storetest.Visit(s, cookieName, cookie, change)
}

func mustVisit(t *testing.T, s *Store, cookie *http.Cookie, change func(*sessions.Session)) (*sessions.Session, *http.Cookie) {
	t.Helper()
	return storetest.MustVisit(t, s, cookieName, cookie, change)
}

func setCount(n int) func(*sessions.Session) {
	return func(s *sessions.Session) { s.Values["page_views"] = n }
}

func TestRoundTripAndTTL(t *testing.T) {
	srv := redistest.Start(t)
	s, client := newStore(t, srv, Config{MaxAge: 600})
	first, cookie := mustVisit(t, s, nil, setCount(1))
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Secure || cookie.MaxAge != 600 {
		t.Fatalf("cookie %+v: want HttpOnly, Lax, Path=/, no Secure, Max-Age 600", cookie)
	}
	ttl := client.TTL(context.Background(), "session:"+first.ID).Val()
	if ttl <= 590*time.Second || ttl > 600*time.Second {
		t.Errorf("TTL %v, want about 600s: Redis expires the session", ttl)
	}
	second, again := mustVisit(t, s, cookie, nil)
	if second.IsNew || second.ID != first.ID || second.Values["page_views"] != 1 {
		t.Errorf("second visit: IsNew=%v ID=%q values=%v", second.IsNew, second.ID, second.Values)
	}
	if again == nil || again.MaxAge != 600 {
		t.Errorf("a returning visit got cookie %v, want one with a fresh Max-Age", again)
	}
	mustVisit(t, s, cookie, setCount(2))
	third, _ := mustVisit(t, s, cookie, nil)
	if third.Values["page_views"] != 2 {
		t.Errorf("got %v, want 2", third.Values["page_views"])
	}
}

func TestStrictIDs(t *testing.T) {
	srv := redistest.Start(t)
	s, client := newStore(t, srv, Config{})
	ids, _ := sessionid.New([][]byte{secret}, 3600)
	unknown := sessionid.NewID()
	rec := httptest.NewRecorder()
	if err := ids.SetCookie(rec, cookieName, unknown, &sessions.Options{}); err != nil {
		t.Fatal(err)
	}
	forged := rec.Result().Cookies()[0]

	sess, cookie := mustVisit(t, s, forged, setCount(1))
	if sess.ID == unknown || cookie == nil {
		t.Fatal("the store adopted an ID it never issued")
	}

	// Expired in Redis: a fresh session under a fresh ID.
	client.PExpire(context.Background(), "session:"+sess.ID, time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	again, fresh := mustVisit(t, s, cookie, nil)
	if !again.IsNew || again.ID == sess.ID || fresh == nil {
		t.Errorf("expired session: IsNew=%v ID=%q (old %q)", again.IsNew, again.ID, sess.ID)
	}

	// Deleted between Get and Save: not brought back under its old ID.
	_, cookie = mustVisit(t, s, nil, setCount(1))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(cookie)
	loaded, _ := s.New(req, cookieName)
	oldID := loaded.ID
	client.Del(context.Background(), "session:"+oldID)
	if err := s.Save(req, httptest.NewRecorder(), loaded); err != nil {
		t.Fatal(err)
	}
	if loaded.ID == oldID {
		t.Error("Save revived a deleted session under its old ID")
	}
}

func TestDeleteAndReplay(t *testing.T) {
	srv := redistest.Start(t)
	s, client := newStore(t, srv, Config{})
	sess, cookie := mustVisit(t, s, nil, setCount(5))
	_, cleared := mustVisit(t, s, cookie, func(s *sessions.Session) { s.Options.MaxAge = -1 })
	if cleared == nil || cleared.MaxAge >= 0 {
		t.Errorf("want a clearing cookie, got %v", cleared)
	}
	if n := client.Exists(context.Background(), "session:"+sess.ID).Val(); n != 0 {
		t.Error("the session is still in Redis")
	}
	if replay, _ := mustVisit(t, s, cookie, nil); !replay.IsNew || replay.Values["page_views"] != nil {
		t.Errorf("replayed cookie: IsNew=%v values=%v", replay.IsNew, replay.Values)
	}
}

func TestRegenerate(t *testing.T) {
	s, _ := newStore(t, redistest.Start(t), Config{})
	storetest.CheckRegenerate(t, s, cookieName)
}

func TestOutageAndRecovery(t *testing.T) {
	srv := redistest.Start(t)
	s, _ := newStore(t, srv, Config{})
	_, cookie := mustVisit(t, s, nil, setCount(1))

	srv.Stop()
	if _, _, err := visit(t, s, cookie, nil); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Get while Redis is down: got %v, want ErrUnavailable", err)
	}
	if _, _, err := visit(t, s, nil, setCount(1)); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Save while Redis is down: got %v, want ErrUnavailable", err)
	}
	if err := s.Ping(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ping: got %v", err)
	}

	srv.Restart() // an empty Redis: the old session is gone, the store works
	if sess, c, err := visit(t, s, cookie, setCount(1)); err != nil || !sess.IsNew || c == nil {
		t.Errorf("after recovery: err=%v IsNew=%v cookie=%v", err, sess.IsNew, c)
	}
}

func TestLockAcrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	a, client := newStore(t, srv, Config{})
	b, _ := newStore(t, srv, Config{})
	var mu sync.Mutex
	inside, maxInside := 0, 0
	var wg sync.WaitGroup
	for i := range 8 {
		store := a
		if i%2 == 1 {
			store = b
		}
		wg.Go(func() {
			for range 10 {
				unlock, err := store.Lock(context.Background(), "one-session", 10*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				inside++
				maxInside = max(maxInside, inside)
				mu.Unlock()
				time.Sleep(100 * time.Microsecond)
				mu.Lock()
				inside--
				mu.Unlock()
				unlock()
			}
		})
	}
	wg.Wait()
	if maxInside != 1 {
		t.Errorf("%d holders at once across two instances, want 1", maxInside)
	}
	if n := client.Exists(context.Background(), "session:lock:one-session").Val(); n != 0 {
		t.Error("the lock key was left behind")
	}
}

// TestLockLeaseFreesADeadHolder: a lock that nobody renews (its instance
// died, or Redis ran the lock command late, after a stall) frees the
// session within the default lease, about a second.
func TestLockLeaseFreesADeadHolder(t *testing.T) {
	srv := redistest.Start(t)
	s, client := newStore(t, srv, Config{})
	client.Set(context.Background(), "session:lock:x", "a dead instance", DefaultLockLease)
	unlock, err := s.Lock(context.Background(), "x", 3*time.Second)
	if err != nil {
		t.Fatalf("a lock whose holder died was never freed: %v", err)
	}
	unlock()
	unlock() // twice: harmless
	// Other sessions never waited.
	unlockY, err := s.Lock(context.Background(), "y", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	unlockY()
}

// TestLockOutlastsItsLease: a request slower than the lease keeps its
// turn, because its lock is renewed while it runs.
func TestLockOutlastsItsLease(t *testing.T) {
	srv := redistest.Start(t)
	a, _ := newStore(t, srv, Config{LockLease: 100 * time.Millisecond})
	b, _ := newStore(t, srv, Config{LockLease: 100 * time.Millisecond})
	unlock, err := a.Lock(context.Background(), "slow", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Four leases later, another instance still finds the lock taken.
	if _, err := b.Lock(context.Background(), "slow", 400*time.Millisecond); !errors.Is(err, sessionlock.ErrBusy) {
		t.Fatalf("during a slow request: got %v, want ErrBusy", err)
	}
	unlock()
	unlockB, err := b.Lock(context.Background(), "slow", 100*time.Millisecond)
	if err != nil {
		t.Fatalf("after the slow request: %v", err)
	}
	unlockB()
}

// TestLockAfterAStall: Redis stalls (SIGSTOP) while a request asks for a
// lock; the request fails, but the lock command Redis runs when it wakes
// must not keep the session locked for more than about a lease.
func TestLockAfterAStall(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr(), ReadTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	s, err := New(Config{Client: client, Secrets: [][]byte{secret}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Pause()
	_, err = s.Lock(context.Background(), "stalled", time.Second)
	srv.Resume()
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("during the stall: got %v, want ErrUnavailable", err)
	}
	start := time.Now()
	unlock, err := s.Lock(context.Background(), "stalled", 3*time.Second)
	if err != nil {
		t.Fatalf("after the stall: %v", err)
	}
	unlock()
	if waited := time.Since(start); waited > DefaultLockLease+500*time.Millisecond {
		t.Errorf("after the stall the session stayed locked for %v, want about a lease (%v) at most", waited, DefaultLockLease)
	}
}

func TestLifetime(t *testing.T) {
	srv := redistest.Start(t)
	clock := storetest.NewClock()
	s, _ := newStore(t, srv, Config{MaxAge: 2, Lifetime: 4, Now: clock.Now})
	storetest.CheckLifetime(t, s, cookieName, clock.Sleep)
}

func TestMaxAgeZero(t *testing.T) {
	s, _ := newStore(t, redistest.Start(t), Config{})
	storetest.CheckMaxAgeZero(t, s, cookieName)
}

func TestKeepsItsOwnCopy(t *testing.T) {
	s, _ := newStore(t, redistest.Start(t), Config{})
	storetest.CheckLikeAServer(t, s, cookieName)
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Config{Secrets: [][]byte{secret}}); err == nil {
		t.Error("no client accepted")
	}
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	if _, err := New(Config{Client: client, Secrets: [][]byte{[]byte("short")}}); err == nil {
		t.Error("a short secret accepted")
	}
}
