package main

import (
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

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

const (
	firstVisit = "Welcome to this page for the first time!"
	testSecret = "test-secret-0123456789-0123456789-0123456789"
)

// newTestServer builds the application over a fresh memory store.
func newTestServer(t *testing.T, cfg sessionstore.Config) http.Handler {
	t.Helper()
	if cfg.Secrets == nil {
		cfg.Secrets = [][]byte{[]byte(testSecret)}
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	store, err := sessionstore.New(memstore.New(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return newServer(store, cfg.Logger)
}

// get sends GET / with the given cookies through the handler and returns the
// recorded response.
func get(t *testing.T, h http.Handler, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
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

func TestCounterHandler(t *testing.T) {
	h := newTestServer(t, sessionstore.Config{})
	first := get(t, h)
	if first.Code != http.StatusOK || first.Body.String() != firstVisit {
		t.Fatalf("first visit: got %d %q, want 200 %q", first.Code, first.Body, firstVisit)
	}
	if ct := first.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("got Content-Type %q, want text/plain", ct)
	}
	cookie := sidCookie(t, first)
	if strings.Contains(cookie.Value, "page_views") {
		t.Errorf("the cookie carries the data: %q", cookie.Value)
	}
	for n, want := range []string{"You visited this page 2 times", "You visited this page 3 times"} {
		rec := get(t, h, cookie)
		if rec.Body.String() != want {
			t.Errorf("visit %d: got %q, want %q", n+2, rec.Body, want)
		}
		if sc := rec.Header().Get("Set-Cookie"); sc != "" {
			t.Errorf("visit %d re-sent an unchanged cookie: %q", n+2, sc)
		}
	}
}

// TestPrivateAnswers: every answer that reads or sets the session is the
// visitor's alone, errors included: no shared cache may keep it.
func TestPrivateAnswers(t *testing.T) {
	h := newTestServer(t, sessionstore.Config{})
	for _, path := range []string{"/", "/no-such-page"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if cc, vary := rec.Header().Get("Cache-Control"), rec.Header().Get("Vary"); cc != "no-store" || vary != "Cookie" {
			t.Errorf("%s: got Cache-Control %q and Vary %q, want no-store and Cookie", path, cc, vary)
		}
	}
}

// TestHead: HEAD / gets GET's status, without a body, and changes nothing:
// no cookie, no count (Express, which runs the GET handler, counts it).
func TestHead(t *testing.T) {
	srv := httptest.NewServer(newTestServer(t, sessionstore.Config{}))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Head(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) != 0 || len(resp.Cookies()) != 0 {
		t.Fatalf("HEAD: got %d, %d bytes, cookies %v; want 200, no body, no cookie", resp.StatusCode, len(body), resp.Cookies())
	}
	for _, want := range []string{firstVisit, "You visited this page 2 times"} {
		resp, err = client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != want {
			t.Errorf("GET after HEAD: got %q, want %q", body, want)
		}
		if resp, err = client.Head(srv.URL); err != nil { // a HEAD counts nothing
			t.Fatal(err)
		}
		resp.Body.Close()
	}
}

// TestLessonConversation walks the lesson with a real client and cookie jar:
// visits 1, 2, 3 and the cookie's attributes.
func TestLessonConversation(t *testing.T) {
	srv := httptest.NewServer(newTestServer(t, sessionstore.Config{}))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}

	want := []string{firstVisit, "You visited this page 2 times", "You visited this page 3 times"}
	for i, w := range want {
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != w {
			t.Fatalf("visit %d: got %d %q, want 200 %q", i+1, resp.StatusCode, body, w)
		}
		if i == 0 {
			c := resp.Cookies()[0]
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
				t.Errorf("cookie %q: want HttpOnly, SameSite=Lax, Path=/ and no Secure over http", resp.Header.Get("Set-Cookie"))
			}
		}
	}
	// A second browser (another jar) is another visitor.
	other, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: other}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != firstVisit {
		t.Errorf("a new visitor got %q, want %q", body, firstVisit)
	}
	u, _ := url.Parse(srv.URL)
	if n := len(jar.Cookies(u)); n != 1 {
		t.Errorf("the jar holds %d cookies, want 1", n)
	}
}

func TestSecureCookieWhenAskedFor(t *testing.T) {
	h := newTestServer(t, sessionstore.Config{Secure: true})
	if c := sidCookie(t, get(t, h)); !c.Secure {
		t.Error("SESSION_SECURE=true: the cookie is not Secure")
	}
}

// TestConcurrentVisitsAreAllCounted: 64 clients share one session cookie and
// send their requests at once; the next visit reports every one of them.
func TestConcurrentVisitsAreAllCounted(t *testing.T) {
	const clients, each = 64, 20
	srv := httptest.NewServer(newTestServer(t, sessionstore.Config{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookie := resp.Cookies()[0]

	visit := func() (string, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.AddCookie(cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("status %d: %s", resp.StatusCode, b)
		}
		return string(b), err
	}
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range each {
				if _, err := visit(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := visit()
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("You visited this page %d times", 1+clients*each+1); got != want {
		t.Errorf("got %q, want %q: concurrent visits were lost", got, want)
	}
}
