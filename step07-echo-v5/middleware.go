package main

import (
	"net/http"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo-contrib/v5/session"
	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// region csrf
// refuseCrossOrigin refuses a form post that a page of another origin made
// the browser send, with the visitor's cookie (CSRF). Go's
// http.CrossOriginProtection reads the Sec-Fetch-Site header that browsers
// send. Where that header is missing, it compares Origin with Host. Forms
// need no tokens. GET and HEAD always pass, since they change nothing here.
func refuseCrossOrigin(p *http.CrossOriginProtection) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if err := p.Check(c.Request()); err != nil {
				return echo.NewHTTPError(http.StatusForbidden,
					"This form was sent from another site's page, so it was refused.").Wrap(err)
			}
			return next(c)
		}
	}
}

// endregion csrf

// region limit
// addressLimit lets each client address try five logins (or signups) at
// once, then one every ten seconds. Beyond that it answers 429 Too Many
// Requests. That is enough for a person, and too slow to guess a password.
// It also keeps a flood of signups from keeping the server busy hashing
// passwords.
func addressLimit() echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: 0.1, Burst: 5, ExpiresIn: 10 * time.Minute, // 0.1 a second, so one every ten
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
// together. It allows ten at once, then one a minute. The address limit
// alone lets a guesser with many addresses (a botnet) try one account's
// password without end. An unknown ID is counted the same way, so the answer
// does not tell which IDs exist. A guesser can keep the owner at one try a
// minute while they go on. Once they stop, the owner waits a minute at most.
func accountLimit() middleware.RateLimiterStore {
	return middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: 1.0 / 60, Burst: 10, ExpiresIn: 10 * time.Minute, // one a minute
	})
}

// endregion limit

// region checksignin
// checkSignIn lets logged-in visitors through to the page. It sends everyone
// else to the login form, with a 303. A session whose account is gone, or is
// another account by the same ID, is logged out and destroyed (see
// signedIn). It saves the session of every visit it lets through. A
// session's idle timeout counts from its last save, and a visitor reading
// pages is not idle. A HEAD request changes nothing.
func (a *app) checkSignIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		sess, err := session.Get(sessionName, c)
		if err != nil {
			return storeError(err)
		}
		user, ok := a.signedIn(sess)
		head := c.Request().Method == http.MethodHead
		switch {
		case !ok && !head && sess.Values[userKey] != nil:
			// Logged in to an account that is gone, or is someone else's.
			// Log out, as logOut does, and say why on the login form.
			clear(sess.Values)
			sess.AddFlash("Your login has ended: please log in again.")
			if err := a.store.Regenerate(c.Request(), c.Response(), sess); err != nil {
				return storeError(err)
			}
			return c.Redirect(http.StatusSeeOther, "/login")
		case !ok:
			return c.Redirect(http.StatusSeeOther, "/login")
		case !head:
			if err := sess.Save(c.Request(), c.Response()); err != nil {
				return storeError(err)
			}
		}
		c.Set(userKey, user)
		return next(c)
	}
}

// signedIn returns the user a session is logged in as, or false. It is false
// when the session names no user, or an account that no longer exists, or
// one whose key differs. The ID alone would not do. Users live in memory, so
// after a restart, or on another instance, someone else can sign up under
// the same ID. An old session would then open their account.
func (a *app) signedIn(sess *sessions.Session) (string, bool) {
	user, _ := sess.Values[userKey].(string)
	key, _ := sess.Values[accountKey].(string)
	if want, ok := a.users.keyOf(user); !ok || key != want {
		return "", false
	}
	return user, true
}

// endregion checksignin
