package main

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

// region counter
// pageViews is the tutorial's counter. The count lives in the session, on
// the server. The browser holds only the signed session ID.
func pageViews(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err // the store failed (a bad cookie gives a fresh session)
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
		return err
	}
	return c.String(http.StatusOK, message)
}

// endregion counter

// newServer builds the whole application over a session store. main serves
// it, and the tests drive the very same value.
func newServer(store *sessionstore.Store, logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true // run logs the URL itself
	e.HTTPErrorHandler = plainTextErrors
	e.Use(requestLogger(logger))
	e.Use(logPanics(logger))
	e.Use(private)
	// The session middleware makes the store available to session.Get.
	e.Use(session.Middleware(store))
	// region lock
	// Requests of one session take turns. Two overlapping visits cannot both
	// read 7 and both write 8, so every visit is counted. Other sessions
	// never wait, and a first visit (no ID yet) takes no turn. This is plain
	// net/http middleware, which Echo mounts as it is.
	e.Use(echo.WrapMiddleware(store.Middleware(sessionName)))
	// endregion lock

	// region routes
	// A HEAD runs pageViews too, and counts nothing: it is safe (RFC 9110).
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
