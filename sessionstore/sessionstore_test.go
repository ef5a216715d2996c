package sessionstore_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/storetest"
	"github.com/go-sessions-course/echo-sessions/internal/testkit/testcookie"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sharedlock"
)

const cookieName = storetest.Name

var secretA, secretB = storetest.SecretA, storetest.SecretB

// newStore is the engine over a fresh memory storage.
func newStore(t testing.TB, cfg sessionstore.Config) *sessionstore.Store {
	t.Helper()
	return newStoreOver(t, memstore.New(), cfg)
}

func newStoreOver(t testing.TB, storage sessionstore.Storage, cfg sessionstore.Config) *sessionstore.Store {
	t.Helper()
	if cfg.Secrets == nil {
		cfg.Secrets = [][]byte{secretA}
	}
	s, err := sessionstore.New(storage, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func visit(t testing.TB, s sessions.Store, cookie *http.Cookie, change func(*sessions.Session)) (*sessions.Session, *http.Cookie) {
	t.Helper()
	return storetest.MustVisit(t, s, cookie, change)
}

func setCount(n int) func(*sessions.Session) { return storetest.Set("count", n) }

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  sessionstore.Config
		want string
	}{
		{"no secret", sessionstore.Config{}, "at least one secret"},
		{"short secret", sessionstore.Config{Secrets: [][]byte{[]byte("too short")}}, "at least 32"},
		{"short second secret", sessionstore.Config{Secrets: [][]byte{secretA, []byte("x")}}, "secret 2"},
		{"negative max age", sessionstore.Config{Secrets: [][]byte{secretA}, MaxAge: -1}, "from 1 to 34560000"},
		{"max age past 400 days", sessionstore.Config{Secrets: [][]byte{secretA}, MaxAge: 9223372037}, "from 1 to 34560000"},
		{"lifetime past 400 days", sessionstore.Config{Secrets: [][]byte{secretA}, Lifetime: 400*86400 + 1}, "from 1 to 34560000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sessionstore.New(memstore.New(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one that mentions %q", err, tt.want)
			}
		})
	}
}

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		name            string
		secure, overTLS bool
		wantSecure      bool
	}{
		{"plain http", false, false, false},
		{"asked for Secure", true, false, true},
		{"served over TLS", false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, sessionstore.Config{Secure: tt.secure, MaxAge: 600})
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.overTLS {
				req.TLS = &tls.ConnectionState{}
			}
			sess, _ := s.Get(req, cookieName)
			rec := httptest.NewRecorder()
			if err := sess.Save(req, rec); err != nil {
				t.Fatal(err)
			}
			c := storetest.SessionCookie(rec)
			if c == nil {
				t.Fatal("no session cookie was set")
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 600 {
				t.Errorf("got HttpOnly=%v SameSite=%v Path=%q MaxAge=%d, want true Lax / 600",
					c.HttpOnly, c.SameSite, c.Path, c.MaxAge)
			}
			if c.Secure != tt.wantSecure {
				t.Errorf("got Secure=%v, want %v", c.Secure, tt.wantSecure)
			}
		})
	}
}

func TestAnyNumberOfValues(t *testing.T) {
	s := newStore(t, sessionstore.Config{})
	values := map[any]any{"s": "text", "i": -42, "t": true, "f": false, "list": []string{"a"}, 7: "int key"}
	_, cookie := visit(t, s, nil, func(sess *sessions.Session) {
		for k, v := range values {
			sess.Values[k] = v
		}
	})
	got, _ := visit(t, s, cookie, nil)
	if !reflect.DeepEqual(got.Values, values) { // types too: -42 must not come back as "-42"
		t.Errorf("got %#v, want %#v", got.Values, values)
	}
	plain := map[any]any{"s": "text", "i": -42, "": ""}
	_, cookie = visit(t, s, nil, func(sess *sessions.Session) { sess.Values = plain })
	if got, _ := visit(t, s, cookie, nil); !reflect.DeepEqual(got.Values, plain) {
		t.Errorf("plain values: got %#v, want %#v", got.Values, plain)
	}
}

