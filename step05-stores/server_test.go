package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/redistest"
	"github.com/go-sessions-course/echo-sessions/internal/testkit/storetest"
	"github.com/go-sessions-course/echo-sessions/internal/testkit/testcookie"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

const (
	firstVisit  = "Welcome to this page for the first time!"
	testSecret  = "step05-test-secret-0123456789-0123456789"
	otherSecret = "step05-other-secret-0123456789-012345678"
)

var discard = slog.New(slog.DiscardHandler)

// harness is one store, as the conformance suite sees it.
type harness struct {
	name           string
	keepsOnRestart bool // a new process over the same storage keeps sessions
	lossless       bool // concurrent visits of one session are all counted
	cfg            config
	// expire makes every session that exists now expire, without waiting.
	expire func(t *testing.T, b *backend)
}

// open starts one "process" over the harness's storage.
func (h *harness) open(t *testing.T) *backend {
	t.Helper()
	b, err := openStore(context.Background(), h.cfg, discard)
	if err != nil {
		t.Fatalf("openStore(%s): %v", h.name, err)
	}
	t.Cleanup(func() { b.close() })
	return b
}

// forEachStore runs test once per store, each with fresh storage. The redis
// harness starts its own redis-server, or is skipped with a reason.
func forEachStore(t *testing.T, test func(t *testing.T, h *harness)) {
	for _, name := range storeNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, newHarness(t, name))
		})
	}
}

func newHarness(t *testing.T, name string) *harness {
	t.Helper()
	clock := storetest.NewClock()
	cfg := config{Store: name, Secret: []byte(testSecret), MaxAge: 3600, Now: clock.Now, TurnWait: 5 * time.Minute}
	h := &harness{name: name, cfg: cfg}
	switch name {
	case "memory":
		h.lossless = true
	case "cookie":
		h.keepsOnRestart = true
	case "sqlite", "postgres":
		h.keepsOnRestart, h.lossless = true, true
		h.cfg.DatabaseURL = databaseURL(t, name)
	case "redis":
		h.keepsOnRestart, h.lossless = true, true
		h.cfg.RedisURL = redistest.Start(t).URL()
	}
	if name != "cookie" { // the cookie's own timestamp expires it: set per test
		// The engine checks every session's expiry on its own clock.
		h.expire = func(*testing.T, *backend) { clock.Sleep(3601 * time.Second) }
	}
	return h
}

// visitor is one browser: a client with its own cookie jar.
type visitor struct {
	t      *testing.T
	client *http.Client
}

func newVisitor(t *testing.T) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, client: &http.Client{Jar: jar}}
}

// get returns the status and body of GET url.
func (v *visitor) get(url string) (int, string) {
	v.t.Helper()
	resp, err := v.client.Get(url)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (v *visitor) expect(url, want string) {
	v.t.Helper()
	if status, body := v.get(url); status != http.StatusOK || body != want {
		v.t.Fatalf("GET %s: got %d %q, want 200 %q", url, status, body, want)
	}
}

// cookie returns the visitor's session cookie for srv.
func (v *visitor) cookie(srvURL string) *http.Cookie {
	u, _ := url.Parse(srvURL)
	for _, c := range v.client.Jar.Cookies(u) {
		if c.Name == sessionName {
			return c
		}
	}
	v.t.Fatal("the visitor has no session cookie")
	return nil
}

func serveBackend(t *testing.T, b *backend) *httptest.Server {
	srv := httptest.NewServer(newServer(b, discard))
	t.Cleanup(srv.Close)
	return srv
}

func views(n int) string {
	if n == 1 {
		return firstVisit
	}
	return fmt.Sprintf("You visited this page %d times", n)
}

func TestConformanceCounts(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		srv := serveBackend(t, h.open(t))
		v := newVisitor(t)
		resp, err := v.client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		c := resp.Cookies()[0]
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != 3600 {
			t.Errorf("Set-Cookie %q: want HttpOnly, SameSite=Lax, Path=/, Max-Age=3600, no Secure", resp.Header.Get("Set-Cookie"))
		}
		for n := 2; n <= 4; n++ {
			v.expect(srv.URL, views(n))
		}
		// Whatever the store, the client cannot read the count.
		raw, _ := base64.URLEncoding.DecodeString(c.Value)
		if strings.Contains(c.Value, "page_views") || strings.Contains(string(raw), "page_views") {
			t.Errorf("the cookie shows the session's data: %q", c.Value)
		}
		// Another browser is another visitor.
		newVisitor(t).expect(srv.URL, firstVisit)
	})
}

