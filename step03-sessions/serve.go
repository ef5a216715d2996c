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

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// region serve
// serve listens on host and port, and serves e until ctx is cancelled.
// An empty host means every interface. The log names the URL to open.
func serve(ctx context.Context, e *echo.Echo, host, port string, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	e.Listener = ln
	limitServer(e.Server)
	url := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	logger.Info("listening", "url", url, "addr", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- e.StartServer(e.Server) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Shut down gracefully: requests in flight get ten seconds to finish.
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
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
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "Cookie")
		if c.Request().Method == http.MethodHead {
			c.Response().Before(func() { h.Del("Set-Cookie") })
		}
		return next(c)
	}
}

// endregion private

// logPanics recovers from a panic in a handler, so the visitor gets a 500.
// The log gets the panic and its stack.
func logPanics(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			logger.Error("panic", "err", err, "stack", string(stack))
			return err
		},
	})
}

// region logger
// requestLogger is Echo's request logger, writing to slog. Each request
// gets one line at debug level (LOG_LEVEL=debug shows them). A server
// error (a 5xx) is logged at error level, whatever the level.
func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod:  true,
		LogURI:     true,
		LogStatus:  true,
		LogLatency: true,
		LogError:   true,
		// Echo writes the error's answer first. The line then shows the
		// status the visitor got.
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

// endregion logger

// region errors
// plainTextErrors answers errors in plain text, like every page here.
// Echo's own handler answers in JSON. The cause of an error goes only to
// the log, since it may hold details a visitor should not see.
func plainTextErrors(err error, c echo.Context) {
	if c.Response().Committed {
		return // the request logger has already answered
	}
	code, message := http.StatusInternalServerError, "Something went wrong on our side."
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, message = he.Code, fmt.Sprint(he.Message)
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
