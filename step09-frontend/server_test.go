package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

const (
	testSecret  = "step09-test-secret-0123456789-0123456789"
	otherSecret = "step09-other-secret-0123456789-012345678"
	password    = "correct horse battery"
	// frontend is the trusted origin of the tests that need no real page.
	frontend = "http://localhost:5173"
)

var discard = slog.New(slog.DiscardHandler)

func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost // see bcryptCost
	os.Exit(m.Run())
}

// testApp is one running API, over its database.
type testApp struct {
	*httptest.Server
	accounts *accounts
	store    *sessionstore.Store
	db       *sql.DB
}

// testConfig is the configuration of the tests' API: a fresh SQLite file,
// the test secret, and frontend as the front end's origin.
func testConfig(t *testing.T, cfg config) config {
	t.Helper()
	if cfg.Store == "" {
		cfg.Store = "sqlite"
	}
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = "sqlite://" + filepath.Join(t.TempDir(), "accounts.db")
	}
	if cfg.Secret == nil {
		cfg.Secret = []byte(testSecret)
	}
	if cfg.FrontendOrigin == "" {
		cfg.FrontendOrigin = frontend
	}
	if cfg.Remember == 0 {
		cfg.Remember = 30 * 86400
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = 30 * 86400
	}
	return cfg
}

// newTestApp serves the API as run does, configured by testConfig.
func newTestApp(t *testing.T, cfg config) *testApp {
	t.Helper()
	cfg = testConfig(t, cfg)
	h, app := newTestHandler(t, cfg)
	app.Server = httptest.NewServer(h)
	t.Cleanup(app.Server.Close)
	return app
}

// newTestHandler builds the API without serving it.
func newTestHandler(t *testing.T, cfg config) (http.Handler, *testApp) {
	t.Helper()
	b, err := openStore(context.Background(), cfg, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.close() })
	u, err := openAccounts(context.Background(), b.db, b.postgres, cfg.Now)
	if err != nil {
		t.Fatal(err)
	}
	return newServer(b, u, cfg, discard), &testApp{nil, u, b.store, b.db}
}

// visitor is one browser: a cookie jar, and the headers its page adds.
type visitor struct {
	t      *testing.T
	client *http.Client
	header http.Header // sent with every request: Origin, Sec-Fetch-Site...
}

func newVisitor(t *testing.T) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t, &http.Client{Jar: jar}, http.Header{}}
}

// fromPage makes v a page of origin, as a browser's fetch from it is:
// Origin, and Sec-Fetch-Site as the browser would work it out.
func (v *visitor) fromPage(origin, site string) *visitor {
	v.header.Set("Origin", origin)
	v.header.Set("Sec-Fetch-Site", site)
	return v
}

// answer is what the API said: the status, the headers and the body.
type answer struct {
	status int
	header http.Header
	body   string
}

// json decodes the answer's body.
func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(a.body), &m); err != nil {
		t.Fatalf("the body %q is not JSON: %v", a.body, err)
	}
	return m
}

