// Package browsertest starts a headless Chromium for tests, through
// chromedp, or skips the test with a one-line reason when there is none.
// CI installs Debian's chromium, so there the browser tests always run.
package browsertest

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is a running headless Chromium with one tab.
type Browser struct {
	t   *testing.T
	ctx context.Context // the tab's context; it has no deadline (see Step)
}

// Start starts Chromium with a small window and a fresh profile, or skips
// the test. The browser is stopped when the test ends.
func Start(t *testing.T) *Browser {
	t.Helper()
	var exe string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		t.Skip("no Chromium on PATH (apt-get install chromium): skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		// This machine's network is closed: no update checks or sync.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	// No timeout on the tab's own context: chromedp would stop the browser
	// with it. Each step gets its own (see Step).
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(560, 120)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return &Browser{t: t, ctx: ctx}
}

// Step returns a context for one action, with a 30-second limit.
func (b *Browser) Step() context.Context {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	b.t.Cleanup(cancel)
	return ctx
}

// Do runs actions in the tab, failing the test on an error.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.Step(), actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// Text returns the page's visible text.
func (b *Browser) Text() string {
	b.t.Helper()
	text, err := chromedp.Run(b.Step(), chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		b.t.Fatalf("reading the page: %v", err)
	}
	return text
}

// Screenshot returns a PNG of the window.
func (b *Browser) Screenshot() []byte {
	b.t.Helper()
	png, err := chromedp.Run(b.Step(), chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("taking a screenshot: %v", err)
	}
	return png
}

// FullScreenshot returns a picture of the whole page, however long: a PNG,
// or a JPEG of the given quality (1 to 99), far smaller for long pages.
func (b *Browser) FullScreenshot(quality int) []byte {
	b.t.Helper()
	img, err := chromedp.Run(b.Step(), chromedp.FullScreenshot(quality))
	if err != nil {
		b.t.Fatalf("taking a screenshot of the whole page: %v", err)
	}
	return img
}

// Media makes the pages see the given media type ("print", or "" for the
// screen) and the reader's system as "light" or "dark" (the CSS
// prefers-color-scheme feature), through the DevTools protocol's
// Emulation.setEmulatedMedia. Each call replaces the one before.
func Media(media, scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		params := map[string]any{
			"media":    media,
			"features": []map[string]string{{"name": "prefers-color-scheme", "value": scheme}},
		}
		return t.Call(ctx, "Emulation.setEmulatedMedia", params, nil)
	})
}
