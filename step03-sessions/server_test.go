package main

import (
	"github.com/gorilla/securecookie"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

const (
	newSession = "This is a new session"
	testSecret = "test-secret-0123456789-0123456789-0123456789"
)

func newTestServer(t *testing.T) http.Handler {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	store, err := sessionstore.New(memstore.New(), sessionstore.Config{Secrets: [][]byte{[]byte(testSecret)}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return newServer(store, logger)
}

// do sends one request through the handler; form, if not nil, is the body.
func do(t *testing.T, h http.Handler, method, path string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func sidCookie(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionName {
			return c
		}
	}
	t.Fatalf("no %q cookie in %q", sessionName, rec.Header().Values("Set-Cookie"))
	return nil
}

func TestLookingCreatesNothing(t *testing.T) {
	rec := do(t, newTestServer(t), http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), newSession) {
		t.Errorf("got %d %q, want 200 and a new session", rec.Code, rec.Body)
	}
	if sc := rec.Header().Get("Set-Cookie"); sc != "" {
		t.Errorf("a visit that stored nothing set a cookie: %q", sc)
	}
}

func TestStoreAndReadAValue(t *testing.T) {
	h := newTestServer(t)
	rec := do(t, h, http.MethodPost, "/name", url.Values{"name": {"Ada"}})
	if rec.Code != http.StatusOK || rec.Body.String() != "Stored name=\"Ada\" in your session, on the server.\n" {
		t.Fatalf("got %d %q", rec.Code, rec.Body)
	}
	cookie := sidCookie(t, rec)
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Errorf("Set-Cookie %q: want HttpOnly, SameSite=Lax, Path=/", rec.Header().Get("Set-Cookie"))
	}
	rec = do(t, h, http.MethodGet, "/", nil, cookie)
	if want := "Welcome back, Ada. Your cookie named a session this server holds.\n"; rec.Body.String() != want {
		t.Errorf("got %q, want %q", rec.Body, want)
	}
}

// TestCookieHoldsOnlyASignedID: the cookie decodes, with the server's
// secret, to a bare session ID, and it is as long for a long name as for a
// short one: the data is not in it.
func TestCookieHoldsOnlyASignedID(t *testing.T) {
	h := newTestServer(t)
	var lengths []int
	for _, name := range []string{"A", strings.Repeat("x", maxNameLength)} {
		cookie := sidCookie(t, do(t, h, http.MethodPost, "/name", url.Values{"name": {name}}))
		var id []byte // the ID's bytes, as the store signs them
		sc := securecookie.New([]byte(testSecret), nil).SetSerializer(securecookie.NopEncoder{})
		err := sc.Decode(sessionName, cookie.Value, &id)
		if err != nil || len(id) != 26 {
			t.Errorf("cookie %q is not a signed session ID: %q, %v", cookie.Value, id, err)
		}
		lengths = append(lengths, len(cookie.Value))
	}
	if lengths[0] != lengths[1] {
		t.Errorf("cookie lengths %v: a longer name made a longer cookie", lengths)
	}
}

func TestBadNameIs400(t *testing.T) {
	h := newTestServer(t)
	for name, form := range map[string]url.Values{
		"missing":  {},
		"blank":    {"name": {"   "}},
		"too long": {"name": {strings.Repeat("a", maxNameLength+1)}},
		"not utf8": {"name": {"\xff\xfe"}},
	} {
		t.Run(name, func(t *testing.T) {
			rec := do(t, h, http.MethodPost, "/name", form)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `form field "name"`) {
				t.Errorf("got %d %q, want 400 explaining the name field", rec.Code, rec.Body)
			}
			if rec.Header().Get("Set-Cookie") != "" {
				t.Error("a rejected request set a cookie")
			}
		})
	}
}

func TestForgetDeletesTheSession(t *testing.T) {
	h := newTestServer(t)
	cookie := sidCookie(t, do(t, h, http.MethodPost, "/name", url.Values{"name": {"Ada"}}))
	rec := do(t, h, http.MethodPost, "/forget", nil, cookie)
	cleared := sidCookie(t, rec)
	if cleared.MaxAge >= 0 || cleared.Value != "" {
		t.Errorf("want a cookie that clears itself, got %q", rec.Header().Get("Set-Cookie"))
	}
	// A copy of the old cookie opens nothing any more.
	if rec := do(t, h, http.MethodGet, "/", nil, cookie); !strings.HasPrefix(rec.Body.String(), newSession) {
		t.Errorf("the old cookie still works: %q", rec.Body)
	}
}

func TestLessonConversation(t *testing.T) {
	srv := httptest.NewServer(newTestServer(t))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	read := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := read(client.Get(srv.URL)); !strings.HasPrefix(got, newSession) {
		t.Fatalf("first look: %q", got)
	}
	read(client.PostForm(srv.URL+"/name", url.Values{"name": {"Grace"}}))
	if got := read(client.Get(srv.URL)); !strings.HasPrefix(got, "Welcome back, Grace.") {
		t.Fatalf("after storing: %q", got)
	}
	read(client.Post(srv.URL+"/forget", "", nil))
	if got := read(client.Get(srv.URL)); !strings.HasPrefix(got, newSession) {
		t.Fatalf("after forgetting: %q", got)
	}
}

// TestForgetWithoutASession: POST /forget from a visitor with no session
// sends no cookie at all, as express-session does.
func TestForgetWithoutASession(t *testing.T) {
	rec := do(t, newTestServer(t), http.MethodPost, "/forget", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Set-Cookie") != "" {
		t.Errorf("got %d with Set-Cookie %q, want 200 and no cookie", rec.Code, rec.Header().Get("Set-Cookie"))
	}
}

// TestPrivateAnswers: every answer depends on the session cookie: no shared
// cache may keep it.
func TestPrivateAnswers(t *testing.T) {
	h := newTestServer(t)
	for _, rec := range []*httptest.ResponseRecorder{
		do(t, h, http.MethodGet, "/", nil),
		do(t, h, http.MethodPost, "/name", url.Values{"name": {"Ada"}}),
		do(t, h, http.MethodHead, "/", nil),
	} {
		if cc, vary := rec.Header().Get("Cache-Control"), rec.Header().Get("Vary"); cc != "no-store" || vary != "Cookie" {
			t.Errorf("got Cache-Control %q and Vary %q, want no-store and Cookie", cc, vary)
		}
	}
}