func TestCookieIsRefreshedWhenDue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, sessionstore.Config{MaxAge: 3600})
		_, cookie := visit(t, s, nil, setCount(1))
		time.Sleep(30 * time.Second)
		if _, c := visit(t, s, cookie, setCount(2)); c != nil {
			t.Error("cookie re-sent after 30s, want none before a minute")
		}
		time.Sleep(31 * time.Second)
		if _, c := visit(t, s, cookie, setCount(3)); c == nil || c.MaxAge != 3600 {
			t.Errorf("after a minute: got cookie %v, want one with Max-Age=3600", c)
		}
		if _, c := visit(t, s, cookie, func(sess *sessions.Session) { sess.Options.MaxAge = 60 }); c == nil || c.MaxAge != 60 {
			t.Errorf("changed options: got cookie %v, want one with Max-Age=60", c)
		}
	})
}

func signed(t *testing.T, secret []byte, id string) *http.Cookie {
	t.Helper()
	return &http.Cookie{Name: cookieName, Value: testcookie.Signed(t, cookieName, string(secret), id)}
}

func TestUnusableCookieStartsFreshSession(t *testing.T) {
	s := newStore(t, sessionstore.Config{})
	_, good := visit(t, s, nil, setCount(7))
	unknownID := "AAAAAAAAAAAAAAAAAAAAAAAAAA"
	tests := []struct {
		name  string
		value string
	}{
		{"tampered", testcookie.Tamper(good.Value)},
		{"garbage", "hello"},
		{"not base64", "%%%***!!!"},
		{"oversized 5 KB", strings.Repeat("A", 5<<10)},
		{"oversized 64 KB", strings.Repeat("A", 64<<10)},
		{"signed with another secret", signed(t, secretB, unknownID).Value},
		{"well signed, never issued", signed(t, secretA, unknownID).Value},
		{"well signed, empty", signed(t, secretA, "").Value},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess, cookie := visit(t, s, &http.Cookie{Name: cookieName, Value: tt.value}, nil)
			if !sess.IsNew || len(sess.Values) != 0 {
				t.Errorf("got IsNew=%v Values=%v, want a new empty session", sess.IsNew, sess.Values)
			}
			if cookie == nil || cookie.Value == tt.value {
				t.Errorf("want a freshly issued cookie, got %v", cookie)
			}
			if sess.ID == unknownID {
				t.Error("the store adopted an ID it never issued")
			}
		})
	}
}

// TestExpiry: a session idle for MaxAge is gone, and its cookie gets a
// fresh session, not the old one back. (synctest: the clock is fake, and
// moves only when every goroutine of the test is waiting.)
func TestExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, sessionstore.Config{MaxAge: 60})
		_, cookie := visit(t, s, nil, setCount(1))
		time.Sleep(59 * time.Second)
		if sess, _ := visit(t, s, cookie, nil); sess.IsNew {
			t.Fatal("session expired before MaxAge")
		}
		// That visit saved the session: it now lives 60s from here.
		time.Sleep(60 * time.Second)
		sess, fresh := visit(t, s, cookie, nil)
		if !sess.IsNew || sess.Values["count"] != nil {
			t.Fatalf("after MaxAge idle: got IsNew=%v Values=%v, want a fresh session", sess.IsNew, sess.Values)
		}
		if fresh == nil || fresh.Value == cookie.Value {
			t.Error("an expired session was revived instead of replaced")
		}
	})
}

