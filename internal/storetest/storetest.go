// Package storetest drives a sessions.Store the way a handler does, for
// the stores' own tests.
package storetest

import (
	"net/http"
	"net/http/httptest"
	"testing"

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
