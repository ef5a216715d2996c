package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/redistest"
	"github.com/go-sessions-course/echo-sessions/internal/testkit/storetest"
	"github.com/go-sessions-course/echo-sessions/internal/testkit/testcookie"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
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
	return serveTestApp(t, newTestBackend(t, cfg, discard), protect, discard)
}

// newTestBackend opens the store cfg names, a memory store by default.
func newTestBackend(t *testing.T, cfg config, logger *slog.Logger) *backend {
	t.Helper()
	if cfg.Store == "" {
		cfg.Store = "memory"
	}
	if cfg.Secret == nil {
		cfg.Secret = []byte(testSecret)
	}
	b, err := openStore(context.Background(), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.close() })
	return b
}

// serveTestApp serves one instance of the program, with users of its own,
// over the store b, which other instances may share.
func serveTestApp(t *testing.T, b *backend, protect bool, logger *slog.Logger) *testApp {
	t.Helper()
	u := newUsers()
	var crossOrigin *http.CrossOriginProtection
	if protect {
		crossOrigin = http.NewCrossOriginProtection()
	}
	srv := httptest.NewServer(newServer(b, u, crossOrigin, logger))
	t.Cleanup(srv.Close)
	return &testApp{srv, u, b.store}
}

// inProcess is an http.RoundTripper that hands each request straight to a
// handler, from the client address addr: no sockets, so that a test can
// run in a testing/synctest bubble, whose clock moves only when every
// goroutine in it waits.
type inProcess struct {
	h    http.Handler
	addr string
}

