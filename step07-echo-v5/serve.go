package main

// This file is the plumbing that every step shares. The test in
// internal/tooling/stepcopies keeps it the same in every step, except
// where a lesson says why a step differs.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// region serve
// serve listens on host and port, and serves e until ctx is cancelled.
// An empty host means every interface. The log names the URL to open.
// Echo v5's StartConfig does what step 6 wrote by hand. It listens, serves,
// and shuts down gracefully when ctx ends. Requests in flight get ten
// seconds to finish.
func serve(ctx context.Context, e *echo.Echo, host, port string, logger *slog.Logger) error {
	sc := echo.StartConfig{
		Address:    net.JoinHostPort(host, port),
		HideBanner: true, HidePort: true, // the line below says where
		ListenerAddrFunc: func(addr net.Addr) {
			url := fmt.Sprintf("http://localhost:%d", addr.(*net.TCPAddr).Port)
			logger.Info("listening", "url", url, "addr", addr)
		},
		BeforeServeFunc: func(s *http.Server) error { limitServer(s); return nil },
		GracefulTimeout: 10 * time.Second,
	}
	err := sc.Start(ctx, e)
	logger.Info("shut down")
	return err
}

// endregion serve

// limitServer sets the limits a production server needs. A slow or huge
// request then cannot hold a connection, or memory, for ever.
func limitServer(s *http.Server) {
	s.ReadHeaderTimeout = 5 * time.Second // a client that trickles its headers (slowloris)
	s.ReadTimeout = 10 * time.Second      // the whole request, body included
	s.WriteTimeout = 10 * time.Second     // a client that will not read the answer
	s.IdleTimeout = 60 * time.Second      // a kept-alive connection with nothing to say
	s.MaxHeaderBytes = 128 << 10          // room for a few cookies, not for megabytes
}

// region private
// private marks every answer as this visitor's alone. Each one depends on
// the visitor's cookies, and may set one. Cache-Control: no-store keeps
// shared caches (a proxy, a CDN) from keeping a copy. Such a cache could
// hand one visitor's page, or Set-Cookie, to another. Vary: Cookie tells
// every cache that the answer depends on the cookie.
//
// A HEAD request gets GET's headers, but no Set-Cookie. HEAD is safe (RFC
// 9110): a link preview or `curl -I` must not move a visitor's cookies.
func private(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "Cookie")
		if c.Request().Method == http.MethodHead {
			if r, err := echo.UnwrapResponse(c.Response()); err == nil {
				r.Before(func() { h.Del("Set-Cookie") })
			}
		}
		return next(c)
	}
}

// endregion private

// region logger
// requestLogger is Echo's request logger, writing to the program's slog
// logger, c.Logger(). Each request gets one line at debug level
// (LOG_LEVEL=debug shows them). A server error (a 5xx) is logged at error
// level, whatever the level.
func requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod:  true,
		LogURIPath: true,
		LogStatus:  true,
		LogLatency: true,
		// Echo writes the error's answer first. The line then shows the
		// status the visitor got.
		HandleError: true,
		LogValuesFunc: func(c *echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelDebug
			if v.Status >= http.StatusInternalServerError {
				level = slog.LevelError
			}
			ctx := c.Request().Context()
			if !c.Logger().Enabled(ctx, level) {
				return nil // build nothing for a line nobody will see
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method),
				// The path, without the query string. A client may put
				// anything there, a password too, and a log keeps it.
				slog.String("path", v.URIPath),
				slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency),
			}
			if v.Error != nil {
				attrs = append(attrs, slog.String("err", v.Error.Error()))
			}
			c.Logger().LogAttrs(ctx, level, "request", attrs...)
			return nil
		},
	})
}

// endregion logger

// region errors
// plainTextErrors answers errors in plain text, like every page here.
// Echo's own handler answers in JSON. The cause of an error goes only to
// the log, since it may hold details a visitor should not see. In v5 an
// error handler takes the context first. An error tells its status
// through echo.StatusCode.
func plainTextErrors(c *echo.Context, err error) {
	if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Committed {
		return // the request logger has already answered
	}
	code := echo.StatusCode(err)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	message := http.StatusText(code)
	if code == http.StatusInternalServerError {
		message = "Something went wrong on our side."
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Message != "" {
		message = he.Message
	}
	// A 503 says when to try again, unless its handler said so already.
	if h := c.Response().Header(); code == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
		h.Set("Retry-After", "1")
	}
	// A failed write means the visitor has gone. Nobody is left to tell.
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
	} else {
		_ = c.String(code, message+"\n")
	}
}

// endregion errors
