package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/echotest"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

// TestErrorsArePlainText runs handlers that fail through the program's
// error handler, with Echo v5's echotest helpers: no server, no router.
func TestErrorsArePlainText(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code int
		body string
	}{
		{"an HTTP error", echo.NewHTTPError(http.StatusBadRequest, "Not a form this site sends."), 400, "Not a form this site sends.\n"},
		{"the session table unreachable", storeError(fmt.Errorf("loading: %w", sessionstore.ErrUnavailable)), 503, "The database is not answering. Try again in a moment.\n"},
		{"the accounts table unreachable", storeError(fmt.Errorf("loading: %w", errDatabase)), 503, "The database is not answering. Try again in a moment.\n"},
		{"a plain error", errors.New("the template broke"), 500, "Something went wrong on our side.\n"},
		{"not found", echo.ErrNotFound, 404, "Not Found\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := echotest.ContextConfig{}.ServeWithHandler(t, func(*echo.Context) error { return tc.err },
				echo.HTTPErrorHandler(plainTextErrors))
			if rec.Code != tc.code || rec.Body.String() != tc.body || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
				t.Errorf("got %d %q (%s), want %d %q in plain text", rec.Code, rec.Body, rec.Header().Get("Content-Type"), tc.code, tc.body)
			}
			// A 503 tells the client, and any load balancer, when to try again.
			if retry := rec.Header().Get("Retry-After"); (tc.code == 503) != (retry == "1") {
				t.Errorf("got Retry-After %q for a %d", retry, tc.code)
			}
		})
	}
}
