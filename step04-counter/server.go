package main

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/go-sessions-course/echo-sessions/memstore"
	"github.com/go-sessions-course/echo-sessions/sessionlock"
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

// requestLogger logs one line per request: method, path, status, latency.
// Only server errors are on by default; LOG_LEVEL=debug shows them all.
func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod:   true,
		LogURI:      true,
		LogStatus:   true,
		LogLatency:  true,
		LogError:    true,
		HandleError: true, // let Echo turn an error into its status first
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			// Every request at debug level (LOG_LEVEL=debug shows them), so
			// that a busy server does not spend its time writing logs;
			// server errors always.
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
