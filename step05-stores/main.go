// Command step05-stores runs the page-view counter over a session store
// chosen at start-up. The stores are memory, cookie, sqlite, postgres and
// redis.
//
//	go run ./step05-stores -store=sqlite    # then open http://localhost:3000
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
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "step05-stores:", err)
		os.Exit(1)
	}
}

// run reads the configuration, opens the store, builds the server, and
// serves until ctx is cancelled.
func run(
	ctx context.Context, args []string, getenv func(string) string, logOutput io.Writer,
) error {
	cfg, err := loadConfig(args, getenv)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(logOutput, &slog.HandlerOptions{Level: cfg.LogLevel}))
	host := listenHost(cfg, logger)
	b, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := b.close(); err != nil {
			logger.Warn("closing the session store", "err", err)
		}
	}()
	return serve(ctx, newServer(b, logger), host, cfg.Port, logger)
}