func (p inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.RemoteAddr = p.addr
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// newInProcessApp builds the program as newTestApp does, but serves it in
// this process only; its visitors come from addresses of their own (see
// visitorFrom). Its URL is a name, not an address.
func newInProcessApp(t *testing.T) (*testApp, http.Handler) {
	t.Helper()
	b := newTestBackend(t, config{}, discard)
	u := newUsers()
	h := newServer(b, u, http.NewCrossOriginProtection(), discard)
	return &testApp{&httptest.Server{URL: "http://app.test"}, u, b.store}, h
}

// visitorFrom is a browser at the client address addr, talking to h in
// this process.
func visitorFrom(t *testing.T, h http.Handler, addr string) *visitor {
	v := newVisitor(t)
	v.client.Transport = inProcess{h, addr}
	return v
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
	resp := v.send(method, rawURL, form, header...)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// send sends a request and returns the response, for its headers.
func (v *visitor) send(method, rawURL string, form url.Values, header ...string) *http.Response {
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
	return resp
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
	if _, err := app.users.logIn(context.Background(), "ada", password); err != nil {
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

// TestPasswordsAreHashed: the users map holds a bcrypt hash, never the
// password.
func TestPasswordsAreHashed(t *testing.T) {
	app := newTestApp(t, config{}, true)
	signUp(t, app, "ada")
	hash := app.users.accounts["ada"].hash
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

// TestLoginIsRateLimited: five quick tries from one address, then 429,
// and one more every ten seconds, as the message says. It runs in a
// testing/synctest bubble: time.Sleep moves the bubble's clock, which the
// limiter reads, at once; no test waits for real time.
func TestLoginIsRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		app, h := newInProcessApp(t)
		v := visitorFrom(t, h, "192.0.2.1:1234")
		for i := range 5 {
			status, _, _ := v.post(app.URL+"/login", credentials("ada", fmt.Sprint("guess number ", i)))
			if status != http.StatusSeeOther {
				t.Fatalf("try %d: got %d, want 303", i+1, status)
			}
		}
		resp := v.send(http.MethodPost, app.URL+"/login", credentials("ada", "one more guess"))
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "10" ||
			!strings.Contains(string(body), "one more every ten seconds") {
			t.Errorf("the sixth try: got %d, Retry-After %q, %q; want 429, 10, one more every ten seconds",
				resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		time.Sleep(10 * time.Second) // the bubble's clock: no real wait
		if status, _, _ := v.post(app.URL+"/login", credentials("ada", "after ten seconds")); status != http.StatusSeeOther {
			t.Errorf("ten seconds later: got %d, want 303", status)
		}
		if status, _, _ := v.post(app.URL+"/login", credentials("ada", "at once again")); status != http.StatusTooManyRequests {
			t.Errorf("the try right after: got %d, want 429", status)
		}
		// A forged X-Forwarded-For does not buy another address.
		status, _, _ := v.post(app.URL+"/login", credentials("ada", "and another"), "X-Forwarded-For", "203.0.113.9")
		if status != http.StatusTooManyRequests {
			t.Errorf("with a forged X-Forwarded-For: got %d, want 429", status)
		}
		// Signing up is limited the same way: each one costs a bcrypt hash.
		w := visitorFrom(t, h, "192.0.2.2:1234")
		for i := range 6 {
			status, _, _ := w.post(app.URL+"/signup", credentials(fmt.Sprint("user", i), password))
			if want := map[bool]int{true: http.StatusSeeOther, false: http.StatusTooManyRequests}[i < 5]; status != want {
				t.Errorf("signup %d: got %d, want %d", i+1, status, want)
			}
		}
	})
}

// TestAccountIsThrottled: guesses at one account from many addresses (each
// under its own limit) are slowed to one a minute after ten, for a known
// and an unknown ID alike, whatever case the ID is typed in; a minute
// after the guessing stops, the owner logs in.
func TestAccountIsThrottled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		app, h := newInProcessApp(t)
		owner := visitorFrom(t, h, "192.0.2.1:1234")
		owner.post(app.URL+"/signup", credentials("ada", password))
		owner.post(app.URL+"/logout", nil)
		for _, id := range []string{"Ada", "nobody"} {
			for i := range 10 {
				guesser := visitorFrom(t, h, fmt.Sprintf("198.51.100.%d:1234", i))
				status, location, _ := guesser.post(app.URL+"/login", credentials(id, fmt.Sprint("guess ", i)))
				expect(t, fmt.Sprintf("%s, guess %d", id, i+1), status, location, http.StatusSeeOther, "/login")
			}
			resp := visitorFrom(t, h, "198.51.100.99:1234").send(http.MethodPost, app.URL+"/login",
				credentials(strings.ToUpper(id), "guess 11"))
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" ||
				!strings.Contains(string(body), "Too many tries for this user ID. It gets one more every minute.") {
				t.Errorf("%s, guess 11: got %d, Retry-After %q, %q; want 429, 60, the account's message",
					id, resp.StatusCode, resp.Header.Get("Retry-After"), body)
			}
		}
		if status, _, _ := owner.post(app.URL+"/login", credentials("ada", password)); status != http.StatusTooManyRequests {
			t.Errorf("the owner, during the guessing: got %d, want 429", status)
		}
		time.Sleep(time.Minute) // the bubble's clock: no real wait
		status, location, _ := owner.post(app.URL+"/login", credentials("ada", password))
		expect(t, "the owner, a minute later", status, location, http.StatusSeeOther, "/protected_page")
	})
}

// TestAnAnswerForEveryLogin: when every place to hash a password is taken
// and the short queue is full, a login gets a 503 with Retry-After at once,
// never a connection left hanging. The test holds the gate itself, so that
// which requests wait is certain, not a matter of speed.
func TestAnAnswerForEveryLogin(t *testing.T) {
	app, h := newInProcessApp(t)
	app.users.gate = newHashGate(1, 2)
	app.users.gate.inside <- struct{}{} // the test holds the one place to hash:
	app.users.gate.running <- struct{}{}
	const logins = 20 // from 20 addresses: no limit of theirs is reached
	answers := make(chan *http.Response, logins)
	for i := range logins {
		go func() {
			v := visitorFrom(t, h, fmt.Sprintf("198.51.100.%d:1234", i))
			req, _ := http.NewRequest(http.MethodPost, app.URL+"/login",
				strings.NewReader(credentials(fmt.Sprint("user", i), password).Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := v.client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			answers <- resp
		}()
	}
	// Two logins fit in the queue; all the others are answered now, while
	// the queue waits.
	for range logins - 2 {
		resp := <-answers
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
			t.Fatalf("while the queue is full: got %d, Retry-After %q; want 503, 1",
				resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	<-app.users.gate.running // the test lets go: the two in the queue go on
	<-app.users.gate.inside
	for range 2 {
		if resp := <-answers; resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a login from the queue: got %d, want 303", resp.StatusCode)
		}
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

// TestStores: the chapter on the SQLite store and on Redis. Two instances
// on one Redis share the sessions but not the users, who live in each
// one's memory: a login made on one instance is, on the other, a login to
// an account that does not exist there, so the other logs it out, and
// since the session is shared, the first instance has lost it too.
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
		copied := v.cookie(a)
		onB := newVisitor(t)
		ub, _ := url.Parse(b.URL)
		onB.client.Jar.SetCookies(ub, []*http.Cookie{copied}) // the same site behind a load balancer
		status, location, _ := onB.get(b.URL + "/protected_page")
		expect(t, "ada's session on the instance without ada", status, location, http.StatusSeeOther, "/login")
		if v.loggedIn(a) {
			t.Error("the session that the other instance ended still opens the first")
		}
	})
}

// TestLoginEndsWithItsAccount: a session outlives the process whose users
// live in memory (a file or a database keeps it), or is seen by another
// instance with users of its own. Whoever signs up there under the same ID
// is someone else, and the old session must not open their account; nor
// may it stay logged in to an account that is gone.
func TestLoginEndsWithItsAccount(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reopen  func(t *testing.T, first *backend) *backend // the store, for the second instance
		newBack func(t *testing.T) *backend
	}{
		{"one store, two instances in turn",
			func(t *testing.T, first *backend) *backend { return first },
			func(t *testing.T) *backend { return newTestBackend(t, config{}, discard) }},
		{"a restart on the same SQLite file", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config{Store: "sqlite", DatabaseURL: "sqlite://" + t.TempDir() + "/s.db"}
			newBack, reopen := tc.newBack, tc.reopen
			if newBack == nil {
				newBack = func(t *testing.T) *backend { return newTestBackend(t, cfg, discard) }
				reopen = func(t *testing.T, first *backend) *backend { return newTestBackend(t, cfg, discard) }
			}
			first := newBack(t)
			before := serveTestApp(t, first, true, discard)
			gone := signUp(t, before, "bob") // the first bob: two sessions
			takeover := newVisitor(t)
			status, location, _ := takeover.post(before.URL+"/login", credentials("bob", password))
			expect(t, "the first bob's login", status, location, http.StatusSeeOther, "/protected_page")

			after := serveTestApp(t, reopen(t, first), true, discard)
			carry := func(v *visitor) *visitor {
				w := newVisitor(t)
				u, _ := url.Parse(after.URL)
				w.client.Jar.SetCookies(u, []*http.Cookie{v.cookie(before)})
				return w
			}
			// The account is gone: the session is logged out, and says so.
			w := carry(gone)
			status, location, _ = w.get(after.URL + "/protected_page")
			expect(t, "a session of an account that is gone", status, location, http.StatusSeeOther, "/login")
			if _, _, body := w.get(after.URL + "/login"); !strings.Contains(body, "Your login has ended") {
				t.Errorf("the login form does not say why: %q", body)
			}
			// Someone else signs up as bob: the first bob's session opens
			// nothing of theirs, and is destroyed.
			signUp(t, after, "bob")
			w = carry(takeover)
			status, location, body := w.get(after.URL + "/protected_page")
			if strings.Contains(body, "Hey bob") {
				t.Fatal("the first bob's cookie opens the new bob's page")
			}
			expect(t, "the first bob's cookie", status, location, http.StatusSeeOther, "/login")
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.AddCookie(takeover.cookie(before))
			if sess, err := after.store.New(req, sessionName); err != nil || !sess.IsNew {
				t.Errorf("the store still holds the ended session (err %v)", err)
			}
		})
	}
}

// TestDummyHashCost: an unknown ID is checked against a hash of the same
// cost as a real one, so that it takes as long as a wrong password. The
// tests lower bcryptCost, so a dummy hash at bcrypt's default would differ.
func TestDummyHashCost(t *testing.T) {
	u := newUsers()
	if _, err := u.signUp(context.Background(), "ada", password); err != nil {
		t.Fatal(err)
	}
	real, err := bcrypt.Cost(u.accounts["ada"].hash)
	if err != nil {
		t.Fatal(err)
	}
	dummy, err := bcrypt.Cost(u.dummyHash)
	if err != nil {
		t.Fatal(err)
	}
	if dummy != real || real != bcryptCost {
		t.Errorf("the dummy hash has cost %d, a real one %d; want both %d", dummy, real, bcryptCost)
	}
}

// TestHeadChangesNothing: a HEAD request (a link preview, curl -I) neither
// eats the flash message waiting for the next page nor saves a session.
func TestHeadChangesNothing(t *testing.T) {
	app := newTestApp(t, config{}, true)
	v := signUp(t, app, "ada")
	v.post(app.URL+"/logout", nil) // "You are logged out." waits for the next page
	resp := v.send(http.MethodHead, app.URL+"/login", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("HEAD /login: got %d, Set-Cookie %q; want 200 and no cookie", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	if _, _, body := v.get(app.URL + "/login"); !strings.Contains(body, "You are logged out.") {
		t.Errorf("the HEAD request ate the message: %q", body)
	}

	// Nor does a HEAD of the protected page save the session: it does not
	// count as a visit, so it does not put off the idle timeout.
	clock := storetest.NewClock()
	app = newTestApp(t, config{MaxAge: 2, Now: clock.Now}, true)
	v = signUp(t, app, "ada")
	clock.Sleep(time.Second)
	if resp := v.send(http.MethodHead, app.URL+"/protected_page", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD /protected_page: got %d, want 200", resp.StatusCode)
	}
	clock.Sleep(1500 * time.Millisecond) // 2.5 s after the last save, with SESSION_MAX_AGE=2
	if v.loggedIn(app) {
		t.Error("the HEAD request saved the session: it outlived its idle timeout")
	}
}

// TestCredentialsOnlyFromTheBody: an id and a password in the query string
// are not read, and no password reaches the log, even at LOG_LEVEL=debug.
func TestCredentialsOnlyFromTheBody(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	app := serveTestApp(t, newTestBackend(t, config{}, logger), true, logger)
	signUp(t, app, "ada") // with password, in the body
	inURL := "?" + credentials("ada", password).Encode()
	for _, tc := range []struct {
		name         string
		path         string
		form         url.Values
		wantStatus   int
		wantLocation string
	}{
		{"login, all in the URL", "/login" + inURL, url.Values{}, http.StatusBadRequest, ""},
		{"signup, all in the URL", "/signup" + inURL, url.Values{}, http.StatusBadRequest, ""},
		{"the ID in the URL, the password in the body", "/login?id=ada",
			url.Values{"password": {password}}, http.StatusBadRequest, ""},
		{"the password in the URL, the ID in the body", "/login?" + url.Values{"password": {password}}.Encode(),
			url.Values{"id": {"ada"}}, http.StatusBadRequest, ""},
		{"the right password in the URL, a wrong one in the body", "/login" + inURL,
			credentials("ada", "a wrong password"), http.StatusSeeOther, "/login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newVisitor(t)
			status, location, _ := v.post(app.URL+tc.path, tc.form)
			expect(t, tc.name, status, location, tc.wantStatus, tc.wantLocation)
			if v.loggedIn(app) {
				t.Error("the query string logged the visitor in")
			}
		})
	}
	if !strings.Contains(logs.String(), "level=DEBUG msg=request method=POST path=/login status=400") {
		t.Fatalf("the debug log lacks the requests:\n%s", logs.String())
	}
	for _, secret := range []string{password, url.QueryEscape(password), url.PathEscape(password), "a wrong password",
		url.QueryEscape("a wrong password")} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds the password %q:\n%s", secret, logs.String())
		}
	}
}