// do sends a request with body as it is (JSON unless contentType says
// otherwise) and returns the answer.
func (v *visitor) do(method, rawURL, body string, contentType ...string) answer {
	v.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, r)
	if err != nil {
		v.t.Fatal(err)
	}
	for k, vs := range v.header {
		req.Header[k] = vs
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	if len(contentType) > 0 {
		req.Header.Set("Content-Type", contentType[0])
	}
	resp, err := v.client.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func (v *visitor) get(u string) answer               { return v.do(http.MethodGet, u, "") }
func (v *visitor) post(u string, body string) answer { return v.do(http.MethodPost, u, body) }

// cookie returns the visitor's session cookie for app, or nil.
func (v *visitor) cookie(app *testApp) *http.Cookie {
	u, _ := url.Parse(app.URL)
	for _, c := range v.client.Jar.Cookies(u) {
		if c.Name == sessionName {
			return c
		}
	}
	return nil
}

// creds is a signup or login body.
func creds(id, pw string, remember bool) string {
	b, _ := json.Marshal(credentials{id, pw, remember})
	return string(b)
}

// expect fails the test unless the answer has status, and its body holds
// want.
func expect(t *testing.T, what string, a answer, status int, want string) {
	t.Helper()
	if a.status != status || !strings.Contains(a.body, want) {
		t.Fatalf("%s: got %d %q, want %d with %q", what, a.status, a.body, status, want)
	}
}

// signUp signs a new visitor up as id and returns them, logged in.
func signUp(t *testing.T, app *testApp, id string, remember bool) *visitor {
	t.Helper()
	v := newVisitor(t)
	expect(t, "signing up", v.post(app.URL+"/api/signup", creds(id, password, remember)),
		http.StatusCreated, `"user":"`+id+`"`)
	return v
}

// TestSignUpLogInLogOut walks the API as the front end does.
func TestSignUpLogInLogOut(t *testing.T) {
	app := newTestApp(t, config{})
	v := newVisitor(t)
	expect(t, "me, before", v.get(app.URL+"/api/me"), http.StatusUnauthorized,
		`{"error":"You are not logged in."}`)
	expect(t, "signing up", v.post(app.URL+"/api/signup", creds("Ada", password, false)),
		http.StatusCreated, `{"remember":false,"user":"ada"}`)
	expect(t, "me", v.get(app.URL+"/api/me"), http.StatusOK, `{"prefs":{"theme":""},"user":"ada"}`)
	expect(t, "logging out", v.post(app.URL+"/api/logout", ""), http.StatusOK,
		`{"message":"You are logged out."}`)
	expect(t, "me, after", v.get(app.URL+"/api/me"), http.StatusUnauthorized,
		"You are not logged in.")
	expect(t, "logging out again", v.post(app.URL+"/api/logout", ""), http.StatusOK, "logged out")
	expect(t, "wrong password", v.post(app.URL+"/api/login", creds("ada", "wrong password", false)),
		http.StatusUnauthorized, `{"error":"Wrong user ID or password."}`)
	expect(t, "no such user", v.post(app.URL+"/api/login", creds("bob", password, false)),
		http.StatusUnauthorized, `{"error":"Wrong user ID or password."}`)
	expect(t, "logging in", v.post(app.URL+"/api/login", creds("ADA", password, true)),
		http.StatusOK, `{"remember":true,"user":"ada"}`)
	expect(t, "me, again", v.get(app.URL+"/api/me"), http.StatusOK, `"user":"ada"`)
	expect(t, "a taken ID", newVisitor(t).post(app.URL+"/api/signup", creds("ada", password, false)),
		http.StatusConflict, "That user ID already exists.")
}

// TestVisits: the tutorial's counter, as JSON, with its exact words.
func TestVisits(t *testing.T) {
	app := newTestApp(t, config{})
	v := newVisitor(t)
	for i, want := range []string{
		`{"message":"Welcome to this page for the first time!","page_views":1}`,
		`{"message":"You visited this page 2 times","page_views":2}`,
		`{"message":"You visited this page 3 times","page_views":3}`,
	} {
		if a := v.get(app.URL + "/api/visits"); a.status != http.StatusOK || a.body != want+"\n" {
			t.Errorf("visit %d: got %d %q, want %q", i+1, a.status, a.body, want)
		}
	}
	head := v.do(http.MethodHead, app.URL+"/api/visits", "")
	if head.status != http.StatusOK || head.body != "" {
		t.Errorf("HEAD: got %d %q", head.status, head.body)
	}
	expect(t, "after HEAD", v.get(app.URL+"/api/visits"), http.StatusOK, `"page_views":4`)
	// The count goes on across the login, which keeps the session's values.
	expect(t, "signing up", v.post(app.URL+"/api/signup", creds("ada", password, false)),
		http.StatusCreated, "ada")
	expect(t, "after signing up", v.get(app.URL+"/api/visits"), http.StatusOK, `"page_views":5`)
}

// TestPrivateAndHead: every answer of the API is private to its visitor,
// and HEAD is answered wherever GET is, changing nothing.
func TestPrivateAndHead(t *testing.T) {
	app := newTestApp(t, config{})
	v := signUp(t, app, "ada", false)
	for _, path := range []string{"/api/visits", "/api/me", "/api/sessions"} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			a := v.do(method, app.URL+path, "")
			if a.status != http.StatusOK || a.header.Get("Cache-Control") != "no-store" ||
				!strings.Contains(strings.Join(a.header.Values("Vary"), ","), "Cookie") {
				t.Errorf("%s %s: got %d, Cache-Control %q, Vary %q", method, path, a.status,
					a.header.Get("Cache-Control"), a.header.Values("Vary"))
			}
		}
	}
	for _, path := range []string{"/api/login", "/api/logout"} {
		a := newVisitor(t).post(app.URL+path, "{}")
		if a.header.Get("Cache-Control") != "no-store" {
			t.Errorf("POST %s: Cache-Control %q", path, a.header.Get("Cache-Control"))
		}
	}
	// A HEAD that would log a stale session out changes nothing either.
	stranger := newVisitor(t)
	a := stranger.do(http.MethodHead, app.URL+"/api/me", "")
	if a.status != http.StatusUnauthorized || a.body != "" || a.header.Get("Set-Cookie") != "" {
		t.Errorf("HEAD /api/me for a stranger: %d %q, Set-Cookie %q", a.status, a.body,
			a.header.Get("Set-Cookie"))
	}
}

