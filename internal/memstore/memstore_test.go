package memstore

import (
	"crypto/tls"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/storetest"
	"github.com/go-sessions-course/echo-sessions/internal/testcookie"
)

const cookieName = "sid"

var (
	secretA = []byte("test-secret-A-0123456789abcdefghijklmnop")
	secretB = []byte("test-secret-B-0123456789abcdefghijklmnop")
)

func newStore(t testing.TB, cfg Config) *Store {
	t.Helper()
	if cfg.Secrets == nil {
		cfg.Secrets = [][]byte{secretA}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// visit runs one request through the store (see storetest.Visit).
func visit(t testing.TB, s sessions.Store, cookie *http.Cookie, change func(*sessions.Session)) (*sessions.Session, *http.Cookie) {
	t.Helper()
	return storetest.MustVisit(t, s, cookieName, cookie, change)
}

func sessionCookie(rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

func setCount(n int) func(*sessions.Session) {
	return func(s *sessions.Session) { s.Values["count"] = n }
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no secret", Config{}, "at least one secret"},
		{"short secret", Config{Secrets: [][]byte{[]byte("too short")}}, "at least 32"},
		{"short second secret", Config{Secrets: [][]byte{secretA, []byte("x")}}, "secret 2"},
		{"negative max age", Config{Secrets: [][]byte{secretA}, MaxAge: -1}, "from 1 to 34560000"},
		{"max age past 400 days", Config{Secrets: [][]byte{secretA}, MaxAge: 9223372037}, "from 1 to 34560000"},
		{"lifetime past 400 days", Config{Secrets: [][]byte{secretA}, Lifetime: 400*86400 + 1}, "from 1 to 34560000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.cfg)
			if err == nil {
				s.Close()
				t.Fatal("New succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		name       string
		secure     bool
		overTLS    bool
		wantSecure bool
	}{
		{"plain http", false, false, false},
		{"asked for Secure", true, false, true},
		{"served over TLS", false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, Config{Secure: tt.secure, MaxAge: 600})
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.overTLS {
				req.TLS = &tls.ConnectionState{}
			}
			sess, _ := s.Get(req, cookieName)
			rec := httptest.NewRecorder()
			if err := sess.Save(req, rec); err != nil {
				t.Fatal(err)
			}
			c := sessionCookie(rec)
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

func TestRoundTrip(t *testing.T) {
	s := newStore(t, Config{})
	first, cookie := visit(t, s, nil, setCount(1))
	if !first.IsNew || cookie == nil {
		t.Fatalf("first visit: IsNew=%v cookie=%v, want a new session and a cookie", first.IsNew, cookie)
	}
	if len(first.ID) != 26 {
		t.Errorf("ID %q is not 26 characters (rand.Text)", first.ID)
	}
	if strings.Contains(cookie.Value, "count") {
		t.Errorf("cookie %q carries session data; it must carry only the ID", cookie.Value)
	}

	second, again := visit(t, s, cookie, nil)
	if second.IsNew || second.ID != first.ID {
		t.Fatalf("second visit: IsNew=%v ID=%q, want the session %q", second.IsNew, second.ID, first.ID)
	}
	if got := second.Values["count"]; got != 1 {
		t.Errorf("got count %v, want 1", got)
	}
	if again != nil {
		t.Errorf("an unchanged session re-sent its cookie at once: %v", again)
	}
}

// TestAnyNumberOfValues: a session keeps none, one or many values of any
// type (an entry holds the first one itself and the others in a list).
func TestAnyNumberOfValues(t *testing.T) {
	type point struct{ X, Y int }
	cases := map[string]map[any]any{
		"none": {},
		"one":  {"page_views": 1000},
		"many": {"user": "ada", 7: true, "tags": []string{"a", "b"}, point{1, 2}: 3.5, nil: "a nil key"},
	}
	for name, values := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStore(t, Config{})
			_, cookie := visit(t, s, nil, func(sess *sessions.Session) { maps.Copy(sess.Values, values) })
			got, _ := visit(t, s, cookie, nil)
			if got.IsNew || !reflect.DeepEqual(got.Values, values) {
				t.Errorf("got %v (IsNew=%v), want %v", got.Values, got.IsNew, values)
			}
		})
	}
}

func TestValuesAreCopies(t *testing.T) {
	s := newStore(t, Config{})
	sess, cookie := visit(t, s, nil, setCount(1))
	sess.Values["count"] = 99 // after Save: must not reach the store

	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(cookie)
	got, _ := s.New(req, cookieName)
	got.Values["count"] = 42 // without Save: must not reach the store

	other, _ := s.New(req, cookieName)
	if v := other.Values["count"]; v != 1 {
		t.Errorf("got count %v, want 1: a handler changed the store without Save", v)
	}
}

// TestCookieIsRefreshedWhenDue: an unchanged cookie is sent again once the
// refresh period (a minute here) has passed, so that its Max-Age moves on
// with the session's idle timeout; a changed option sends it at once.
func TestCookieIsRefreshedWhenDue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, Config{MaxAge: 3600})
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

// TestBehavesLikeRedis: the memory store keeps values as a server-side
// store does. A value changed in place after Get and never saved is not
// stored, and a value that gob cannot encode fails at Save.
func TestBehavesLikeRedis(t *testing.T) {
	storetest.CheckLikeAServer(t, newStore(t, Config{}), cookieName)
}

// signed returns a cookie that carries id, signed with secret exactly as the
// store signs its own.
func signed(t *testing.T, secret []byte, id string) *http.Cookie {
	t.Helper()
	return &http.Cookie{Name: cookieName, Value: testcookie.Signed(t, cookieName, string(secret), id)}
}

func TestUnusableCookieStartsFreshSession(t *testing.T) {
	s := newStore(t, Config{})
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
		s := newStore(t, Config{MaxAge: 60, SweepInterval: time.Hour})
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

// TestLifetime: with MaxAge 2 and Lifetime 4, a session visited every
// second lives 4 seconds, however busy.
func TestLifetime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		storetest.CheckLifetime(t, newStore(t, Config{MaxAge: 2, Lifetime: 4}), cookieName, time.Sleep)
	})
}

func TestBackgroundSweepRemovesExpired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, Config{MaxAge: 60, SweepInterval: time.Second})
		for range 100 {
			visit(t, s, nil, setCount(1))
		}
		if got := s.Len(); got != 100 {
			t.Fatalf("got %d sessions, want 100", got)
		}
		time.Sleep(61 * time.Second)
		synctest.Wait() // the sweep has run, and waits for its next tick
		if got := s.Len(); got != 0 {
			t.Errorf("the sweep left %d expired sessions", got)
		}
	})
}

