// Command cookiereplay shows why step 6 refuses the cookie store: on it, a
// logout cannot revoke a copy of the session cookie.
//
//	go run ./step06-login/cookiereplay    # then follow the lesson's curl commands
//
// It is the chapter's app cut down to three routes (log in, the protected
// page, log out) on gorilla's own sessions.CookieStore, which keeps the
// whole session in the cookie. It stands in for `go run ./step06-login
// -store=cookie`, which step 6 refuses to run, so that the lesson's replay
// is one a learner can type. It checks no password: the point is what
// happens after a login, not the login.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"
)

// secret signs the cookies. It is public, in this file, because this is a
// demonstration: the program listens on localhost only, and never holds
// anything worth stealing. A real program reads its secret from the
// environment (see step 6's SESSION_SECRET).
const secret = "cookiereplay-demonstration-secret-not-for-use"

const (
	sessionName = "sid"  // the cookie's name, as in step 6
	userKey     = "user" // the logged-in user, in the session
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := serve(ctx, newServer(), port, logger); err != nil {
		fmt.Fprintln(os.Stderr, "cookiereplay:", err)
		os.Exit(1)
	}
}

// newServer returns the app: three routes on a cookie store.
func newServer() *echo.Echo {
	store := sessions.NewCookieStore([]byte(secret))
	store.Options = &sessions.Options{
		Path: "/", MaxAge: 86400, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(private)
	e.Use(session.Middleware(store))
	e.POST("/login", func(c echo.Context) error {
		sess, _ := session.Get(sessionName, c) // a bad cookie: a new session
		sess.Values[userKey] = c.Request().PostFormValue("id")
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return err
		}
		return c.String(http.StatusOK, "Logged in.\n")
	})
	e.Match([]string{http.MethodGet, http.MethodHead}, "/protected_page", func(c echo.Context) error {
		// A cookie that does not verify is no session: Get returns a new,
		// empty one with the error, and the visitor is not logged in.
		sess, _ := session.Get(sessionName, c)
		if user, _ := sess.Values[userKey].(string); user != "" {
			return c.String(http.StatusOK, "Hey "+user+"\n")
		}
		return c.String(http.StatusOK, "Not logged in.\n")
	})
	e.POST("/logout", func(c echo.Context) error {
		sess, _ := session.Get(sessionName, c) // a bad cookie: nothing to log out
		// The most a cookie store can do: ask the browser to forget its
		// copy. A copy taken before stays valid until its Max-Age ends.
		sess.Options.MaxAge = -1
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return err
		}
		return c.String(http.StatusOK, "Logged out.\n")
	})
	return e
}

// private marks every answer as this visitor's alone, as in every step:
// Cache-Control: no-store and Vary: Cookie.
func private(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Header().Add("Vary", "Cookie")
		return next(c)
	}
}

// serve listens on localhost only, logs the URL, and serves e until ctx is
// cancelled (Ctrl-C).
func serve(ctx context.Context, e *echo.Echo, port string, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("localhost", port))
	if err != nil {
		return err
	}
	e.Listener = ln
	e.Server.ReadHeaderTimeout = 5 * time.Second
	logger.Info("listening", "url", fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port))
	errc := make(chan error, 1)
	go func() { errc <- e.StartServer(e.Server) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
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
