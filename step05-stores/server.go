package main

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/go-sessions-course/echo-sessions/sessionlock"
)

// sessionName is the session's name, and so its cookie's name.
const sessionName = "sid"

// newServer builds the whole application over a session backend. main
// serves it; the tests drive the very same value.
func newServer(b *backend, logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true // run logs the URL itself
	e.Use(requestLogger(logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			logger.Error("panic", "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(session.Middleware(b.store))
	if b.locker != nil {
		// One session's requests take turns (in Redis: across instances).
		e.Use(sessionlock.Middleware(sessionlock.Config{ID: b.id, Locker: b.locker}))
	}

	e.GET("/", pageViews)
	return e
}

// region counter
// pageViews is step04's counter, unchanged but for one thing: a store with
// a server behind it can fail, and then the visitor gets a 503 that says
// so, never a silently new session.
func pageViews(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeUnavailable(err)
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
		return storeUnavailable(err)
	}
	return c.String(http.StatusOK, message)
}

// storeUnavailable is the answer when the session store failed (Redis is
// down, the disk is full): 503 Service Unavailable, which tells the client
// and any load balancer that trying again later may work.
func storeUnavailable(err error) error {
	return echo.NewHTTPError(http.StatusServiceUnavailable,
		"The session store is not answering, so this visit cannot be counted. Try again in a moment.").SetInternal(err)
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
