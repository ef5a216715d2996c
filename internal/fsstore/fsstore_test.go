package fsstore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/sessionlock"
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
	clock := storetest.NewClock()
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
	clock.Sleep(61 * time.Second)
	if n, err := s.Sweep(); n != 5 || err != nil {
		t.Errorf("swept %d (err %v), want 5", n, err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "notes.txt")); err != nil {
		t.Error("the sweep removed a file that is not a session")
	}
}

func TestBackgroundSweep(t *testing.T) {
	clock := storetest.NewClock()
	s := newStore(t, Config{MaxAge: 60, Now: clock.Now, SweepInterval: time.Millisecond})
	for range 20 {
		visit(t, s, nil, setCount(1))
	}
	clock.Sleep(2 * time.Minute)
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
	req = httptest.NewRequest(http.MethodGet, "/", nil)
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

func TestLifetime(t *testing.T) {
	clock := storetest.NewClock()
	storetest.CheckLifetime(t, newStore(t, Config{MaxAge: 2, Lifetime: 4, Now: clock.Now}), cookieName, clock.Sleep)
}

func TestMaxAgeZero(t *testing.T) {
	storetest.CheckMaxAgeZero(t, newStore(t, Config{}), cookieName)
}

func TestKeepsItsOwnCopy(t *testing.T) {
	storetest.CheckLikeAServer(t, newStore(t, Config{}), cookieName)
}

// TestTornFileIsAWarning: a session file cut short (a crash, a full disk)
// gives the visitor a fresh, working session, and a warning in the log
// that names the file, not the cookie.
func TestTornFileIsAWarning(t *testing.T) {
	var log bytes.Buffer
	s := newStore(t, Config{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	first, cookie := visit(t, s, nil, setCount(3))
	file := filepath.Join(s.dir, "session_"+first.ID)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	sess, fresh := visit(t, s, cookie, setCount(1))
	if !sess.IsNew || fresh == nil || sess.ID == first.ID {
		t.Fatalf("got IsNew=%v ID=%q, want a fresh session under a new ID", sess.IsNew, sess.ID)
	}
	if again, _ := visit(t, s, fresh, nil); again.Values["page_views"] != 1 {
		t.Errorf("the fresh session does not work: %v", again.Values)
	}
	line := log.String()
	if !strings.Contains(line, "level=WARN") || !strings.Contains(line, file) || strings.Contains(line, cookie.Value) {
		t.Errorf("want one WARN line naming %s and not the cookie, got:\n%s", file, line)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("the torn file should be kept for inspection: %v", err)
	}
}

// TestReadersNeverSeeAPartialFile: while one goroutine rewrites a big
// session again and again, another reads it; every read finds a whole file.
func TestReadersNeverSeeAPartialFile(t *testing.T) {
	var log bytes.Buffer
	s := newStore(t, Config{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	big := strings.Repeat("x", 32<<10)
	_, cookie := visit(t, s, nil, func(sess *sessions.Session) { sess.Values["big"] = big })
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			visit(t, s, cookie, func(sess *sessions.Session) { sess.Values["n"] = i })
		}
	}()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			if strings.Contains(log.String(), "WARN") {
				t.Fatalf("a reader saw a partial file:\n%s", log.String())
			}
			return
		default:
		}
		sess, _ := visit(t, s, cookie, nil)
		if sess.IsNew {
			t.Fatalf("read %d found no whole session", reads)
		}
	}
}

// TestTooLarge: a session bigger than MaxFileSize is ErrTooLarge, an error
// of the program (a 500), not ErrUnavailable (a 503).
func TestTooLarge(t *testing.T) {
	s := newStore(t, Config{})
	_, _, err := storetest.Visit(s, cookieName, nil, func(sess *sessions.Session) {
		sess.Values["big"] = strings.Repeat("x", MaxFileSize)
	})
	if !errors.Is(err, ErrTooLarge) || errors.Is(err, ErrUnavailable) {
		t.Errorf("got %v, want ErrTooLarge", err)
	}
	// 2,500 bytes, the size that once failed as an outage, is fine.
	if _, _, err := storetest.Visit(s, cookieName, nil, func(sess *sessions.Session) {
		sess.Values["text"] = strings.Repeat("x", 2500)
	}); err != nil {
		t.Errorf("a 2,500-byte session: %v", err)
	}
}

// TestLockAcrossStores: two stores on one folder, as two processes would
// be (each has its own in-process locks), take turns on one session.
func TestLockAcrossStores(t *testing.T) {
	dir := t.TempDir()
	a, b := newStore(t, Config{Dir: dir}), newStore(t, Config{Dir: dir})
	unlock, err := a.Lock(context.Background(), "one", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lock(context.Background(), "one", 50*time.Millisecond); !errors.Is(err, sessionlock.ErrBusy) {
		t.Errorf("the other store took a held lock: got %v, want ErrBusy", err)
	}
	unlockOther, err := b.Lock(context.Background(), "other", 50*time.Millisecond)
	if err != nil {
		t.Errorf("another session waited: %v", err)
	} else {
		unlockOther()
	}
	unlock()
	unlock() // twice: harmless
	unlockB, err := b.Lock(context.Background(), "one", 50*time.Millisecond)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	unlockB()
}
