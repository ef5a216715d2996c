package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// sessionName is the session's name, and so its cookie's name.
const sessionName = "sid"

// maxNameLength bounds what a visitor can make us store.
const maxNameLength = 64

// newServer builds the whole application over a session store. main serves
// it; the tests drive the very same value.
func newServer(store sessions.Store, logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true // run logs the URL itself
	e.Use(requestLogger(logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			logger.Error("panic", "err", err, "stack", string(stack))
			return err
		},
	}))
	// region middleware
	// The session middleware makes the store available to session.Get in
	// every handler. It reads nothing yet: a handler that asks for its
	// session pays for it, one that does not, does not.
	e.Use(session.Middleware(store))
	// endregion middleware

	// region routes
	e.GET("/", showSession)
	e.POST("/name", rememberName)
	e.POST("/forget", forget)
	// endregion routes
	return e
}

// region show
// showSession reads the session. It saves nothing, so a visitor who only
// looks gets no cookie and no server-side state.
func showSession(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err // the store failed; a bad cookie is not an error, see memstore
	}
	if sess.IsNew {
		return c.String(http.StatusOK, "This is a new session: the server holds nothing for you yet.\n"+
			"Store a name with: POST /name (form field name)\n")
	}
	name, _ := sess.Values["name"].(string)
	return c.String(http.StatusOK, fmt.Sprintf("Welcome back, %s. Your cookie named a session this server holds.\n", name))
}

// endregion show

// region remember
// rememberName stores the form field "name" in the session. The value stays
// on the server; the response's Set-Cookie carries only a signed random ID.
func rememberName(c echo.Context) error {
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" || utf8.RuneCountInString(name) > maxNameLength || !utf8.ValidString(name) {
		return c.String(http.StatusBadRequest,
			fmt.Sprintf("Send a form field \"name\" of 1 to %d characters, like: curl -d name=Ada ...\n", maxNameLength))
	}
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err
	}
	sess.Values["name"] = name
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.String(http.StatusOK, fmt.Sprintf("Stored name=%q in your session, on the server.\n", name))
}

// endregion remember

// region forget
// forget deletes the session: MaxAge < 0 removes it from the store and tells
// the browser to drop the cookie. The old ID opens nothing afterwards.
func forget(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err
	}
	sess.Options.MaxAge = -1
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.String(http.StatusOK, "Your session is deleted and your cookie cleared.\n")
}

// endregion forget

// requestLogger logs one line per request (method, path, status, latency) at
// debug level, which LOG_LEVEL=debug shows, and every server error (a 5xx)
// at error level, whatever the level. With debug off, the default, a request
// that goes well costs it next to nothing: no clock read, nothing built.
//
// (Echo's middleware.RequestLogger does the same job with more options; it
// reads the clock and builds its record on every request, even for a line
// that nobody will see.)
func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			debug := logger.Enabled(ctx, slog.LevelDebug)
			var start time.Time
			if debug {
				start = time.Now()
			}
			err := next(c)
			if err != nil {
				// Let Echo turn the error into its response now, so that the
				// line shows the status the visitor got. Echo ignores the
				// error when it comes back up the chain: the response is
				// already written.
				c.Error(err)
			}
			status := c.Response().Status
			level := slog.LevelDebug
			if status >= http.StatusInternalServerError {
				level = slog.LevelError
			}
			if level == slog.LevelDebug && !debug {
				return err // build nothing for a line nobody will see
			}
			attrs := []slog.Attr{
				slog.String("method", c.Request().Method),
				slog.String("uri", c.Request().RequestURI),
				slog.Int("status", status),
			}
			if debug {
				attrs = append(attrs, slog.Duration("latency", time.Since(start)))
			}
			if err != nil {
				attrs = append(attrs, slog.String("err", err.Error()))
			}
			logger.LogAttrs(ctx, level, "request", attrs...)
			return err
		}
	}
}
