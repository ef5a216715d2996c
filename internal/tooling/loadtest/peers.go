package main

import (
	"fmt"
	"net/http"

	"github.com/alexedwards/scs/v2"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"
)

// The apps that the comparison runs next to step04, each in a process of
// its own (loadtest -serve NAME). Each answers GET / as the counter does;
// none has a request logger, a lock or the steps' other middleware.
var apps = map[string]func() *echo.Echo{
	"bare":   bareApp,
	"scs":    scsApp,
	"recipe": recipeApp,
}

// bareApp is the baseline: Echo v4, one route, no middleware and no
// session at all.
func bareApp() *echo.Echo {
	e := newEcho()
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "You visited this page 2 times") })
	return e
}

// scsApp is the counter on alexedwards/scs v2 with its default memory
// store, mounted as its README mounts it on other routers: its
// LoadAndSave middleware, wrapped for Echo.
func scsApp() *echo.Echo {
	sessionManager := scs.New() // memory store, 24h lifetime
	e := newEcho()
	e.Use(echo.WrapMiddleware(sessionManager.LoadAndSave))
	e.GET("/", func(c echo.Context) error {
		ctx := c.Request().Context()
		views := sessionManager.GetInt(ctx, "page_views")
		sessionManager.Put(ctx, "page_views", views+1)
		return c.String(http.StatusOK, message(views+1))
	})
	return e
}

// recipeApp is the counter as Echo's documentation writes a session:
// echo-contrib's session middleware over gorilla's CookieStore, whose
// cookie carries the values themselves, signed.
func recipeApp() *echo.Echo {
	e := newEcho()
	e.Use(session.Middleware(sessions.NewCookieStore([]byte("secret-of-the-recipe-0123456789ab"))))
	e.GET("/", func(c echo.Context) error {
		sess, err := session.Get("session", c)
		if err != nil {
			return err
		}
		sess.Options = &sessions.Options{Path: "/", MaxAge: 86400, HttpOnly: true}
		views, _ := sess.Values["page_views"].(int)
		sess.Values["page_views"] = views + 1
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return err
		}
		return c.String(http.StatusOK, message(views+1))
	})
	return e
}

func newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	return e
}

// message is the counter's answer, as in the steps.
func message(views int) string {
	if views == 1 {
		return "Welcome to this page for the first time!"
	}
	return fmt.Sprintf("You visited this page %d times", views)
}
