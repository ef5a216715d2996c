package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
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

// getAndHead are the methods of every page: HEAD asks for GET's headers
// without the body, and RFC 9110 asks servers to answer both. A HEAD runs
// the GET handler, as in Express; net/http leaves the body out.
var getAndHead = []string{http.MethodGet, http.MethodHead}

// newServer builds the whole application over a session store. main serves
// it; the tests drive the very same value.
func newServer(store sessions.Store, logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true // run logs the URL itself
	e.HTTPErrorHandler = plainTextErrors
	e.Use(requestLogger(logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			logger.Error("panic", "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(private)
	// region middleware
	// The session middleware makes the store available to session.Get in
	// every handler. It reads nothing yet: a handler that asks for its
	// session pays for it, one that does not, does not.
	e.Use(session.Middleware(store))
	// endregion middleware

	// region routes
	e.Match(getAndHead, "/", showSession)
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
		return err // the store failed; a bad cookie is not an error, see sessionstore
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
// the browser to drop the cookie. The old ID opens nothing afterwards. A
// visitor without a session gets no cookie at all (as in express-session).
func forget(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err
	}
	if sess.IsNew {
		return c.String(http.StatusOK, "You had no session: there is nothing to forget.\n")
	}
	sess.Options.MaxAge = -1
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.String(http.StatusOK, "Your session is deleted and your cookie cleared.\n")
}

// endregion forget

// region private
// private marks every response as this visitor's alone: each one depends on
// the session cookie, and may set it. Cache-Control: no-store keeps shared
// caches (a proxy, a CDN) from keeping a copy, and so from handing one
// visitor's page, or Set-Cookie, to another; Vary: Cookie tells every
// cache that the answer depends on the cookie.
func private(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "Cookie")
		return next(c)
	}
}

// endregion private

// requestLogger is Echo's request logger writing to slog: one line per
// request at debug level (LOG_LEVEL=debug shows them), and every server
// error (a 5xx) at error level, whatever the level.
func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod:  true,
		LogURI:     true,
		LogStatus:  true,
		LogLatency: true,
		LogError:   true,
		// Let Echo write the error's response first, so that the line
		// shows the status the visitor got.
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelDebug
			if v.Status >= http.StatusInternalServerError {
				level = slog.LevelError
			}
			ctx := c.Request().Context()
			if !logger.Enabled(ctx, level) {
				return nil // build nothing for a line nobody will see
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method),
				slog.String("uri", v.URI),
				slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency),
			}
			if v.Error != nil {
				attrs = append(attrs, slog.String("err", v.Error.Error()))
			}
			logger.LogAttrs(ctx, level, "request", attrs...)
			return nil
		},
	})
}

// plainTextErrors answers errors in plain text, like every page of this
// program (Echo's default answers in JSON). The cause of an error, which
// may hold details a visitor should not see, goes only to the log.
func plainTextErrors(err error, c echo.Context) {
	if c.Response().Committed {
		return // the request logger has already answered
	}
	code, message := http.StatusInternalServerError, "Something went wrong on our side."
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, message = he.Code, fmt.Sprint(he.Message)
	}
	// A failed write means the visitor has gone: nobody is left to tell.
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
	} else {
		_ = c.String(code, message+"\n")
	}
}
