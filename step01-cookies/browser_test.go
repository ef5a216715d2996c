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

// TestBrowserCookieView does in a real browser what the lesson asks of a
// learner: it sets two cookies and lists them, counts three visits, then
// changes page_views to 1000 as in DevTools' cookie list and refreshes, and
// the server believes it. With -update it saves the lesson's screenshots, at
// twice the pixels, with the address bar and the cookies as DevTools lists
// them.
func TestBrowserCookieView(t *testing.T) {
	b := browsertest.Start(t)
	srv := httptest.NewServer(newTestServer(false))
	defer srv.Close()
	frame := browsertest.Frame{Address: true, Cookies: true}

	for _, path := range []string{"/cookies/set", "/cookies/expiring", "/cookies"} {
		b.Do("opening "+path, chromedp.Navigate(srv.URL+path), chromedp.WaitReady(chromedp.CSS("body")))
	}
	if text := b.Text(); !strings.HasPrefix(text, "You sent 2 cookies:") {
		t.Fatalf("/cookies: the page says %q, want 2 cookies", text)
	}
	saveScreenshot(t, "step01-cookies@2x.png", b.FramedScreenshot(frame))

	b.Do("visiting the counter", chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady(chromedp.CSS("body")))
	for range 2 {
		b.Do("refreshing", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
	}
	if text, want := b.Text(), "You visited this page 3 times"; text != want {
		t.Fatalf("after two refreshes: the page says %q, want %q", text, want)
	}

	b.SetCookie(srv.URL, "page_views", "1000")
	b.Do("refreshing", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
	if text, want := b.Text(), "You visited this page 1001 times"; text != want {
		t.Fatalf("after page_views=1000: the page says %q, want %q", text, want)
	}
	saveScreenshot(t, "step01-forged@2x.png", b.FramedScreenshot(frame))
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