func TestConformanceTamperedCookie(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		srv := serveBackend(t, h.open(t))
		v := newVisitor(t)
		v.expect(srv.URL, firstVisit)
		v.expect(srv.URL, views(2))
		good := v.cookie(srv.URL).Value
		for name, value := range map[string]string{
			"tampered":  testcookie.Tamper(good),
			"garbage":   "garbage",
			"oversized": strings.Repeat("x", 5<<10),
		} {
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			req.AddCookie(&http.Cookie{Name: sessionName, Value: value})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != firstVisit {
				t.Errorf("%s cookie: got %d %q, want 200 %q", name, resp.StatusCode, body, firstVisit)
			}
		}
	})
}

func TestConformanceExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		if h.name == "cookie" {
			t.Skip("the cookie store keeps no state to expire: see TestCookieStoreExpiry")
		}
		b := h.open(t)
		srv := serveBackend(t, b)
		v := newVisitor(t)
		v.expect(srv.URL, firstVisit)
		v.expect(srv.URL, views(2))
		cookie := v.cookie(srv.URL)
		h.expire(t, b)
		// The browser would have dropped the cookie; send it anyway.
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.AddCookie(cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != firstVisit {
			t.Errorf("after expiry: got %d %q, want 200 %q", resp.StatusCode, body, firstVisit)
		}
	})
}

// TestCookieStoreExpiry: the cookie store keeps no state to expire; the
// signed timestamp in the cookie expires it. securecookie reads the real
// clock, so this runs in a synctest bubble, whose clock jumps when every
// goroutine waits, and serves the handler directly (a network server's
// goroutines never wait durably, and would stop the clock).
func TestCookieStoreExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, "cookie")
		h.cfg.MaxAge = 2
		e := newServer(h.open(t), discard)
		visit := func(cookie *http.Cookie) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if cookie != nil {
				req.AddCookie(cookie)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			return rec
		}
		first := visit(nil)
		cookie := first.Result().Cookies()[0]
		if got := visit(cookie).Body.String(); got != views(2) {
			t.Fatalf("second visit: got %q, want %q", got, views(2))
		}
		time.Sleep(3 * time.Second) // past MaxAge on securecookie's one-second clock
		if got := visit(cookie).Body.String(); got != firstVisit {
			t.Errorf("after MaxAge: got %q, want %q", got, firstVisit)
		}
	})
}

func TestConformanceDelete(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		b := h.open(t)
		// First visit: store a count and keep the cookie.
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		sess, err := b.store.Get(req, sessionName)
		if err != nil {
			t.Fatal(err)
		}
		sess.Values["page_views"] = 5
		rec := httptest.NewRecorder()
		if err := sess.Save(req, rec); err != nil {
			t.Fatal(err)
		}
		cookie := rec.Result().Cookies()[0]

		// Delete it: MaxAge < 0.
		req = httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(cookie)
		sess, _ = b.store.Get(req, sessionName)
		if sess.Values["page_views"] != 5 {
			t.Fatalf("the session was not stored: %v", sess.Values)
		}
		sess.Options.MaxAge = -1
		rec = httptest.NewRecorder()
		if err := sess.Save(req, rec); err != nil {
			t.Fatal(err)
		}
		if cleared := rec.Result().Cookies(); len(cleared) != 1 || cleared[0].MaxAge >= 0 {
			t.Errorf("want a cookie that clears itself, got %q", rec.Header().Values("Set-Cookie"))
		}

		// The server-side stores forget it: replaying the old cookie gets a
		// fresh session. The cookie store cannot revoke a copied cookie.
		req = httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(cookie)
		sess, err = b.store.Get(req, sessionName)
		if err != nil {
			t.Fatal(err)
		}
		revoked := sess.IsNew && sess.Values["page_views"] == nil
		if h.name == "cookie" {
			if revoked {
				t.Error("the cookie store revoked a copied cookie; the lesson says it cannot")
			}
		} else if !revoked {
			t.Errorf("replayed cookie after delete: IsNew=%v values=%v", sess.IsNew, sess.Values)
		}
	})
}

func TestConformanceRestart(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		first := h.open(t)
		srv := serveBackend(t, first)
		v := newVisitor(t)
		v.expect(srv.URL, firstVisit)
		v.expect(srv.URL, views(2))
		cookie := v.cookie(srv.URL)
		srv.Close()
		first.close()

		// A new process, the same storage and secret.
		again := serveBackend(t, h.open(t))
		req, _ := http.NewRequest(http.MethodGet, again.URL, nil)
		req.AddCookie(cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := firstVisit // memory: the sessions died with the process
		if h.keepsOnRestart {
			want = views(3)
		}
		if string(body) != want {
			t.Errorf("after a restart: got %q, want %q", body, want)
		}
	})
}

