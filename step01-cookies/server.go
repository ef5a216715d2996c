package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// region counter
// pageViews is the tutorial's counter, with the count kept in a cookie. It
// works, but the number lives on the client. Whoever holds the cookie can
// read it and change it, and the server believes whatever comes back.
func pageViews(c echo.Context, secure bool) error {
	views := 0
	if cookie, err := c.Cookie("page_views"); err == nil {
		// A value that is not a sensible count is treated as no count.
		if n, err := strconv.Atoi(cookie.Value); err == nil && n > 0 && n < maxViews {
			views = n
		}
	}
	views++
	c.SetCookie(newCookie(c, secure, "page_views", strconv.Itoa(views)))
	if views == 1 {
		return c.String(http.StatusOK, "Welcome to this page for the first time!")
	}
	return c.String(http.StatusOK, fmt.Sprintf("You visited this page %d times", views))
}

// endregion counter

// maxViews is the largest count the cookie counter accepts. Anything else in
// the cookie (a word, a negative number, a number that would overflow) starts
// the count again.
const maxViews = 1_000_000_000

// region list
// listCookies shows every cookie the browser sent with this request.
func listCookies(c echo.Context) error {
	cookies := c.Cookies()
	if len(cookies) == 0 {
		return c.String(http.StatusOK, "You sent no cookies.\n")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "You sent %d cookies:\n", len(cookies))
	for _, cookie := range cookies {
		fmt.Fprintf(&b, "%s=%s\n", cookie.Name, cookie.Value)
	}
	return c.String(http.StatusOK, b.String())
}

// endregion list

// region newcookie
// newCookie returns a cookie with the attributes this course uses everywhere.
func newCookie(c echo.Context, secure bool, name, value string) *http.Cookie {
	return &http.Cookie{
		Name:  name,
		Value: value,
		Path:  "/", // sent with every page of the site
		// HttpOnly: page scripts cannot read it, so an XSS bug cannot steal
		// it. The visitor still can, since it is their browser.
		HttpOnly: true,
		// Lax: not sent on cross-site form posts or subresource requests.
		SameSite: http.SameSiteLaxMode,
		// Secure: only sent over HTTPS. It is off unless asked for. Over
		// plain HTTP only localhost keeps a Secure cookie, and other hosts
		// drop it.
		Secure: secure || c.Request().TLS != nil,
	}
}

// endregion newcookie

// newServer builds the whole application. secure marks every cookie Secure
// (SESSION_SECURE=true). main serves it, and the tests drive the very same
// value.
func newServer(secure bool, logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true // run logs the URL itself
	e.HTTPErrorHandler = plainTextErrors
	e.Use(requestLogger(logger))
	e.Use(logPanics(logger))
	e.Use(private)

	// region routes
	e.Match(getAndHead, "/", func(c echo.Context) error { return pageViews(c, secure) })
	e.Match(getAndHead, "/cookies", listCookies)
	e.Match(getAndHead, "/cookies/set", func(c echo.Context) error {
		c.SetCookie(newCookie(c, secure, "name", "echo"))
		return c.String(http.StatusOK, "Cookie set: name=echo. It lasts until you close the browser.\n")
	})
	// region expiring
	e.Match(getAndHead, "/cookies/expiring", func(c echo.Context) error {
		cookie := newCookie(c, secure, "flavour", "oatmeal")
		// Max-Age counts seconds from now. Expires names a date, for older
		// clients. Where a browser sees both, Max-Age wins.
		cookie.MaxAge = 360
		cookie.Expires = time.Now().Add(360 * time.Second)
		c.SetCookie(cookie)
		return c.String(http.StatusOK, "Cookie set: flavour=oatmeal. It expires in 6 minutes.\n")
	})
	// endregion expiring
	// region clear
	e.Match(getAndHead, "/cookies/clear", func(c echo.Context) error {
		cookie := newCookie(c, secure, "name", "")
		cookie.MaxAge = -1 // sent as Max-Age=0, so the browser deletes it now
		c.SetCookie(cookie)
		return c.String(http.StatusOK, "Cookie cleared: name.\n")
	})
	// endregion clear
	// endregion routes
	return e
}

// getAndHead are the methods of every page. HEAD asks for GET's headers
// without the body, and RFC 9110 asks servers to answer both. A HEAD runs
// the GET handler, as in Express, and net/http leaves the body out. Unlike
// in Express, it changes nothing: it sets no cookie and saves no session.
var getAndHead = []string{http.MethodGet, http.MethodHead}
