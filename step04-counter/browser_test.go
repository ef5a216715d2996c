package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/browsertest"
	"github.com/go-sessions-course/echo-sessions/internal/tooling/transcript"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

// TestBrowserCounts42 does what the lesson asks of a learner: it opens the
// counter in a real browser and refreshes until the page says 42. With
// -update it saves the two screenshots the lesson shows, at twice the
// pixels, with the address and the session cookie as the browser shows them.
func TestBrowserCounts42(t *testing.T) {
	b := browsertest.Start(t)
	srv := httptest.NewServer(newTestServer(t, sessionstore.Config{}))
	defer srv.Close()

	b.Do("opening the counter", chromedp.Navigate(srv.URL))
	if text := b.Text(); text != firstVisit {
		t.Fatalf("first visit: the page says %q, want %q", text, firstVisit)
	}
	saveScreenshot(t, "step04-first-visit@2x.png", b.FramedScreenshot(browsertest.Frame{Address: true, Cookies: true}))

	for range 41 {
		// Refresh, and wait for the new page before reading it.
		b.Do("refreshing", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
	}
	if text, want := b.Text(), "You visited this page 42 times"; text != want {
		t.Fatalf("after 41 refreshes: the page says %q, want %q", text, want)
	}
	saveScreenshot(t, "step04-visit-42@2x.png", b.FramedScreenshot(browsertest.Frame{Address: true, Cookies: true}))
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
