package fsstore

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/fakeclock"
	"github.com/go-sessions-course/echo-sessions/internal/storetest"
	"github.com/go-sessions-course/echo-sessions/internal/testcookie"
)

const cookieName = "sid"

var secret = []byte("fsstore-test-secret-0123456789abcdefgh")

func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Secrets == nil {
		cfg.Secrets = [][]byte{secret}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// visit runs one request through the store (see storetest.Visit).
func visit(t *testing.T, s sessions.Store, cookie *http.Cookie, change func(*sessions.Session)) (*sessions.Session, *http.Cookie) {
	t.Helper()
	return storetest.MustVisit(t, s, cookieName, cookie, change)
}

func setCount(n int) func(*sessions.Session) {
	return func(s *sessions.Session) { s.Values["page_views"] = n }
}

func TestRoundTripAndRestart(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir, MaxAge: 600})
	first, cookie := visit(t, s, nil, setCount(1))
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Secure || cookie.MaxAge != 600 {
		t.Fatalf("cookie %+v: want HttpOnly, Lax, Path=/, no Secure, Max-Age 600", cookie)
	}
	data, err := os.ReadFile(filepath.Join(dir, "session_"+first.ID))
	if err != nil {
		t.Fatalf("no session file: %v", err)
	}
	if strings.Contains(string(data), "page_views") {
		t.Error("the session file is readable as plain text; want it encrypted")
	}
	s.Close()

	// A new process over the same directory and secret: the count is there.
	again := newStore(t, Config{Dir: dir, MaxAge: 600})
	sess, _ := visit(t, again, cookie, nil)
	if sess.IsNew || sess.Values["page_views"] != 1 {
		t.Errorf("after a restart: IsNew=%v values=%v", sess.IsNew, sess.Values)
	}
}

func TestUnusableCookieStartsFresh(t *testing.T) {
	s := newStore(t, Config{})
	first, good := visit(t, s, nil, setCount(3))
	other := newStore(t, Config{Secrets: [][]byte{[]byte("another-secret-0123456789abcdefghijkl")}})
	_, foreign := visit(t, other, nil, setCount(9))

	for name, value := range map[string]string{
		"tampered":                   testcookie.Tamper(good.Value),
		"garbage":                    "garbage",
		"oversized":                  strings.Repeat("B", 64<<10),
		"signed with another secret": foreign.Value,
	} {
		t.Run(name, func(t *testing.T) {
			sess, fresh := visit(t, s, &http.Cookie{Name: cookieName, Value: value}, nil)
			if !sess.IsNew || len(sess.Values) != 0 || fresh == nil || sess.ID == first.ID {
				t.Errorf("got IsNew=%v values=%v ID=%q, want a fresh session under a fresh ID", sess.IsNew, sess.Values, sess.ID)
			}
		})
	}
}

func TestFileGoneStartsFreshUnderANewID(t *testing.T) {
	s := newStore(t, Config{})
	first, cookie := visit(t, s, nil, setCount(3))
	if err := os.Remove(filepath.Join(s.dir, "session_"+first.ID)); err != nil {
		t.Fatal(err)
	}
	sess, fresh := visit(t, s, cookie, nil)
	if !sess.IsNew || sess.ID == first.ID || fresh == nil {
		t.Errorf("got IsNew=%v ID=%q: a deleted session must not come back under its ID", sess.IsNew, sess.ID)
	}
}

func TestDeleteClearsFileAndCookie(t *testing.T) {
	s := newStore(t, Config{})
	first, cookie := visit(t, s, nil, setCount(3))
	_, cleared := visit(t, s, cookie, func(sess *sessions.Session) { sess.Options.MaxAge = -1 })
	if cleared == nil || cleared.MaxAge >= 0 {
		t.Errorf("want a clearing cookie, got %v", cleared)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "session_"+first.ID)); !os.IsNotExist(err) {
		t.Errorf("the session file is still there: %v", err)
	}
}

func TestSweepRemovesOnlyExpiredFiles(t *testing.T) {
	clock := fakeclock.New(time.Now())
	s := newStore(t, Config{MaxAge: 60, Now: clock.Now, SweepInterval: time.Hour})
	for range 5 {
		visit(t, s, nil, setCount(1))
	}
	if err := os.WriteFile(filepath.Join(s.dir, "notes.txt"), []byte("not a session"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Sweep(); n != 0 || err != nil {
		t.Fatalf("swept %d live sessions (err %v)", n, err)
	}
	clock.Advance(61 * time.Second)
	if n, err := s.Sweep(); n != 5 || err != nil {
		t.Errorf("swept %d (err %v), want 5", n, err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "notes.txt")); err != nil {
		t.Error("the sweep removed a file that is not a session")
	}
}

func TestBackgroundSweep(t *testing.T) {
	clock := fakeclock.New(time.Now())
	s := newStore(t, Config{MaxAge: 60, Now: clock.Now, SweepInterval: time.Millisecond})
	for range 20 {
		visit(t, s, nil, setCount(1))
	}
	clock.Advance(2 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if n, _ := s.Len(); n == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	n, _ := s.Len()
	t.Errorf("the background sweep left %d expired files", n)
}

func TestID(t *testing.T) {
	s := newStore(t, Config{})
	first, cookie := visit(t, s, nil, setCount(1))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if _, ok := s.ID(req, cookieName); ok {
		t.Error("an ID without a cookie")
	}
	req.AddCookie(cookie)
	if id, ok := s.ID(req, cookieName); !ok || id != first.ID {
		t.Errorf("got %q %v, want %q", id, ok, first.ID)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no dir":       {Secrets: [][]byte{secret}},
		"no secret":    {Dir: t.TempDir()},
		"short secret": {Dir: t.TempDir(), Secrets: [][]byte{[]byte("short")}},
	} {
		if s, err := New(cfg); err == nil {
			s.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRegenerate(t *testing.T) {
	storetest.CheckRegenerate(t, newStore(t, Config{}), cookieName)
}
