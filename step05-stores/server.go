package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

// region counter
// pageViews is step04's counter, unchanged but for one thing. A store with a
// server behind it can fail. The visitor then gets an error that says so,
// never a silently new session.
func pageViews(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	var message string
	if views, ok := sess.Values["page_views"].(int); ok {
		views++
		sess.Values["page_views"] = views
		message = fmt.Sprintf("You visited this page %d times", views)
	} else {
		sess.Values["page_views"] = 1
		message = "Welcome to this page for the first time!"
	}
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return storeError(err)
	}
	return c.String(http.StatusOK, message)
}

// storeError is the answer when the session store failed. Redis down, or a
// disk that fails, is 503 Service Unavailable. That tells the client, and
// any load balancer, that trying again later may work. Anything else is a
// mistake of this program, such as a session too large for its store, or a
// value it cannot encode. That is a 500, and its cause goes to the log.
func storeError(err error) error {
	if errors.Is(err, sessionstore.ErrUnavailable) {
		msg := "The session store is not answering, so this visit cannot be counted. " +
			"Try again in a moment."
		return echo.NewHTTPError(http.StatusServiceUnavailable, msg).SetInternal(err)
	}
	return err
}

// endregion counter

// newServer builds the whole application. main serves it, and the tests
// drive the very same value.
func newServer(b *backend, logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true // run logs the URL itself
	e.HTTPErrorHandler = plainTextErrors
	e.Use(requestLogger(logger))
	e.Use(logPanics(logger))
	e.Use(private)
	e.Use(session.Middleware(b.store))
	if b.turns != nil {
		// One session's requests take turns, across instances too where the
		// store is shared. It is plain net/http middleware, which Echo
		// mounts as it is.
		e.Use(echo.WrapMiddleware(b.turns))
	}

	// region routes
	e.Match(getAndHead, "/", pageViews)
	// endregion routes
	return e
}

// sessionName is the session's name, and so its cookie's name.
const sessionName = "sid"

// getAndHead are the methods of every page. HEAD asks for GET's headers
// without the body, and RFC 9110 asks servers to answer both. A HEAD runs
// the GET handler, as in Express, and net/http leaves the body out. Unlike
// in Express, it changes nothing: it sets no cookie and saves no session.
var getAndHead = []string{http.MethodGet, http.MethodHead}
