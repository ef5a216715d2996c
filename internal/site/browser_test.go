package site

import (
	"fmt"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/go-sessions-course/echo-sessions/internal/browsertest"
)

// TestBrowserPagesFitTheWindow opens every page of the course in headless
// Chromium, as wide as a phone (390 px) and as a laptop (1280 px), and
// fails when a page is wider than the window: code, transcripts and tables
// must scroll inside their own box, never the whole page.
func TestBrowserPagesFitTheWindow(t *testing.T) {
	b := browsertest.Start(t)
	h, err := New(os.DirFS("../../docs"), os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	paths := []string{"/source/step04-counter/", "/source/step04-counter/server.go"}
	for _, p := range h.(*site).pages {
		paths = append(paths, "/"+p.Slug)
	}
	for _, width := range []int64{390, 1280} {
		b.Do("resizing", chromedp.EmulateViewport(width, 800))
		for _, path := range paths {
			b.Do("opening "+path, chromedp.Navigate(srv.URL+path), chromedp.WaitReady(chromedp.CSS("main")))
			wide, err := chromedp.Run(b.Step(), chromedp.Evaluate[string](
				`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest("pre, table, .chroma, nav.toc")).slice(0, 3).map(e => e.tagName + " " + e.textContent.slice(0, 60)).join(" | ")`))
			if err != nil {
				t.Fatal(err)
			}
			scroll, err := chromedp.Run(b.Step(), chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if scroll > width {
				t.Errorf("%s at %d px: the page is %d px wide; too wide: %s", path, width, scroll, fmt.Sprint(wide))
			}
		}
	}
}
