package main

import (
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo-contrib/v5/session"
	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// region refuse
// refuseOtherOrigins refuses what a page of another origin made the
// browser send, with the visitor's cookie (CSRF), before the session is
// read. Go's http.CrossOriginProtection reads the Sec-Fetch-Site header
// that browsers send, or compares Origin with Host where that header is
// missing; the front end is its trusted origin. It passes every GET and
// HEAD, since they should change nothing. Here GET /api/visits counts, as
// the tutorial's counter does: so every method is checked as a POST is.
func refuseOtherOrigins(p *http.CrossOriginProtection) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			probe := *c.Request() // a shallow copy, with only the method changed
			probe.Method = http.MethodPost
			if err := p.Check(&probe); err != nil {
				return echo.NewHTTPError(http.StatusForbidden,
					"This request came from a page of another origin, so it was refused.").Wrap(err)
			}
			return next(c)
		}
	}
}

// endregion refuse

// region jsononly
// jsonOnly refuses a POST whose body is not JSON, with 415 Unsupported
// Media Type. An HTML form can send only three content types, none of
// them JSON, and a script on another origin cannot send JSON without a
// preflight, which CORS refuses: so only the front end's fetch gets
// through, even in a browser too old to send Sec-Fetch-Site or Origin.
func jsonOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if c.Request().Method != http.MethodPost {
			return next(c)
		}
		mediaType, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
		if mediaType != echo.MIMEApplicationJSON {
			return echo.NewHTTPError(http.StatusUnsupportedMediaType,
				"Send a JSON body, with Content-Type: application/json.")
		}
		return next(c)
	}
}

// endregion jsononly

// addressLimit lets each client address try five logins (or signups) at
// once, then one every ten seconds, and answers 429 Too Many Requests
// beyond that: enough for a person, too slow to guess a password, or to
// keep the server hashing passwords for a flood of signups.
func addressLimit() echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: 0.1, Burst: 5, ExpiresIn: 10 * time.Minute, // 0.1 a second: one every ten
		}),
		IdentifierExtractor: func(c *echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c *echo.Context, _ string, err error) error {
			c.Response().Header().Set("Retry-After", "10")
			msg := "Too many tries from your address. You get one more every ten seconds."
			return echo.NewHTTPError(http.StatusTooManyRequests, msg).Wrap(err)
		},
	})
}

// accountLimit counts the login tries for each user ID, from every address
// together: ten at once, then one a minute (see step 8).
func accountLimit() middleware.RateLimiterStore {
	return middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: 1.0 / 60, Burst: 10, ExpiresIn: 10 * time.Minute, // one a minute
	})
}

// region checksignin
// checkSignIn lets logged-in visitors through, and answers everyone else
// 401 Unauthorized, saying why. A session whose login no longer holds (its
// account is gone, or its password changed) is deleted. It saves the
// session of every visit it lets through: the idle timeout counts from
// the last save, and a visitor using the front end is not idle. A HEAD
// request changes nothing.
func (a *app) checkSignIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		sess, err := session.Get(sessionName, c)
		if err != nil {
			return storeError(err)
		}
		user, ok, err := a.signedIn(c, sess)
		if err != nil {
			return storeError(err)
		}
		head := c.Request().Method == http.MethodHead
		if !ok {
			why := a.endedWhy(c, sess)
			if sess.Values[accountKey] != nil && !head {
				sess.Options.MaxAge = -1 // a stale login: delete it, and its cookie
				if err := sess.Save(c.Request(), c.Response()); err != nil {
					return storeError(err)
				}
			}
			if why == "" {
				why = "You are not logged in."
			}
			return echo.NewHTTPError(http.StatusUnauthorized, why)
		}
		if !head {
			if err := sess.Save(c.Request(), c.Response()); err != nil {
				return storeError(err)
			}
		}
		c.Set(userKey, user)
		return next(c)
	}
}

// endregion checksignin
