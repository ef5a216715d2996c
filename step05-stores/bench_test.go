package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/redistest"
)

// BenchmarkStores sends one request at a time through the whole Echo stack
// (ServeHTTP): a bare Echo app, then the counter on each store, for a
// returning visitor and for a first visit. The stores lesson quotes it:
//
//	go test -run '^$' -bench Stores -benchmem ./step05-stores
//
// The Redis cases need redis-server on PATH; without it they are skipped.
func BenchmarkStores(b *testing.B) {
	b.Run("bare", func(b *testing.B) {
		e := echo.New()
		e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "You visited this page 2 times") })
		benchServe(b, e, nil)
	})
	for _, name := range storeNames {
		for _, visit := range []string{"returning", "first"} {
			b.Run(name+"/"+visit, func(b *testing.B) {
				cfg := config{Store: name, Secret: []byte(testSecret), MaxAge: 3600}
				switch name {
				case "redis":
					cfg.RedisURL = redistest.Start(b).URL()
				case "sqlite", "postgres":
					cfg.DatabaseURL = databaseURL(b, name)
				}
				be, err := openStore(context.Background(), cfg, discard)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { be.close() })
				h := newServer(be, discard)
				var cookie *http.Cookie
				if visit == "returning" {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
					cookie = rec.Result().Cookies()[0]
				}
				benchServe(b, h, cookie)
			})
		}
	}
}

func benchServe(b *testing.B, h http.Handler, cookie *http.Cookie) {
	base := httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != nil {
		base.AddCookie(cookie)
	}
	b.ReportAllocs()
	for b.Loop() {
		r := new(http.Request)
		*r = *base // a fresh request, as the server makes for each one
		w := discardResponse{header: http.Header{}}
		h.ServeHTTP(&w, r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

type discardResponse struct {
	header http.Header
	status int
}

func (d *discardResponse) Header() http.Header         { return d.header }
func (d *discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardResponse) WriteHeader(code int)        { d.status = code }
