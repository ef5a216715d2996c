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
)

// The account pages: the list of the account's sessions, where each one
// can be ended; a new password, which ends every other session; and
// deleting the account. checkSignIn runs before each of them, so the
// visitor is logged in, the session loaded, and the user's ID in
// c.Get(userKey).

// maxAgentLength is how much of a user agent a session keeps, in bytes;
// the list shows less (see shortAgent).
const maxAgentLength = 256

// accountTriesSpent answers a password try past the account's limit (see
// accountLimit), when changing the password or deleting the account.
const accountTriesSpent = "Too many tries for this account. It gets one more every minute."

// userAgent is the request's User-Agent as a session keeps it: cut to
// maxAgentLength bytes, whole characters only, and valid UTF-8. html/template
// escapes it when the list shows it: a browser may send anything there.
func userAgent(r *http.Request) string {
	agent := strings.ToValidUTF8(r.UserAgent(), "?")
	for len(agent) > maxAgentLength {
		_, size := utf8.DecodeLastRuneInString(agent)
		agent = agent[:len(agent)-size]
	}
	return agent
}

// current returns the request's session (loaded by checkSignIn) and its
// account's key.
func current(c *echo.Context) (*sessions.Session, string, error) {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return nil, "", storeError(err)
	}
	key, _ := sess.Values[accountKey].(string)
	return sess, key, nil
}

// region sessionspage
// sessionsPage lists the account's sessions: since when each has its ID
// (its login, or a password change), when it was last used, and the
// browser it logged in from. The page
// names each by its handle, never its ID: the ID is the key to the
// session, and a page can end up in a cache, a screenshot or a bug report.
func (a *app) sessionsPage(c *echo.Context) error {
	sess, key, err := current(c)
	if err != nil {
		return err
	}
	list, err := a.index.List(c.Request().Context(), key, sess)
	if err != nil {
		return storeError(err)
	}
	p := page{User: c.Get(userKey).(string)}
	for _, e := range list {
		agent, _ := e.Values[agentKey].(string)
		p.Sessions = append(p.Sessions, sessionRow{Handle: e.Handle, Current: e.Current,
			Began: when(e.Start), LastUsed: when(e.LastUsed), Agent: shortAgent(agent)})
	}
	if err := a.takeFlashes(c, sess, &p); err != nil {
		return err
	}
	return render(c, sessionsPage, p)
}

// endregion sessionspage

// when is a time as the list shows it, to the minute, in UTC (the column
// says so): the server does not know the visitor's time zone.
func when(t time.Time) string { return t.UTC().Format("Jan 2, 15:04") }

// shortAgent is at most 80 characters of a user agent, for the list.
func shortAgent(agent string) string {
	if agent == "" {
		return "(no user agent)"
	}
	if utf8.RuneCountInString(agent) <= 80 {
		return agent
	}
	return string([]rune(agent)[:79]) + "…"
}

// takeFlashes moves the session's flashes into p, and saves the session,
// which has changed. A HEAD request takes none: it must change nothing.
func (a *app) takeFlashes(c *echo.Context, sess *sessions.Session, p *page) error {
	if c.Request().Method == http.MethodHead {
		return nil
	}
	flashes := sess.Flashes()
	if len(flashes) == 0 {
		return nil
	}
	for _, f := range flashes {
		p.Flashes = append(p.Flashes, fmt.Sprint(f))
	}
	return storeError(sess.Save(c.Request(), c.Response()))
}

// region end
// endSession ends one session of the account, the one the form's handle
// names, at once: the next request with its cookie, on any instance,
// finds no session (see ended). A handle that names no session of this
// account (another account's, one that ended already, a made-up one) ends
// nothing: a visitor cannot end someone else's session by changing the
// form's value.
func (a *app) endSession(c *echo.Context) error {
	_, key, err := current(c)
	if err != nil {
		return err
	}
	handle := c.Request().PostFormValue("session")
	ok, err := a.index.End(c.Request().Context(), key, handle)
	if err != nil {
		return storeError(err)
	}
	msg := "That session has ended."
	if !ok {
		msg = "No session of yours has that handle: it may have ended already."
	}
	return a.flashAndRedirect(c, msg, "/account/sessions")
}

