package main

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// TestRequestLogger: by default only server errors get a line; with
// LOG_LEVEL=debug every request does, with its latency. The line shows the
// status the visitor got.
func TestRequestLogger(t *testing.T) {
	cases := []struct {
		level  slog.Level
		path   string
		status int
		want   string // the line's start; "" means no line
	}{
		{slog.LevelInfo, "/ok", 200, ""},
		{slog.LevelInfo, "/nowhere", 404, ""}, // the visitor's mistake, not the server's
		{slog.LevelInfo, "/fail", 500, `level=ERROR msg=request method=GET path=/fail status=500 latency=`},
		{slog.LevelInfo, "/busy", 503, `level=ERROR msg=request method=GET path=/busy status=503 latency=`},
		{slog.LevelDebug, "/ok", 200, "level=DEBUG msg=request method=GET path=/ok status=200 latency="},
		{slog.LevelDebug, "/nowhere", 404, "level=DEBUG msg=request method=GET path=/nowhere status=404 latency="},
		{slog.LevelDebug, "/fail", 500, "level=ERROR msg=request method=GET path=/fail status=500 latency="},
	}
	for _, tc := range cases {
		t.Run(tc.level.String()+tc.path, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{
				Level:       tc.level,
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr { return dropTime(a) },
			}))
			e := echo.New()
			e.Logger = logger
			e.Use(requestLogger())
			e.GET("/ok", func(c *echo.Context) error { return c.String(http.StatusOK, "fine") })
			e.GET("/fail", func(*echo.Context) error { return errors.New("the database is down") })
			e.GET("/busy", func(*echo.Context) error { return echo.NewHTTPError(http.StatusServiceUnavailable, "try again") })

			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if tc.want == "" {
				if logs.Len() != 0 {
					t.Fatalf("logged %q, want nothing", logs.String())
				}
				return
			}
			if len(lines) != 1 || !strings.HasPrefix(lines[0], tc.want) {
				t.Fatalf("logged %q, want one line starting %q", logs.String(), tc.want)
			}
			if tc.status >= 500 && !strings.Contains(lines[0], " err=") {
				t.Errorf("a server error's line has no err: %q", lines[0])
			}
		})
	}
}

// dropTime removes the time from log lines, so that tests can compare them.
func dropTime(a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// TestPanicIsLoggedWithItsStack: v5's Recover turns a panic into an error
// carrying its stack, and the request logger writes it at error level; the
// visitor gets a 500 in JSON, which the front end shows.
func TestPanicIsLoggedWithItsStack(t *testing.T) {
	var logs bytes.Buffer
	e := echo.New()
	e.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	e.HTTPErrorHandler = jsonErrors
	e.Use(requestLogger())
	e.Use(middleware.Recover())
	e.GET("/boom", func(*echo.Context) error { panic("a bug") })
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))
	const want = `{"error":"Something went wrong on our side."}` + "\n"
	if rec.Code != http.StatusInternalServerError || rec.Body.String() != want {
		t.Errorf("got %d %q, want a 500 in JSON", rec.Code, rec.Body)
	}
	if line := logs.String(); !strings.Contains(line, "level=ERROR msg=request") || !strings.Contains(line, "[PANIC RECOVER] a bug") ||
		!strings.Contains(line, "goroutine") {
		t.Errorf("the log lacks the panic and its stack:\n%s", line)
	}
}
