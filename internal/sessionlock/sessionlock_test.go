package sessionlock

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func TestLocalSerializesOneID(t *testing.T) {
	var l Local
	var inside, maxInside atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 50 {
				unlock, err := l.Lock(context.Background(), "a", time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				if n > maxInside.Load() {
					maxInside.Store(n)
				}
				inside.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	if maxInside.Load() != 1 {
		t.Errorf("%d holders at once, want 1", maxInside.Load())
	}
	if l.Len() != 0 {
		t.Errorf("the lock table kept %d entries after every lock was released", l.Len())
	}
}

func TestLocalOtherIDsDoNotWait(t *testing.T) {
	l := NewLocal()
	unlockA, _ := l.Lock(context.Background(), "a", time.Minute)
	defer unlockA()
	unlockB, err := l.Lock(context.Background(), "b", time.Nanosecond)
	if err != nil {
		t.Fatalf("session b waited on session a: %v", err)
	}
	unlockB()
}

func TestLocalGivesUp(t *testing.T) {
	l := NewLocal()
	unlock, _ := l.Lock(context.Background(), "a", time.Minute)
	if _, err := l.Lock(context.Background(), "a", 20*time.Millisecond); !errors.Is(err, ErrBusy) {
		t.Errorf("after the wait: got %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Lock(ctx, "a", time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("request gone: got %v, want context.Canceled", err)
	}
	unlock()
	if l.Len() != 0 {
		t.Errorf("the lock table kept %d entries", l.Len())
	}
}

// TestUnlockTwiceIsHarmless: a second call of an unlock func must not
// release the turn of whoever holds the session's lock by then.
func TestUnlockTwiceIsHarmless(t *testing.T) {
	l := NewLocal()
	first, _ := l.Lock(context.Background(), "a", time.Minute)
	first()
	second, err := l.Lock(context.Background(), "a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { first(); close(done) }() // again: must do nothing, at once
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("a second unlock blocked")
	}
	if _, err := l.Lock(context.Background(), "a", 10*time.Millisecond); !errors.Is(err, ErrBusy) {
		t.Errorf("a second unlock released somebody else's lock: got %v, want ErrBusy", err)
	}
	second()
	if l.Len() != 0 {
		t.Errorf("the lock table kept %d entries", l.Len())
	}
}

// counterApp is a read-modify-write with a pause in the middle, the shape
// that loses updates without a lock.
func counterApp(locker Locker, wait time.Duration) (*echo.Echo, map[string]int) {
	counts := map[string]int{}
	var mu sync.Mutex
	e := echo.New()
	e.Use(Middleware(Config{
		ID: func(r *http.Request) (string, bool) {
			c, err := r.Cookie("sid")
			if err != nil {
				return "", false
			}
			return c.Value, true
		},
		Locker: locker,
		Wait:   wait,
	}))
	e.GET("/", func(c echo.Context) error {
		id := c.Request().Header.Get("X-Session")
		mu.Lock()
		n := counts[id]
		mu.Unlock()
		time.Sleep(100 * time.Microsecond) // the window in which updates get lost
		mu.Lock()
		counts[id] = n + 1
		mu.Unlock()
		if c.QueryParam("panic") != "" {
			panic("handler failed")
		}
		return c.String(http.StatusOK, strconv.Itoa(n+1))
	})
	return e, counts
}

func request(id string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: "sid", Value: id})
	req.Header.Set("X-Session", id)
	return req
}

func TestMiddlewareLosesNoUpdate(t *testing.T) {
	e, counts := counterApp(NewLocal(), 0)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				e.ServeHTTP(httptest.NewRecorder(), request("s1"))
			}
		})
	}
	wg.Wait()
	if counts["s1"] != 16*20 {
		t.Errorf("counted %d of %d requests", counts["s1"], 16*20)
	}
}

func TestMiddlewareBusyIs503(t *testing.T) {
	l := NewLocal()
	e, _ := counterApp(l, 20*time.Millisecond)
	unlock, _ := l.Lock(context.Background(), "s1", time.Minute)
	defer unlock()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, request("s1"))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("got %d %q, want 503", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, request("s2"))
	if rec.Code != http.StatusOK {
		t.Errorf("another session: got %d, want 200", rec.Code)
	}
}

type failingLocker struct{}

func (failingLocker) Lock(context.Context, string, time.Duration) (func(), error) {
	return nil, errors.New("connection refused")
}

func TestMiddlewareLockerDownIs503(t *testing.T) {
	e, _ := counterApp(failingLocker{}, 0)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, request("s1"))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("got %d, want 503", rec.Code)
	}
	// A first visit needs no lock, so it does not depend on the locker.
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("first visit: got %d, want 200", rec.Code)
	}
}

func TestMiddlewareReleasesOnPanic(t *testing.T) {
	l := NewLocal()
	e, _ := counterApp(l, 0)
	req := request("s1")
	req.URL.RawQuery = "panic=1"
	func() {
		defer func() { _ = recover() }()
		e.ServeHTTP(httptest.NewRecorder(), req)
	}()
	if l.Len() != 0 {
		t.Fatal("a panicking handler kept its session's lock")
	}
}

func BenchmarkLocalUncontended(b *testing.B) {
	l := NewLocal()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		unlock, _ := l.Lock(ctx, "a", time.Second)
		unlock()
	}
}
