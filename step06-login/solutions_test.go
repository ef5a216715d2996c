package main

// The solutions to the lesson's "Try this yourself", as code that runs: the
// lesson shows the regions below, and these tests check them.

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// region stricter
// stricterLimiter is addressLimit with two numbers changed, and the header
// and the words that go with them: three tries at once, then one a minute.
func stricterLimiter() echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Every(time.Minute), Burst: 3, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, err error) error {
			c.Response().Header().Set("Retry-After", "60")
			msg := "Too many tries from your address. You get one more every minute."
			return echo.NewHTTPError(http.StatusTooManyRequests, msg).SetInternal(err)
		},
	})
}

// endregion stricter

func TestSolutionStricterLimiter(t *testing.T) {
	e := echo.New()
	e.IPExtractor = echo.ExtractIPDirect()
	e.POST("/login", func(c echo.Context) error { return c.NoContent(http.StatusSeeOther) }, stricterLimiter())
	for try := 1; try <= 4; try++ {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/login", nil))
		if want := map[bool]int{true: http.StatusSeeOther, false: http.StatusTooManyRequests}[try <= 3]; rec.Code != want {
			t.Errorf("try %d: got %d, want %d", try, rec.Code, want)
		}
		if try == 4 && rec.Header().Get("Retry-After") != "60" {
			t.Errorf("try 4: Retry-After %q, want 60", rec.Header().Get("Retry-After"))
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
