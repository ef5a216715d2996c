package main

// The solutions to the lesson's "Try this yourself", as code that runs: the
// lesson shows the regions below, and these tests check them.

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo-contrib/session"
	"github.com/labstack/echo/v4"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/testcookie"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
)

// region colour
// rememberColour stores a second value in the same session, beside the
// name: e.POST("/colour", rememberColour).
func rememberColour(c echo.Context) error {
	colour := strings.TrimSpace(c.FormValue("colour"))
	if colour == "" || len(colour) > 32 {
		return c.String(http.StatusBadRequest, "Send a form field \"colour\" of 1 to 32 characters.\n")
	}
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err
	}
	sess.Values["colour"] = colour
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.String(http.StatusOK, "Stored your favourite colour.\n")
}

// showBoth reads both values; a value never stored is simply missing.
func showBoth(c echo.Context) error {
	sess, err := session.Get(sessionName, c)
	if err != nil {
		return err
	}
	name, _ := sess.Values["name"].(string)
	colour, _ := sess.Values["colour"].(string)
	return c.String(http.StatusOK, fmt.Sprintf("name=%q colour=%q\n", name, colour))
}

// endregion colour

func TestSolutionSecondValue(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	store, err := sessionstore.New(memstore.New(), sessionstore.Config{Secrets: [][]byte{[]byte(testSecret)}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	e := newServer(store, logger)
	e.POST("/colour", rememberColour)
	e.GET("/both", showBoth)

	cookie := sidCookie(t, do(t, e, http.MethodPost, "/name", url.Values{"name": {"Ada"}}))
	do(t, e, http.MethodPost, "/colour", url.Values{"colour": {"teal"}}, cookie)
	if got := do(t, e, http.MethodGet, "/both", nil, cookie).Body.String(); got != "name=\"Ada\" colour=\"teal\"\n" {
		t.Errorf("got %q, want both values", got)
	}
}

// TestSolutionTamperedCookieIsLogged: a changed cookie is a new session, and
// with LOG_LEVEL=debug the log says why.
func TestSolutionTamperedCookieIsLogged(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store, err := sessionstore.New(memstore.New(), sessionstore.Config{Secrets: [][]byte{[]byte(testSecret)}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	e := newServer(store, logger)
	cookie := sidCookie(t, do(t, e, http.MethodPost, "/name", url.Values{"name": {"Ada"}}))
	cookie.Value = testcookie.Tamper(cookie.Value)
	if got := do(t, e, http.MethodGet, "/", nil, cookie).Body.String(); !strings.HasPrefix(got, "This is a new session") {
		t.Errorf("with a changed cookie the page says %q", got)
	}
	if !strings.Contains(logs.String(), "sessionstore: ignoring a session cookie that does not verify") {
		t.Errorf("the debug log does not say why:\n%s", logs.String())
	}
}
