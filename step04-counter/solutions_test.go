package main

// The solutions to the lesson's "Try this yourself", as code that runs: the
// lesson shows the regions below, and these tests check them.

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
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

// pageViewsSavedTooLate is the counter with gorilla's most common mistake,
// the one exercise 6 makes: the page is written first and the session saved
// after it.
func pageViewsSavedTooLate(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err
	}
	views, _ := sess.Values["page_views"].(int)
	views++
	sess.Values["page_views"] = views
	message := "Welcome to this page for the first time!"
	if views > 1 {
		message = fmt.Sprintf("You visited this page %d times", views)
	}
	// region toolate
	// Wrong: writing the page sends the status and the headers first, and
	// Save's Set-Cookie comes after them. The session is stored, but the
	// browser never hears of it.
	if err := c.String(http.StatusOK, message); err != nil {
		return err
	}
	return sess.Save(c.Request(), c.Response())
	// endregion toolate
}

// TestSolutionSaveTooLate: with Save after the page, a browser that keeps
// its cookies never gets one, so every visit is a first visit, and every
// visit leaves a session in the store that nobody can name. The same visits
// to the program's own counter, which saves first, count 1, 2, 3.
func TestSolutionSaveTooLate(t *testing.T) {
	for _, tc := range []struct {
		name        string
		handler     echo.HandlerFunc
		wantCookies int
		wantLast    string
		wantStored  int
	}{
		{"Save before the page", pageViews, 1, "You visited this page 3 times", 1},
		{"Save after the page", pageViewsSavedTooLate, 0, firstVisit, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storage := memstore.New()
			store, err := sessionstore.New(storage, sessionstore.Config{
				Secrets: [][]byte{[]byte(testSecret)}, Logger: slog.New(slog.DiscardHandler),
			})
			if err != nil {
				t.Fatal(err)
			}
			e := echo.New()
			e.Use(session.Middleware(store))
			e.GET("/", tc.handler)
			srv := httptest.NewServer(e)
			defer srv.Close()
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar}
			cookies, body := 0, ""
			for range 3 {
				resp, err := client.Get(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				cookies += len(resp.Cookies())
				body = string(b)
			}
			if cookies != tc.wantCookies {
				t.Errorf("three visits got %d Set-Cookie headers, want %d", cookies, tc.wantCookies)
			}
			if body != tc.wantLast {
				t.Errorf("the third visit says %q, want %q", body, tc.wantLast)
			}
			if got := storage.Len(); got != tc.wantStored {
				t.Errorf("after three visits the store holds %d sessions, want %d", got, tc.wantStored)
			}
		})
	}
}