// TestIdleCountsFromTheLastSave: a visit that only reads (no Save) does
// not move the idle timeout on.
func TestIdleCountsFromTheLastSave(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, sessionstore.Config{MaxAge: 10})
		_, cookie := visit(t, s, nil, setCount(1))
		for range 3 {
			time.Sleep(3 * time.Second)
			if sess, err := s.Get(storetest.Request(cookie), cookieName); err != nil || sess.IsNew {
				t.Fatalf("a read within MaxAge found no session (%v)", err)
			}
		}
		time.Sleep(3 * time.Second) // 12s after the save, read every 3s
		if sess, _ := s.Get(storetest.Request(cookie), cookieName); !sess.IsNew {
			t.Error("reads without a save kept the session past MaxAge")
		}
	})
}

func TestSecretRotationSignsWithTheFirst(t *testing.T) {
	s := newStore(t, sessionstore.Config{Secrets: [][]byte{secretB, secretA}})
	_, c := visit(t, s, nil, setCount(1))
	var id []byte
	onlyB := securecookie.New(secretB, nil).SetSerializer(securecookie.NopEncoder{})
	if err := onlyB.Decode(cookieName, c.Value, &id); err != nil {
		t.Errorf("new cookies must be signed with the first secret: %v", err)
	}
}

// TestGetIsCachedPerRequest: within one request, Get returns the same
// session for a name, and a different one for another name.
func TestGetIsCachedPerRequest(t *testing.T) {
	s := newStore(t, sessionstore.Config{})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	a, _ := s.Get(req, cookieName)
	prefs, _ := s.Get(req, "prefs")
	if again, _ := s.Get(req, cookieName); again != a {
		t.Error("two Gets in one request returned different sessions")
	}
	if again, _ := s.Get(req, "prefs"); again != prefs || prefs == a || prefs.Name() != "prefs" {
		t.Error("a second name in one request did not get a session of its own")
	}
	if fresh, _ := s.Get(httptest.NewRequest(http.MethodGet, "/", nil), cookieName); fresh == a {
		t.Error("another request got this request's session")
	}
}

// TestTwoNamesInOneRequest: two sessions of one store under two cookie
// names, saved in one request, come back apart in the next.
func TestTwoNamesInOneRequest(t *testing.T) {
	s := newStore(t, sessionstore.Config{})
	counts := map[string]int{cookieName: 1, "prefs": 2}
	r, w := httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder()
	for name, n := range counts {
		sess, _ := s.Get(r, name)
		sess.Values["count"] = n
		if err := sess.Save(r, w); err != nil {
			t.Fatal(err)
		}
	}
	next := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range w.Result().Cookies() {
		next.AddCookie(c)
	}
	for name, n := range counts {
		if sess, err := s.Get(next, name); err != nil || sess.IsNew || sess.Values["count"] != n {
			t.Errorf("%s: got IsNew=%v %v (%v), want count %d", name, sess.IsNew, sess.Values, err, n)
		}
	}
}

// TestSessionsSave: sessions.Save(r, w), which saves every session of the
// request through gorilla's registry, saves this store's too.
func TestSessionsSave(t *testing.T) {
	s := newStore(t, sessionstore.Config{})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	sess, _ := s.Get(req, cookieName)
	sess.Values["count"] = 5
	rec := httptest.NewRecorder()
	if err := sessions.Save(req, rec); err != nil {
		t.Fatal(err)
	}
	if got, _ := visit(t, s, storetest.SessionCookie(rec), nil); got.Values["count"] != 5 {
		t.Errorf("sessions.Save did not store the session: got %v", got.Values)
	}
}

