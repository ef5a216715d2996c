// Command step09-frontend is step08-accounts as a JSON API, with a front
// end of plain HTML and JavaScript on an origin of its own: the API on
// PORT (3000), the front end on FRONTEND_PORT (5173), as a Vite or React
// dev server would be. The front end signs up, logs in (remember me, or
// not), counts its visits and logs out, with fetch and the session
// cookie; CORS lets only its origin read the answers, and the
// cross-origin check refuses every other origin's requests.
//
//	go run ./step09-frontend    # then open http://localhost:5173
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
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
		fmt.Fprintln(os.Stderr, "step09-frontend:", err)
		os.Exit(1)
	}
}

// run reads the configuration, opens the database, listens on both ports,
// and serves the API and the front end until ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string,
	logOutput io.Writer) error {
	cfg, err := loadConfig(args, getenv)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(logOutput, &slog.HandlerOptions{Level: cfg.LogLevel}))
	host := listenHost(cfg, logger)
	// region listen
	// Both ports are taken before anything is served: a port in use stops
	// the program at once, and port 0 (any free one) is known before the
	// front end is told where the API is.
	apiLn, err := net.Listen("tcp", net.JoinHostPort(host, cfg.Port))
	if err != nil {
		return err
	}
	defer apiLn.Close()
	pageLn, err := net.Listen("tcp", net.JoinHostPort(host, cfg.FrontendPort))
	if err != nil {
		return fmt.Errorf("the front end (FRONTEND_PORT): %w", err)
	}
	defer pageLn.Close()
	apiURL, pageURL := localURL(apiLn), localURL(pageLn)
	if cfg.FrontendOrigin == "" {
		cfg.FrontendOrigin = pageURL
	}
	// endregion listen
	b, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := b.close(); err != nil {
			logger.Warn("closing the database", "err", err)
		}
	}()
	accounts, err := openAccounts(ctx, b.db, b.postgres, cfg.Now)
	if err != nil {
		return err
	}
	api := newServer(b, accounts, cfg, logger)
	logger.Info("listening", "url", apiURL, "addr", apiLn.Addr(), "trusts", cfg.FrontendOrigin)
	logger.Info("front end: open this page", "page", pageURL, "addr", pageLn.Addr())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, newFrontend(apiURL, logger), pageLn, logger)
		cancel() // one server stopping stops the other
	}()
	err = serve(ctx, api, apiLn, logger)
	cancel()
	return errors.Join(err, <-done)
}

// localURL is the address a browser on this machine opens to reach ln.
func localURL(ln net.Listener) string {
	return fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
}
