// Package storetest drives a sessions.Store the way a handler does, for
// the stores' own tests, and holds the checks every course store must pass
// (lifetime, MaxAge 0, its own copy of the values, Regenerate). gorilla
// publishes no such suite.
package storetest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"
)

// Visit runs one request through s: it gets the session called name
// (sending cookie, if not nil), lets change edit it (if not nil), and saves
// it. It returns the session, the cookie called name that the response
// set (nil if none), and the first error.
func Visit(s sessions.Store, name string, cookie *http.Cookie, change func(*sessions.Session)) (*sessions.Session, *http.Cookie, error) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	sess, err := s.Get(req, name)
	if err != nil {
		return sess, nil, err
	}
	if change != nil {
		change(sess)
	}
	rec := httptest.NewRecorder()
	if err := sess.Save(req, rec); err != nil {
		return sess, nil, err
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return sess, c, nil
		}
	}
	return sess, nil, nil
}

// MustVisit is Visit for a visit that must succeed.
func MustVisit(t testing.TB, s sessions.Store, name string, cookie *http.Cookie, change func(*sessions.Session)) (*sessions.Session, *http.Cookie) {
	t.Helper()
	sess, c, err := Visit(s, name, cookie, change)
	if err != nil {
		t.Fatal(err)
	}
	return sess, c
}

// Regenerator is a store that can give a session a new ID.
type Regenerator interface {
	sessions.Store
	Regenerate(r *http.Request, w http.ResponseWriter, session *sessions.Session) error
}

// CheckRegenerate tests a store's Regenerate: the session keeps its values
// under a new ID, and the old cookie opens nothing any more.
func CheckRegenerate(t *testing.T, s Regenerator, name string) {
	t.Helper()
	first, oldCookie := MustVisit(t, s, name, nil, func(sess *sessions.Session) { sess.Values["page_views"] = 4 })
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(oldCookie)
	sess, err := s.Get(req, name)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := s.Regenerate(req, rec, sess); err != nil {
		t.Fatalf("Regenerate: %v", err)
	}
	var newCookie *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			newCookie = c
		}
	}
	if sess.ID == first.ID || newCookie == nil {
		t.Fatalf("Regenerate kept ID %q (new cookie %v)", sess.ID, newCookie)
	}
	if got, _ := MustVisit(t, s, name, newCookie, nil); got.Values["page_views"] != 4 {
		t.Errorf("the new ID lost the values: %v", got.Values)
	}
	if got, _ := MustVisit(t, s, name, oldCookie, nil); !got.IsNew {
		t.Error("the old ID still opens the session after Regenerate")
	}
}

// CheckLifetime tests a store made with MaxAge 2 and Lifetime 4 (seconds):
// visited every second, the session lives on past its idle timeout, and
// ends at its absolute lifetime, 4 seconds after it began. sleep moves the
// store's clock: time.Sleep inside a synctest bubble, or a fake clock.
func CheckLifetime(t *testing.T, s sessions.Store, name string, sleep func(time.Duration)) {
	t.Helper()
	first, cookie := MustVisit(t, s, name, nil, func(sess *sessions.Session) { sess.Values["page_views"] = 1 })
	for second := 1; second <= 4; second++ {
		sleep(time.Second)
		sess, c := MustVisit(t, s, name, cookie, func(sess *sessions.Session) {
			n, _ := sess.Values["page_views"].(int)
			sess.Values["page_views"] = n + 1
		})
		if c != nil {
			cookie = c
		}
		alive := second < 4
		if alive && (sess.IsNew || sess.ID != first.ID) {
			t.Fatalf("after %ds, visited every second: the session ended before its lifetime", second)
		}
		if !alive && (!sess.IsNew || sess.ID == first.ID) {
			t.Fatalf("after %ds: the session outlived its 4s lifetime (values %v)", second, sess.Values)
		}
	}
}

// CheckMaxAgeZero tests what Options.MaxAge 0 means in every course store:
// a cookie without Max-Age (the browser forgets it when it closes), while
// the store keeps the session.
func CheckMaxAgeZero(t *testing.T, s sessions.Store, name string) {
	t.Helper()
	_, cookie := MustVisit(t, s, name, nil, func(sess *sessions.Session) {
		sess.Values["page_views"] = 3
		sess.Options.MaxAge = 0
	})
	if cookie == nil || cookie.MaxAge != 0 || !cookie.Expires.IsZero() {
		t.Fatalf("MaxAge 0: got cookie %v, want one with no Max-Age or Expires", cookie)
	}
	if got, _ := MustVisit(t, s, name, cookie, nil); got.IsNew || got.Values["page_views"] != 3 {
		t.Errorf("MaxAge 0: the store dropped the session (IsNew=%v, values %v)", got.IsNew, got.Values)
	}
}

// CheckLikeAServer tests that a store keeps its own copy of the values, as
// a store with a server behind it does: a value changed in place after Get
// and not saved is not stored, and a value gob cannot encode fails at Save.
func CheckLikeAServer(t *testing.T, s sessions.Store, name string) {
	t.Helper()
	_, cookie := MustVisit(t, s, name, nil, func(sess *sessions.Session) { sess.Values["tags"] = []string{"a"} })
	got, _ := MustVisit(t, s, name, cookie, nil)
	got.Values["tags"].([]string)[0] = "changed in place, never saved"
	if again, _ := MustVisit(t, s, name, cookie, nil); again.Values["tags"].([]string)[0] != "a" {
		t.Errorf("a value changed in place without Save reached the store: %v", again.Values)
	}
	_, _, err := Visit(s, name, cookie, func(sess *sessions.Session) { sess.Values["f"] = func() {} })
	if err == nil {
		t.Error("Save stored a value that gob cannot encode, want an error")
	}
}

// Clock is a clock for a store's Now option that moves only when told to.
// (Inside a testing/synctest bubble, time.Now and time.Sleep do this for
// the whole program; a store whose files or server keep real time needs
// its own.)
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock set to the real time.
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the clock forward by d, at once.
func (c *Clock) Sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