// TestHeadChangesNothing: Save and Regenerate on a HEAD request start no
// session, move none on, delete none, and send no cookie.
func TestHeadChangesNothing(t *testing.T) {
	storage := memstore.New()
	s := newStoreOver(t, storage, sessionstore.Config{})
	head := func(cookie *http.Cookie, change func(*sessions.Session)) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodHead, "/", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		sess, err := s.Get(req, cookieName)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		if change == nil {
			if err := s.Regenerate(req, rec, sess); err != nil {
				t.Fatal(err)
			}
		} else {
			change(sess)
			if err := sess.Save(req, rec); err != nil {
				t.Fatal(err)
			}
		}
		if c := rec.Header().Get("Set-Cookie"); c != "" {
			t.Errorf("HEAD sent Set-Cookie %q", c)
		}
		return rec
	}
	head(nil, setCount(1)) // a first visit: nothing stored
	if n := storage.Len(); n != 0 {
		t.Errorf("a first HEAD stored %d sessions, want none", n)
	}
	_, cookie := visit(t, s, nil, setCount(1))
	head(cookie, setCount(2))
	head(cookie, func(sess *sessions.Session) { sess.Options.MaxAge = -1 })
	head(cookie, nil) // Regenerate, as at a login
	if got, _ := visit(t, s, cookie, nil); got.IsNew || got.Values["count"] != 1 {
		t.Errorf("after three HEADs: got IsNew=%v values %v, want the stored count 1", got.IsNew, got.Values)
	}
}

// failing is a storage whose server is down.
type failing struct{}

var errDown = errors.New("connection refused")

func (failing) Find(context.Context, string) ([]byte, bool, error)      { return nil, false, errDown }
func (failing) Create(context.Context, string, []byte, time.Time) error { return errDown }
func (failing) Update(context.Context, string, []byte, time.Time) (bool, error) {
	return false, errDown
}
func (failing) Delete(context.Context, string) error { return errDown }

func TestStorageErrorsAreUnavailable(t *testing.T) {
	s := newStoreOver(t, failing{}, sessionstore.Config{})
	if _, _, err := storetest.Visit(s, nil, setCount(1)); !errors.Is(err, sessionstore.ErrUnavailable) {
		t.Errorf("Save: got %v, want ErrUnavailable", err)
	}
	if _, err := s.Get(storetest.Request(signed(t, secretA, "AAAA")), cookieName); !errors.Is(err, sessionstore.ErrUnavailable) {
		t.Errorf("Get: got %v, want ErrUnavailable", err)
	}
}

// flaky is a memory storage whose Find fails while down.
type flaky struct {
	*memstore.Store
	down bool
}

func (f *flaky) Find(ctx context.Context, id string) ([]byte, bool, error) {
	if f.down {
		return nil, false, errDown
	}
	return f.Store.Find(ctx, id)
}

// TestSaveAfterAFailedLoad: a handler that ignores Get's error and saves
// gets ErrUnavailable, and no cookie: a new session would log its user out.
func TestSaveAfterAFailedLoad(t *testing.T) {
	storage := &flaky{Store: memstore.New()}
	s := newStoreOver(t, storage, sessionstore.Config{})
	_, cookie := visit(t, s, nil, setCount(1))
	storage.down = true
	req := storetest.Request(cookie)
	sess, err := s.Get(req, cookieName)
	if !errors.Is(err, sessionstore.ErrUnavailable) {
		t.Fatalf("Get: got %v, want ErrUnavailable", err)
	}
	storage.down = false // back, but this request's session was never loaded
	sess.Values["count"] = 2
	rec := httptest.NewRecorder()
	if err := sess.Save(req, rec); !errors.Is(err, sessionstore.ErrUnavailable) {
		t.Errorf("Save: got %v, want ErrUnavailable", err)
	}
	if c := storetest.SessionCookie(rec); c != nil {
		t.Errorf("Save sent cookie %v, which replaces the user's session", c)
	}
	if got, _ := visit(t, s, cookie, nil); got.IsNew || got.Values["count"] != 1 {
		t.Errorf("the stored session: got IsNew=%v %v, want count 1", got.IsNew, got.Values)
	}
}

