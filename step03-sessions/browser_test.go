package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/browsertest"
	"github.com/go-sessions-course/echo-sessions/internal/tooling/transcript"
)

// TestBrowserFetchStoresAName does what the lesson shows: it POSTs a name
// with fetch from the page, as in the developer tools' console, and reloads.
// With -update it saves the lesson's screenshot, at twice the pixels, with
// the address bar and the cookies as DevTools lists them: one sid cookie,
// and no name in it.
func TestBrowserFetchStoresAName(t *testing.T) {
	b := browsertest.Start(t)
	srv := httptest.NewServer(newTestServer(t))
	defer srv.Close()

	b.Do("opening the page", chromedp.Navigate(srv.URL))
	if text := b.Text(); !strings.HasPrefix(text, newSession) {
		t.Fatalf("first look: the page says %q", text)
	}
	status, err := chromedp.Run(b.Step(), chromedp.Evaluate[int](
		`fetch("/name", {method: "POST", body: new URLSearchParams({name: "Ada"})}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil || status != 200 {
		t.Fatalf("fetch: status %d, %v", status, err)
	}
	b.Do("reloading", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
	if text := b.Text(); !strings.HasPrefix(text, "Welcome back, Ada.") {
		t.Errorf("after the fetch: the page says %q", text)
	}
	if transcript.Updating() {
		shot := b.FramedScreenshot(browsertest.Frame{Address: true, Cookies: true})
		if err := os.WriteFile(filepath.Join("..", "docs", "images", "step03-session-cookie@2x.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
