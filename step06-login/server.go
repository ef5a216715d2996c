package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/go-sessions-course/echo-sessions/internal/sessionstore"
)

// sessionName is the session's name, and so its cookie's name; userKey is
// where the session keeps who is logged in.
const (
	sessionName = "sid"
	userKey     = "user"
)

// getAndHead are the methods of every page: HEAD asks for GET's headers
// without the body, and RFC 9110 asks servers to answer both.
var getAndHead = []string{http.MethodGet, http.MethodHead}

// app is what the handlers share: the session store and the users.
type app struct {
	store *sessionstore.Store
	users *users
}

// newServer builds the whole application. main serves it; the tests drive
// the very same value. crossOrigin refuses form posts from other origins;
// only a test passes nil, to show what it stops.
func newServer(b *backend, u *users, crossOrigin *http.CrossOriginProtection, logger *slog.Logger) *echo.Echo {
	// region setup
	e := echo.New()
	e.HideBanner, e.HidePort = true, true // run logs the URL itself
	e.HTTPErrorHandler = plainTextErrors
	// The client's address is the connection's. Echo v4 otherwise believes
	// an X-Forwarded-For header from anyone, and the login limiter below
	// would count whatever address a client claims (Echo v4.16.0's
	// changelog). Behind a proxy, trust that proxy's ranges instead.
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(requestLogger(logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			logger.Error("panic", "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(private)
	e.Use(middleware.BodyLimit("16K")) // two short fields need no more
	// endregion setup
	// region usecsrf
	if crossOrigin != nil {
		e.Use(refuseCrossOrigin(crossOrigin))
	}
	// endregion usecsrf
	e.Use(session.Middleware(b.store))
	e.Use(echo.WrapMiddleware(b.store.Middleware(sessionName))) // one session's requests take turns

	a := &app{store: b.store, users: u}
	// region routes
	e.Match(getAndHead, "/", a.home)
	e.Match(getAndHead, "/signup", a.signupForm)
	e.POST("/signup", a.signUp, loginLimiter()) // bcrypt is costly: no floods
	e.Match(getAndHead, "/login", a.loginForm)
	e.POST("/login", a.logIn, loginLimiter())
	e.Match(getAndHead, "/protected_page", a.protectedPage, checkSignIn)
	e.POST("/logout", a.logOut) // never GET: any page could make a browser GET it
	// endregion routes
	return e
}

// region csrf
// refuseCrossOrigin refuses a form post that a page of another origin made
// the browser send, with the visitor's cookie (CSRF). Go's
// http.CrossOriginProtection reads the Sec-Fetch-Site header that browsers
// send, or compares Origin with Host where that header is missing; no
// tokens in forms. GET and HEAD always pass: they change nothing here.
func refuseCrossOrigin(p *http.CrossOriginProtection) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := p.Check(c.Request()); err != nil {
				return echo.NewHTTPError(http.StatusForbidden,
					"This form was sent from another site's page, so it was refused.").SetInternal(err)
			}
			return next(c)
		}
	}
}

// endregion csrf

// region limit
// loginLimiter lets each client address try five logins (or signups) at
// once, then one every ten seconds, and answers 429 Too Many Requests
// beyond that: enough for a person, too slow to guess a password, or to
// keep the server hashing passwords for a flood of signups.
func loginLimiter() echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Every(10 * time.Second), Burst: 5, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, err error) error {
			return echo.NewHTTPError(http.StatusTooManyRequests,
				"Too many login attempts from your address. Wait a minute, then try again.").SetInternal(err)
		},
	})
}

// endregion limit

// region checksignin
// checkSignIn lets logged-in visitors through to the page, and sends
// everyone else to the login form, with a 303. It saves the session of
// every visit it lets through: a session's idle timeout counts from its
// last save, and a visitor reading pages is not idle.
func checkSignIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, err := session.Get(sessionName, c)
		if err != nil {
			return storeError(err)
		}
		user, _ := sess.Values[userKey].(string)
		if user == "" {
			return c.Redirect(http.StatusSeeOther, "/login")
		}
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return storeError(err)
		}
		c.Set(userKey, user)
		return next(c)
	}
}

