package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/browsertest"
	"github.com/go-sessions-course/echo-sessions/internal/tooling/transcript"
)

// attackerPage is a page on another origin that makes the browser post a
// form to the app as soon as it loads: a cross-site request forgery.
func attackerPage(target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>You won a prize</title>
<form id="f" method="post" action="%s/logout"></form>
<script>document.getElementById("f").submit()</script>`, target)
	})
}

// localhost names a test server as the lesson does: localhost and a port.
func localhost(srv *httptest.Server) string {
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
}

// TestBrowserCrossSiteFormPost: a visitor logged in on localhost:A opens a
// page served from localhost:B, which posts a form to A's /logout. The two
// are the same site, so SameSite=Lax lets the cookie go along; only the
// cross-origin check stops the post.
func TestBrowserCrossSiteFormPost(t *testing.T) {
	b := browsertest.Start(t)
	b.Do("sizing the window", chromedp.EmulateViewport(560, 520))
	for _, protect := range []bool{true, false} {
		app := newTestApp(t, config{}, protect)
		attacker := httptest.NewServer(attackerPage(localhost(app.Server)))
		defer attacker.Close()

		b.Do("opening the signup form", chromedp.Navigate(localhost(app.Server)+"/signup"),
			chromedp.SendKeys(chromedp.CSS(`input[name="id"]`), "ada"),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password))
		b.Do("signing up", chromedp.Click(chromedp.CSS("button")), chromedp.WaitVisible(chromedp.CSS("form[action='/logout']")))
		if text := b.Text(); !strings.Contains(text, "Hey ada") {
			t.Fatalf("after signing up the page says %q", text)
		}

		b.Do("visiting the attacker's page", chromedp.Navigate(localhost(attacker)), chromedp.WaitReady(chromedp.CSS("body")))
		refused := strings.Contains(b.Text(), "sent from another site's page")
		b.Do("coming back", chromedp.Navigate(localhost(app.Server)+"/protected_page"), chromedp.WaitReady(chromedp.CSS("body")))
		stillIn := strings.Contains(b.Text(), "Hey ada")
		if protect && (!refused || !stillIn) {
			t.Errorf("with the protection: refused %v, still logged in %v; want both", refused, stillIn)
		}
		if !protect && (refused || stillIn) {
			t.Errorf("without the protection: refused %v, still logged in %v; want neither: the forged post should work", refused, stillIn)
		}

		if protect {
			b.Do("logging out", chromedp.Click(chromedp.CSS("button")), chromedp.WaitVisible(chromedp.CSS(".flash")))
			if text := b.Text(); !strings.Contains(text, "You are logged out.") {
				t.Fatalf("after logging out the page says %q", text)
			}
		}
	}
}

// userAgentIs makes the browser send agent as its User-Agent, so that the
// list of sessions tells the two browsers apart (and the picture does not
// change with Chromium's version).
func userAgentIs(agent string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		return t.Call(ctx, "Emulation.setUserAgentOverride", map[string]any{"userAgent": agent}, nil)
	})
}

// TestBrowserEndsAnotherBrowsersSession: two browsers, each with its own
// profile and cookies, logged in to one account: the owner's laptop, and a
// phone, say one a thief is holding. From the laptop's list of sessions
// the owner ends the phone's: the phone's next page is the login form,
// saying why. The phone logs in again (the thief knows the password); the
// owner changes it, and the phone is out again, for good. With -update it
// takes the lesson's picture of the list.
func TestBrowserEndsAnotherBrowsersSession(t *testing.T) {
	laptop, phone := browsertest.Start(t), browsertest.Start(t)
	app := newTestApp(t, config{}, true)
	base := localhost(app.Server)
	laptop.Do("sizing the laptop", chromedp.EmulateViewport(760, 600),
		userAgentIs("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36"))
	phone.Do("sizing the phone", chromedp.EmulateViewport(390, 600),
		userAgentIs("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"))

	// fill fills the form at path, sends it, and waits for the page it
	// leads to, which has an element that matches then.
	fill := func(b *browsertest.Browser, what, path, then string, fields ...string) {
		t.Helper()
		actions := []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + path)}
		for i := 0; i+1 < len(fields); i += 2 {
			actions = append(actions, chromedp.SendKeys(chromedp.CSS(`input[name="`+fields[i]+`"]`), fields[i+1]))
		}
		actions = append(actions, chromedp.Click(chromedp.CSS("form:not([action='/logout']) button")),
			chromedp.WaitVisible(chromedp.CSS(then)))
		b.Do(what, actions...)
	}
	const loggedIn = "form[action='/logout']"
	says := func(b *browsertest.Browser, who, want string) {
		t.Helper()
		if text := b.Text(); !strings.Contains(text, want) {
			t.Fatalf("%s: the page says %q, want %q", who, text, want)
		}
	}
	fill(laptop, "signing up on the laptop", "/signup", loggedIn, "id", "ada", "password", password)
	fill(phone, "logging in on the phone", "/login", loggedIn, "id", "ada", "password", password)
	says(phone, "the phone", "Hey ada")

	laptop.Do("opening the list", chromedp.Navigate(base+"/account/sessions"), chromedp.WaitVisible(chromedp.CSS("table")))
	says(laptop, "the laptop's list", "iPhone")
	saveScreenshot(t, "step08-sessions@2x.png", laptop.FramedScreenshot(browsertest.Frame{Address: true}))
	laptop.Do("ending the phone's session", chromedp.Click(chromedp.CSS(`form[action="/account/sessions/end"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	says(laptop, "the laptop", "That session has ended.")

	phone.Do("the phone's next page", chromedp.Navigate(base+"/protected_page"), chromedp.WaitVisible(chromedp.CSS(".flash")))
	says(phone, "the phone", "Your session has ended")

	fill(phone, "logging in on the phone again", "/login", loggedIn, "id", "ada", "password", password)
	says(phone, "the phone", "Hey ada")
	const newPassword = "a new password, long enough"
	fill(laptop, "changing the password", "/account/password", "table",
		"current_password", password, "new_password", newPassword, "confirm_password", newPassword)
	says(laptop, "the laptop", "Your password is changed")
	phone.Do("the phone's next page", chromedp.Navigate(base+"/protected_page"), chromedp.WaitVisible(chromedp.CSS(".flash")))
	says(phone, "the phone", "Your session has ended")
	fill(phone, "the old password", "/login", ".flash", "id", "ada", "password", password)
	says(phone, "the phone", "Wrong user ID or password.")
}

func saveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	if !transcript.Updating() {
		return
	}
	if err := os.WriteFile(filepath.Join("..", "docs", "images", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
