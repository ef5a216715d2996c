package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-sessions-course/echo-sessions/internal/fakeclock"
	"github.com/go-sessions-course/echo-sessions/internal/idcookie"
	"github.com/go-sessions-course/echo-sessions/internal/memstore"
	"github.com/go-sessions-course/echo-sessions/internal/testcookie"
)

// TestHostileCookies: whatever comes in the session cookie gets a 200 and
// a new session: never a 5xx, a panic, or the name that another visitor
// (Ada) stored.
func TestHostileCookies(t *testing.T) {
	clock := fakeclock.New(time.Now())
	logger := slog.New(slog.DiscardHandler)
	store, err := memstore.New(memstore.Config{Secrets: [][]byte{[]byte(testSecret)}, MaxAge: 600, Now: clock.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := newServer(store, logger)
	ada := sidCookie(t, do(t, h, http.MethodPost, "/name", url.Values{"name": {"Ada"}}))
	good := ada.Value
	sign := func(secret string) string {
		c, err := idcookie.New([][]byte{[]byte(secret)}, 600, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := idcookie.NewID()
		v, err := c.Encode(sessionName, id)
		if err != nil {
			t.Fatal(err)
		}
		return v
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
	clock.Advance(601 * time.Second)
	if got := do(t, h, http.MethodGet, "/", nil, ada).Body.String(); !strings.HasPrefix(got, newSession) {
		t.Errorf("expired session: got %q, want a new session", got)
	}
}
