package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/go-sessions-course/echo-sessions/internal/redistest"
	"github.com/go-sessions-course/echo-sessions/internal/sessionstore"
	"github.com/go-sessions-course/echo-sessions/internal/storetest"
	"github.com/go-sessions-course/echo-sessions/internal/testcookie"
)

const (
	testSecret  = "step06-test-secret-0123456789-0123456789"
	otherSecret = "step06-other-secret-0123456789-012345678"
	password    = "correct horse battery"
)

var discard = slog.New(slog.DiscardHandler)

func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost // see bcryptCost
	os.Exit(m.Run())
}

// testApp is one running instance of the program, over its own store.
type testApp struct {
	*httptest.Server
	users *users
	store *sessionstore.Store
}

// newTestApp serves the program over a fresh memory store unless cfg says
// otherwise. protect is false only to show what the cross-origin check
// stops.
func newTestApp(t *testing.T, cfg config, protect bool) *testApp {
	t.Helper()
	if cfg.Store == "" {
		cfg.Store = "memory"
	}
	if cfg.Secret == nil {
		cfg.Secret = []byte(testSecret)
	}
	b, err := openStore(context.Background(), cfg, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.close() })
	u := newUsers()
	var crossOrigin *http.CrossOriginProtection
	if protect {
		crossOrigin = http.NewCrossOriginProtection()
	}
	srv := httptest.NewServer(newServer(b, u, crossOrigin, discard))
	t.Cleanup(srv.Close)
	return &testApp{srv, u, b.store}
}

// visitor is one browser: a cookie jar, and redirects left to the test.
type visitor struct {
	t      *testing.T
	client *http.Client
}

