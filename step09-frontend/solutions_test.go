package main

// The solutions to the lesson's "Try this yourself", as code that runs: the
// lesson shows the regions below, and these tests check them.

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// region origins
// trustOrigins returns the CORS middleware and the cross-origin check for
// several front ends at once (a dev server and a staging site, say), each
// named exactly. An origin the check refuses is an error, not a panic.
func trustOrigins(origins ...string) (cors, refuse echo.MiddlewareFunc, err error) {
	crossOrigin := http.NewCrossOriginProtection()
	for _, o := range origins {
		if err := crossOrigin.AddTrustedOrigin(o); err != nil {
			return nil, nil, err
		}
	}
	cors, err = middleware.CORSConfig{
		AllowOrigins:     origins,
		AllowCredentials: true,
		AllowMethods:     []string{http.MethodGet, http.MethodHead, http.MethodPost},
		AllowHeaders:     []string{echo.HeaderContentType},
		MaxAge:           600,
	}.ToMiddleware()
	return cors, refuseOtherOrigins(crossOrigin), err
}

// endregion origins

// TestSolutionTrustOrigins: both front ends read and write; a third origin
// gets no CORS header and is refused; "*" is refused at start-up.
func TestSolutionTrustOrigins(t *testing.T) {
	const dev, staging = "http://localhost:5173", "https://staging.example.com"
	cors, refuse, err := trustOrigins(dev, staging)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.Use(cors, refuse)
	e.POST("/api/prefs", func(c *echo.Context) error { return c.String(http.StatusOK, "ok") })
	srv := newTestServer(t, e)
	for origin, want := range map[string]int{dev: 200, staging: 200, "https://evil.example": 403} {
		v := newVisitor(t).fromPage(origin, "cross-site")
		a := v.post(srv+"/api/prefs", "{}")
		allowed := a.header.Get("Access-Control-Allow-Origin")
		if a.status != want || (want == 200) != (allowed == origin) {
			t.Errorf("%s: got %d, Access-Control-Allow-Origin %q; want %d", origin, a.status, allowed, want)
		}
	}
	if _, _, err := trustOrigins("*"); err == nil {
		t.Error(`trustOrigins("*") took the star`)
	}
}
