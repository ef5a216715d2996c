// Command step08-accounts is step07-echo-v5 with its accounts in a database,
// beside the sessions. That is SQLite, or PostgreSQL for several machines.
// You sign up, log in, see a protected page and log out. An account also has
// its own pages. One lists its sessions, each of which can be ended. One
// sets a new password, which ends every other session. One deletes the
// account.
//
//	go run ./step08-accounts    # then open http://localhost:3000
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
		fmt.Fprintln(os.Stderr, "step08-accounts:", err)
		os.Exit(1)
	}
}

// run reads the configuration, opens the database, builds the server, and
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
			logger.Warn("closing the database", "err", err)
		}
	}()
	// The accounts live in the same database as the sessions. They outlive a
	// restart, and every instance on the database sees the same ones.
	accounts, err := openAccounts(ctx, b.db, b.postgres, cfg.Now)
	if err != nil {
		return err
	}
	// Form posts from other origins are refused (see the lesson).
	crossOrigin := http.NewCrossOriginProtection()
	return serve(ctx, newServer(b, accounts, crossOrigin, logger), host, cfg.Port, logger)
}
