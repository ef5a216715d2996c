package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

func (a *app) home(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	user, _ := a.signedIn(sess) // "" unless logged in
	return render(c, homePage, page{User: user})
}

func (a *app) signupForm(c echo.Context) error { return a.form(c, signupPage) }

func (a *app) loginForm(c echo.Context) error { return a.form(c, loginPage) }

// region form
// form shows a form and the flash messages that wait in the session. They
// are shown once, so reading them changes the session, which is saved. A
// HEAD request reads none, since it must change nothing. A link preview or
// `curl -I` would otherwise eat the message before the visitor sees it.
func (a *app) form(c echo.Context, t pageTemplate) error {
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
// signUp creates an account and logs its owner in, under a new session ID. A
// taken ID is a flash on the form, after a redirect (post/redirect/get). A
// reload then never sends the form again.
func (a *app) signUp(c echo.Context) error {
	id, password, err := postedCredentials(c)
	if err != nil {
		return err
	}
	key, err := a.users.signUp(c.Request().Context(), id, password)
	switch {
	case errors.Is(err, errTaken):
		return a.flashAndRedirect(c,
			"That user ID already exists. Choose another, or log in.", "/signup")
	case err != nil:
		return usersError(c, err)
	}
	return a.startUserSession(c, id, key)
}

// endregion signup

// region credentials
// postedCredentials reads the user ID and the password from the body of the
// form post. It normalises the ID (see userID). It never reads the URL, as
// c.FormValue would. A password in a query string lands in browser history,
// in proxy logs and in this program's request log (OWASP ASVS 5.0.0, 14.2.1).
func postedCredentials(c echo.Context) (id, password string, err error) {
	id, err = userID(c.Request().PostFormValue("id"))
	if err != nil {
		return "", "", usersError(c, err)
	}
	return id, c.Request().PostFormValue("password"), nil
}

// usersError is the answer to what users and postedCredentials refuse. It is
// a 400 that says what the form takes, or a 503 while too many passwords are
// being checked.
func usersError(c echo.Context, err error) error {
	switch {
	case errors.Is(err, errBadID), errors.Is(err, errBadPassword):
		msg := err.Error()
		return echo.NewHTTPError(http.StatusBadRequest, strings.ToUpper(msg[:1])+msg[1:]+".")
	case errors.Is(err, errBusy):
		c.Response().Header().Set("Retry-After", "1")
		return echo.NewHTTPError(http.StatusServiceUnavailable,
			"The server is busy checking other passwords. Try again in a second.").SetInternal(err)
	}
	return err
}

// endregion credentials

// region login
// logIn checks the password and logs the user in, under a new session ID.
// A wrong ID and a wrong password get the same words, so the form does not
// tell a stranger which IDs exist. Each try counts against the user ID's
// limit (see accountLimit) before any password is checked.
func (a *app) logIn(c echo.Context) error {
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

// startUserSession puts the user and their account's key in the session, and
// gives it a new ID. An ID that anyone knew before the login opens nothing
// afterwards, such as one they planted in this browser. Its absolute
// lifetime starts again.
func (a *app) startUserSession(c echo.Context, user, key string) error {
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

func (a *app) protectedPage(c echo.Context) error {
	return render(c, protectedPage, page{User: c.Get(userKey).(string)})
}

// region logout
// logOut ends the session on the server. Its values are dropped and its ID
// destroyed, so a copy of the old cookie opens nothing. The browser's cookie
// is replaced by one that holds nothing but the "logged out" flash.
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

// flashAndRedirect keeps message in the session for the next page. It
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

// storeError is the answer when the session store failed. An outage (Redis
// down, a disk that fails) is a 503. Anything else is a 500.
func storeError(err error) error {
	if errors.Is(err, sessionstore.ErrUnavailable) {
		return echo.NewHTTPError(http.StatusServiceUnavailable,
			"The session store is not answering. Try again in a moment.").SetInternal(err)
	}
	return err
}
