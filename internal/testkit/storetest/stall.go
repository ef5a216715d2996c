package storetest

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sharedlock"
)

// StallWait is the engine's wait in the stall checks: short, since every
// request during a stall waits all of it.
const StallWait = 200 * time.Millisecond

// CheckStall checks that a storage whose server stalls (it answers
// nothing, the way a stopped process does) costs a request no more than
// the engine's wait: a returning visitor, a first visit and a login all get
// a 503 with Retry-After, and once the server runs again the returning
// visitor goes on counting, without a restart. stall and resume are the
// server's; the check waits on the engine's deadline, never on a clock.
func CheckStall(t *testing.T, storage sessionstore.Storage, stall, resume func()) {
	t.Helper()
	cfg := sessionstore.Config{Secrets: [][]byte{SecretA}, Wait: StallWait}
	if locks, ok := storage.(sharedlock.Storage); ok {
		cfg.Shared = sharedlock.New(locks, 0, nil)
	}
	s, err := sessionstore.New(storage, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(stallApp(s))
	defer srv.Close()
	get := func(path string, cookie *http.Cookie) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v (want an answer, not a closed connection)", path, err)
		}
		defer resp.Body.Close()
		var body [64]byte
		n, _ := resp.Body.Read(body[:])
		return resp, string(body[:n])
	}
	resp, _ := get("/", nil)
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == Name {
			cookie = c
		}
	}
	if resp.StatusCode != http.StatusOK || cookie == nil {
		t.Fatalf("before the stall: got %d and cookie %v, want 200 and a cookie",
			resp.StatusCode, cookie)
	}
	stall()
	for _, tc := range []struct {
		name, path string
		cookie     *http.Cookie
	}{
		{"a returning visitor", "/", cookie},
		{"a first visit", "/", nil},
		{"a login", "/login", nil},
		{"a returning visitor's login", "/login", cookie},
	} {
		resp, body := get(tc.path, tc.cookie)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s during the stall: got %d %q (Retry-After %q), want 503 with Retry-After",
				tc.name, resp.StatusCode, body, resp.Header.Get("Retry-After"))
		}
	}
	resume()
	// The server takes up the connections that queued meanwhile, which on
	// a busy machine can take longer than the short wait: a few 503s may
	// come first, each within the wait, then the count goes on.
	for try := 1; ; try++ {
		resp, body := get("/", cookie)
		if resp.StatusCode == http.StatusOK {
			if body != "2" {
				t.Errorf("after the stall: got %q, want \"2\"", body)
			}
			break
		}
		if try == 50 {
			t.Fatalf("after the stall: still %d %q", resp.StatusCode, body)
		}
	}
}

// stallApp is the counter at /, and a login at /login (Regenerate), each
// answering a 503 with Retry-After when the store fails, as the steps'
// error handler does.
func stallApp(s *sessionstore.Store) http.Handler {
	unavailable := func(w http.ResponseWriter, err error) bool {
		if err == nil {
			return false
		}
		if !errors.Is(err, sessionstore.ErrUnavailable) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return true
		}
		w.Header().Set("Retry-After", "1")
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.Get(r, Name)
		if unavailable(w, err) {
			return
		}
		n, _ := sess.Values["page_views"].(int)
		sess.Values["page_views"] = n + 1
		if unavailable(w, sess.Save(r, w)) {
			return
		}
		fmt.Fprint(w, n+1)
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.Get(r, Name)
		if unavailable(w, err) {
			return
		}
		sess.Values["user"] = "ada"
		if unavailable(w, s.Regenerate(r, w, sess)) {
			return
		}
		fmt.Fprint(w, "welcome")
	})
	return s.Middleware(Name)(mux)
}
