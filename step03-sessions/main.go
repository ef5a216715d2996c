// Command step03-sessions puts session middleware in place: Echo v4 with
// gorilla/sessions over an in-memory store.
//
//	go run ./step03-sessions    # then: curl -i http://localhost:3000
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

func main() {
	// Ctrl-C (or a SIGTERM from a process manager) cancels ctx, and run
	// shuts the server down gracefully: requests in flight may finish.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "step03-sessions:", err)
		os.Exit(1)
	}
}

// run reads the configuration, builds the store and the server, and serves
// until ctx is cancelled.
func run(ctx context.Context, getenv func(string) string, logOutput io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(logOutput, &slog.HandlerOptions{Level: cfg.LogLevel}))
	host := "" // every interface
	if cfg.DevSecret {
		// Anyone who can reach the program could forge a session signed
		// with the public secret: only this machine may.
		host = "localhost"
		logger.Warn("SESSION_SECRET is not set: signing cookies with the public development secret, " +
			"and listening on localhost only. Set SESSION_SECRET (32+ random characters) to serve others.")
	}

	store, err := sessionstore.New(memstore.New(), sessionstore.Config{
		Secrets:  [][]byte{cfg.Secret},
		MaxAge:   cfg.MaxAge,   // idle timeout
		Lifetime: cfg.Lifetime, // absolute timeout
		Secure:   cfg.Secure,
		Logger:   logger,
	})
	if err != nil {
		return err
	}

	return serve(ctx, newServer(store, logger), host, cfg.Port, logger)
}

// serve listens on host (empty: every interface) and port, logs the URL,
// and serves e until ctx is cancelled.
func serve(ctx context.Context, e *echo.Echo, host, port string, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	e.Listener = ln
	limitServer(e.Server)
	logger.Info("listening", "url", fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port), "addr", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- e.StartServer(e.Server) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
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

// limitServer sets the limits a production server needs, so that a slow or
// huge request cannot hold a connection, or memory, for ever.
func limitServer(s *http.Server) {
	s.ReadHeaderTimeout = 5 * time.Second // a client that trickles its headers (slowloris)
	s.ReadTimeout = 10 * time.Second      // the whole request, body included
	s.WriteTimeout = 10 * time.Second     // a client that will not read the answer
	s.IdleTimeout = 60 * time.Second      // a kept-alive connection with nothing to say
	s.MaxHeaderBytes = 128 << 10          // room for a few cookies, not for megabytes
}
