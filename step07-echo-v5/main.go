// Command step07-echo-v5 is step06-login on Echo v5. You sign up, log in,
// see a protected page and log out. The session store is chosen at start-up,
// from memory, sqlite, postgres or redis.
//
//	go run ./step07-echo-v5    # then open http://localhost:3000
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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
		fmt.Fprintln(os.Stderr, "step07-echo-v5:", err)
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
	// Users live in this process, as in the tutorial. A real program keeps
	// them in a database. They then outlive a restart, and every instance
	// sees the same ones.
	users := newUsers()
	// Form posts from other origins are refused (see the lesson).
	crossOrigin := http.NewCrossOriginProtection()
	return serve(ctx, newServer(b, users, crossOrigin, logger), host, cfg.Port, logger)
}