func TestConformanceSecretRotation(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		if !h.keepsOnRestart {
			t.Skip("memory: a restart to change the secret loses the sessions anyway")
		}
		srv := serveBackend(t, h.open(t))
		v := newVisitor(t)
		v.expect(srv.URL, firstVisit)
		cookie := v.cookie(srv.URL)

		rotated := *h
		rotated.cfg.Secret, rotated.cfg.PreviousSecret = []byte(otherSecret), []byte(testSecret)
		srv2 := serveBackend(t, rotated.open(t))
		req, _ := http.NewRequest(http.MethodGet, srv2.URL, nil)
		req.AddCookie(cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != views(2) {
			t.Errorf("new secret, old one kept as previous: got %q, want %q", body, views(2))
		}

		dropped := *h
		dropped.cfg.Secret = []byte(otherSecret)
		srv3 := serveBackend(t, dropped.open(t))
		req, _ = http.NewRequest(http.MethodGet, srv3.URL, nil)
		req.AddCookie(cookie)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != firstVisit {
			t.Errorf("old secret dropped: got %q, want %q", body, firstVisit)
		}
	})
}

// hammer sends clients x each concurrent GETs with cookie to the urls in
// turn and fails the test on any status but 200. It returns the bodies.
func hammer(t *testing.T, urls []string, cookie *http.Cookie, clients, each int) []string {
	t.Helper()
	var mu sync.Mutex
	var bodies []string
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			for j := range each {
				req, _ := http.NewRequest(http.MethodGet, urls[(i+j)%len(urls)], nil)
				req.AddCookie(cookie)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("status %d: %s", resp.StatusCode, body)
					return
				}
				mu.Lock()
				bodies = append(bodies, string(body))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return bodies
}

// TestConcurrentVisits: 64 clients share one session. Every store that
// keeps sessions on the server counts every visit; the cookie store cannot
// (each response carries its own copy of the count), but never fails.
func TestConcurrentVisits(t *testing.T) {
	const clients, each = 64, 10
	forEachStore(t, func(t *testing.T, h *harness) {
		srv := serveBackend(t, h.open(t))
		v := newVisitor(t)
		v.expect(srv.URL, firstVisit)
		cookie := v.cookie(srv.URL)
		bodies := hammer(t, []string{srv.URL}, cookie, clients, each)
		if len(bodies) != clients*each {
			t.Fatalf("%d of %d requests succeeded", len(bodies), clients*each)
		}
		if h.lossless {
			v.expect(srv.URL, views(1+clients*each+1))
			return
		}
		// The cookie store: every answer is a count from 2 up, and since
		// every request started from the same cookie, they all say 2.
		for _, body := range bodies {
			if body != views(2) {
				t.Fatalf("cookie store under concurrency: got %q, want %q", body, views(2))
			}
		}
	})
}

// TestTwoInstancesShareRedis: two app instances (two processes in real
// life) on one Redis. A visitor alternating between them keeps one counter,
// and hammering both at once loses no visit.
func TestTwoInstancesShareRedis(t *testing.T) {
	h := newHarness(t, "redis")
	a, b := serveBackend(t, h.open(t)), serveBackend(t, h.open(t))
	v := newVisitor(t)
	for n := 1; n <= 6; n++ {
		srv := a
		if n%2 == 0 {
			srv = b
		}
		v.expect(srv.URL, views(n))
	}
	const clients, each = 32, 10
	hammer(t, []string{a.URL, b.URL}, v.cookie(a.URL), clients, each)
	v.expect(b.URL, views(6+clients*each+1))
}

// TestRedisOutage: Redis goes away while serving: 503 with a clear body,
// never a fresh session; Redis comes back: the app recovers by itself.
func TestRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	b, err := openStore(context.Background(), config{Store: "redis", Secret: []byte(testSecret), MaxAge: 3600, RedisURL: srv.URL()}, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	app := serveBackend(t, b)
	v := newVisitor(t)
	v.expect(app.URL, firstVisit)

	srv.Stop()
	for _, who := range []*visitor{v, newVisitor(t)} { // a returning and a new visitor
		status, body := who.get(app.URL)
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "The session store is not answering") {
			t.Errorf("Redis down: got %d %q, want 503 explaining the store is down", status, body)
		}
	}
	if resp, err := http.Get(app.URL); err != nil || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("Redis down: got Retry-After %q (%v), want 1", resp.Header.Get("Retry-After"), err)
	} else {
		resp.Body.Close()
	}

	srv.Restart() // empty: this Redis kept nothing on disk
	status, body := v.get(app.URL)
	if status != http.StatusOK || body != firstVisit {
		t.Errorf("Redis back: got %d %q, want 200 %q", status, body, firstVisit)
	}
	v.expect(app.URL, views(2))
}

