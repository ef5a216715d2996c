package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo-contrib/v5/session"
	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

// sessionName is the session's name, and so its cookie's name; userKey and
// accountKey are where the session keeps who is logged in: the user's ID,
// and their account's key (see account).
const (
	sessionName = "sid"
	userKey     = "user"
	accountKey  = "account"
)

// getAndHead are the methods of every page: HEAD asks for GET's headers
// without the body, and RFC 9110 asks servers to answer both.
var getAndHead = []string{http.MethodGet, http.MethodHead}

// app is what the handlers share: the session store, the users, and the
// count of login tries per user ID.
type app struct {
	store *sessionstore.Store
	users *users
	tries middleware.RateLimiterStore // see accountLimit
}

// newServer builds the whole application. main serves it; the tests drive
// the very same value. crossOrigin refuses form posts from other origins;
// only a test passes nil, to show what it stops.
func newServer(b *backend, u *users, crossOrigin *http.CrossOriginProtection, logger *slog.Logger) *echo.Echo {
	// region setup
	e := echo.New()
	e.Logger = logger // v5 logs through slog: c.Logger() is this logger
	e.HTTPErrorHandler = plainTextErrors
	// The client's address, which the login limiter counts, is the
	// connection's, never what an X-Forwarded-For header claims: anyone can
	// send one. Echo v5 and v4.16.3 make that the default; the line stays to
	// show where the choice is made. Behind a proxy every visitor arrives
	// from the proxy's address: trust the proxy's header, and only from its
	// ranges (echo.ExtractIPFromXFFHeader with echo.TrustIPRange).
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(requestLogger())
	e.Use(middleware.Recover()) // a panic becomes an error, logged with its stack below
	e.Use(private)
	e.Use(middleware.BodyLimit(16 << 10)) // two short fields need no more
	// endregion setup
	// region usecsrf
	if crossOrigin != nil {
		e.Use(refuseCrossOrigin(crossOrigin))
	}
	// endregion usecsrf
	e.Use(session.Middleware(b.store))
	e.Use(echo.WrapMiddleware(b.store.Middleware(sessionName))) // one session's requests take turns

	a := &app{store: b.store, users: u, tries: accountLimit()}
	// region routes
	e.Match(getAndHead, "/", a.home)
	e.Match(getAndHead, "/signup", a.signupForm)
	e.POST("/signup", a.signUp, addressLimit()) // bcrypt is costly: no floods
	e.Match(getAndHead, "/login", a.loginForm)
	e.POST("/login", a.logIn, addressLimit())
	e.Match(getAndHead, "/protected_page", a.protectedPage, a.checkSignIn)
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
// together: ten at once, then one a minute. The address limit alone lets
// a guesser with many addresses (a botnet) try one account's password
// without end. An unknown ID is counted the same way, so the answer does
// not tell which IDs exist. A guesser can keep the owner at one try a
// minute while they go on, but no longer than a minute once they stop.
func accountLimit() middleware.RateLimiterStore {
	return middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: 1.0 / 60, Burst: 10, ExpiresIn: 10 * time.Minute, // one a minute
	})
}

// endregion limit

// region checksignin
// checkSignIn lets logged-in visitors through to the page, and sends
// everyone else to the login form, with a 303. A session whose account is
// gone, or is another account by the same ID, is logged out and destroyed
// (see signedIn). It saves the session of every visit it lets through: a
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
			// Logged in to an account that is gone, or is someone else's:
			// log out, as logOut does, and say why on the login form.
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

// signedIn returns the user a session is logged in as, or false: when it
// names no user, or an account that no longer exists, or one whose key
// differs. The ID alone would not do: users live in memory, so after a
// restart, or on another instance, someone else can sign up under the
// same ID, and an old session would open their account.
func (a *app) signedIn(sess *sessions.Session) (string, bool) {
	user, _ := sess.Values[userKey].(string)
	key, _ := sess.Values[accountKey].(string)
	if want, ok := a.users.keyOf(user); !ok || key != want {
		return "", false
	}
	return user, true
}

// endregion checksignin

func (a *app) home(c *echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	user, _ := a.signedIn(sess) // "" unless logged in
	return render(c, homePage, page{User: user})
}

func (a *app) signupForm(c *echo.Context) error { return a.form(c, signupPage) }
func (a *app) loginForm(c *echo.Context) error  { return a.form(c, loginPage) }

