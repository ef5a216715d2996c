package main

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/testcookie"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

// TestHostileCookies: whatever comes in the session cookie gets a 200 and
// a first visit: never a 5xx, a panic, or the count of the visitor whose
// cookie was tampered with (who has visited 5 times).
//
// It runs in a synctest bubble, whose clock moves only when the test
// sleeps: the expiry at the end takes no time.
func TestHostileCookies(t *testing.T) {
	synctest.Test(t, hostileCookies)
}

func hostileCookies(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	store, err := sessionstore.New(memstore.New(), sessionstore.Config{Secrets: [][]byte{[]byte(testSecret)}, MaxAge: 600, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	h := newServer(store, logger)

	var victim *http.Cookie
	for range 5 {
		var cookies []*http.Cookie
		if victim != nil {
			cookies = append(cookies, victim)
		}
		if rec := get(t, h, cookies...); victim == nil {
			victim = sidCookie(t, rec)
		}
	}
	good := victim.Value
	sign := func(secret string) string {
		return testcookie.Signed(t, sessionName, secret, rand.Text())
	}
	cases := []struct {
		name   string
		header string // the whole Cookie header
	}{
		{"tampered", "sid=" + testcookie.Tamper(good)},
		{"garbage", "sid=garbage"},
		{"not base64", "sid=%%%***!!!"},
		{"5 KB", "sid=" + strings.Repeat("Z", 5<<10)},
		{"64 KB", "sid=" + strings.Repeat("Y", 64<<10)},
		{"signed with another secret", "sid=" + sign("another-secret-0123456789-0123456789")},
		{"well signed, never issued", "sid=" + sign(testSecret)},
		{"an ID, unsigned", "sid=0123456789abcdef0123456789abcdef"},
		{"empty", "sid="},
		{"two cookies of that name, the first garbage", "sid=garbage; sid=" + good},
		{"the data itself", "page_views=1000"},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Cookie", tc.header)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Body.String() != firstVisit {
			t.Errorf("%s: got %d %q, want 200 %q", tc.name, rec.Code, rec.Body, firstVisit)
		}
	}
	if got := get(t, h, victim).Body.String(); got != "You visited this page 6 times" {
		t.Errorf("the victim's count was disturbed: %q", got)
	}

	// Expired: ten minutes without a visit.
	time.Sleep(601 * time.Second)
	if got := get(t, h, victim).Body.String(); got != firstVisit {
		t.Errorf("expired session: got %q, want a first visit", got)
	}

	// Replayed after the session was deleted (MaxAge < 0).
	rec := get(t, h)
	cookie := sidCookie(t, rec)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(cookie)
	sess, _ := store.Get(req, sessionName)
	sess.Options = &sessions.Options{MaxAge: -1}
	if err := sess.Save(req, httptest.NewRecorder()); err != nil {
		t.Fatal(err)
	}
	if got := get(t, h, cookie).Body.String(); got != firstVisit {
		t.Errorf("cookie replayed after delete: got %q, want a first visit", got)
	}
}