func newVisitor(t *testing.T) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t, &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends a request and returns the status, the Location and the body.
func (v *visitor) do(method, rawURL string, form url.Values, header ...string) (int, string, string) {
	v.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		v.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := v.client.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (v *visitor) get(u string) (int, string, string) { return v.do(http.MethodGet, u, nil) }

func (v *visitor) post(u string, form url.Values, header ...string) (int, string, string) {
	return v.do(http.MethodPost, u, form, header...)
}

// cookie returns the visitor's session cookie for app.
func (v *visitor) cookie(app *testApp) *http.Cookie {
	u, _ := url.Parse(app.URL)
	for _, c := range v.client.Jar.Cookies(u) {
		if c.Name == sessionName {
			return c
		}
	}
	return nil
}

// expect fails the test unless a request got status and, for a redirect,
// went to location.
func expect(t *testing.T, what string, status int, location string, wantStatus int, wantLocation string) {
	t.Helper()
	if status != wantStatus || location != wantLocation {
		t.Fatalf("%s: got %d to %q, want %d to %q", what, status, location, wantStatus, wantLocation)
	}
}

func credentials(id, pw string) url.Values { return url.Values{"id": {id}, "password": {pw}} }

// loggedIn reports whether the visitor's protected page opens.
func (v *visitor) loggedIn(app *testApp) bool {
	status, _, body := v.get(app.URL + "/protected_page")
	return status == http.StatusOK && strings.Contains(body, "Hey ")
}

// signUp signs a new visitor up as id and returns them, logged in.
func signUp(t *testing.T, app *testApp, id string) *visitor {
	t.Helper()
	v := newVisitor(t)
	status, location, _ := v.post(app.URL+"/signup", credentials(id, password))
	expect(t, "signing up", status, location, http.StatusSeeOther, "/protected_page")
	return v
}

// TestSignUpLogInLogOut walks the whole chapter: the home page, signing up,
// the protected page, logging out (with its message, shown once), logging
// in again.
func TestSignUpLogInLogOut(t *testing.T) {
	app := newTestApp(t, config{}, true)
	v := newVisitor(t)
	if _, _, body := v.get(app.URL + "/"); !strings.Contains(body, "You are not logged in.") {
		t.Fatalf("home page: %q", body)
	}
	status, location, _ := v.post(app.URL+"/signup", credentials("ada", password))
	expect(t, "signing up", status, location, http.StatusSeeOther, "/protected_page")
	if status, _, body := v.get(app.URL + "/protected_page"); status != http.StatusOK || !strings.Contains(body, "<p>Hey ada</p>") ||
		!strings.Contains(body, `<form method="post" action="/logout">`) {
		t.Fatalf("protected page: %d %q", status, body)
	}
	if _, _, body := v.get(app.URL + "/"); !strings.Contains(body, "You are logged in as ada.") {
		t.Errorf("home page, logged in: %q", body)
	}
	status, location, _ = v.post(app.URL+"/logout", nil)
	expect(t, "logging out", status, location, http.StatusSeeOther, "/login")
	if _, _, body := v.get(app.URL + "/login"); !strings.Contains(body, "You are logged out.") {
		t.Errorf("the login page after logout lacks the message: %q", body)
	}
	if _, _, body := v.get(app.URL + "/login"); strings.Contains(body, "You are logged out.") {
		t.Error("the message was shown twice")
	}
	if v.loggedIn(app) {
		t.Fatal("still logged in after logout")
	}
	status, location, _ = v.post(app.URL+"/login", credentials("ada", password))
	expect(t, "logging in", status, location, http.StatusSeeOther, "/protected_page")
	if !v.loggedIn(app) {
		t.Error("not logged in after logging in")
	}
}

func TestStrangerIsSentToLogin(t *testing.T) {
	app := newTestApp(t, config{}, true)
	status, location, _ := newVisitor(t).get(app.URL + "/protected_page")
	expect(t, "a stranger", status, location, http.StatusSeeOther, "/login")
}

// TestTakenID: a second sign-up under a taken ID is a message on the form,
// after a redirect, shown once; the first account is untouched.
func TestTakenID(t *testing.T) {
	app := newTestApp(t, config{}, true)
	signUp(t, app, "ada")
	v := newVisitor(t)
	status, location, _ := v.post(app.URL+"/signup", credentials("ada", "another password"))
	expect(t, "signing up again", status, location, http.StatusSeeOther, "/signup")
	if _, _, body := v.get(app.URL + "/signup"); !strings.Contains(body, "That user ID already exists.") {
		t.Errorf("no message on the form: %q", body)
	}
	if _, _, body := v.get(app.URL + "/signup"); strings.Contains(body, "already exists") {
		t.Error("the message was shown twice")
	}
	if err := app.users.logIn("ada", password); err != nil {
		t.Errorf("the first account changed: %v", err)
	}
}

// TestWrongLoginSameWords: a wrong password and an unknown ID get the same
// answer, word for word.
func TestWrongLoginSameWords(t *testing.T) {
	app := newTestApp(t, config{}, true)
	signUp(t, app, "ada")
	var pages []string
	for _, form := range []url.Values{credentials("ada", "wrong password"), credentials("nobody", password)} {
		v := newVisitor(t)
		status, location, _ := v.post(app.URL+"/login", form)
		expect(t, "a failed login", status, location, http.StatusSeeOther, "/login")
		_, _, body := v.get(app.URL + "/login")
		if !strings.Contains(body, "Wrong user ID or password.") {
			t.Errorf("no message: %q", body)
		}
		pages = append(pages, body)
	}
	if pages[0] != pages[1] {
		t.Error("a wrong ID and a wrong password are told apart")
	}
}

// TestPasswordsAreHashed: the users table holds a bcrypt hash, never the
// password.
func TestPasswordsAreHashed(t *testing.T) {
	app := newTestApp(t, config{}, true)
	signUp(t, app, "ada")
	hash := app.users.hashes["ada"]
	if strings.Contains(string(hash), password) || bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil {
		t.Errorf("stored %q: want a bcrypt hash of the password", hash)
	}
}

// TestSessionFixation: an attacker gets a session cookie of their own,
// plants it in the victim's browser, and waits for the victim to log in.
// The login gives the session a new ID: the attacker's copy opens nothing.
func TestSessionFixation(t *testing.T) {
	app := newTestApp(t, config{}, true)
	signUp(t, app, "victim").post(app.URL+"/logout", nil)

	attacker := newVisitor(t)
	attacker.post(app.URL+"/login", credentials("victim", "a guess")) // any visit that saves a session
	planted := attacker.cookie(app)
	if planted == nil {
		t.Fatal("the attacker got no session cookie")
	}
	victim := newVisitor(t)
	u, _ := url.Parse(app.URL)
	victim.client.Jar.SetCookies(u, []*http.Cookie{{Name: sessionName, Value: planted.Value, Path: "/"}})

	status, location, _ := victim.post(app.URL+"/login", credentials("victim", password))
	expect(t, "the victim's login", status, location, http.StatusSeeOther, "/protected_page")
	if !victim.loggedIn(app) {
		t.Fatal("the victim is not logged in")
	}
	if victim.cookie(app).Value == planted.Value {
		t.Error("the login kept the planted session ID")
	}
	if attacker.loggedIn(app) {
		t.Error("the attacker's copy of the planted cookie opens the victim's session")
	}
}

// TestLogoutDestroysTheSession: a copy of the cookie taken before logout
// opens nothing afterwards, and GET /logout logs nobody out.
func TestLogoutDestroysTheSession(t *testing.T) {
	app := newTestApp(t, config{}, true)
	v := signUp(t, app, "ada")
	if status, _, _ := v.get(app.URL + "/logout"); status != http.StatusMethodNotAllowed || !v.loggedIn(app) {
		t.Fatalf("GET /logout: got %d; want 405, still logged in", status)
	}
	copied := *v.cookie(app)
	v.post(app.URL+"/logout", nil)
	thief := newVisitor(t)
	u, _ := url.Parse(app.URL)
	thief.client.Jar.SetCookies(u, []*http.Cookie{&copied})
	if thief.loggedIn(app) {
		t.Error("a copy of the cookie from before logout still opens the session")
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&copied)
	if sess, err := app.store.New(req, sessionName); err != nil || !sess.IsNew {
		t.Errorf("the store still holds the session of the old cookie (err %v)", err)
	}
}

// TestCrossOriginPostsRefused: a form post that a browser sends from
// another origin's page is refused (the browser says so in Sec-Fetch-Site,
// or its Origin is not this host), and the session stays as it was.
// Without the protection the same post logs the visitor out.
func TestCrossOriginPostsRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"Sec-Fetch-Site", []string{"Sec-Fetch-Site", "same-site"}},
		{"Origin", []string{"Origin", "http://localhost:4000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := newTestApp(t, config{}, true)
			v := signUp(t, app, "ada")
			if status, _, body := v.post(app.URL+"/logout", nil, tc.header...); status != http.StatusForbidden || !strings.Contains(body, "sent from another site's page") {
				t.Errorf("got %d %q, want 403", status, body)
			}
			if !v.loggedIn(app) {
				t.Error("the refused post logged the visitor out")
			}
			unprotected := newTestApp(t, config{}, false)
			w := signUp(t, unprotected, "ada")
			w.post(unprotected.URL+"/logout", nil, tc.header...)
			if w.loggedIn(unprotected) {
				t.Error("without the protection the cross-origin post should have worked")
			}
		})
	}
}