// endOtherSessions ends every session of the account but this one.
func (a *app) endOtherSessions(c *echo.Context) error {
	sess, key, err := current(c)
	if err != nil {
		return err
	}
	if err := a.index.EndOthers(c.Request().Context(), key, sess); err != nil {
		return storeError(err)
	}
	return a.flashAndRedirect(c, "Every other session of your account has ended.", "/account/sessions")
}

// endregion end

// passwordForm shows the form for a new password.
func (a *app) passwordForm(c *echo.Context) error {
	sess, _, err := current(c)
	if err != nil {
		return err
	}
	p := page{User: c.Get(userKey).(string)}
	if err := a.takeFlashes(c, sess, &p); err != nil {
		return err
	}
	return render(c, passwordPage, p)
}

// region password
// changePassword sets a new password, once the current one is checked,
// and ends every other session of the account: whoever had stolen a
// cookie, or logged in on a computer they should not have, is out, on
// every instance. The order matters. The new password (and its version)
// is stored first, so that from then on only a login with it opens a new
// session; a login that checked the old password a moment before ends up
// with the old version, which opens nothing (see signedIn). Then the other
// sessions are deleted, and this one gets a new ID, filed under the
// account, with the new version.
func (a *app) changePassword(c *echo.Context) error {
	sess, key, err := current(c)
	if err != nil {
		return err
	}
	form := c.Request()
	old, next := form.PostFormValue("current_password"), form.PostFormValue("new_password")
	if next != form.PostFormValue("confirm_password") {
		return a.flashAndRedirect(c, "The two new passwords differ. Type the same one twice.",
			"/account/password")
	}
	if !passwordOK(next, true) {
		return usersError(c, errBadPassword)
	}
	if ok, _ := a.tries.Allow(key); !ok { // the memory store never fails
		c.Response().Header().Set("Retry-After", "60")
		return echo.NewHTTPError(http.StatusTooManyRequests, accountTriesSpent)
	}
	ctx := c.Request().Context()
	err = a.accounts.checkKey(ctx, key, old)
	if errors.Is(err, errNoMatch) {
		return a.flashAndRedirect(c, "Your current password is not that one.", "/account/password")
	}
	if err != nil {
		return usersError(c, err)
	}
	l, err := a.accounts.setPassword(ctx, key, next)
	if errors.Is(err, errNoMatch) { // the account was deleted meanwhile
		if err := a.logOutEnded(c, sess, "Your account no longer exists."); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	if err != nil {
		return usersError(c, err)
	}
	if err := a.index.EndOthers(ctx, key, sess); err != nil {
		return storeError(err)
	}
	sess.Values[versionKey] = l.version
	sess.AddFlash("Your password is changed, and every other session of your account has ended.")
	if err := a.renew(c, sess, key); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account/sessions")
}

// endregion password

// region delete
// deleteAccount deletes the account, once its password is checked, and
// every session of it. The account goes first: from then on no session of
// it opens anything, whatever happens next. Its user ID is free again,
// and whoever takes it gets a new key, so nothing of the old account.
func (a *app) deleteAccount(c *echo.Context) error {
	sess, key, err := current(c)
	if err != nil {
		return err
	}
	if ok, _ := a.tries.Allow(key); !ok {
		c.Response().Header().Set("Retry-After", "60")
		return echo.NewHTTPError(http.StatusTooManyRequests, accountTriesSpent)
	}
	ctx := c.Request().Context()
	err = a.accounts.checkKey(ctx, key, c.Request().PostFormValue("password"))
	if errors.Is(err, errNoMatch) {
		return a.flashAndRedirect(c, "That is not your password: the account is still there.",
			"/account/sessions")
	}
	if err != nil {
		return usersError(c, err)
	}
	if err := a.accounts.remove(ctx, key); err != nil {
		return storeError(err)
	}
	if err := a.index.EndOthers(ctx, key, nil); err != nil {
		return storeError(err)
	}
	clear(sess.Values)
	sess.AddFlash("Your account is deleted, with all its sessions.")
	if err := a.store.Regenerate(c.Request(), c.Response(), sess); err != nil {
		return storeError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// endregion delete
