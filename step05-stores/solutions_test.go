package main

// The solutions to the lesson's "Try this yourself", as code that runs: the
// lesson shows the regions below, and these tests check them.

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/storetest"
)

// region toolong
// storeNote keeps a long text in the session: fine on a server-side store,
// too much for a cookie.
func storeNote(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	sess.Values["note"] = strings.Repeat("a long note ", 500) // 6,000 bytes
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return storeError(err)
	}
	return c.String(http.StatusOK, "Stored.\n")
}

// endregion toolong

// TestSolutionCookieTooLong: on the cookie store the save fails (a cookie
// holds about 4 KB), the visitor gets a 500, and the log says why; on the
// memory store the same handler works.
func TestSolutionCookieTooLong(t *testing.T) {
	for store, want := range map[string]int{"cookie": http.StatusInternalServerError, "memory": http.StatusOK} {
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		b, err := openStore(context.Background(), config{Store: store, Secret: []byte(testSecret), MaxAge: 3600}, logger)
		if err != nil {
			t.Fatal(err)
		}
		e := newServer(b, logger)
		e.GET("/note", storeNote)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/note", nil))
		b.close()
		if rec.Code != want {
			t.Errorf("%s store: got %d, want %d", store, rec.Code, want)
		}
		if store == "cookie" && !strings.Contains(logs.String(), "the value is too long") {
			t.Errorf("the log does not say why:\n%s", logs.String())
		}
	}
}

// TestSolutionRotationResigns plays exercise 2 on one SQLite file, with one
// browser's cookie jar: start with secret A, restart with B and A as the
// previous secret, restart with B alone. Whether the count survives the
// last restart depends on whether a visit during the B-and-A run got a
// fresh cookie, which the engine sends at most once a minute, signed with
// the first secret, B.
func TestSolutionRotationResigns(t *testing.T) {
	for _, tc := range []struct {
		name      string
		wait      time.Duration // between the visits of the B-and-A run
		wantAfter string        // the visit under B alone
	}{
		{"a visit more than a minute after the cookie was sent", 61 * time.Second, views(4)},
		{"every visit within a minute of it", time.Second, firstVisit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "sqlite")
			clock := storetest.NewClock()
			h.cfg.Now = clock.Now
			v := newVisitor(t)

			v.expect(serveBackend(t, h.open(t)).URL, firstVisit) // secret A

			both := *h
			both.cfg.Secret, both.cfg.PreviousSecret = []byte(otherSecret), []byte(testSecret)
			srv := serveBackend(t, both.open(t))
			clock.Sleep(tc.wait)
			v.expect(srv.URL, views(2))
			clock.Sleep(tc.wait)
			v.expect(srv.URL, views(3))

			onlyB := *h
			onlyB.cfg.Secret = []byte(otherSecret)
			v.expect(serveBackend(t, onlyB.open(t)).URL, tc.wantAfter)
		})
	}
}