func TestOpenStoreFailsClearly(t *testing.T) {
	tests := []struct {
		name string
		cfg  config
		want string
	}{
		{"malformed REDIS_URL", config{Store: "redis", RedisURL: "localhost:6379"}, "REDIS_URL \"localhost:6379\" is not a Redis URL"},
		{"Redis not running", config{Store: "redis", RedisURL: "redis://127.0.0.1:1/0"}, "cannot reach Redis at 127.0.0.1:1 (REDIS_URL)"},
		{"unknown store", config{Store: "mongo"}, "unknown session store"},
		{"SQLite file under a file", config{Store: "sqlite", DatabaseURL: "sqlite:///etc/passwd/x.db"}, "cannot open the session database (DATABASE_URL sqlite:///etc/passwd/x.db)"},
		{"PostgreSQL not running", config{Store: "postgres", DatabaseURL: "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, "cannot open the session database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Secret, tt.cfg.MaxAge = []byte(testSecret), 60
			b, err := openStore(context.Background(), tt.cfg, discard)
			if err == nil {
				b.close()
				t.Fatal("openStore succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestConformanceLifetime: with SESSION_MAX_AGE=2 and SESSION_LIFETIME=4, a
// visitor who comes back every second keeps the session past its idle
// timeout, and loses it after 4 seconds, whatever the store.
func TestConformanceLifetime(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		clock := storetest.NewClock()
		h.cfg.MaxAge, h.cfg.Lifetime, h.cfg.Now = 2, 4, clock.Now
		srv := serveBackend(t, h.open(t))
		v := newVisitor(t)
		v.expect(srv.URL, firstVisit)
		for n := 2; n <= 4; n++ {
			clock.Sleep(time.Second)
			v.expect(srv.URL, views(n))
		}
		clock.Sleep(time.Second) // 4 seconds since the first visit
		v.expect(srv.URL, firstVisit)
	})
}

// TestTwoInstancesShareADatabase: two app instances (two processes in real
// life: each has its own memory and its own turns) on one SQLite file, or
// one PostgreSQL. A visitor alternating between them keeps one counter, and
// hammering both at once loses no visit: the instances take turns through
// a lock row in the database.
func TestTwoInstancesShareADatabase(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, name)
			a, b := serveBackend(t, h.open(t)), serveBackend(t, h.open(t))
			v := newVisitor(t)
			for n := 1; n <= 6; n++ {
				srv := a
				if n%2 == 0 {
					srv = b
				}
				v.expect(srv.URL, views(n))
			}
			const clients, each = 32, 10
			hammer(t, []string{a.URL, b.URL}, v.cookie(a.URL), clients, each)
			v.expect(b.URL, views(6+clients*each+1))
		})
	}
}

// TestStoreErrors: an outage is a 503 that says so; a session too large
// for its store is a mistake of the program (a 500), not an outage.
func TestStoreErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("loading: %w", sessionstore.ErrUnavailable), http.StatusServiceUnavailable},
		{errors.New("sessionstore: encoding values"), http.StatusInternalServerError},
	} {
		e := echo.New()
		e.HTTPErrorHandler = plainTextErrors
		e.GET("/", func(echo.Context) error { return storeError(tc.err) })
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Code != tc.want || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
			t.Errorf("%v: got %d %q, want %d in plain text", tc.err, rec.Code, rec.Header().Get("Content-Type"), tc.want)
		}
	}
}

// TestHeadAndPrivate: HEAD / answers as GET / does, without a body, and
// changes nothing: no cookie, no count, on every store. Every answer says
// that no shared cache may keep it.
func TestHeadAndPrivate(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		srv := serveBackend(t, h.open(t))
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}
		head := func() {
			t.Helper()
			resp, err := client.Head(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || len(body) != 0 || len(resp.Cookies()) != 0 {
				t.Errorf("HEAD: got %d, %d bytes, cookies %v; want 200, no body, no cookie", resp.StatusCode, len(body), resp.Cookies())
			}
			if cc, vary := resp.Header.Get("Cache-Control"), resp.Header.Get("Vary"); cc != "no-store" || vary != "Cookie" {
				t.Errorf("got Cache-Control %q and Vary %q, want no-store and Cookie", cc, vary)
			}
		}
		head() // a first HEAD starts no session
		for _, want := range []string{firstVisit, "You visited this page 2 times"} {
			if status, body := storetest.Get(t, client, srv.URL); status != http.StatusOK || body != want {
				t.Fatalf("GET: got %d %q, want 200 %q", status, body, want)
			}
			head() // nor does one count a visit
		}
	})
}
