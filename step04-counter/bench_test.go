package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

// The benchmarks send requests through the whole Echo stack (ServeHTTP),
// in parallel on every core. Run them with:
//
//	go test -run '^$' -bench . ./step04-counter

// bareServer answers like the counter, without sessions or middleware: the
// baseline that the session's cost is measured against.
func bareServer() *echo.Echo {
	e := echo.New()
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "You visited this page 2 times") })
	return e
}

func BenchmarkBare(b *testing.B) {
	benchRequests(b, bareServer(), func() *http.Cookie { return nil })
}

// BenchmarkCounterReturning: returning visitors, one per goroutine.
func BenchmarkCounterReturning(b *testing.B) {
	h, newCookie := benchCounter(b)
	benchRequests(b, h, newCookie)
}

// BenchmarkCounterOneSession: one visitor whose requests all arrive at once
// and take turns on the session's lock.
func BenchmarkCounterOneSession(b *testing.B) {
	h, newCookie := benchCounter(b)
	cookie := newCookie()
	benchRequests(b, h, func() *http.Cookie { return cookie })
}

// BenchmarkCounterFirstVisit: a stream of first-time visitors, each of
// whom gets a new session and a cookie.
func BenchmarkCounterFirstVisit(b *testing.B) {
	h, _ := benchCounter(b)
	benchRequests(b, h, func() *http.Cookie { return nil })
}

// benchCounter builds step04 as run does (logging at its default level) and
// returns it with a function that makes a new visitor's cookie.
func benchCounter(b *testing.B) (http.Handler, func() *http.Cookie) {
	b.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := sessionstore.New(memstore.New(), sessionstore.Config{Secrets: [][]byte{[]byte(testSecret)}, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	h := newServer(store, logger)
	return h, func() *http.Cookie {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		return rec.Result().Cookies()[0]
	}
}

// benchRequests sends GET / on every core; each goroutine takes its cookie
// from cookie() once.
func benchRequests(b *testing.B, h http.Handler, cookie func() *http.Cookie) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		base := httptest.NewRequest(http.MethodGet, "/", nil)
		if c := cookie(); c != nil {
			base.AddCookie(c)
		}
		for pb.Next() {
			r := new(http.Request)
			*r = *base // a fresh request, as the server makes for each one
			h.ServeHTTP(discardResponse{header: http.Header{}}, r)
		}
	})
}

// discardResponse is a ResponseWriter that keeps nothing, so the benchmark
// measures the server and not a recorder.
type discardResponse struct{ header http.Header }

func (d discardResponse) Header() http.Header         { return d.header }
func (d discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (d discardResponse) WriteHeader(int)             {}
