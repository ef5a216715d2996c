package main

// The solutions to the lesson's "Try this yourself", as code that runs: the
// lesson shows the regions below, and these tests check them.

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-sessions-course/echo-sessions/internal/memstore"
	"github.com/go-sessions-course/echo-sessions/internal/sessionstore"
)

// TestSolutionLifetime: with SESSION_MAX_AGE=2 and SESSION_LIFETIME=6, a
// visit every second keeps the session past its idle timeout, and the
// visit at six seconds is a first visit again. The synctest bubble's clock
// moves when the test sleeps, so the six seconds take no time.
func TestSolutionLifetime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// region lifetime
		store, err := sessionstore.New(memstore.New(), sessionstore.Config{
			Secrets: [][]byte{[]byte(testSecret)},
			MaxAge:  2, Lifetime: 6, // SESSION_MAX_AGE=2 SESSION_LIFETIME=6
			Logger: slog.New(slog.DiscardHandler),
		})
		// endregion lifetime
		if err != nil {
			t.Fatal(err)
		}
		h := newServer(store, slog.New(slog.DiscardHandler))
		cookie := sidCookie(t, get(t, h))
		for second := 1; second <= 6; second++ {
			time.Sleep(time.Second)
			rec := get(t, h, cookie)
			if c := rec.Result().Cookies(); len(c) == 1 {
				cookie = c[0] // the browser keeps the fresher cookie
			}
			if second < 6 && rec.Body.String() == firstVisit {
				t.Fatalf("after %ds, visited every second: the session ended early", second)
			}
			if second == 6 && rec.Body.String() != firstVisit {
				t.Fatalf("after 6s: %q, want a first visit", rec.Body)
			}
		}
	})
}

// TestSolutionLostUpdate shows, step by step, what the session lock
// prevents: two requests of one visitor load the session before either
// saves it, both count from the same number, and one visit is lost.
func TestSolutionLostUpdate(t *testing.T) {
	store, err := sessionstore.New(memstore.New(), sessionstore.Config{Secrets: [][]byte{[]byte(testSecret)}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cookie := sidCookie(t, get(t, newServer(store, slog.New(slog.DiscardHandler)))) // visit 1

	// region lost
	first, second := requestWith(cookie), requestWith(cookie)
	a, _ := store.Get(first, sessionName)  // loads page_views = 1
	b, _ := store.Get(second, sessionName) // loads page_views = 1 too
	a.Values["page_views"] = a.Values["page_views"].(int) + 1
	b.Values["page_views"] = b.Values["page_views"].(int) + 1
	_ = a.Save(first, httptest.NewRecorder())  // saves 2
	_ = b.Save(second, httptest.NewRecorder()) // saves 2 again: visit 3 is lost
	// endregion lost

	again, _ := store.Get(requestWith(cookie), sessionName)
	if got := again.Values["page_views"]; got != 2 {
		t.Errorf("after three visits, two overlapping: page_views = %v; the lost update did not happen", got)
	}
}

func requestWith(c *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(c)
	return r
}
