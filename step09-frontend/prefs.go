package main

import (
	"encoding/gob"
	"net/http"

	"github.com/labstack/echo-contrib/v5/session"
	"github.com/labstack/echo/v5"
)

// region prefs
// prefs is what the front end lets a visitor choose, kept in the session:
// a struct, not a string or a number. The engine stores a session's
// values with encoding/gob, which must know every type that it finds in
// an interface (Values is a map[any]any) before it meets one.
type prefs struct {
	Theme string `json:"theme"` // "light" or "dark"
}

func init() {
	// Without this line, saving a session that holds a prefs fails with
	// "gob: type not registered for interface: main.prefs", a 500. Register
	// once, at start-up: gob names the type by its package and name.
	gob.Register(prefs{})
}

// endregion prefs

// setPrefs stores the visitor's preferences in the session.
func (a *app) setPrefs(c *echo.Context) error {
	var p prefs
	if err := readJSON(c, &p); err != nil {
		return err
	}
	if p.Theme != "light" && p.Theme != "dark" {
		return echo.NewHTTPError(http.StatusBadRequest, `The theme is "light" or "dark".`)
	}
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return storeError(err)
	}
	sess.Values[prefsKey] = p
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return storeError(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"prefs": p})
}
