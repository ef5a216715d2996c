// Command step03-sessions puts session middleware in place. It runs Echo v4
// with gorilla/sessions over an in-memory store.
//
//	go run ./step03-sessions    # then: curl -i http://localhost:3000
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

func main() {
	// Ctrl-C, or a SIGTERM from a process manager, cancels ctx. The server
	// then shuts down gracefully, and requests in flight may finish.
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
	host := listenHost(cfg, logger)

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
