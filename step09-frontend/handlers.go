package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo-contrib/v5/session"
	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sessionindex"
)

// sessionName is the session's name, and so its cookie's name. The session
// keeps who is logged in under accountKey and versionKey (see signedIn),
// the browser's user agent at login under agentKey, and the visitor's
// preferences under prefsKey. userKey is where a request keeps the user's
// ID once checked.
const (
	sessionName = "sid"
	accountKey  = "account"
	versionKey  = "version"
	agentKey    = "agent"
	prefsKey    = "prefs"
	userKey     = "user"
)

// app is what the handlers share: the session store and its index of each
// account's sessions, the accounts, the count of password tries per user
// ID, and how long a remembered session lasts idle, in seconds.
type app struct {
	store    *sessionstore.Store
	index    *sessionindex.Index
	accounts *accounts
	tries    middleware.RateLimiterStore // see accountLimit
	remember int
}

// region visits
// visits is the tutorial's counter, as JSON: the first visit says welcome,
// each later one how many visits there have been. A HEAD request gets the
// same headers and counts nothing.
func (a *app) visits(c *echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	views, _ := sess.Values["page_views"].(int)
	views++
	message := "Welcome to this page for the first time!"
	if views > 1 {
		message = fmt.Sprintf("You visited this page %d times", views)
	}
	if c.Request().Method != http.MethodHead {
		sess.Values["page_views"] = views
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return storeError(err)
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"page_views": views, "message": message})
}

// endregion visits

// region credentials
// credentials is the body of a signup or a login. The password comes in
// the body only, never in the URL, where logs and history keep it.
type credentials struct {
	ID       string `json:"id"`
	Password string `json:"password"`
	Remember bool   `json:"remember"` // the "remember me" box
}

// readCredentials reads the body, and normalises the ID (see userID).
func readCredentials(c *echo.Context) (credentials, error) {
	var body credentials
	if err := readJSON(c, &body); err != nil {
		return body, err
	}
	id, err := userID(body.ID)
	if err != nil {
		return body, usersError(c, err)
	}
	body.ID = id
	return body, nil
}

// endregion credentials

// usersError is the answer to what accounts and readCredentials refuse:
// a 400 that says what the API takes, or a 503 while too many passwords
// are being checked or the database is down.
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
	return storeError(err)
}

// signUp creates an account and logs its owner in, under a new session
// ID: 201 Created, or 409 Conflict when the ID is taken.
func (a *app) signUp(c *echo.Context) error {
	body, err := readCredentials(c)
	if err != nil {
		return err
	}
	l, err := a.accounts.signUp(c.Request().Context(), body.ID, body.Password)
	switch {
	case errors.Is(err, errTaken):
		return echo.NewHTTPError(http.StatusConflict,
			"That user ID already exists. Choose another, or log in.")
	case err != nil:
		return usersError(c, err)
	}
	return a.startUserSession(c, l, body, http.StatusCreated)
}

// logIn checks the password and logs the user in, under a new session ID.
// A wrong ID and a wrong password get the same words, so the answer does
// not tell a stranger which IDs exist.
func (a *app) logIn(c *echo.Context) error {
	body, err := readCredentials(c)
	if err != nil {
		return err
	}
	if ok, _ := a.tries.Allow(body.ID); !ok { // the memory store never fails
		c.Response().Header().Set("Retry-After", "60")
		return echo.NewHTTPError(http.StatusTooManyRequests,
			"Too many tries for this user ID. It gets one more every minute.")
	}
	l, err := a.accounts.logIn(c.Request().Context(), body.ID, body.Password)
	switch {
	case errors.Is(err, errNoMatch):
		return echo.NewHTTPError(http.StatusUnauthorized, "Wrong user ID or password.")
	case err != nil:
		return usersError(c, err)
	}
	return a.startUserSession(c, l, body, http.StatusOK)
}

// region remember
// startUserSession puts the login in the session, with the browser's user
// agent for the list of sessions, and gives the session a new ID, filed
// under the account (see step 8). Remember me sets the cookie's Max-Age,
// and the session's idle timeout, to a.remember seconds. Without it the
// cookie has no Max-Age: the browser forgets it when it closes, and the
// server ends the session after its usual idle timeout (SESSION_MAX_AGE).
// The engine keeps these options with the session, for its later saves.
func (a *app) startUserSession(c *echo.Context, l login, body credentials, status int) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	sess.Values[accountKey] = l.key
	sess.Values[versionKey] = l.version
	sess.Values[agentKey] = userAgent(c.Request())
	sess.Options.MaxAge = 0 // a cookie that ends with the browser
	if body.Remember {
		sess.Options.MaxAge = a.remember
	}
	if err := a.renew(c, sess, l.key); err != nil {
		return err
	}
	return c.JSON(status, map[string]any{"user": body.ID, "remember": body.Remember})
}

// endregion remember