// TestCorruptRecordIsAFreshSession: bytes the engine cannot read (another
// program's, a torn write) mean a fresh session, not an error.
func TestCorruptRecordIsAFreshSession(t *testing.T) {
	storage := memstore.New()
	s := newStoreOver(t, storage, sessionstore.Config{})
	first, cookie := visit(t, s, nil, setCount(1))
	now, later := time.Now().UnixMilli(), time.Now().Add(time.Hour).UnixMilli()
	times := fmt.Sprintf("%d\n%d\n%d\n", now, later, now) // began now, ends in an hour
	for _, data := range []string{"", "\x01", "\x07garbage", "p\n" + fmt.Sprint(now) + "\n", "y\n" + times,
		"p\n" + times + `"count"` + "\n", // a key without its value
		"p\n" + times + "count\n1\n",     // a key not quoted
		"p\n" + times + `"count"` + "\n1x\n",
		"g\n" + times + "garbage",
	} {
		storage.Update(context.Background(), first.ID, []byte(data), time.Now().Add(time.Hour))
		if got, _ := visit(t, s, cookie, nil); !got.IsNew {
			t.Errorf("record %q: got an old session, want a fresh one", data)
		}
		cookie = signed(t, secretA, first.ID)
	}
	// The same times with a well-formed value are a live session: the
	// records above are refused for their form, not for their times.
	storage.Update(context.Background(), first.ID, []byte("p\n"+times+`"count"`+"\n7\n"), time.Now().Add(time.Hour))
	if got, _ := visit(t, s, cookie, nil); got.IsNew || got.Values["count"] != 7 {
		t.Errorf("a well-formed record: got IsNew=%v values %v, want count 7", got.IsNew, got.Values)
	}
}

// counter is a read-modify-write with a pause in the middle, the shape that
// loses updates without turns.
func counter(s *sessionstore.Store, pause func()) http.Handler {
	return s.Middleware(cookieName)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.Get(r, cookieName)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		n, _ := sess.Values["count"].(int)
		pause()
		if r.URL.Query().Has("panic") {
			panic("handler failed")
		}
		sess.Values["count"] = n + 1
		if err := sess.Save(r, w); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, n+1)
	}))
}

func TestTurnsLoseNoUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, sessionstore.Config{})
		h := counter(s, func() { time.Sleep(time.Millisecond) })
		_, cookie := visit(t, s, nil, setCount(0))
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for range 20 {
					h.ServeHTTP(httptest.NewRecorder(), storetest.Request(cookie))
				}
			})
		}
		wg.Wait()
		if got, _ := visit(t, s, cookie, nil); got.Values["count"] != 16*20 {
			t.Errorf("counted %v of %d requests", got.Values["count"], 16*20)
		}
		if s.Len() != 0 {
			t.Errorf("%d turns left behind", s.Len())
		}
	})
}

// TestTurnsInOrder: the requests of one session are served in the order
// they came, so none waits longer than the ones before it need.
func TestTurnsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, sessionstore.Config{Wait: time.Hour})
		var order []int
		var mu sync.Mutex
		release := make(chan struct{})
		h := counter(s, func() { <-release })
		_, cookie := visit(t, s, nil, setCount(0))
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, storetest.Request(cookie))
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
			})
			synctest.Wait() // request i is waiting before i+1 comes
		}
		for range 10 {
			release <- struct{}{}
			synctest.Wait()
		}
		wg.Wait()
		if fmt.Sprint(order) != "[0 1 2 3 4 5 6 7 8 9]" {
			t.Errorf("served in the order %v, want the order they came", order)
		}
	})
}

func TestBusyIs503AndOtherSessionsDoNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, sessionstore.Config{Wait: 5 * time.Second})
		release := make(chan struct{})
		h := counter(s, func() { <-release })
		_, one := visit(t, s, nil, setCount(0))
		_, other := visit(t, s, nil, setCount(0))
		done := make(chan struct{})
		go func() {
			h.ServeHTTP(httptest.NewRecorder(), storetest.Request(one))
			close(done)
		}()
		synctest.Wait()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, storetest.Request(one)) // waits 5s of fake time
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
			!strings.Contains(rec.Body.String(), "Another request of this session") {
			t.Errorf("got %d %q, want 503 with Retry-After that says why", rec.Code, rec.Body)
		}
		rec = httptest.NewRecorder()
		counter(s, func() {}).ServeHTTP(rec, storetest.Request(other)) // same store, no pause
		if rec.Code != http.StatusOK {
			t.Errorf("another session: got %d, want 200", rec.Code)
		}
		close(release)
		<-done
	})
}