func TestSweepKeepsLiveSessions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, Config{MaxAge: 60, SweepInterval: time.Hour})
		visit(t, s, nil, setCount(1))
		time.Sleep(30 * time.Second)
		visit(t, s, nil, setCount(1))
		time.Sleep(31 * time.Second)
		if removed := s.Sweep(); removed != 1 || s.Len() != 1 {
			t.Errorf("Sweep removed %d and kept %d, want 1 and 1", removed, s.Len())
		}
	})
}

func TestNegativeMaxAgeDeletes(t *testing.T) {
	s := newStore(t, Config{})
	_, cookie := visit(t, s, nil, setCount(5))
	_, cleared := visit(t, s, cookie, func(sess *sessions.Session) { sess.Options.MaxAge = -1 })
	if cleared == nil || cleared.MaxAge >= 0 || cleared.Value != "" {
		t.Fatalf("want a clearing cookie (empty, Max-Age<0), got %v", cleared)
	}
	if s.Len() != 0 {
		t.Errorf("store still holds %d sessions", s.Len())
	}
	// Replaying the old cookie after the delete gets nothing back.
	sess, _ := visit(t, s, cookie, nil)
	if !sess.IsNew || sess.Values["count"] != nil {
		t.Errorf("replayed cookie: got IsNew=%v Values=%v, want a fresh session", sess.IsNew, sess.Values)
	}
}

func TestMaxAgeZero(t *testing.T) {
	storetest.CheckMaxAgeZero(t, newStore(t, Config{}), cookieName)
}

func TestSecretRotation(t *testing.T) {
	old := newStore(t, Config{Secrets: [][]byte{secretA}})
	_, oldCookie := visit(t, old, nil, setCount(3))

	// The same sessions, now with B signing and A still verifying. (The
	// entries are shared only to model a restart that kept them.)
	rotated := newStore(t, Config{Secrets: [][]byte{secretB, secretA}})
	rotated.sessions = old.sessions
	sess, _ := visit(t, rotated, oldCookie, nil)
	if sess.IsNew || sess.Values["count"] != 3 {
		t.Fatalf("a cookie signed with the previous secret was not accepted: IsNew=%v Values=%v", sess.IsNew, sess.Values)
	}
	_, newCookie := visit(t, rotated, nil, setCount(1))
	var id []byte
	onlyB := securecookie.New(secretB, nil).SetSerializer(securecookie.NopEncoder{})
	if err := onlyB.Decode(cookieName, newCookie.Value, &id); err != nil {
		t.Errorf("new cookies must be signed with the first secret: %v", err)
	}

	// Once A is dropped, A's cookies stop working.
	dropped := newStore(t, Config{Secrets: [][]byte{secretB}})
	dropped.sessions = old.sessions
	if sess, _ := visit(t, dropped, oldCookie, nil); !sess.IsNew {
		t.Error("a cookie signed with a dropped secret was accepted")
	}
}