// region form
// form shows a form and the flash messages that wait in the session: they
// are shown once, so reading them changes the session, which is saved.
// A HEAD request reads none: it must change nothing, and a link preview or
// `curl -I` would otherwise eat the message before the visitor sees it.
func (a *app) form(c *echo.Context, t pageTemplate) error {
	p := page{}
	if c.Request().Method == http.MethodHead {
		return render(c, t, p)
	}
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
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

// endregion form

// region signup
// signUp creates an account and logs its owner in, under a new session ID.
// A taken ID is a flash on the form, after a redirect (post/redirect/get):
// a reload never sends the form again.
func (a *app) signUp(c *echo.Context) error {
	id, password, err := postedCredentials(c)
	if err != nil {
		return err
	}
	key, err := a.users.signUp(c.Request().Context(), id, password)
	switch {
	case errors.Is(err, errTaken):
		return a.flashAndRedirect(c, "That user ID already exists. Choose another, or log in.", "/signup")
	case err != nil:
		return usersError(c, err)
	}
	return a.startUserSession(c, id, key)
}

// endregion signup

// region credentials
// postedCredentials reads the user ID and the password from the body of
// the form post, and normalises the ID (see userID). Never from the URL,
// as c.FormValue would: a password in a query string lands in browser
// history, in proxy logs and in this program's request log (OWASP ASVS
// 8.3.1).
func postedCredentials(c *echo.Context) (id, password string, err error) {
	id, err = userID(c.Request().PostFormValue("id"))
	if err != nil {
		return "", "", usersError(c, err)
	}
	return id, c.Request().PostFormValue("password"), nil
}

// usersError is the answer to what users and postedCredentials refuse: a 400
// that says what the form takes, or a 503 while too many passwords are
// being checked.
func usersError(c *echo.Context, err error) error {
	switch {
	case errors.Is(err, errBadID), errors.Is(err, errBadPassword):
		msg := err.Error()
		return echo.NewHTTPError(http.StatusBadRequest, strings.ToUpper(msg[:1])+msg[1:]+".")
	case errors.Is(err, errBusy):
		c.Response().Header().Set("Retry-After", "1")
		return echo.NewHTTPError(http.StatusServiceUnavailable,
			"The server is busy checking other passwords. Try again in a second.").Wrap(err)
	}
	return err
}

// endregion credentials

// region login
// logIn checks the password and logs the user in, under a new session ID.
// A wrong ID and a wrong password get the same words, so the form does not
// tell a stranger which IDs exist. Each try counts against the user ID's
// limit (see accountLimit) before any password is checked.
func (a *app) logIn(c *echo.Context) error {
	id, password, err := postedCredentials(c)
	if err != nil {
		return err
	}
	if ok, _ := a.tries.Allow(id); !ok { // the memory store never fails
		c.Response().Header().Set("Retry-After", "60")
		return echo.NewHTTPError(http.StatusTooManyRequests,
			"Too many tries for this user ID. It gets one more every minute.")
	}
	key, err := a.users.logIn(c.Request().Context(), id, password)
	switch {
	case errors.Is(err, errNoMatch):
		return a.flashAndRedirect(c, "Wrong user ID or password.", "/login")
	case err != nil:
		return usersError(c, err)
	}
	return a.startUserSession(c, id, key)
}

// startUserSession puts the user and their account's key in the session,
// and gives it a new ID: an ID that anyone knew before the login (one they
// planted in this browser, say) opens nothing afterwards. Its absolute
// lifetime starts again.
func (a *app) startUserSession(c *echo.Context, user, key string) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	sess.Values[userKey] = user
	sess.Values[accountKey] = key
	if err := a.store.Regenerate(c.Request(), c.Response(), sess); err != nil {
		return storeError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/protected_page")
}

// endregion login

func (a *app) protectedPage(c *echo.Context) error {
	return render(c, protectedPage, page{User: c.Get(userKey).(string)})
}

// region logout
// logOut ends the session on the server: its values are dropped and its
// ID destroyed, so a copy of the old cookie opens nothing. The browser's
// cookie is replaced by one that holds nothing but the "logged out" flash.
func (a *app) logOut(c *echo.Context) error {
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
func (a *app) flashAndRedirect(c *echo.Context, message, to string) error {
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
			"The session store is not answering. Try again in a moment.").Wrap(err)
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
	return func(c *echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "Cookie")
		return next(c)
	}
}

// endregion private

// region logger
// requestLogger is Echo's request logger writing to the program's slog
// logger (c.Logger()): one line per request at debug level (LOG_LEVEL=debug
// shows them), and every server error (a 5xx) at error level, whatever the
// level.
func requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod:  true,
		LogURIPath: true,
		LogStatus:  true,
		LogLatency: true,
		// Let Echo write the error's response first, so that the line
		// shows the status the visitor got.
		HandleError: true,
		LogValuesFunc: func(c *echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelDebug
			if v.Status >= http.StatusInternalServerError {
				level = slog.LevelError
			}
			ctx := c.Request().Context()
			if !c.Logger().Enabled(ctx, level) {
				return nil // build nothing for a line nobody will see
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method),
				// The path, without the query string: a client may put
				// anything there, a password too, and a log keeps it.
				slog.String("path", v.URIPath),
				slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency),
			}
			if v.Error != nil {
				attrs = append(attrs, slog.String("err", v.Error.Error()))
			}
			c.Logger().LogAttrs(ctx, level, "request", attrs...)
			return nil
		},
	})
}

// endregion logger

// region errors
// plainTextErrors answers errors in plain text, like every page of this
// program (Echo's default answers in JSON). The cause of an error, which
// may hold details a visitor should not see, goes only to the log. In v5
// an error handler takes the context first, and an error tells its status
// through echo.StatusCode.
func plainTextErrors(c *echo.Context, err error) {
	if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Committed {
		return // the request logger has already answered
	}
	code := echo.StatusCode(err)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	message := http.StatusText(code)
	if code == http.StatusInternalServerError {
		message = "Something went wrong on our side."
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Message != "" {
		message = he.Message
	}
	// A failed write means the visitor has gone: nobody is left to tell.
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
	} else {
		_ = c.String(code, message+"\n")
	}
}

// endregion errors
