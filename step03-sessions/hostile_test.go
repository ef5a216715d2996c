package main

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/testcookie"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

// TestHostileCookies: whatever comes in the session cookie gets a 200 and
// a new session: never a 5xx, a panic, or the name that another visitor
// (Ada) stored.
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
	ada := sidCookie(t, do(t, h, http.MethodPost, "/name", url.Values{"name": {"Ada"}}))
	good := ada.Value
	sign := func(secret string) string {
		return testcookie.Signed(t, sessionName, secret, rand.Text())
	}
	cases := map[string]string{
		"tampered":                   "sid=" + testcookie.Tamper(good),
		"garbage":                    "sid=not-a-session",
		"not base64":                 "sid=%%%***!!!",
		"5 KB":                       "sid=" + strings.Repeat("Q", 5<<10),
		"64 KB":                      "sid=" + strings.Repeat("R", 64<<10),
		"signed with another secret": "sid=" + sign("another-secret-0123456789-0123456789"),
		"well signed, never issued":  "sid=" + sign(testSecret),
		"an ID, unsigned":            "sid=0123456789abcdef0123456789abcdef",
		"two cookies, garbage first": "sid=garbage; sid=" + good,
	}
	for name, header := range cases {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Cookie", header)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), newSession) {
			t.Errorf("%s: got %d %q, want 200 and a new session", name, rec.Code, rec.Body)
		}
	}
	if got := do(t, h, http.MethodGet, "/", nil, ada).Body.String(); !strings.HasPrefix(got, "Welcome back, Ada.") {
		t.Errorf("Ada's session was disturbed: %q", got)
	}
	// Expired: ten minutes without a visit.
	time.Sleep(601 * time.Second)
	if got := do(t, h, http.MethodGet, "/", nil, ada).Body.String(); !strings.HasPrefix(got, newSession) {
		t.Errorf("expired session: got %q, want a new session", got)
	}
}
