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
// laptop's (1280), in light and dark. A plain go test skips them (see
// browsertest.Wanted). Every page at every width and theme is the slow
// sweep: it runs whole under COURSE_SWEEP=full (as .ci/run sets it), and
// on one long lesson under -run Browser. SITE_PAGES=/,/04-counter
// opens only those pages; SITE_SCREENSHOTS=dir saves a screenshot of each
// (the first screen, and the whole page at 390 and 1280) in dir.
//
// The package's tests share one Chromium (see TestMain), each in a tab.

func TestMain(m *testing.M) {
	code := m.Run()
	browsertest.StopShared()
	os.Exit(code)
}

type viewport struct {
	name          string
	width, height int64
}

var viewports = []viewport{{"phone", 390, 844}, {"tablet", 768, 1024}, {"laptop", 1280, 800}}

// fullSweep reports whether every page is to be checked, and says so when
// only a sample is.
func fullSweep(t *testing.T) bool {
	t.Helper()
	if os.Getenv("COURSE_SWEEP") == "full" {
		return true
	}
	t.Log("checking a sample; COURSE_SWEEP=full checks every page at every width and theme")
	return false
}

// browseSite serves the site and opens a tab of the shared browser.
func browseSite(t *testing.T) (*browsertest.Browser, string, *site) {
	t.Helper()
	b := browsertest.Shared(t)
	h, err := testSite()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return b, srv.URL, h.(*site)
}

// sitePaths are the pages the layout tests open: every lesson, a folder, a
// source file with an excerpt highlighted, the search and the 404; or, for
// a short run, the longest lesson (tables, diffs, transcripts, pictures).
func sitePaths(t *testing.T, s *site) []string {
	if only := os.Getenv("SITE_PAGES"); only != "" {
		return strings.Split(only, ",")
	}
	if !fullSweep(t) {
		return []string{"/06-login"}
	}
	var paths []string
	for _, p := range s.pages {
		paths = append(paths, p.URL())
	}
	return append(paths, "/source/step04-counter/", "/source/step04-counter/server.go?lines=20-30#L20",
		"/search?q=SameSite", "/no-such-page")
}