// TestOneAccountPerName: IDs that look alike are one ID: in another case,
// in full-width letters, as typed on a phone. The form says so, and names
// that cannot be IDs get a 400 that says what an ID is.
func TestOneAccountPerName(t *testing.T) {
	app, h := newInProcessApp(t)
	visitors := 0
	newVisitor := func(*testing.T) *visitor { // each from an address of its own
		visitors++
		return visitorFrom(t, h, fmt.Sprintf("198.51.100.%d:1234", visitors))
	}
	v := newVisitor(t)
	status, location, _ := v.post(app.URL+"/signup", credentials("Ada", password))
	expect(t, "signing up as Ada", status, location, http.StatusSeeOther, "/protected_page")
	if _, _, body := v.get(app.URL + "/protected_page"); !strings.Contains(body, "Hey ada") {
		t.Errorf("the account's name: %q, want ada", body)
	}
	for _, id := range []string{"ada", "ADA", "Ａda", "ａｄａ"} {
		status, location, _ := newVisitor(t).post(app.URL+"/signup", credentials(id, "another password"))
		expect(t, "signing up as "+id, status, location, http.StatusSeeOther, "/signup")
		status, location, _ = newVisitor(t).post(app.URL+"/login", credentials(id, password))
		expect(t, "logging in as "+id, status, location, http.StatusSeeOther, "/protected_page")
	}
	if _, _, body := newVisitor(t).get(app.URL + "/signup"); !strings.Contains(body, "Ada and ada are one name") {
		t.Errorf("the form does not say what it accepts: %q", body)
	}
	for _, id := range []string{"", "a b", "snow☃man", "tab\there", strings.Repeat("i", 65)} {
		status, _, body := newVisitor(t).post(app.URL+"/signup", credentials(id, password))
		if status != http.StatusBadRequest || body != "A user ID is 1 to 64 letters, digits or punctuation marks, with no spaces.\n" {
			t.Errorf("signing up as %q: got %d %q, want 400 and what an ID is", id, status, body)
		}
	}
}

// region realip
// TestRealIPIgnoresForwardedFor backs the lesson's word: since Echo
// v4.16.3, a plain echo.New() takes the client's address from the
// connection, not from an X-Forwarded-For header that anyone can send.
func TestRealIPIgnoresForwardedFor(t *testing.T) {
	e := echo.New()
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, c.RealIP()) })
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "192.0.2.1:1234"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if got := rec.Body.String(); got != "192.0.2.1" {
		t.Errorf("got %q, want %q, the connection's address", got, "192.0.2.1")
	}
}

// endregion realip
