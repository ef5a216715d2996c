package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo-contrib/v5/session"
	"github.com/labstack/echo/v5"

	"github.com/go-sessions-course/echo-sessions/internal/transcript"
)

// TestTranscripts records the conversations the lesson shows.
func TestTranscripts(t *testing.T) {
	cfg, err := loadConfig(nil, func(string) string { return "" }) // go run's defaults
	if err != nil {
		t.Fatal(err)
	}
	newApp := func() http.Handler {
		b, err := openStore(context.Background(), cfg, discard)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.close() })
		return newServer(b, newUsers(), http.NewCrossOriginProtection(), discard)
	}
	login := url.Values{"id": {"ada"}, "password": {password}}

	// Signing up: a 303 to the protected page, and a session cookie.
	transcript.Check(t, "signup", transcript.Record(t, newApp(),
		transcript.Request{Method: http.MethodPost, Path: "/signup", Form: login, Jar: true},
		transcript.Request{Path: "/protected_page", Jar: true},
	))

	// Session fixation: the attacker's own session cookie, planted in the
	// victim's browser, is what the victim logs in with. The login answers
	// with a new ID, and the planted one opens nothing.
	b, err := openStore(context.Background(), cfg, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.close() })
	u := newUsers()
	if _, err := u.signUp(context.Background(), "ada", password); err != nil {
		t.Fatal(err)
	}
	app := newServer(b, u, http.NewCrossOriginProtection(), discard)
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("id=ada&password=a+guess"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req) // the attacker's visit: a session, and its cookie
	planted := rec.Result().Cookies()[0]
	transcript.Check(t, "fixation", transcript.Record(t, app,
		transcript.Request{Method: http.MethodPost, Path: "/login", Form: login, Cookies: []*http.Cookie{planted}},
		transcript.Request{Path: "/protected_page", Cookies: []*http.Cookie{planted}},
	))

	// One account per name: a full-width Ａ is an A, and a capital a small
	// letter, so Ａda is ada, whose ID is taken.
	transcript.Check(t, "look-alike", transcript.Record(t, newApp(),
		transcript.Request{Method: http.MethodPost, Path: "/signup", Form: login},
		transcript.Request{Method: http.MethodPost, Path: "/signup",
			Form: url.Values{"id": {"Ａda"}, "password": {"another password"}}},
	))

	// Credentials in the query string are not read: the body has no ID.
	transcript.Check(t, "query-string", transcript.Record(t, newApp(),
		transcript.Request{Method: http.MethodPost, Path: "/login?" + login.Encode()},
	))

	// A form post that a page of another origin made the browser send, as
	// the browser labels it: refused, and the session stays logged in.
	transcript.Check(t, "cross-origin", transcript.Record(t, newApp(),
		transcript.Request{Method: http.MethodPost, Path: "/signup", Form: login, Jar: true},
		transcript.Request{Method: http.MethodPost, Path: "/logout", Jar: true, Header: map[string]string{"Sec-Fetch-Site": "same-site"}},
		transcript.Request{Method: http.MethodPost, Path: "/logout", Jar: true},
	))
}

// TestTranscriptCookieStoreReplay records why this step refuses the cookie
// store: a logout cannot revoke a copy of the cookie. The app is the
// chapter's, reduced to three routes, on gorilla's CookieStore.
func TestTranscriptCookieStoreReplay(t *testing.T) {
	store := sessions.NewCookieStore([]byte(testSecret))
	store.Options = &sessions.Options{Path: "/", MaxAge: 86400, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	e := echo.New()
	e.Use(session.Middleware(store))
	e.POST("/login", func(c *echo.Context) error {
		sess, _ := session.Get(sessionName, c)
		sess.Values[userKey] = c.FormValue("id")
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return err
		}
		return c.String(http.StatusOK, "Logged in.\n")
	})
	e.GET("/protected_page", func(c *echo.Context) error {
		sess, _ := session.Get(sessionName, c)
		if user, _ := sess.Values[userKey].(string); user != "" {
			return c.String(http.StatusOK, "Hey "+user+"\n")
		}
		return c.String(http.StatusOK, "Not logged in.\n")
	})
	e.POST("/logout", func(c *echo.Context) error {
		sess, _ := session.Get(sessionName, c)
		sess.Options.MaxAge = -1 // the most a cookie store can do: ask the browser to forget
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return err
		}
		return c.String(http.StatusOK, "Logged out.\n")
	})

	// Ada logs in; a thief copies her cookie (from a shared computer, a
	// backup, malware). Then Ada logs out, and the thief sends the copy.
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("id=ada"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	copied := rec.Result().Cookies()[0]

	transcript.Check(t, "cookie-store-replay", transcript.Record(t, e,
		transcript.Request{Method: http.MethodPost, Path: "/logout", Cookies: []*http.Cookie{copied}},
		transcript.Request{Path: "/protected_page", Cookies: []*http.Cookie{copied}},
	))
}
