package main

// The solutions to the lesson's "Try this yourself", as code that runs: the
// lesson shows the regions below, and these tests check them.

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo-contrib/v5/session"
	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/go-sessions-course/echo-sessions/internal/sessionlock"
)

// region stricter
// stricterLimiter: three tries at once, then one a minute.
func stricterLimiter() echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: 1.0 / 60, Burst: 3, ExpiresIn: 10 * time.Minute, // one a minute
		}),
		IdentifierExtractor: func(c *echo.Context) (string, error) { return c.RealIP(), nil },
	})
}

// endregion stricter

func TestSolutionStricterLimiter(t *testing.T) {
	e := echo.New()
	e.POST("/login", func(c *echo.Context) error { return c.NoContent(http.StatusSeeOther) }, stricterLimiter())
	for try := 1; try <= 4; try++ {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/login", nil))
		if want := map[bool]int{true: http.StatusSeeOther, false: http.StatusTooManyRequests}[try <= 3]; rec.Code != want {
			t.Errorf("try %d: got %d, want %d", try, rec.Code, want)
		}
	}
}

func TestSolutionIDIsEscaped(t *testing.T) {
	app := newTestApp(t, config{}, true)
	v := signUp(t, app, "<b>bold</b>")
	_, _, body := v.get(app.URL + "/protected_page")
	if !strings.Contains(body, "Hey &lt;b&gt;bold&lt;/b&gt;") || strings.Contains(body, "<b>bold") {
		t.Errorf("the ID was not escaped: %q", body)
	}
}

func TestSolutionDefaultRequestLogger(t *testing.T) {
	var logs bytes.Buffer
	// region defaultlogger
	e := echo.New()
	e.Logger = slog.New(slog.NewTextHandler(&logs, nil)) // LOG_LEVEL=info
	e.Use(middleware.RequestLogger())                    // in place of requestLogger()
	// endregion defaultlogger
	e.GET("/", func(c *echo.Context) error { return c.String(http.StatusOK, "fine") })
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if !strings.Contains(logs.String(), "level=INFO msg=REQUEST method=GET uri=/ status=200") {
		t.Errorf("got %q, want an INFO line for a normal request", logs.String())
	}
}

// region wrapped
// lockHTTP is the session lock as net/http middleware, which Echo v4 and v5
// both take through echo.WrapMiddleware:
//
//	e.Use(echo.WrapMiddleware(lockHTTP(b.id, b.locker)))
func lockHTTP(id func(*http.Request) (string, bool), locker sessionlock.Locker) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sid, ok := id(r)
			if !ok {
				next.ServeHTTP(w, r) // no session yet: nothing to race with
				return
			}
			unlock, err := locker.Lock(r.Context(), sid, sessionlock.DefaultWait)
			if err != nil {
				http.Error(w, "Another request of this session is still running, or the store is down.", http.StatusServiceUnavailable)
				return
			}
			defer unlock()
			next.ServeHTTP(w, r)
		})
	}
}

// endregion wrapped

func TestSolutionWrappedLock(t *testing.T) {
	b, err := openStore(context.Background(), config{Store: "memory", Secret: []byte(testSecret)}, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	e := echo.New()
	e.Use(session.Middleware(b.store))
	e.Use(echo.WrapMiddleware(lockHTTP(b.id, b.locker)))
	e.GET("/", func(c *echo.Context) error { // step 4's counter
		sess, err := session.Get(sessionName, c)
		if err != nil {
			return err
		}
		views, _ := sess.Values["page_views"].(int)
		sess.Values["page_views"] = views + 1
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return err
		}
		return c.String(http.StatusOK, strconv.Itoa(views+1))
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookie := resp.Cookies()[0]
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 10 {
				req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
				req.AddCookie(cookie)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.AddCookie(cookie)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "162" {
		t.Errorf("counted %s of 162 visits", body)
	}
}
