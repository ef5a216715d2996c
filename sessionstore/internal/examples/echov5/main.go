// Command echov5 is the example for Echo v5: the session engine over its
// memory storage, in an Echo v5 server that counts each visitor's views.
// Run it with SESSION_SECRET set to 32 characters or more.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/labstack/echo-contrib/v5/session"
	"github.com/labstack/echo/v5"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

func main() {
	// The secret signs the cookie. It comes from the environment, never the source.
	store, err := sessionstore.New(memstore.New(), sessionstore.Config{
		Secrets: [][]byte{[]byte(os.Getenv("SESSION_SECRET"))},
	})
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(session.Middleware(store))                    // session.Get finds the store
	e.Use(echo.WrapMiddleware(store.Middleware("sid"))) // one session's requests take turns
	// HEAD as well as GET, as RFC 9110 asks: the engine saves nothing for a HEAD.
	e.Match([]string{http.MethodGet, http.MethodHead}, "/", func(c *echo.Context) error {
		// This visitor's page only: no cache may keep it or serve it to another.
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Header().Set("Vary", "Cookie")
		sess, err := session.Get("sid", c)
		if err != nil { // the store failed: a bad cookie is a fresh session, not an error
			c.Response().Header().Set("Retry-After", "1")
			return echo.NewHTTPError(http.StatusServiceUnavailable, "Try again in a moment.")
		}
		n, _ := sess.Values["page_views"].(int)
		sess.Values["page_views"] = n + 1
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			c.Response().Header().Set("Retry-After", "1")
			return echo.NewHTTPError(http.StatusServiceUnavailable, "Try again in a moment.")
		}
		if n == 0 {
			return c.String(http.StatusOK, "Welcome to this page for the first time!")
		}
		return c.String(http.StatusOK, fmt.Sprintf("You visited this page %d times", n+1))
	})
	if err := e.Start("localhost:3000"); err != nil {
		log.Fatal(err)
	}
}