// TestLoginIsRateLimited: five quick tries from one address, then 429.
func TestLoginIsRateLimited(t *testing.T) {
	app := newTestApp(t, config{}, true)
	v := newVisitor(t)
	for i := range 5 {
		if status, _, _ := v.post(app.URL+"/login", credentials("ada", "guess number "+string(rune('a'+i)))); status != http.StatusSeeOther {
			t.Fatalf("try %d: got %d, want 303", i+1, status)
		}
	}
	status, _, body := v.post(app.URL+"/login", credentials("ada", "one more guess"))
	if status != http.StatusTooManyRequests || !strings.Contains(body, "Too many login attempts") {
		t.Errorf("the sixth try: got %d %q, want 429", status, body)
	}
	// Signing up is limited the same way: each one costs a bcrypt hash.
	for i := range 6 {
		status, _, _ := v.post(app.URL+"/signup", credentials("user"+string(rune('a'+i)), password))
		if want := map[bool]int{true: http.StatusSeeOther, false: http.StatusTooManyRequests}[i < 5]; status != want {
			t.Errorf("signup %d: got %d, want %d", i+1, status, want)
		}
	}
	// A forged X-Forwarded-For does not buy another address.
	status, _, _ = v.post(app.URL+"/login", credentials("ada", "and another"), "X-Forwarded-For", "203.0.113.9")
	if status != http.StatusTooManyRequests {
		t.Errorf("with a forged X-Forwarded-For: got %d, want 429", status)
	}
}

