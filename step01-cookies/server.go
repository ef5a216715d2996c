package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// maxViews is the largest count the cookie counter accepts. Anything else in
// the cookie (a word, a negative number, a number that would overflow) starts
// the count again.
const maxViews = 1_000_000_000

// getAndHead are the methods of every page: HEAD asks for GET's headers
// without the body, and RFC 9110 asks servers to answer both. A HEAD runs
// the GET handler, as in Express; net/http leaves the body out.
var getAndHead = []string{http.MethodGet, http.MethodHead}

// newServer builds the whole application. secure marks every cookie Secure
// (SESSION_SECURE=true). main serves it; the tests drive the very same value.
func newServer(secure bool, logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true // run logs the URL itself
	e.HTTPErrorHandler = plainTextErrors
	e.Use(requestLogger(logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			logger.Error("panic", "err", err, "stack", string(stack))
			return err
		},
	}))
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
		// Max-Age counts seconds from now; Expires names a date, for older
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
		cookie.MaxAge = -1 // sent as Max-Age=0: the browser deletes it now
		c.SetCookie(cookie)
		return c.String(http.StatusOK, "Cookie cleared: name.\n")
	})
	// endregion clear
	// endregion routes
	return e
}

// region newcookie
// newCookie returns a cookie with the attributes this course uses everywhere.
func newCookie(c echo.Context, secure bool, name, value string) *http.Cookie {
	return &http.Cookie{
		Name:  name,
		Value: value,
		Path:  "/", // sent with every page of the site
		// HttpOnly: page scripts cannot read it (an XSS bug cannot steal
		// it). The visitor still can: it is their browser.
		HttpOnly: true,
		// Lax: not sent on cross-site form posts or subresource requests.
		SameSite: http.SameSiteLaxMode,
		// Secure: only sent over HTTPS. Off unless asked for: over plain
		// HTTP only localhost keeps a Secure cookie, other hosts drop it.
		Secure: secure || c.Request().TLS != nil,
	}
}

// endregion newcookie

// region counter
// pageViews is the tutorial's counter with the count kept in a cookie. It
// works, but the number lives on the client: whoever holds the cookie can
// read it, and change it, and the server believes whatever comes back.
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

// region private
// private marks every response as this visitor's alone: each one depends on
// the visitor's cookies, and may set one. Cache-Control: no-store keeps shared
// caches (a proxy, a CDN) from keeping a copy, and so from handing one
// visitor's page, or Set-Cookie, to another; Vary: Cookie tells every
// cache that the answer depends on the cookie.
func private(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "Cookie")
		return next(c)
	}
}

// endregion private

// requestLogger is Echo's request logger writing to slog: one line per
// request at debug level (LOG_LEVEL=debug shows them), and every server
// error (a 5xx) at error level, whatever the level.
func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod:  true,
		LogURI:     true,
		LogStatus:  true,
		LogLatency: true,
		LogError:   true,
		// Let Echo write the error's response first, so that the line
		// shows the status the visitor got.
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelDebug
			if v.Status >= http.StatusInternalServerError {
				level = slog.LevelError
			}
			ctx := c.Request().Context()
			if !logger.Enabled(ctx, level) {
				return nil // build nothing for a line nobody will see
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method),
				slog.String("uri", v.URI),
				slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency),
			}
			if v.Error != nil {
				attrs = append(attrs, slog.String("err", v.Error.Error()))
			}
			logger.LogAttrs(ctx, level, "request", attrs...)
			return nil
		},
	})
}

// plainTextErrors answers errors in plain text, like every page of this
// program (Echo's default answers in JSON). The cause of an error, which
// may hold details a visitor should not see, goes only to the log.
func plainTextErrors(err error, c echo.Context) {
	if c.Response().Committed {
		return // the request logger has already answered
	}
	code, message := http.StatusInternalServerError, "Something went wrong on our side."
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, message = he.Code, fmt.Sprint(he.Message)
	}
	// A failed write means the visitor has gone: nobody is left to tell.
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
	} else {
		_ = c.String(code, message+"\n")
	}
}