// open loads a page and waits for its script.
func open(b *browsertest.Browser, url string) {
	b.Do("opening "+url, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS(`html[data-js="ready"]`)))
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
    if (st.display === "inline" || e.closest("svg, .vh")) continue; // .vh: for screen readers alone
    const scrolls = st.overflowX === "auto" || st.overflowX === "scroll";
    if (!scrolls) {
      // Content sticking out of a box that does not scroll: clipped, or
      // over its neighbours (unless a box around it scrolls).
      const box = e.parentElement && e.parentElement.closest("pre, .table-wrap");
      if (!box) out.push("content sticks out of " + what(e) + " (" + e.scrollWidth + " > " + e.clientWidth + ")");
      continue;
    }
    if (e.matches("pre.wrap")) out.push(what(e) + " is a transcript, which should wrap, but scrolls");
    if (e.matches("pre") && !e.matches("pre.bench")) out.push(what(e) + " is code, which should wrap, but scrolls");
    if (!st.backgroundImage.includes("radial-gradient")) out.push(what(e) + " scrolls without a shadow showing there is more");
    if (e.tabIndex < 0) out.push(what(e) + " scrolls but the keyboard cannot reach it");
    // A line with a background of its own would paint over the shadow.
    for (const l of e.querySelectorAll(".line"))
      if (getComputedStyle(l).backgroundColor !== "rgba(0, 0, 0, 0)") { out.push(what(e) + " scrolls, and its lines paint over the shadow"); break; }
    // On a laptop, code within the course's 100 columns (a tab is 4) fits.
    const columns = Math.max(0, ...[...e.querySelectorAll(".cl")].map(l => l.textContent.replace(/\t/g, "    ").trimEnd().length));
    if (noScroll && e.matches("pre") && columns <= 100)
      out.push(what(e) + " scrolls at this width, though its lines are " + columns + " columns at most");
  }
  // A box that does not scroll is no tab stop of its own.
  for (const e of document.querySelectorAll("main pre, main .table-wrap"))
    if (e.tabIndex >= 0 && e.scrollWidth <= e.clientWidth + 1) out.push(what(e) + " is a tab stop but does not scroll");
  return out.slice(0, 6);
})`

// readingProblems lists what makes a page hard to read or to find one's
// way in, at any width: no section navigation, a link in a link, lines of
// prose far over 70 characters, code much smaller than the prose, a
// table's cell cut off on a phone, emoji a machine without an emoji font
// shows as boxes, a diagram left white in the dark.
const readingProblems = `((dark) => {
  const out = [];
  const main = document.querySelector("main");
  const sections = main.querySelectorAll("h2[id], h3[id]").length;
  if (sections > 1) {
    const menu = document.querySelector(".bar").checkVisibility();
    const nav = menu ? document.querySelectorAll(".sections-menu .sections a") : document.querySelectorAll(".sidebar .sections a");
    if (nav.length < sections) out.push((menu ? "the Sections menu" : "the sidebar") + " lists " + nav.length + " of the page's " + sections + " sections");
  }
  if (document.querySelector("a a")) out.push("a link inside a link: " + document.querySelector("a a").outerHTML.slice(0, 80));
  const prose = parseFloat(getComputedStyle(main.querySelector(":scope > p:not(.run)") || main).fontSize);
  for (const p of main.querySelectorAll(":scope > p")) {
    const lh = parseFloat(getComputedStyle(p).lineHeight), lines = Math.round(p.getBoundingClientRect().height / lh);
    if (lines < 4) continue;
    const perLine = p.textContent.length / lines;
    if (perLine > 75) { out.push("prose runs " + perLine.toFixed(0) + " characters a line: «" + p.textContent.slice(0, 40) + "»"); break; }
  }
  for (const pre of main.querySelectorAll("pre")) {
    const size = parseFloat(getComputedStyle(pre).fontSize);
    if (size < 0.85 * prose) { out.push("code is " + size.toFixed(1) + " px beside " + prose + " px prose"); break; }
  }
  for (const td of main.querySelectorAll("td")) {
    const r = td.getBoundingClientRect();
    if (innerWidth < 640 && r.right > innerWidth + 1) { out.push("a table cell is cut off at " + r.right.toFixed(0) + " px: «" + td.textContent.slice(0, 30) + "»"); break; }
  }
  if (/[\u2705\u274C]/.test(main.innerText)) out.push("✅ or ❌ is left to an emoji font");
  for (const img of main.querySelectorAll('img[src$=".svg"]'))
    if (dark && !getComputedStyle(img).filter.includes("invert")) out.push(img.getAttribute("src") + " is a white slab in the dark");
  return out;
})`

// contrastProblems lists the text whose contrast with its background is
// under WCAG's AA (4.5:1, or 3:1 for large text), with opacity counted.
const contrastProblems = `(() => {
  const rgba = (c) => { const m = c.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  // Each element's background and opacity, remembered: a long page has
  // thousands of text nodes under the same few boxes.
  const bgs = new Map(), opacities = new Map();
  const background = (e) => {
    if (!e) return [255, 255, 255, 1];
    if (!bgs.has(e)) { const c = rgba(getComputedStyle(e).backgroundColor); bgs.set(e, c[3] > 0.5 ? c : background(e.parentElement)); }
    return bgs.get(e);
  };
  const opacityOf = (e) => {
    if (!e) return 1;
    if (!opacities.has(e)) opacities.set(e, +getComputedStyle(e).opacity * opacityOf(e.parentElement));
    return opacities.get(e);
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
    const opacity = opacityOf(e);
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
	paths := sitePaths(t, s)
	for _, scheme := range []string{"light", "dark"} {
		b.Do("choosing "+scheme, browsertest.Media("", scheme))
		for _, vp := range viewports {
			b.Do("resizing", chromedp.EmulateViewport(vp.width, vp.height))
			for _, path := range paths {
				at := fmt.Sprintf("%s at %d px, %s", path, vp.width, scheme)
				open(b, base+path)
				for _, p := range eval[[]string](t, b, fmt.Sprintf("%s(%v)", layoutProblems, vp.width >= 1280)) {
					t.Errorf("%s: %s", at, p)
				}
				for _, p := range eval[[]string](t, b, fmt.Sprintf("%s(%v)", readingProblems, scheme == "dark")) {
					t.Errorf("%s: %s", at, p)
				}
				for _, p := range eval[[]string](t, b, contrastProblems) {
					t.Errorf("%s: low contrast: %s", at, p)
				}
				if dir == "" {
					continue
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
	checked, full := 0, fullSweep(t)
	for _, p := range s.pages {
		if !full && p.Slug != "04-counter" {
			continue
		}
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
	if checked < 20 && full || checked < 3 {
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
	b.Do("opening the menu", chromedp.Click(chromedp.CSS(".lessons-menu summary")))
	if n := eval[int](t, b, `[...document.querySelectorAll(".menu nav.course .lessons > li > a")].filter(a => a.getBoundingClientRect().bottom < innerHeight).length`); n < 8 {
		t.Errorf("the phone's menu shows %d lessons on the screen, want all 8", n)
	}
	b.Do("pressing Escape", chromedp.KeyEvent(kb.Escape))
	if eval[bool](t, b, `document.querySelector(".lessons-menu").open`) {
		t.Error("Escape does not close the phone's menu")
	}

	// On a phone and a tablet, the Sections menu lists the page's sections
	// and takes the reader there.
	for _, width := range []int64{390, 768} {
		b.Do("resizing", chromedp.EmulateViewport(width, 900))
		open(b, base+"/06-login")
		b.Do("opening the sections", chromedp.Click(chromedp.CSS(".sections-menu summary")))
		n := eval[int](t, b, `[...document.querySelectorAll(".sections-menu .sections a")].filter(a => a.checkVisibility()).length`)
		if want := eval[int](t, b, `document.querySelectorAll("main h2[id], main h3[id]").length`); n != want || n < 10 {
			t.Errorf("at %d px the Sections menu shows %d links, want the page's %d sections", width, n, want)
		}
		b.Do("following a section", chromedp.Click(chromedp.CSS(`.sections-menu a[href="#logging-out"]`)))
		if _, err := chromedp.Run(b.Step(), chromedp.Poll[bool](`(() => { const r = document.getElementById("logging-out").getBoundingClientRect(); return r.top >= 0 && r.top < 200; })()`,
			chromedp.WithPollingTimeout(5*time.Second))); err != nil {
			t.Errorf("at %d px the Sections menu's link does not bring its section to the top", width)
		}
		if eval[bool](t, b, `document.querySelector(".sections-menu").open`) {
			t.Errorf("at %d px the Sections menu stays open over the section it went to", width)
		}
		b.Do("opening the sections again", chromedp.Click(chromedp.CSS(".sections-menu summary")))
		b.Do("pressing Escape", chromedp.KeyEvent(kb.Escape))
		if eval[bool](t, b, `document.querySelector(".sections-menu").open`) {
			t.Errorf("at %d px Escape does not close the Sections menu", width)
		}
	}

	b.Do("resizing to a laptop", chromedp.EmulateViewport(1280, 800))
	b.Do("opening step 6", chromedp.Navigate(base+"/06-login"), chromedp.WaitReady(chromedp.CSS("main")))
	b.Do("scrolling to a section", chromedp.Evaluate[chromedp.Void](`document.getElementById("logging-out").scrollIntoView(); dispatchEvent(new Event("scroll"))`))
	if _, err := chromedp.Run(b.Step(), chromedp.Poll[bool](`document.querySelector(".sidebar a.here")?.textContent === "Logging out"`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		here := eval[string](t, b, `(document.querySelector(".sidebar a.here") || {textContent: "nothing"}).textContent`)
		t.Errorf("the sidebar marks %s, want %q", here, "Logging out")
	}
	// Step 6's sections are taller than the window: the sidebar scrolls to
	// keep the marked one in view.
	b.Do("scrolling to the last section", chromedp.Evaluate[chromedp.Void](`document.querySelector("main h2[id]:last-of-type").scrollIntoView(); dispatchEvent(new Event("scroll"))`))
	if _, err := chromedp.Run(b.Step(), chromedp.Poll[bool](`(() => {
		const a = document.querySelector(".sidebar a.here"), s = document.querySelector(".sidebar");
		const last = [...document.querySelectorAll(".sidebar .sections > li > a")].slice(-2);
		if (!a || !last.includes(a)) return false;
		const r = a.getBoundingClientRect(), box = s.getBoundingClientRect();
		return r.top >= box.top && r.bottom <= box.bottom; })()`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("at the last section the sidebar does not show it marked: %s",
			eval[string](t, b, `(document.querySelector(".sidebar a.here") || {textContent: "nothing marked"}).textContent`))
	}
	b.Do("scrolling to the end", chromedp.Evaluate[chromedp.Void](`scrollTo(0, document.body.scrollHeight)`))
	if top := eval[float64](t, b, `document.querySelector(".sidebar").getBoundingClientRect().top`); top < -1 || top > 1 {
		t.Errorf("at the end of the page the sidebar's top is at %.0f px, want it in view at 0", top)
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

// printProblems lists what would waste paper or mislead on it: a caption
// that may print alone at the foot of a page, a block too tall for a page
// that is kept whole (it leaves the rest of a page empty, or a framed page
// with nothing in it), and a wrapped line of code that loses its indent.
const printProblems = `((page) => {
  const out = [];
  for (const c of document.querySelectorAll("figure.block figcaption"))
    if (c.checkVisibility() && getComputedStyle(c).breakAfter !== "avoid") { out.push("a caption may print alone: «" + c.textContent.slice(0, 40) + "»"); break; }
  for (const e of document.querySelectorAll("main figure, main pre, main table, main .callout, main .table-wrap")) {
    const h = e.getBoundingClientRect().height;
    if (h > page * 0.6 && getComputedStyle(e).breakInside === "avoid") {
      out.push(e.tagName.toLowerCase() + "." + e.className + " is " + h.toFixed(0) + " px tall and kept on one page: «" + e.textContent.trim().slice(0, 40) + "»");
      break;
    }
  }
  // A line of code starts at its indent, as in an editor; a wrapped one's
  // further rows start under its text, not at the margin.
  let wrapped = 0, ch = 0;
  for (const cl of document.querySelectorAll("pre .cl")) {
    const indent = parseInt(cl.style.getPropertyValue("--i") || "0");
    if (!indent || !cl.checkVisibility()) continue;
    const lh = parseFloat(getComputedStyle(cl).lineHeight);
    if (!ch) { const m = document.createElement("span"); m.textContent = "0".repeat(40); cl.append(m);
      ch = m.getBoundingClientRect().width / 40; m.remove(); }
    const start = cl.textContent.search(/\S/);
    const walker = document.createTreeWalker(cl, NodeFilter.SHOW_TEXT), r = document.createRange();
    let pos = 0, node, first = null;
    while ((node = walker.nextNode())) {
      if (pos + node.length > start) { r.setStart(node, start - pos); r.setEnd(node, start - pos + 1); first = r.getBoundingClientRect(); break; }
      pos += node.length;
    }
    const at = (first.left - cl.getBoundingClientRect().left) / ch;
    if (Math.abs(at - indent) > 0.5) { out.push("a line indented " + indent + " columns starts at column " + at.toFixed(1) + ": «" + cl.textContent.trim().slice(0, 40) + "»"); break; }
    if (cl.getBoundingClientRect().height < 1.5 * lh) continue;
    r.selectNodeContents(cl);
    const rows = [...r.getClientRects()].filter(x => x.width > 0 && x.top > first.top + lh / 2);
    wrapped++;
    if (rows.length && Math.min(...rows.map(x => x.left)) < first.left - 1) { out.push("a wrapped line loses its indent: «" + cl.textContent.trim().slice(0, 40) + "»"); break; }
  }
  if (!wrapped) out.push("no indented line of code wraps on this page: the indent check checked nothing");
  return out;
})`

// TestBrowserPrint: printed, a lesson has no navigation, its folds are
// open, its code is wrapped under its indent, not cut, no caption prints
// alone and no block too tall for a page is kept whole.
func TestBrowserPrint(t *testing.T) {
	b, base, s := browseSite(t)
	b.Do("resizing to a page", chromedp.EmulateViewport(700, 1000))
	b.Do("printing", browsertest.Media("print", "light"))
	paths := []string{"/06-login"}
	if fullSweep(t) {
		paths = nil
		for _, p := range s.pages {
			if p.Step != "" {
				paths = append(paths, p.URL())
			}
		}
	}
	for _, path := range paths {
		open(b, base+path)
		b.Do("opening the folds", chromedp.Evaluate[chromedp.Void](`dispatchEvent(new Event("beforeprint"))`))
		if n := eval[int](t, b, `[...document.querySelectorAll("nav, .bar, button, .search")].filter(e => e.checkVisibility()).length`); n != 0 {
			t.Errorf("%s: %d navigation boxes or buttons print", path, n)
		}
		if n := eval[int](t, b, `[...document.querySelectorAll("details.solution p")].filter(e => !e.checkVisibility()).length`); n != 0 {
			t.Errorf("%s: %d paragraphs of the folded solutions do not print", path, n)
		}
		if n := eval[int](t, b, `[...document.querySelectorAll("pre")].filter(e => e.scrollWidth > e.clientWidth + 1).length`); n != 0 {
			t.Errorf("%s: %d code blocks are cut on paper", path, n)
		}
		for _, p := range eval[[]string](t, b, printProblems+"(1000)") {
			if strings.HasPrefix(p, "no indented line") && path != "/06-login" {
				continue // a page may have no line long enough to wrap
			}
			t.Errorf("%s, printed: %s", path, p)
		}
	}
	b.Do("back to the screen", browsertest.Media("", "light"))
}

// TestBrowserSearch types words into the search box, with no service
// behind it but the index the site serves, and follows the first result:
// it must open the section that holds the word. At a phone's width the box
// is in the Lessons menu. Each word's source lines are found too.
func TestBrowserSearch(t *testing.T) {
	b, base, _ := browseSite(t)
	for _, c := range []struct {
		width int64
		input string
		words []string
	}{
		{1280, "#q-side", []string{"Regenerate", "SameSite", "flash"}},
		{390, "#q-bar", []string{"SameSite"}},
	} {
		b.Do("resizing", chromedp.EmulateViewport(c.width, 844))
		for _, word := range c.words {
			open(b, base+"/")
			if c.width < 1024 {
				b.Do("opening the menu", chromedp.Click(chromedp.CSS(".lessons-menu summary")))
			}
			b.Do("typing "+word, chromedp.SendKeys(chromedp.CSS(c.input), word))
			b.Do("waiting for the results", chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`form[data-shown=%q] .results a`, word))))
			hrefs := eval[[]string](t, b, fmt.Sprintf(`[...document.querySelector(%q).form.querySelectorAll(".results a")].map(a => a.getAttribute("href"))`, c.input))
			if len(hrefs) == 0 || !strings.Contains(hrefs[0], "#") || strings.HasPrefix(hrefs[0], "/source/") {
				t.Errorf("at %d px, %s: the first result is %q, want a section of a page", c.width, word, hrefs)
				continue
			}
			if !slicesContainsFunc(hrefs, func(h string) bool { return strings.HasPrefix(h, "/source/") && strings.Contains(h, "#L") }) &&
				word != "flash" {
				t.Errorf("at %d px, %s: no result opens a source line: %q", c.width, word, hrefs)
			}
			b.Do("opening the first result", chromedp.Click(chromedp.CSS(c.input+" ~ .results a")))
			b.Do("waiting for the section", chromedp.WaitReady(chromedp.CSS(`html[data-js="ready"] :target`)))
			// The section: its heading and what follows, up to the next heading.
			section := eval[string](t, b, `(() => {
				const h = document.querySelector(":target"); let text = h.textContent;
				for (let e = h.nextElementSibling; e && !/^H[1-3]$/.test(e.tagName); e = e.nextElementSibling) text += " " + e.textContent;
				return text; })()`)
			top := eval[float64](t, b, `document.querySelector(":target").getBoundingClientRect().top`)
			if !strings.Contains(strings.ToLower(section), strings.ToLower(word)) || top < 0 || top > 300 {
				t.Errorf("at %d px, %s: the first result opens %s at %.0f px, a section without the word or out of view:\n%.200s",
					c.width, word, hrefs[0], top, section)
			}
		}
	}
}

func slicesContainsFunc(s []string, f func(string) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}

// TestBrowserCopy: a transcript's button copies its commands without the
// prompts or their output, a code block's its lines without the numbers.
func TestBrowserCopy(t *testing.T) {
	b, base, _ := browseSite(t)
	b.Do("resizing", chromedp.EmulateViewport(390, 844))
	open(b, base+"/04-counter")
	b.Do("catching the clipboard", chromedp.Evaluate[chromedp.Void](`window.copied = [];
		Object.defineProperty(navigator, "clipboard", {value: {writeText: async (s) => { copied.push(s); }}})`))
	b.Do("copying a transcript", chromedp.Click(chromedp.CSS("figure.transcript button.copy")))
	b.Do("copying code", chromedp.Click(chromedp.CSS("figure.code button.copy")))
	got := eval[[]string](t, b, `copied`)
	want := eval[[]string](t, b, `[
		[...document.querySelector("figure.transcript").querySelectorAll(".line.cmd")].map(l => l.textContent.replace(/^\$ /, "").replace(/\n$/, "")).join("\n") + "\n",
		[...document.querySelector("figure.code").querySelectorAll(".cl")].map(l => l.textContent.replace(/\n$/, "")).join("\n") + "\n"]`)
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("copied %q\nwant %q", got, want)
	}
	if strings.Contains(got[0], "$ ") || strings.Contains(got[0], "HTTP/1.1") || !strings.Contains(got[0], "curl ") {
		t.Errorf("the transcript's copy holds prompts or output: %q", got[0])
	}
	if strings.ContainsAny(got[1][:1], "0123456789") {
		t.Errorf("the code's copy starts with a line number: %q", got[1])
	}
}

// TestBrowserPictures: on a phone a tap opens a picture at its own size,
// in a view that scrolls and closes with Escape; in the dark, diagrams are
// not white slabs.
func TestBrowserPictures(t *testing.T) {
	b, base, _ := browseSite(t)
	b.Do("resizing to a phone", chromedp.EmulateViewport(390, 844))
	for _, path := range []string{"/01-cookies", "/03-sessions"} {
		open(b, base+path)
		for _, kind := range []string{"png", "svg"} {
			sel := fmt.Sprintf(`main a.zoom[href$=".%s"]`, kind)
			if !eval[bool](t, b, fmt.Sprintf(`!!document.querySelector(%q)`, sel)) {
				continue
			}
			shown := eval[float64](t, b, fmt.Sprintf(`document.querySelector(%q + " img").clientWidth`, sel))
			b.Do("scrolling to the picture", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).scrollIntoView()`, sel)))
			b.Do("tapping the picture", chromedp.Click(chromedp.CSS(sel)))
			b.Do("waiting for the view", chromedp.WaitReady(chromedp.CSS("dialog.viewer[open] img")))
			big := eval[float64](t, b, `document.querySelector("dialog.viewer img").getBoundingClientRect().width`)
			scrolls := eval[bool](t, b, `(d => d.scrollWidth > d.clientWidth)(document.querySelector("dialog.viewer"))`)
			if big < 2*shown || !scrolls {
				t.Errorf("%s: a %s shown %.0f px wide opens %.0f px wide (scrolls: %v), want at least twice, scrolling", path, kind, shown, big, scrolls)
			}
			b.Do("pressing Escape", chromedp.KeyEvent(kb.Escape))
			if _, err := chromedp.Run(b.Step(), chromedp.Poll[bool](`!document.querySelector("dialog.viewer")`,
				chromedp.WithPollingTimeout(3*time.Second))); err != nil {
				t.Errorf("%s: Escape does not close the full-size view", path)
			}
		}
	}
	b.Do("choosing dark", browsertest.Media("", "dark"))
	open(b, base+"/03-sessions")
	// A diagram's middle, as the reader sees it: dark, not white.
	light := eval[float64](t, b, `(() => {
		const img = document.querySelector('main img[src$=".svg"]'), c = document.createElement("canvas");
		c.width = img.naturalWidth || 400; c.height = img.naturalHeight || 300;
		const x = c.getContext("2d"); x.filter = getComputedStyle(img).filter; x.fillStyle = "#fff";
		x.fillRect(0, 0, c.width, c.height); x.drawImage(img, 0, 0, c.width, c.height);
		const d = x.getImageData(0, 0, c.width, c.height).data; let sum = 0;
		for (let i = 0; i < d.length; i += 4) sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
		return sum / (d.length / 4) / 255; })()`)
	if light > 0.5 {
		t.Errorf("in the dark, step 3's diagram is %.0f%% white, want it dark", light*100)
	}
	b.Do("choosing light", browsertest.Media("", "light"))
}

// TestBrowserStartHere: the index's first screen says where to begin, at
// every width.
func TestBrowserStartHere(t *testing.T) {
	b, base, _ := browseSite(t)
	for _, vp := range viewports {
		b.Do("resizing", chromedp.EmulateViewport(vp.width, vp.height))
		open(b, base+"/")
		bottom := eval[float64](t, b, `(document.querySelector(".start-here") || {getBoundingClientRect: () => ({bottom: 1e9})}).getBoundingClientRect().bottom`)
		links := eval[[]string](t, b, `[...document.querySelectorAll(".start-here a")].map(a => a.getAttribute("href"))`)
		if bottom > float64(vp.height) || strings.Join(links, " ") != "#before-you-start /01-cookies" {
			t.Errorf("at %d px the start-here box ends at %.0f px and links to %q, want it on the first screen, linking to the prerequisites and step 1",
				vp.width, bottom, links)
		}
	}
}