// renew gives the session a new ID and files it under the account key.
// A session that could not be filed would be on no list, where nobody could
// end it from another browser: it is ended at once.
func (a *app) renew(c *echo.Context, sess *sessions.Session, key string) error {
	if err := a.store.Regenerate(c.Request(), c.Response(), sess); err != nil {
		return storeError(err)
	}
	if err := a.index.Own(c.Request().Context(), sess, key); err != nil {
		sess.Options.MaxAge = -1 // deletes it, and clears the cookie just sent
		return storeError(errors.Join(err, a.store.Save(c.Request(), c.Response(), sess)))
	}
	return nil
}

// region logout
// logOut ends the session on the server, at once: it is deleted, so a copy
// of the cookie opens nothing, and the browser is told to drop its cookie.
// Logging out twice, or without a session, is fine.
func (a *app) logOut(c *echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	if !sess.IsNew {
		sess.Options.MaxAge = -1
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return storeError(err)
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"message": "You are logged out."})
}

// endregion logout

// region me
// me says who is logged in, and their preferences. checkSignIn has read
// the account again: the session holds its key, never a copy of it.
func (a *app) me(c *echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	p, _ := sess.Values[prefsKey].(prefs) // the zero prefs until set
	return c.JSON(http.StatusOK, map[string]any{"user": c.Get(userKey), "prefs": p})
}

// endregion me

// region signedin
// signedIn returns the user a session is logged in as, or false: when it
// names no account, or one that no longer exists, or it logged in with a
// password that has since been changed.
func (a *app) signedIn(c *echo.Context, sess *sessions.Session) (string, bool, error) {
	key, _ := sess.Values[accountKey].(string)
	version, _ := sess.Values[versionKey].(int)
	if key == "" {
		return "", false, nil
	}
	return a.accounts.userOf(c.Request().Context(), login{key, version})
}

// endregion signedin

// endedWhy says why a session that is not logged in no longer is, or ""
// when it never was (see step 8).
func (a *app) endedWhy(c *echo.Context, sess *sessions.Session) string {
	if sess.Values[accountKey] != nil {
		return "You are logged out: the password was changed, or the account deleted. " +
			"Please log in again."
	}
	if _, hadID := a.store.ID(c.Request(), sessionName); sess.IsNew && hadID {
		return "Your session has ended: it was ended from another browser, or it timed out. " +
			"Please log in again."
	}
	return ""
}

// sessionJSON is one session of the account, for the list.
type sessionJSON struct {
	Handle   string    `json:"handle"` // for ending it; never the session's ID
	Began    time.Time `json:"began"`
	LastUsed time.Time `json:"last_used"`
	Agent    string    `json:"agent"`
	Current  bool      `json:"current"`
}

// listSessions lists the account's sessions, newest first, by handle.
func (a *app) listSessions(c *echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	key, _ := sess.Values[accountKey].(string)
	list, err := a.index.List(c.Request().Context(), key, sess)
	if err != nil {
		return storeError(err)
	}
	out := []sessionJSON{}
	for _, e := range list {
		agent, _ := e.Values[agentKey].(string)
		out = append(out, sessionJSON{Handle: e.Handle, Current: e.Current,
			Began: e.Start.UTC(), LastUsed: e.LastUsed.UTC(), Agent: agent})
	}
	return c.JSON(http.StatusOK, map[string]any{"sessions": out})
}

// region end
// endSession ends the account's session that the body's handle names, at
// once: its next request, with the very same cookie, is logged out. A
// handle of no session of this account ends nothing.
func (a *app) endSession(c *echo.Context) error {
	var body struct {
		Session string `json:"session"`
	}
	if err := readJSON(c, &body); err != nil {
		return err
	}
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	key, _ := sess.Values[accountKey].(string)
	ended, err := a.index.End(c.Request().Context(), key, body.Session)
	if err != nil {
		return storeError(err)
	}
	return c.JSON(http.StatusOK, map[string]bool{"ended": ended})
}

// endregion end

// maxAgentLength is how much of a user agent a session keeps, in bytes.
const maxAgentLength = 256

// userAgent is the request's User-Agent as a session keeps it: cut to
// maxAgentLength bytes, whole characters only, and valid UTF-8.
func userAgent(r *http.Request) string {
	agent := strings.ToValidUTF8(r.UserAgent(), "?")
	for len(agent) > maxAgentLength {
		_, size := utf8.DecodeLastRuneInString(agent)
		agent = agent[:len(agent)-size]
	}
	return agent
}

// storeError is the answer when the database failed: 503 for an outage
// (PostgreSQL down, a disk that fails), a 500 for anything else.
func storeError(err error) error {
	if errors.Is(err, sessionstore.ErrUnavailable) || errors.Is(err, errDatabase) {
		return echo.NewHTTPError(http.StatusServiceUnavailable,
			"The database is not answering. Try again in a moment.").Wrap(err)
	}
	return err
}
