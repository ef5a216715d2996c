package site

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/browsertest"
)

// The browser tests open the course in headless Chromium and check what a
// reader sees: at a phone's width (390 px), a tablet's (768) and a
// laptop's (1280), in light and dark. They save a screenshot of every page
// in each (the first screen, and the whole page at 390 and 1280) in
// internal/tooling/site/screenshots, which git ignores: they change with every
// font and every lesson, so a reviewer takes them fresh.
// SITE_SCREENSHOTS=dir saves them elsewhere; SITE_PAGES=/,/04-counter
// opens only those pages.

type viewport struct {
	name          string
	width, height int64
}

var viewports = []viewport{{"phone", 390, 844}, {"tablet", 768, 1024}, {"laptop", 1280, 800}}

// browseSite starts the site and a browser.
func browseSite(t *testing.T) (*browsertest.Browser, string, *site) {
	t.Helper()
	b := browsertest.Start(t)
	h, err := New(os.DirFS("../../../docs"), os.DirFS("../../.."))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return b, srv.URL, h.(*site)
}

// sitePaths are the pages the layout tests open: every lesson, a folder, a
// source file with an excerpt highlighted, and the 404.
func sitePaths(s *site) []string {
	var paths []string
	for _, p := range s.pages {
		paths = append(paths, p.URL())
	}
	paths = append(paths, "/source/step04-counter/", "/source/step04-counter/server.go?lines=20-30#L20", "/no-such-page")
	if only := os.Getenv("SITE_PAGES"); only != "" {
		return strings.Split(only, ",")
	}
	return paths
}

// eval runs JavaScript in the page and decodes its result.
func eval[T any](t *testing.T, b *browsertest.Browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.Step(), chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %.60s…: %v", js, err)
	}
	return v
}

// layoutProblems lists what hides content: a page wider than the window,
// a box that clips its content, a box that scrolls sideways without the
// shadows that show there is more, or that the keyboard cannot reach, and
// (noScroll) any code block that scrolls though its lines are within the
// course's 100 columns.
const layoutProblems = `((noScroll) => {
  const out = [];
  const what = (e) => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : "") +
    " «" + e.textContent.trim().slice(0, 50) + "»";
  const page = document.documentElement.scrollWidth;
  if (page > innerWidth) out.push("the page is " + page + " px wide");
  for (const e of document.querySelectorAll("body *")) {
    if (e.clientWidth === 0 || e.scrollWidth <= e.clientWidth + 1 || !e.checkVisibility()) continue;
    const st = getComputedStyle(e);
    if (st.display === "inline" || e.closest("svg")) continue;
    const scrolls = st.overflowX === "auto" || st.overflowX === "scroll";
    if (!scrolls) {
      // Content sticking out of a box that does not scroll: clipped, or
      // over its neighbours (unless a box around it scrolls).
      const box = e.parentElement && e.parentElement.closest("pre, .table-wrap");
      if (!box) out.push("content sticks out of " + what(e) + " (" + e.scrollWidth + " > " + e.clientWidth + ")");
      continue;
    }
    if (e.matches("pre.wrap")) out.push(what(e) + " is a transcript, which should wrap, but scrolls");
    if (!st.backgroundImage.includes("radial-gradient")) out.push(what(e) + " scrolls without a shadow showing there is more");
    if (e.tabIndex < 0) out.push(what(e) + " scrolls but the keyboard cannot reach it");
    // On a laptop, code within the course's 100 columns (a tab is 4) fits.
    const columns = Math.max(0, ...[...e.querySelectorAll(".cl")].map(l => l.textContent.replace(/\t/g, "    ").trimEnd().length));
    if (noScroll && e.matches("pre") && columns <= 100)
      out.push(what(e) + " scrolls at this width, though its lines are " + columns + " columns at most");
  }
  return out.slice(0, 6);
})`

// contrastProblems lists the text whose contrast with its background is
// under WCAG's AA (4.5:1, or 3:1 for large text), with opacity counted.
const contrastProblems = `(() => {
  const rgba = (c) => { const m = c.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (e) => {
    for (; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0.5) return c; }
    return [255, 255, 255, 1];
  };
  const out = [], seen = new Set();
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walk.nextNode());) {
    const e = n.parentElement;
    if (!n.textContent.trim() || seen.has(e)) continue;
    seen.add(e);
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || e.closest("svg, .skip") || !e.checkVisibility()) continue;
    const st = getComputedStyle(e);
    if (st.visibility === "hidden") continue;
    let opacity = 1;
    for (let a = e; a; a = a.parentElement) opacity *= +getComputedStyle(a).opacity;
    if (opacity === 0) continue;
    const bg = background(e), fg = rgba(st.color);
    const a = fg[3] * opacity, mix = fg.slice(0, 3).map((v, i) => v * a + bg[i] * (1 - a));
    const [l1, l2] = [lum(mix), lum(bg)];
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(st.fontSize), large = size >= 24 || (size >= 18.6 && +st.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5))
      out.push(e.tagName.toLowerCase() + "." + e.className + " «" + n.textContent.trim().slice(0, 30) + "» " + ratio.toFixed(2) + ":1");
  }
  return out.slice(0, 6);
})()`

