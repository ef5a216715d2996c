package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/browsertest"
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