// TestNoTurnLogsNoQuery: a request refused for want of a turn is logged
// with its path, never its query string, which may carry a password.
func TestNoTurnLogsNoQuery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		s := newStore(t, sessionstore.Config{Wait: time.Second, Logger: logger})
		release := make(chan struct{})
		h := counter(s, func() { <-release })
		_, cookie := visit(t, s, nil, setCount(0))
		done := make(chan struct{})
		go func() {
			h.ServeHTTP(httptest.NewRecorder(), storetest.Request(cookie))
			close(done)
		}()
		synctest.Wait()
		req := httptest.NewRequest(http.MethodPost, "/login?password=hunter2", nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req) // waits a second of fake time, then 503
		close(release)
		<-done
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("got %d, want 503", rec.Code)
		}
		if !strings.Contains(logs.String(), "path=/login") || strings.Contains(logs.String(), "hunter2") {
			t.Errorf("got log %q, want the path without the query string", logs.String())
		}
	})
}

func TestTurnReleasedOnPanic(t *testing.T) {
	s := newStore(t, sessionstore.Config{})
	h := counter(s, func() {})
	_, cookie := visit(t, s, nil, setCount(0))
	req := storetest.Request(cookie)
	req.URL.RawQuery = "panic=1"
	func() {
		defer func() { _ = recover() }()
		h.ServeHTTP(httptest.NewRecorder(), req)
	}()
	if s.Len() != 0 {
		t.Fatal("a panicking handler kept its session's turn")
	}
}

// sharedMemory is a memory storage with a shared lock, as two processes on one
// server would see it: it lets the engine's shared turns be tested without
// a server.
type sharedMemory struct {
	*memstore.Store
	mu    sync.Mutex
	locks map[string]string
	fail  bool
}

// Turn takes id's lock, checking again after each millisecond (of the
// bubble's fake clock) until ctx ends.
func (m *sharedMemory) Turn(ctx context.Context, id string, _ time.Duration) (
	func(context.Context) context.Context, func() error, error) {
	for {
		m.mu.Lock()
		if m.fail {
			m.mu.Unlock()
			return nil, nil, errDown
		}
		if _, held := m.locks[id]; !held {
			m.locks[id] = "held"
			m.mu.Unlock()
			return nil, func() error { m.mu.Lock(); delete(m.locks, id); m.mu.Unlock(); return nil }, nil
		}
		m.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, nil, context.Cause(ctx)
		case <-time.After(time.Millisecond):
		}
	}
}

func TestSharedTurnsAcrossInstances(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		storage := &sharedMemory{Store: memstore.New(), locks: map[string]string{}}
		cfg := sessionstore.Config{Wait: time.Hour, Shared: sharedlock.New(storage, 0, nil)}
		a, b := newStoreOver(t, storage, cfg), newStoreOver(t, storage, cfg)
		pause := func() { time.Sleep(time.Millisecond) }
		apps := []http.Handler{counter(a, pause), counter(b, pause)}
		_, cookie := visit(t, a, nil, setCount(0))
		var wg sync.WaitGroup
		for c := range 8 {
			wg.Go(func() {
				for range 10 {
					apps[c%2].ServeHTTP(httptest.NewRecorder(), storetest.Request(cookie))
				}
			})
		}
		wg.Wait()
		if got, _ := visit(t, a, cookie, nil); got.Values["count"] != 80 {
			t.Errorf("two instances counted %v of 80 visits", got.Values["count"])
		}
		if len(storage.locks) != 0 {
			t.Errorf("%d shared locks left behind", len(storage.locks))
		}
		storage.fail = true
		rec := httptest.NewRecorder()
		apps[0].ServeHTTP(rec, storetest.Request(cookie))
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "not answering") {
			t.Errorf("shared lock down: got %d %q, want 503", rec.Code, rec.Body)
		}
		// A first visit takes no turn, so it does not depend on the lock.
		rec = httptest.NewRecorder()
		apps[0].ServeHTTP(rec, storetest.Request(nil))
		if rec.Code != http.StatusOK {
			t.Errorf("first visit with the lock down: got %d, want 200", rec.Code)
		}
	})
}

