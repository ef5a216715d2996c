package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"
)

// region show
// showSession reads the session. It saves nothing, so a visitor who only
// looks gets no cookie and no server-side state.
func showSession(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err // the store failed (a bad cookie gives a fresh session)
	}
	if sess.IsNew {
		return c.String(http.StatusOK, "This is a new session: the server holds nothing for you yet.\n"+
			"Store a name with: POST /name (form field name)\n")
	}
	name, _ := sess.Values["name"].(string)
	return c.String(http.StatusOK, fmt.Sprintf("Welcome back, %s. Your cookie named a session this server holds.\n", name))
}

// endregion show

// region remember
// rememberName stores the form field "name" in the session. The value stays
// on the server. The answer's Set-Cookie carries only a signed random ID.
func rememberName(c echo.Context) error {
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" || utf8.RuneCountInString(name) > maxNameLength || !utf8.ValidString(name) {
		return c.String(http.StatusBadRequest,
			fmt.Sprintf("Send a form field \"name\" of 1 to %d characters, like: curl -d name=Ada ...\n", maxNameLength))
	}
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err
	}
	sess.Values["name"] = name
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.String(http.StatusOK, fmt.Sprintf("Stored name=%q in your session, on the server.\n", name))
}

// endregion remember

// maxNameLength bounds what a visitor can make us store.
const maxNameLength = 64

// region forget
// forget deletes the session. MaxAge < 0 removes it from the store, and
// tells the browser to drop the cookie.
func forget(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err
	}
	if sess.IsNew {
		return c.String(http.StatusOK, "You had no session: there is nothing to forget.\n")
	}
	sess.Options.MaxAge = -1
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.String(http.StatusOK, "Your session is deleted and your cookie cleared.\n")
}

// endregion forget

// newServer builds the whole application over a session store. main serves
// it, and the tests drive the very same value.
func newServer(store sessions.Store, logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true // run logs the URL itself
	e.HTTPErrorHandler = plainTextErrors
	e.Use(requestLogger(logger))
	e.Use(logPanics(logger))
	e.Use(private)
	// region middleware
	// The session middleware makes the store available to session.Get in
	// every handler. It reads nothing yet. A handler that asks for its
	// session pays for it, and one that does not, does not.
	e.Use(session.Middleware(store))
	// endregion middleware

	// region routes
	e.Match(getAndHead, "/", showSession)
	e.POST("/name", rememberName)
	e.POST("/forget", forget)
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
