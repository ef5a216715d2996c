package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/go-sessions-course/echo-sessions/internal/memstore"
	"github.com/go-sessions-course/echo-sessions/internal/sessionlock"
)

// sessionName is the session's name, and so its cookie's name.
const sessionName = "sid"

// newServer builds the whole application over a session store. main serves
// it; the tests drive the very same value.
func newServer(store *memstore.Store, logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true // run logs the URL itself
	e.Use(requestLogger(logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			logger.Error("panic", "err", err, "stack", string(stack))
			return err
		},
	}))
	// The session middleware makes the store available to session.Get.
	e.Use(session.Middleware(store))
	// region lock
	// Requests of one session take turns, so two overlapping visits cannot
	// both read 7 and both write 8: every visit is counted. Other sessions
	// never wait, and a first visit (no ID yet) takes no lock.
	e.Use(sessionlock.Middleware(sessionlock.Config{
		ID:     func(r *http.Request) (string, bool) { return store.ID(r, sessionName) },
		Locker: sessionlock.NewLocal(),
	}))
	// endregion lock

	// region routes
	e.GET("/", pageViews)
	// endregion routes
	return e
}

// region counter
// pageViews is the tutorial's counter: the count lives in the session, on
// the server; the browser holds only the signed session ID.
func pageViews(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err // the store failed; a bad cookie is not an error, see memstore
	}
	var message string
	if views, ok := sess.Values["page_views"].(int); ok {
		views++
		sess.Values["page_views"] = views
		message = fmt.Sprintf("You visited this page %d times", views)
	} else {
		sess.Values["page_views"] = 1
		message = "Welcome to this page for the first time!"
	}
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.String(http.StatusOK, message)
}

// endregion counter

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
