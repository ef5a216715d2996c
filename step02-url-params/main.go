// Command step02-url-params carries data in the URL instead. It shows route
// parameters, and a page-view counter in the query string.
//
//	go run ./step02-url-params    # then open http://localhost:3000
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Ctrl-C, or a SIGTERM from a process manager, cancels ctx. The server
	// then shuts down gracefully, and requests in flight may finish.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "step02-url-params:", err)
		os.Exit(1)
	}
}

// run reads the configuration, builds the server, and serves until ctx is
// cancelled.
func run(ctx context.Context, getenv func(string) string, logOutput io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(logOutput, &slog.HandlerOptions{Level: cfg.LogLevel}))
	return serve(ctx, newServer(logger), cfg.Port, logger)
}