// endregion checksignin

func (a *app) home(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	user, _ := sess.Values[userKey].(string)
	return render(c, homePage, page{User: user})
}

func (a *app) signupForm(c echo.Context) error { return a.form(c, signupPage) }
func (a *app) loginForm(c echo.Context) error  { return a.form(c, loginPage) }

// form shows a form and the flash messages that wait in the session: they
// are shown once, so reading them changes the session, which is saved.
func (a *app) form(c echo.Context, t pageTemplate) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	p := page{}
	if flashes := sess.Flashes(); len(flashes) > 0 {
		for _, f := range flashes {
			p.Flashes = append(p.Flashes, fmt.Sprint(f))
		}
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return storeError(err)
		}
	}
	return render(c, t, p)
}

// region signup
// signUp creates an account and logs its owner in, under a new session ID.
// A taken ID is a flash on the form, after a redirect (post/redirect/get):
// a reload never sends the form again.
func (a *app) signUp(c echo.Context) error {
	err := a.users.signUp(c.FormValue("id"), c.FormValue("password"))
	switch {
	case errors.Is(err, errBadInput):
		return echo.NewHTTPError(http.StatusBadRequest, "Not a form this site sends: "+err.Error()+".")
	case errors.Is(err, errTaken):
		return a.flashAndRedirect(c, "That user ID already exists. Choose another, or log in.", "/signup")
	case err != nil:
		return err
	}
	return a.startUserSession(c, c.FormValue("id"))
}

// endregion signup

// region login
// logIn checks the password and logs the user in, under a new session ID.
// A wrong ID and a wrong password get the same words, so the form does not
// tell a stranger which IDs exist.
func (a *app) logIn(c echo.Context) error {
	err := a.users.logIn(c.FormValue("id"), c.FormValue("password"))
	switch {
	case errors.Is(err, errBadInput):
		return echo.NewHTTPError(http.StatusBadRequest, "Not a form this site sends: "+err.Error()+".")
	case errors.Is(err, errNoMatch):
		return a.flashAndRedirect(c, "Wrong user ID or password.", "/login")
	case err != nil:
		return err
	}
	return a.startUserSession(c, c.FormValue("id"))
}

// startUserSession puts the user in the session and gives it a new ID: an
// ID that anyone knew before the login (one they planted in this browser,
// say) opens nothing afterwards. Its absolute lifetime starts again.
func (a *app) startUserSession(c echo.Context, user string) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	sess.Values[userKey] = user
	if err := a.store.Regenerate(c.Request(), c.Response(), sess); err != nil {
		return storeError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/protected_page")
}

// endregion login

func (a *app) protectedPage(c echo.Context) error {
	return render(c, protectedPage, page{User: c.Get(userKey).(string)})
}

// region logout
// logOut ends the session on the server: its values are dropped and its
// ID destroyed, so a copy of the old cookie opens nothing. The browser's
// cookie is replaced by one that holds nothing but the "logged out" flash.
func (a *app) logOut(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	clear(sess.Values)
	sess.AddFlash("You are logged out.")
	if err := a.store.Regenerate(c.Request(), c.Response(), sess); err != nil {
		return storeError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// endregion logout

// flashAndRedirect keeps message in the session for the next page, and
// redirects there with a 303, so that the browser follows with a GET.
func (a *app) flashAndRedirect(c echo.Context, message, to string) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	sess.AddFlash(message)
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return storeError(err)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// storeError is the answer when the session store failed: 503 for an
// outage (Redis down, a disk that fails), a 500 for anything else.
func storeError(err error) error {
	if errors.Is(err, sessionstore.ErrUnavailable) {
		return echo.NewHTTPError(http.StatusServiceUnavailable,
			"The session store is not answering. Try again in a moment.").SetInternal(err)
	}
	return err
}

// region private
// private marks every response as this visitor's alone: each one depends on
// the session cookie, and may set it. Cache-Control: no-store keeps shared
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

// region logger
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

// endregion logger

// region errors
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

// endregion errors
