package main

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/go-sessions-course/echo-sessions/internal/transcript"
	"github.com/go-sessions-course/echo-sessions/memstore"
)

// chromium returns the path of a Chromium or Chrome binary, or skips the
// test with a one-line reason.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on PATH (apt-get install chromium): skipping the browser test")
	return ""
}

// TestBrowserCounts42 does what the lesson asks of a learner: it opens the
// counter in a real browser and refreshes until the page says 42. With
// -update it saves the two screenshots the lesson shows.
func TestBrowserCounts42(t *testing.T) {
	exe := chromium(t)
	srv := httptest.NewServer(newTestServer(t, memstore.Config{}))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(560, 160),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	// No timeout on the browser's own context: chromedp would stop the
	// browser with it. Each step below gets its own.
	browser, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	step := func() context.Context {
		ctx, cancel := context.WithTimeout(browser, 30*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	read := func() (string, []byte) {
		t.Helper()
		text, err := chromedp.Run(step(), chromedp.Text(chromedp.CSS("body")))
		if err != nil {
			t.Fatalf("reading the page: %v", err)
		}
		shot, err := chromedp.Run(step(), chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("taking a screenshot: %v", err)
		}
		return text, shot
	}

	// A small window, as in the tutorial's screenshots.
	if err := chromedp.Do(step(), chromedp.EmulateViewport(560, 120), chromedp.Navigate(srv.URL)); err != nil {
		t.Fatalf("opening %s: %v", srv.URL, err)
	}
	text, shot := read()
	if text != firstVisit {
		t.Fatalf("first visit: the page says %q, want %q", text, firstVisit)
	}
	saveScreenshot(t, "step04-first-visit.png", shot)

	for range 41 {
		// Refresh, and wait for the new page before reading it.
		if err := chromedp.Do(step(), chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatalf("refreshing: %v", err)
		}
	}
	text, shot = read()
	if want := "You visited this page 42 times"; text != want {
		t.Fatalf("after 41 refreshes: the page says %q, want %q", text, want)
	}
	saveScreenshot(t, "step04-visit-42.png", shot)
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