// TestLifetime: with SESSION_MAX_AGE=2 and SESSION_LIFETIME=4, a visitor
// who opens the protected page every second is logged out at four seconds
// after logging in, however busy.
func TestLifetime(t *testing.T) {
	clock := storetest.NewClock()
	app := newTestApp(t, config{MaxAge: 2, Lifetime: 4, Now: clock.Now}, true)
	v := signUp(t, app, "ada")
	for second := 1; second <= 4; second++ {
		clock.Sleep(time.Second)
		if in := v.loggedIn(app); in != (second < 4) {
			t.Fatalf("after %ds: logged in %v", second, in)
		}
	}
	// And idle: three seconds without a visit end a session at once.
	w := signUp(t, app, "grace")
	clock.Sleep(3 * time.Second)
	if w.loggedIn(app) {
		t.Error("still logged in after 3s idle, with SESSION_MAX_AGE=2")
	}
}

// TestHostileInput: forms this site never sends get a 400 or a 413, and
// garbage cookies a fresh session; never a 5xx.
func TestHostileInput(t *testing.T) {
	app := newTestApp(t, config{}, true)
	for _, tc := range []struct {
		name string
		path string
		form url.Values
		want int
	}{
		{"empty", "/signup", credentials("", ""), http.StatusBadRequest},
		{"no fields", "/login", url.Values{}, http.StatusBadRequest},
		{"short password", "/signup", credentials("ada", "short"), http.StatusBadRequest},
		{"password past 72 bytes", "/signup", credentials("ada", strings.Repeat("p", 73)), http.StatusBadRequest},
		{"id past 64 characters", "/login", credentials(strings.Repeat("i", 65), password), http.StatusBadRequest},
		{"id with a space", "/signup", credentials("a b", password), http.StatusBadRequest},
		{"invalid UTF-8", "/signup", credentials("\xff\xfe", password), http.StatusBadRequest},
		{"a control character", "/login", credentials("ada\x00", password), http.StatusBadRequest},
		{"20 KB", "/login", credentials(strings.Repeat("x", 20<<10), password), http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, _, body := newVisitor(t).post(app.URL+tc.path, tc.form); status != tc.want {
				t.Errorf("got %d %q, want %d", status, body, tc.want)
			}
		})
	}
	for _, value := range []string{"garbage", testcookie.Tamper(testcookie.Signed(t, sessionName, testSecret, "x")), strings.Repeat("A", 5000)} {
		for _, path := range []string{"/", "/login", "/protected_page"} {
			req, _ := http.NewRequest(http.MethodGet, app.URL+path, nil)
			req.Header.Set("Cookie", sessionName+"="+value)
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Errorf("%s with cookie %.20q: %d", path, value, resp.StatusCode)
			}
		}
	}
}

// TestPrivateAndHead: every page says no shared cache may keep it, and
// answers HEAD as it answers GET.
func TestPrivateAndHead(t *testing.T) {
	app := newTestApp(t, config{}, true)
	for _, path := range []string{"/", "/signup", "/login", "/protected_page"} {
		get, err := http.Get(app.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		get.Body.Close()
		head, err := http.Head(app.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		head.Body.Close()
		if head.StatusCode != get.StatusCode || get.Header.Get("Cache-Control") != "no-store" || get.Header.Get("Vary") != "Cookie" {
			t.Errorf("%s: GET %d, HEAD %d, Cache-Control %q, Vary %q", path, get.StatusCode, head.StatusCode,
				get.Header.Get("Cache-Control"), get.Header.Get("Vary"))
		}
	}
}

// TestStores: the chapter on the SQLite store and on Redis; and two
// instances on one Redis share the login.
func TestStores(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		app := newTestApp(t, config{Store: "sqlite", DatabaseURL: "sqlite://" + t.TempDir() + "/s.db"}, true)
		if v := signUp(t, app, "ada"); !v.loggedIn(app) {
			t.Error("not logged in")
		}
	})
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t)
		a := newTestApp(t, config{Store: "redis", RedisURL: srv.URL()}, true)
		b := newTestApp(t, config{Store: "redis", RedisURL: srv.URL()}, true)
		v := signUp(t, a, "ada")
		u, _ := url.Parse(b.URL)
		v.client.Jar.SetCookies(u, []*http.Cookie{v.cookie(a)}) // the same site behind a load balancer
		if !v.loggedIn(b) {
			t.Error("the other instance does not see the login")
		}
		v.post(b.URL+"/logout", nil)
		copied := newVisitor(t)
		ua, _ := url.Parse(a.URL)
		copied.client.Jar.SetCookies(ua, []*http.Cookie{v.cookie(b)})
		if copied.loggedIn(a) {
			t.Error("logged out on one instance, still in on the other")
		}
	})
}
