package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo-contrib/v5/session"
	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// getAndHead are the methods of every page. HEAD asks for GET's headers
// without the body, and RFC 9110 asks servers to answer both. A HEAD runs
// the GET handler, as in Express, and net/http leaves the body out. Unlike
// in Express, it changes nothing: it sets no cookie and saves no session.
var getAndHead = []string{http.MethodGet, http.MethodHead}

// newServer builds the API. main serves it; the tests drive the very same
// value. It answers the front end at cfg.FrontendOrigin, and refuses
// every other origin's pages.
func newServer(b *backend, u *accounts, cfg config, logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.Logger = logger // v5 logs through slog: c.Logger() is this logger
	e.HTTPErrorHandler = jsonErrors
	e.IPExtractor = echo.ExtractIPDirect() // never X-Forwarded-For (see step 8)
	e.Use(requestLogger())
	e.Use(middleware.Recover()) // a panic becomes an error, logged with its stack
	e.Use(private)              // every answer, refusals too
	// region cors
	// CORS lets the front end's page read the API's answers, and send
	// JSON (a preflight asks first). Only its exact origin, and never "*":
	// Echo refuses "*" with AllowCredentials, and browsers would too.
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:     []string{cfg.FrontendOrigin},
		AllowCredentials: true, // the session cookie goes along, both ways
		AllowMethods:     []string{http.MethodGet, http.MethodHead, http.MethodPost},
		AllowHeaders:     []string{echo.HeaderContentType}, // JSON is not a "simple" type
		MaxAge:           600,                              // a preflight holds ten minutes
	}))
	// endregion cors
	// region csrf
	crossOrigin := http.NewCrossOriginProtection()
	if err := crossOrigin.AddTrustedOrigin(cfg.FrontendOrigin); err != nil {
		panic(err) // loadConfig has checked the origin: this cannot happen
	}
	e.Use(refuseOtherOrigins(crossOrigin)) // before the session is read
	e.Use(jsonOnly)
	// endregion csrf
	e.Use(session.Middleware(b.store))
	e.Use(echo.WrapMiddleware(b.store.Middleware(sessionName))) // one session's requests take turns
	// Account queries get the engine's wait too (5 seconds). A stalled
	// database then costs a 503, not a hang.
	e.Use(middleware.ContextTimeout(5 * time.Second))

	a := &app{store: b.store, index: b.index, accounts: u, tries: accountLimit(),
		remember: cfg.Remember}
	// region routes
	api := e.Group("/api")
	api.POST("/signup", a.signUp, addressLimit()) // bcrypt is costly: no floods
	api.POST("/login", a.logIn, addressLimit())
	api.POST("/logout", a.logOut)
	api.Match(getAndHead, "/visits", a.visits) // the tutorial's counter
	api.Match(getAndHead, "/me", a.me, a.checkSignIn)
	api.POST("/prefs", a.setPrefs, a.checkSignIn)
	api.Match(getAndHead, "/sessions", a.listSessions, a.checkSignIn)
	api.POST("/sessions/end", a.endSession, a.checkSignIn)
	// endregion routes
	return e
}