// inProcess is an http.RoundTripper that hands each request straight to a
// handler, from the client address addr: each visitor of TestBadBodies
// has an address of its own, and so its own login limit.
type inProcess struct {
	h    http.Handler
	addr string
}

func (p inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.RemoteAddr = p.addr
	if req.Body == nil {
		req.Body = http.NoBody // as a server's request has
	}
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// TestBadBodies: every body the API cannot take gets a 4xx that says what
// was wrong, never a 500.
func TestBadBodies(t *testing.T) {
	h, _ := newTestHandler(t, testConfig(t, config{}))
	for i, tt := range []struct {
		name, body, contentType string
		status                  int
		want                    string
	}{
		{"not JSON", `id=ada&password=x`, "", 400,
			`{"error":"The body is not valid JSON (at byte 1)."}`},
		{"cut short", `{"id": "ada"`, "", 400, `"The body is not valid JSON: it ends too soon."`},
		{"empty", ``, "", 400, `"The body is empty: send one JSON object."`},
		{"a wrong type", `{"id":"ada","password":"` + password + `","remember":"yes"}`, "", 400,
			`"The field \"remember\" must be a boolean, not a string."`},
		{"a number for a string", `{"id":42,"password":"x"}`, "", 400,
			`"The field \"id\" must be a string, not a number."`},
		{"an unknown field", `{"id":"ada","password":"x","admin":true}`, "", 400,
			`"The body has a field this API does not take: \"admin\"."`},
		{"two values", `{"id":"ada","password":"x"} {}`, "", 400, `"The body must be one JSON object."`},
		{"an array", `["ada"]`, "", 400, `"The body must be one JSON object."`},
		{"too big", `{"id":"` + strings.Repeat("a", 5000) + `"}`, "", 413,
			`"The body is larger than 4096 bytes."`},
		{"a form", `id=ada&password=x`, "application/x-www-form-urlencoded", 415,
			`"Send a JSON body, with Content-Type: application/json."`},
		{"plain text", `{"id":"ada"}`, "text/plain", 415, "Send a JSON body"},
		{"no content type", `{"id":"ada"}`, "-", 415, "Send a JSON body"},
		{"a bad ID", `{"id":"a d a","password":"` + password + `"}`, "", 400,
			`"A user ID is 1 to 64 letters, digits or punctuation marks, with no spaces."`},
		{"a short password", `{"id":"ada","password":"short"}`, "", 400,
			`"A password is 8 to 72 bytes long`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := newVisitor(t)
			v.client.Transport = inProcess{h, fmt.Sprintf("192.0.2.%d:1234", i+1)}
			var a answer
			switch tt.contentType {
			case "":
				a = v.post("http://api.test/api/signup", tt.body)
			case "-":
				a = v.do(http.MethodPost, "http://api.test/api/signup", tt.body, "")
			default:
				a = v.do(http.MethodPost, "http://api.test/api/signup", tt.body, tt.contentType)
			}
			expect(t, tt.name, a, tt.status, tt.want)
			if !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type %q, want JSON", a.header.Get("Content-Type"))
			}
		})
	}
	t.Run("a bad theme", func(t *testing.T) {
		v := newVisitor(t)
		v.client.Transport = inProcess{h, "198.51.100.1:1234"}
		expect(t, "signing up", v.post("http://api.test/api/signup", creds("ada", password, false)),
			http.StatusCreated, "ada")
		expect(t, "theme", v.post("http://api.test/api/prefs", `{"theme":"pink"}`), 400,
			`"The theme is \"light\" or \"dark\"."`)
		expect(t, "theme", v.post("http://api.test/api/prefs", `{"theme":true}`), 400,
			`"The field \"theme\" must be a string, not a boolean."`)
	})
}