// TestBrowserLayout opens every page at each width, light and dark, and
// fails where content is hidden without a way to see it, where text is
// hard to read, or where code of 100 columns scrolls on a laptop.
func TestBrowserLayout(t *testing.T) {
	b, base, s := browseSite(t)
	dir := os.Getenv("SITE_SCREENSHOTS")
	if dir == "" {
		dir = "screenshots"
	}
	for _, scheme := range []string{"light", "dark"} {
		b.Do("choosing "+scheme, browsertest.Media("", scheme))
		for _, vp := range viewports {
			b.Do("resizing", chromedp.EmulateViewport(vp.width, vp.height))
			for _, path := range sitePaths(s) {
				at := fmt.Sprintf("%s at %d px, %s", path, vp.width, scheme)
				b.Do("opening "+path, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main")))
				for _, p := range eval[[]string](t, b, fmt.Sprintf("%s(%v)", layoutProblems, vp.width >= 1280)) {
					t.Errorf("%s: %s", at, p)
				}
				for _, p := range eval[[]string](t, b, contrastProblems) {
					t.Errorf("%s: low contrast: %s", at, p)
				}
				name := strings.Trim(strings.NewReplacer("/", "_", "?", "_", "#", "_", "=", "-").Replace(path), "_")
				if name == "" {
					name = "index"
				}
				save(t, filepath.Join(dir, fmt.Sprintf("%d-%s", vp.width, scheme), name+".png"), b.Screenshot())
				if vp.width != 768 {
					save(t, filepath.Join(dir, fmt.Sprintf("%d-%s-full", vp.width, scheme), name+".jpg"), b.FullScreenshot(70))
				}
			}
		}
	}
}

func save(t *testing.T, name string, img []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, img, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserCaptionsLandOnTheirLines follows every excerpt's caption to
// its source page and checks that the lines highlighted there, starting at
// the one the link points to, are the lines the lesson shows.
func TestBrowserCaptionsLandOnTheirLines(t *testing.T) {
	b, base, s := browseSite(t)
	b.Do("resizing", chromedp.EmulateViewport(1280, 800))
	type excerpt struct {
		Href  string
		Lines []string
	}
	checked := 0
	for _, p := range s.pages {
		b.Do("opening "+p.URL(), chromedp.Navigate(base+p.URL()), chromedp.WaitReady(chromedp.CSS("main")))
		raw := eval[string](t, b, `JSON.stringify([...document.querySelectorAll("figure.code")].filter(f => f.querySelector("figcaption a")).map(f => ({
			Href: f.querySelector("figcaption a").getAttribute("href"),
			Lines: [...f.querySelectorAll("pre .cl")].map(l => l.textContent.trim())})))`)
		var excerpts []excerpt
		if err := json.Unmarshal([]byte(raw), &excerpts); err != nil {
			t.Fatal(err)
		}
		for _, e := range excerpts {
			b.Do("following "+e.Href, chromedp.Navigate(base+e.Href), chromedp.WaitReady(chromedp.CSS("main")))
			got := eval[[]string](t, b, `[...document.querySelectorAll("pre .line.hl .cl")].map(l => l.textContent.trim())`)
			target := eval[string](t, b, `(document.querySelector(":target .cl") || {textContent: "no line is the link's target"}).textContent.trim()`)
			inView := eval[bool](t, b, `(() => { const r = document.querySelector(":target"); return !!r && r.getBoundingClientRect().top >= 0 && r.getBoundingClientRect().bottom <= innerHeight; })()`)
			if strings.Join(got, "\n") != strings.Join(e.Lines, "\n") {
				t.Errorf("%s: %s highlights\n%q\nwant the lines the lesson shows:\n%q", p.URL(), e.Href, got, e.Lines)
				continue
			}
			if len(e.Lines) > 0 && target != e.Lines[0] || !inView {
				t.Errorf("%s: %s lands on %q (in view: %v), want its first line %q, in view", p.URL(), e.Href, target, inView, e.Lines[0])
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d captions", checked)
	}
}

// TestBrowserNavigation: on a phone the lesson starts on the first screen
// and the lessons are one tap away; on a laptop the sidebar stays in view
// to the end of the page and marks the section being read; the arrow keys
// turn the pages.
func TestBrowserNavigation(t *testing.T) {
	b, base, _ := browseSite(t)
	b.Do("resizing to a phone", chromedp.EmulateViewport(390, 844))
	b.Do("opening step 6", chromedp.Navigate(base+"/06-login"), chromedp.WaitReady(chromedp.CSS("main")))
	if top := eval[float64](t, b, `document.querySelector("main h1 + p.run + h2 + p, main h1 ~ p:not(.run)").getBoundingClientRect().top`); top > 600 {
		t.Errorf("on a phone the lesson's first paragraph starts at %.0f px, want it on the first screen", top)
	}
	if n := eval[int](t, b, `[...document.querySelectorAll("nav.course a")].filter(a => a.checkVisibility()).length`); n != 0 {
		t.Errorf("on a phone %d lesson links show before the menu is opened", n)
	}
	b.Do("opening the menu", chromedp.Click(chromedp.CSS(".menu summary")))
	if n := eval[int](t, b, `[...document.querySelectorAll(".menu nav.course .lessons > li > a")].filter(a => a.getBoundingClientRect().bottom < innerHeight).length`); n < 8 {
		t.Errorf("the phone's menu shows %d lessons on the screen, want all 8", n)
	}

	b.Do("resizing to a laptop", chromedp.EmulateViewport(1280, 800))
	b.Do("opening step 6", chromedp.Navigate(base+"/06-login"), chromedp.WaitReady(chromedp.CSS("main")))
	b.Do("scrolling to a section", chromedp.Evaluate[chromedp.Void](`document.getElementById("logging-out").scrollIntoView(); dispatchEvent(new Event("scroll"))`))
	if _, err := chromedp.Run(b.Step(), chromedp.Poll[bool](`document.querySelector(".sidebar a.here")?.textContent === "Logging out"`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		here := eval[string](t, b, `(document.querySelector(".sidebar a.here") || {textContent: "nothing"}).textContent`)
		t.Errorf("the sidebar marks %s, want %q", here, "Logging out")
	}
	b.Do("scrolling to the end", chromedp.Evaluate[chromedp.Void](`scrollTo(0, document.body.scrollHeight)`))
	if top := eval[float64](t, b, `document.querySelector(".sidebar .lessons a").getBoundingClientRect().top`); top < 0 || top > 200 {
		t.Errorf("at the end of the page the sidebar's first lesson is at %.0f px, want it in view", top)
	}
	if n := eval[int](t, b, `document.querySelectorAll(".pager").length`); n != 2 {
		t.Errorf("%d pagers on the page, want one at the top and one at the bottom", n)
	}
	b.Do("waiting for the script", chromedp.WaitReady(chromedp.CSS(`html[data-js="ready"]`)))
	b.Do("pressing →", chromedp.KeyEvent(kb.ArrowRight))
	b.Do("waiting for the next page", chromedp.WaitReady(chromedp.CSS(`link[rel="prev"][href="/06-login"]`)),
		chromedp.WaitReady(chromedp.CSS(`html[data-js="ready"]`)))
	b.Do("pressing ←", chromedp.KeyEvent(kb.ArrowLeft))
	b.Do("waiting for the previous page", chromedp.WaitReady(chromedp.CSS(`link[rel="next"][href="/07-echo-v5"]`)))
}

// TestBrowserPrint: printed, a lesson has no navigation, its folds are
// open and its code is wrapped, not cut.
func TestBrowserPrint(t *testing.T) {
	b, base, _ := browseSite(t)
	b.Do("resizing to a page", chromedp.EmulateViewport(700, 1000))
	b.Do("printing", browsertest.Media("print", "light"))
	b.Do("opening step 5", chromedp.Navigate(base+"/05-stores"), chromedp.WaitReady(chromedp.CSS("main")))
	if n := eval[int](t, b, `[...document.querySelectorAll("nav, .bar")].filter(e => e.checkVisibility()).length`); n != 0 {
		t.Errorf("%d navigation boxes print", n)
	}
	if n := eval[int](t, b, `[...document.querySelectorAll("details.solution p")].filter(e => !e.checkVisibility()).length`); n != 0 {
		t.Errorf("%d paragraphs of the folded solutions do not print", n)
	}
	if n := eval[int](t, b, `[...document.querySelectorAll("pre")].filter(e => e.scrollWidth > e.clientWidth + 1).length`); n != 0 {
		t.Errorf("%d code blocks are cut on paper", n)
	}
}
