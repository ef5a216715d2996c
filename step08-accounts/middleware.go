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
// else to the login form, with a 303. A session that was logged in and no
// longer is (see endedWhy) is logged out, and the login form says why. It
// saves the session of every visit it lets through. A session's idle timeout
// counts from its last save, and a visitor reading pages is not idle. A HEAD
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
		switch {
		case !ok:
			if why := a.endedWhy(c, sess); why != "" && !head {
				if err := a.logOutEnded(c, sess, why); err != nil {
					return err
				}
			}
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

// endregion checksignin

// region signedin
// signedIn returns the user a session is logged in as, or false. It is false
// when the session names no account, or one that no longer exists. It is
// also false when the session logged in with a password that has since been
// changed.
func (a *app) signedIn(c *echo.Context, sess *sessions.Session) (string, bool, error) {
	key, _ := sess.Values[accountKey].(string)
	version, _ := sess.Values[versionKey].(int)
	if key == "" {
		return "", false, nil
	}
	return a.accounts.userOf(c.Request().Context(), login{key, version})
}

// endregion signedin

// region ended
// endedWhy says why a session that is not logged in (signedIn said so) no
// longer is. It returns "" when the session never was. Either it names an
// account that is gone, or whose password has changed since its login. Or
// its cookie names a session the store no longer holds. That session was
// ended from another browser, by a new password or by deleting the account,
// or it timed out. The engine still knows the ID that the cookie carried,
// although no session is stored under it. A visitor who never logged in, and
// whose cookie outlived its session, is told the same. Once a session is
// gone, nothing says what it held.
func (a *app) endedWhy(c *echo.Context, sess *sessions.Session) string {
	if sess.Values[accountKey] != nil {
		return "You are logged out: the password was changed, or the account deleted. " +
			"Please log in again."
	}
	if _, hadID := a.store.ID(c.Request(), sessionName); sess.IsNew && hadID {
		return "Your session has ended: it was ended from another browser, or by a new password, " +
			"or it timed out. Please log in again."
	}
	return ""
}

// logOutEnded logs the session out, as logOut does, with why as a flash
// for the next page.
func (a *app) logOutEnded(c *echo.Context, sess *sessions.Session, why string) error {
	clear(sess.Values)
	sess.AddFlash(why)
	return storeError(a.store.Regenerate(c.Request(), c.Response(), sess))
}

// endregion ended
