// Command step05-stores runs the page-view counter over a session store
// chosen at start-up: memory, cookie, sqlite, postgres or redis.
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
	// Ctrl-C (or a SIGTERM from a process manager) cancels ctx, and run
	// shuts the server down gracefully: requests in flight may finish.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "step05-stores:", err)
		os.Exit(1)
	}
}

// run reads the configuration, opens the store, builds the server, and
// serves until ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, logOutput io.Writer) error {
	cfg, err := loadConfig(args, getenv)
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
