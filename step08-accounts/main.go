// Command step08-accounts is step07-echo-v5 with its accounts in a
// database, beside the sessions (SQLite, or PostgreSQL for several
// machines): sign up, log in, a protected page, log out, and an account's
// pages: its sessions, each of which can be ended, a new password, which
// ends every other session, and deleting the account.
//
//	go run ./step08-accounts    # then open http://localhost:3000
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/labstack/echo/v5"
)

func main() {
	// Ctrl-C (or a SIGTERM from a process manager) cancels ctx, and run
	// shuts the server down gracefully: requests in flight may finish.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "step08-accounts:", err)
		os.Exit(1)
	}
}

// run reads the configuration, opens the database, builds the server, and
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
			logger.Warn("closing the database", "err", err)
		}
	}()
	// The accounts live in the same database as the sessions: they outlive
	// a restart, and every instance on the database sees the same ones.
	accounts, err := openAccounts(ctx, b.db, b.postgres, cfg.Now)
	if err != nil {
		return err
	}
	// Form posts from other origins are refused (see the lesson).
	crossOrigin := http.NewCrossOriginProtection()
	return serve(ctx, newServer(b, accounts, crossOrigin, logger), host, cfg.Port, logger)
}

// region serve
// serve listens on host (empty: every interface) and port, logs the URL,
// and serves e until ctx is cancelled. Echo v5's StartConfig does what
// step06 wrote by hand: it listens, serves, and on ctx's end shuts down
// gracefully, giving requests in flight ten seconds to finish.
func serve(ctx context.Context, e *echo.Echo, host, port string, logger *slog.Logger) error {
	sc := echo.StartConfig{
		Address:    net.JoinHostPort(host, port),
		HideBanner: true, HidePort: true, // the line below says where
		ListenerAddrFunc: func(addr net.Addr) {
			logger.Info("listening", "url", fmt.Sprintf("http://localhost:%d", addr.(*net.TCPAddr).Port), "addr", addr)
		},
		BeforeServeFunc: func(s *http.Server) error { limitServer(s); return nil },
		GracefulTimeout: 10 * time.Second,
	}
	err := sc.Start(ctx, e)
	logger.Info("shut down")
	return err
}

// endregion serve

// limitServer sets the limits a production server needs, so that a slow or
// huge request cannot hold a connection, or memory, for ever.
func limitServer(s *http.Server) {
	s.ReadHeaderTimeout = 5 * time.Second // a client that trickles its headers (slowloris)
	s.ReadTimeout = 10 * time.Second      // the whole request, body included
	s.WriteTimeout = 10 * time.Second     // a client that will not read the answer
	s.IdleTimeout = 60 * time.Second      // a kept-alive connection with nothing to say
	s.MaxHeaderBytes = 128 << 10          // room for a few cookies, not for megabytes
}
