package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/testcookie"
)

// TestHostileCookies: on every store, whatever comes in the session cookie
// gets a 200 and a fresh session: never a 5xx, a panic, or the count of the
// visitor whose cookie was tampered with (who has visited 5 times).
func TestHostileCookies(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		b := h.open(t)
		app := newServer(b, discard)
		victim := newVisitor(t)
		srv := serveBackend(t, b)
		for range 5 {
			victim.get(srv.URL)
		}
		good := victim.cookie(srv.URL).Value

		// A store with the same secret but its own storage issues IDs that
		// are well signed and that this store never issued.
		elsewhere := *h
		if h.name != "memory" && h.name != "cookie" {
			elsewhere = *newHarness(t, h.name)
		}
		strangerSrv := serveBackend(t, elsewhere.open(t))
		stranger := newVisitor(t)
		stranger.get(strangerSrv.URL)
		neverIssued := stranger.cookie(strangerSrv.URL).Value

		foreign := *newHarness(t, h.name)
		foreign.cfg.Secret = []byte(otherSecret)
		foreignSrv := serveBackend(t, foreign.open(t))
		outsider := newVisitor(t)
		outsider.get(foreignSrv.URL)
		otherSecretValue := outsider.cookie(foreignSrv.URL).Value

		cases := []struct {
			name   string
			header string // the whole Cookie header
		}{
			{"tampered", "sid=" + testcookie.Tamper(good)},
			{"garbage", "sid=garbage"},
			{"not base64", "sid=%%%***!!!"},
			{"5 KB", "sid=" + strings.Repeat("A", 5<<10)},
			{"64 KB", "sid=" + strings.Repeat("B", 64<<10)},
			{"signed with another secret", "sid=" + otherSecretValue},
			{"empty", "sid="},
			{"two cookies of that name, the first garbage", "sid=garbage; sid=" + good},
		}
		if h.name != "cookie" { // for the cookie store, a well-signed cookie is a session
			cases = append(cases,
				struct{ name, header string }{"well signed, never issued here", "sid=" + neverIssued},
				struct{ name, header string }{"an ID, unsigned", "sid=0123456789abcdef0123456789abcdef"},
			)
		}
		for _, tc := range cases {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Cookie", tc.header)
			rec := httptest.NewRecorder()
			app.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || rec.Body.String() != firstVisit {
				t.Errorf("%s: got %d %q, want 200 and a first visit", tc.name, rec.Code, rec.Body)
			}
		}
		// The victim was not disturbed.
		victim.expect(srv.URL, views(6))
	})
}