func TestRegenerate(t *testing.T) {
	storetest.CheckRegenerate(t, newStore(t, Config{}), cookieName)
}

// TestGetIsCachedPerRequest: within one request, Get returns the same
// session for a name, and a different one for another name. (gorilla's
// registry knows sessions by name alone: two stores in one request need
// two names.)
func TestGetIsCachedPerRequest(t *testing.T) {
	s := newStore(t, Config{})
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

// TestSessionsSave: sessions.Save(r, w), which saves every session of the
// request through gorilla's registry, saves this store's too.
func TestSessionsSave(t *testing.T) {
	s := newStore(t, Config{})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	sess, _ := s.Get(req, cookieName)
	sess.Values["count"] = 5
	rec := httptest.NewRecorder()
	if err := sessions.Save(req, rec); err != nil {
		t.Fatal(err)
	}
	if got, _ := visit(t, s, sessionCookie(rec), nil); got.Values["count"] != 5 {
		t.Errorf("sessions.Save did not store the session: got %v", got.Values)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newStore(t, Config{SweepInterval: time.Millisecond})
	_, shared := visit(t, s, nil, setCount(0))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				cookie := shared
				if i%2 == 0 {
					cookie = nil // a newcomer
				}
				visit(t, s, cookie, setCount(g*1000+i))
				s.Len()
			}
		})
	}
	wg.Wait()
	if s.Len() < 801 {
		t.Errorf("got %d sessions, want at least 801", s.Len())
	}
}

func TestCloseTwice(t *testing.T) {
	s, err := New(Config{Secrets: [][]byte{secretA}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()
}

func ExampleNew() {
	store, err := New(Config{
		// In a real program the secret comes from configuration.
		Secrets: [][]byte{[]byte("an example secret of at least 32 bytes!")},
		MaxAge:  3600,
	})
	if err != nil {
		panic(err)
	}
	defer store.Close()

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

// saveNew stores a new session without any HTTP around it, as a first
// visit would.
func saveNew(t testing.TB, s *Store, views int) {
	sess := sessions.NewSession(s, cookieName)
	*sess.Options = *s.Options
	sess.Values["page_views"] = views
	if err := s.Save(httptest.NewRequest(http.MethodGet, "/", nil), discardWriter{http.Header{}}, sess); err != nil {
		t.Fatal(err)
	}
}

// TestHundredThousandVisitorsAreSwept: a wave of first-time visitors with a
// short MaxAge leaves nothing behind once it has expired.
func TestHundredThousandVisitorsAreSwept(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping 100,000 sessions")
	}
	now := time.Now()
	s := newStore(t, Config{MaxAge: 2, Now: func() time.Time { return now }, SweepInterval: time.Hour})
	for i := range 100_000 {
		saveNew(t, s, i)
	}
	if got := s.Len(); got != 100_000 {
		t.Fatalf("holds %d sessions, want 100000", got)
	}
	now = now.Add(3 * time.Second) // the store's clock, moved by hand
	if removed := s.Sweep(); removed != 100_000 || s.Len() != 0 {
		t.Errorf("the sweep removed %d and left %d", removed, s.Len())
	}
}

// BenchmarkSweepReusesHeap: 100,000 sessions, then their expiry and sweep.
// It reports the heap they held, and what is left after the sweep and a
// garbage collection; the second should be near zero.
func BenchmarkSweepReusesHeap(b *testing.B) {
	for range b.N {
		now := time.Now()
		s := newStore(b, Config{MaxAge: 2, Now: func() time.Time { return now }, SweepInterval: time.Hour})
		var base, full, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&base)
		for i := range 100_000 {
			saveNew(b, s, i)
		}
		runtime.GC()
		runtime.ReadMemStats(&full)
		now = now.Add(3 * time.Second)
		s.Sweep()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(full.HeapAlloc-base.HeapAlloc)/(1<<20), "MiB-held")
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(base.HeapAlloc))/(1<<20), "MiB-left")
	}
}

// FuzzGet: whatever a client puts in the cookie, Get returns a session and
// no error, and never one the cookie does not name.
func FuzzGet(f *testing.F) {
	s := newStore(f, Config{})
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
