package main

import (
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// region thing
// thing answers /things/:name/:id. Route parameters are part of the path.
// Echo matches the route and hands the two segments to the handler. The
// handler must check them, because the client wrote them.
func thing(c echo.Context) error {
	name, id := c.Param("name"), c.Param("id")
	if !fiveDigits.MatchString(id) {
		return c.String(http.StatusBadRequest,
			fmt.Sprintf("The id must be exactly five digits, like /things/%s/12345 (got %q).\n", name, id))
	}
	if utf8.RuneCountInString(name) > maxNameLength {
		return c.String(http.StatusBadRequest,
			fmt.Sprintf("The name can be at most %d characters long.\n", maxNameLength))
	}
	return c.String(http.StatusOK, fmt.Sprintf("You asked for the thing named %q with id %s.\n", name, id))
}

// endregion thing

// fiveDigits is what an :id must look like, exactly five digits.
var fiveDigits = regexp.MustCompile(`^[0-9]{5}$`)

// region counter
// pageViews is the tutorial's counter, with the count in the query string.
// /?views=N says "I have been here N times before". The link on the page
// carries the next number. Anyone can type a different one.
func pageViews(c echo.Context) error {
	views := 0
	if v := c.QueryParam("views"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxViews {
			return c.String(http.StatusBadRequest,
				fmt.Sprintf("views must be a whole number from 0 to %d, like /?views=2 (got %q).\n", maxViews, v))
		}
		views = n
	}
	views++ // this visit
	message := "Welcome to this page for the first time!"
	if views > 1 {
		message = fmt.Sprintf("You visited this page %d times", views)
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	return page.Execute(c.Response(), struct {
		Message string
		Views   int
	}{message, views})
}

// endregion counter

// page is the counter's HTML. html/template escapes what it inserts.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Page views</title></head>
<body><p>{{.Message}}</p><p><a href="/?views={{.Views}}">Visit again</a></p></body></html>
`))

const (
	// maxViews is the largest count the query-string counter accepts.
	maxViews = 1_000_000_000
	// maxNameLength bounds the :name parameter.
	maxNameLength = 64
)

// newServer builds the whole application. main serves it, and the tests
// drive the very same value.
func newServer(logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true // run logs the URL itself
	e.HTTPErrorHandler = plainTextErrors
	e.Use(requestLogger(logger))
	e.Use(logPanics(logger))

	// region routes
	e.Match(getAndHead, "/", pageViews)
	e.Match(getAndHead, "/things/:name/:id", thing)
	// endregion routes
	return e
}

// getAndHead are the methods of every page. HEAD asks for GET's headers
// without the body, and RFC 9110 asks servers to answer both. A HEAD runs
// the GET handler, as in Express, and net/http leaves the body out. Unlike
// in Express, it changes nothing: it sets no cookie and saves no session.
var getAndHead = []string{http.MethodGet, http.MethodHead}
