package main

// The solutions to the lesson's "Try this yourself", as code that runs: the
// lesson shows the regions below, and these tests check them.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/browsertest"
	"github.com/go-sessions-course/echo-sessions/internal/testkit/testcookie"
)

// region tenseconds
// In the /cookies/expiring route: 10 seconds instead of 360.
func expiringIn10s(c echo.Context, secure bool) error {
	cookie := newCookie(c, secure, "flavour", "oatmeal")
	cookie.MaxAge = 10
	cookie.Expires = time.Now().Add(10 * time.Second)
	c.SetCookie(cookie)
	return c.String(http.StatusOK, "Cookie set: flavour=oatmeal. It expires in 10 seconds.\n")
}

// endregion tenseconds

func TestSolutionTenSeconds(t *testing.T) {
	e := echo.New()
	e.GET("/cookies/expiring", func(c echo.Context) error { return expiringIn10s(c, false) })
	c := onlyCookie(t, get(t, e, "/cookies/expiring"))
	if c.MaxAge != 10 || time.Until(c.Expires) > 11*time.Second {
		t.Errorf("got Max-Age %d, Expires in %v; want 10 and about 10s", c.MaxAge, time.Until(c.Expires))
	}
}

// TestBrowserSolutionHttpOnly: with HttpOnly, the page's scripts see no cookie;
// without it, document.cookie shows it.
func TestBrowserSolutionHttpOnly(t *testing.T) {
	b := browsertest.Start(t)
	for _, httpOnly := range []bool{true, false} {
		e := echo.New()
		e.GET("/", func(c echo.Context) error {
			cookie := newCookie(c, false, "name", "echo")
			cookie.HttpOnly = httpOnly
			c.SetCookie(cookie)
			return c.HTML(http.StatusOK, "<p>set</p>")
		})
		srv := httptest.NewServer(e)
		b.Do("opening the page", chromedp.Navigate(srv.URL))
		seen, err := chromedp.Run(b.Step(), chromedp.Evaluate[string](`document.cookie`))
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: "", false: "name=echo"}[httpOnly]; seen != want {
			t.Errorf("HttpOnly %v: document.cookie is %q, want %q", httpOnly, seen, want)
		}
	}
}

// region signed
// A counter cookie that the client can read but not change: securecookie
// signs the count with a secret only the server knows. It has a name of
// its own, so the plain counter on / neither reads nor replaces it.
var signer = securecookie.New([]byte("a secret of at least 32 bytes, from config"), nil)

func signedPageViews(c echo.Context, secure bool) error {
	views := 0
	if cookie, err := c.Cookie("signed_views"); err == nil {
		var count string
		if signer.Decode("signed_views", cookie.Value, &count) == nil {
			views, _ = strconv.Atoi(count) // signed by us: a number
		} // a changed cookie does not verify: no count
	}
	views++
	value, err := signer.Encode("signed_views", strconv.Itoa(views))
	if err != nil {
		return err
	}
	c.SetCookie(newCookie(c, secure, "signed_views", value))
	return c.String(http.StatusOK, fmt.Sprintf("visit %d", views))
}

// endregion signed

func TestSolutionSignedCounter(t *testing.T) {
	e := echo.New()
	e.GET("/", func(c echo.Context) error { return signedPageViews(c, false) })
	c := onlyCookie(t, get(t, e, "/"))
	if got := get(t, e, "/", c).Body.String(); got != "visit 2" {
		t.Errorf("with its own cookie: %q, want visit 2", got)
	}
	c.Value = testcookie.Tamper(c.Value)
	if got := get(t, e, "/", c).Body.String(); got != "visit 1" {
		t.Errorf("with a changed cookie: %q, want visit 1", got)
	}
}
