package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo-contrib/v5/session"
	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sessionindex"
)

// sessionName is the session's name, and so its cookie's name. The session
// keeps who is logged in under accountKey and versionKey (see login). It
// keeps the browser's user agent at login under agentKey, for the list of
// sessions. userKey is where a request keeps the user's ID once checked.
const (
	sessionName = "sid"
	accountKey  = "account"
	versionKey  = "version"
	agentKey    = "agent"
	userKey     = "user"
)

// getAndHead are the methods of every page. HEAD asks for GET's headers
// without the body, and RFC 9110 asks servers to answer both. A HEAD runs
// the GET handler, as in Express, and net/http leaves the body out. Unlike
// in Express, it changes nothing: it sets no cookie and saves no session.
var getAndHead = []string{http.MethodGet, http.MethodHead}

// app is what the handlers share. It holds the session store and its index
// of each account's sessions, the accounts, and the count of password tries
// per user ID or account.
type app struct {
	store    *sessionstore.Store
	index    *sessionindex.Index
	accounts *accounts
	tries    middleware.RateLimiterStore // see accountLimit
}

// newServer builds the whole application. main serves it, and the tests
// drive the very same value. crossOrigin refuses form posts from other
// origins. Only a test passes nil, to show what it stops.
func newServer(
	b *backend, u *accounts, crossOrigin *http.CrossOriginProtection, logger *slog.Logger,
) *echo.Echo {
	// region setup
	e := echo.New()
	e.Logger = logger // v5 logs through slog, and c.Logger() is this logger
	e.HTTPErrorHandler = plainTextErrors
	// The client's address, which the login limiter counts, is the
	// connection's. It is never what an X-Forwarded-For header claims, since
	// anyone can send one. Echo v5 and v4.16.3 make that the default. The
	// line stays to show where the choice is made. Behind a proxy, every
	// visitor arrives from the proxy's address. Then trust the proxy's
	// header, and only from its ranges (echo.ExtractIPFromXFFHeader with
	// echo.TrustIPRange).
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
	// One session's requests take turns.
	e.Use(echo.WrapMiddleware(b.store.Middleware(sessionName)))
	// Account queries get the engine's wait too (5 seconds). A stalled
	// database then costs a 503, not a hang.
	e.Use(middleware.ContextTimeout(5 * time.Second))

	a := &app{store: b.store, index: b.index, accounts: u, tries: accountLimit()}
	// region routes
	e.Match(getAndHead, "/", a.home)
	e.Match(getAndHead, "/signup", a.signupForm)
	e.POST("/signup", a.signUp, addressLimit()) // bcrypt is costly, so no floods
	e.Match(getAndHead, "/login", a.loginForm)
	e.POST("/login", a.logIn, addressLimit())
	e.Match(getAndHead, "/protected_page", a.protectedPage, a.checkSignIn)
	e.POST("/logout", a.logOut) // never GET, since any page could make a browser GET it
	// endregion routes
	// region accountroutes
	account := e.Group("/account", a.checkSignIn)
	account.Match(getAndHead, "/sessions", a.sessionsPage)
	account.POST("/sessions/end", a.endSession)
	account.POST("/sessions/end-others", a.endOtherSessions)
	account.Match(getAndHead, "/password", a.passwordForm)
	account.POST("/password", a.changePassword, addressLimit()) // each checks a password
	account.POST("/delete", a.deleteAccount, addressLimit())
	// endregion accountroutes
	return e
}