func ExampleNew() {
	store, err := sessionstore.New(memstore.New(), sessionstore.Config{
		// In a real program the secret comes from configuration.
		Secrets: [][]byte{[]byte("an example secret of at least 32 bytes!")},
		MaxAge:  3600,
	})
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	sess, _ := store.Get(req, "sid")
	sess.Values["page_views"] = 1
	rec := httptest.NewRecorder()
	if err := sess.Save(req, rec); err != nil {
		panic(err)
	}
	c := rec.Result().Cookies()[0]
	fmt.Println(c.Name, c.HttpOnly, c.SameSite == http.SameSiteLaxMode, c.Path, c.MaxAge)
	// Output: sid true true / 3600
}

// FuzzGet: whatever a client puts in the cookie, Get returns a session and
// no error, and never one the cookie does not name.
func FuzzGet(f *testing.F) {
	s := newStore(f, sessionstore.Config{})
	sess, good := visit(f, s, nil, setCount(1))
	for _, seed := range []string{good.Value, "", "garbage", "%%%", good.Value + "x", strings.Repeat("A", 5000), "sid=x; sid=y"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Cookie", cookieName+"="+value)
		got, err := s.New(req, cookieName)
		if err != nil || got == nil {
			t.Fatalf("New: %v, %v", got, err)
		}
		if !got.IsNew && got.ID != sess.ID {
			t.Fatalf("cookie %q opened session %q", value, got.ID)
		}
	})
}

// TestRead: a stored record tells when its session began and its values
// while the session lives; not once it has ended, nor when it is corrupt.
func TestRead(t *testing.T) {
	clock := storetest.NewClock()
	storage := memstore.New()
	s := newStoreOver(t, storage, sessionstore.Config{MaxAge: 60, Now: clock.Now})
	r, w := httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder()
	sess, err := s.New(r, cookieName)
	if err != nil {
		t.Fatal(err)
	}
	sess.Values["user"] = "ada"
	began := clock.Now().Truncate(time.Millisecond) // the record keeps milliseconds
	if err := s.Save(r, w, sess); err != nil {
		t.Fatal(err)
	}
	data, found, err := storage.Find(context.Background(), sess.ID)
	if err != nil || !found {
		t.Fatalf("the session is not stored (%v)", err)
	}
	clock.Sleep(59 * time.Second)
	start, lastUsed, values, ok := s.Read(data)
	if !ok || !start.Equal(began) || !lastUsed.Equal(began) || values["user"] != "ada" {
		t.Errorf("a live session: got %v, %v, %v, %v; want true, %v twice, ada", ok, start, lastUsed, values, began)
	}
	for name, data := range map[string][]byte{"corrupt": []byte("p\xff\xff"), "empty": nil} {
		if _, _, values, ok := s.Read(data); ok || values != nil {
			t.Errorf("%s: got %v, %v; want nothing", name, ok, values)
		}
	}
	clock.Sleep(2 * time.Second) // idle for 61 s, with MaxAge 60
	if _, _, values, ok := s.Read(data); ok || values != nil {
		t.Errorf("an ended session: got %v, %v; want nothing", ok, values)
	}
}