// TestLogoutEndsTheSession: a copy of the cookie made before the logout
// opens nothing after it.
func TestLogoutEndsTheSession(t *testing.T) {
	app := newTestApp(t, config{})
	v := signUp(t, app, "ada", true)
	copied := v.cookie(app)
	a := v.post(app.URL+"/api/logout", "")
	if c := a.header.Get("Set-Cookie"); !strings.Contains(c, "Max-Age=0") {
		t.Errorf("the logout's Set-Cookie %q does not clear the cookie", c)
	}
	thief := newVisitor(t)
	u, _ := url.Parse(app.URL)
	thief.client.Jar.SetCookies(u, []*http.Cookie{copied})
	expect(t, "the copied cookie", thief.get(app.URL+"/api/me"), http.StatusUnauthorized,
		"Your session has ended")
}

// TestSessionFixation: the login gives the session a new ID.
func TestSessionFixation(t *testing.T) {
	app := newTestApp(t, config{})
	v := newVisitor(t)
	v.get(app.URL + "/api/visits")
	before := v.cookie(app).Value
	v.post(app.URL+"/api/signup", creds("ada", password, false))
	if after := v.cookie(app).Value; after == before {
		t.Error("the signup kept the session's cookie: its ID did not change")
	}
}

// TestEndAnotherSession: from the laptop, the owner lists the account's
// sessions and ends the phone's; the phone's very next request, with the
// same cookie, is logged out. This is what a token cannot do.
func TestEndAnotherSession(t *testing.T) {
	app := newTestApp(t, config{})
	laptop := signUp(t, app, "ada", false)
	phone := newVisitor(t)
	expect(t, "the phone logs in", phone.post(app.URL+"/api/login", creds("ada", password, true)),
		http.StatusOK, "ada")
	var list struct {
		Sessions []sessionJSON `json:"sessions"`
	}
	a := laptop.get(app.URL + "/api/sessions")
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || len(list.Sessions) != 2 {
		t.Fatalf("the list: %d %q (%v), want two sessions", a.status, a.body, err)
	}
	var other string
	for _, s := range list.Sessions {
		if !s.Current {
			other = s.Handle
		}
	}
	if strings.Contains(a.body, phone.cookie(app).Value) {
		t.Fatal("the list shows a session's cookie")
	}
	body, _ := json.Marshal(map[string]string{"session": other})
	expect(t, "ending the phone's session", laptop.post(app.URL+"/api/sessions/end", string(body)),
		http.StatusOK, `{"ended":true}`)
	expect(t, "the phone", phone.get(app.URL+"/api/me"), http.StatusUnauthorized,
		"Your session has ended")
	expect(t, "the laptop", laptop.get(app.URL+"/api/me"), http.StatusOK, "ada")
	expect(t, "a made-up handle", laptop.post(app.URL+"/api/sessions/end", `{"session":"x"}`),
		http.StatusOK, `{"ended":false}`)
}

// newTestServer serves h for the test, and returns its URL.
func newTestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestHandlersHaveADeadline: every handler runs under a deadline, so an
// account query on a stalled database ends in a 503, not a hang.
func TestHandlersHaveADeadline(t *testing.T) {
	h, _ := newTestHandler(t, testConfig(t, config{}))
	e := h.(*echo.Echo)
	var deadline bool
	e.GET("/api/probe", func(c *echo.Context) error {
		_, deadline = c.Request().Context().Deadline()
		return c.NoContent(http.StatusNoContent)
	})
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/probe", nil))
	if !deadline {
		t.Error("a handler's context has no deadline: a stalled database would hang it")
	}
}

// TestFrontendAnswersHead: every file of the front end answers HEAD as it
// answers GET, with the same status and type.
func TestFrontendAnswersHead(t *testing.T) {
	h := newFrontend("http://localhost:3000", slog.New(slog.DiscardHandler))
	for _, path := range []string{"/", "/app.js", "/style.css"} {
		get, head := httptest.NewRecorder(), httptest.NewRecorder()
		h.ServeHTTP(get, httptest.NewRequest(http.MethodGet, path, nil))
		h.ServeHTTP(head, httptest.NewRequest(http.MethodHead, path, nil))
		if get.Code != http.StatusOK || head.Code != http.StatusOK ||
			head.Header().Get("Content-Type") != get.Header().Get("Content-Type") {
			t.Errorf("%s: GET %d %q, HEAD %d %q; want 200 and the same type", path,
				get.Code, get.Header().Get("Content-Type"), head.Code, head.Header().Get("Content-Type"))
		}
	}
}
