package site

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// newTestSite serves the course. The site is built once for the package's
// tests (it takes most of a second) and never changed by them.
func newTestSite(t *testing.T) *httptest.Server {
	t.Helper()
	s, err := testSite()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

var testSite = sync.OnceValues(func() (http.Handler, error) {
	return New(os.DirFS("../../../docs"), os.DirFS("../../.."))
})

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEveryPageRenders(t *testing.T) {
	srv := newTestSite(t)
	for _, path := range []string{"/", "/01-cookies", "/02-url-params", "/03-sessions", "/04-counter", "/05-stores", "/06-login", "/07-echo-v5", "/08-accounts", "/under-the-hood", "/glossary"} {
		status, body := get(t, srv.URL+path)
		if status != http.StatusOK || !strings.Contains(body, "<h1") || !strings.Contains(body, `<nav class="course"`) {
			t.Errorf("%s: got %d, want 200 with a heading and the sidebar", path, status)
		}
	}
	_, body := get(t, srv.URL+"/04-counter")
	for _, want := range []string{
		`<p class="run">Run it: <code>go run ./step04-counter</code>`,
		`href="/source/step04-counter/"`,
		`<link rel="prev" href="/03-sessions">`,
		`<link rel="next" href="/05-stores">`,
		`<a class="prev" rel="prev" href="/03-sessions"><span class="dir">← Previous</span> <span class="t">Step 3: Sessions</span></a>`,
		`<span class="kd">func</span>`, // highlighted by chroma, with CSS classes
		`<a href="/04-counter" aria-current="page">`,
		`<a class="anchor" href="#run-it" aria-label="Link to this section">#</a>`,
		`<li><a href="#counting-every-visit">Counting every visit</a></li>`, // its own sections, in the sidebar
		`<meta name="description" content="`,
		`<title>Step 4: The page-view counter · Sessions in Go</title>`,
		`<a class="skip" href="#content">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/04-counter lacks %s", want)
		}
	}
}

// TestSidebarOrder: the sidebar lists the lessons in their order, then the
// appendix, then the glossary, and the pager follows it.
func TestSidebarOrder(t *testing.T) {
	srv := newTestSite(t)
	_, body := get(t, srv.URL+"/glossary")
	_, nav, _ := strings.Cut(body, `<nav class="course"`)
	nav, _, _ = strings.Cut(nav, "</nav>")
	var got []string
	for _, m := range regexp.MustCompile(`<li(?: class="extra")?><a href="/([^"]+)"`).FindAllStringSubmatch(nav, -1) {
		got = append(got, m[1])
	}
	lessons := 0 // the numbered lessons come first, whatever their number
	for lessons < len(got) && stepFile.MatchString(got[lessons]+".md") {
		lessons++
	}
	j, k := slices.Index(got, "under-the-hood"), slices.Index(got, "glossary")
	if lessons < 7 || j != lessons || k != len(got)-1 || !slices.IsSorted(got[:lessons]) {
		t.Errorf("the sidebar lists %q; want the lessons in order, then under-the-hood, then glossary", got)
	}
	_, body = get(t, srv.URL+"/under-the-hood")
	if !strings.Contains(body, `<link rel="next" href="/glossary">`) {
		t.Error("/under-the-hood's next page is not the glossary")
	}
}

// TestBenchTableShowsTheSpread: several runs of one benchmark make one row,
// with the median time and the fastest and the slowest run beside it.
func TestBenchTableShowsTheSpread(t *testing.T) {
	out := "cpu: Some CPU\n" +
		"BenchmarkStores/memory/returning-2   100   12000 ns/op   5000 B/op   75 allocs/op\n" +
		"BenchmarkStores/memory/returning-2   100   10000 ns/op   5000 B/op   75 allocs/op\n" +
		"BenchmarkStores/memory/returning-2   100   30000 ns/op   5000 B/op   75 allocs/op\n"
	rows, _ := parseBench(out)
	if len(rows) != 1 || rows[0].NsPerOp != 12000 || rows[0].MinNs != 10000 || rows[0].MaxNs != 30000 || rows[0].Runs != 3 {
		t.Fatalf("got %+v, want one row: median 12000, 10000 to 30000, 3 runs", rows)
	}
	table := benchTable(out)
	for _, want := range []string{"12.0 µs", "10.0 µs-30.0 µs", "the median of 3 runs of each"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}

// TestBenchChartColoursEveryStore: every bar of the chart has a colour.
func TestBenchChartColoursEveryStore(t *testing.T) {
	results, err := os.ReadFile(filepath.Join("../../..", BenchFile))
	if err != nil {
		t.Fatal(err)
	}
	svg := benchSVG(string(results))
	if strings.Contains(svg, `fill=""`) {
		t.Errorf("a bar of the chart has no colour:\n%s", svg)
	}
	for _, store := range []string{"sqlite", "postgres", "redis"} {
		if !strings.Contains(svg, ">"+store+", returning<") {
			t.Errorf("the chart has no bar for %s", store)
		}
	}
}

var linkRE = regexp.MustCompile(`(?:href|src)="(/[^"#]*)`)

// TestLinksResolve follows every internal link and image on every page.
func TestLinksResolve(t *testing.T) {
	srv := newTestSite(t)
	seen := map[string]bool{}
	queue := []string{"/"}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		status, body := get(t, srv.URL+path)
		if status != http.StatusOK {
			t.Errorf("%s: got %d", path, status)
			continue
		}
		if strings.HasPrefix(path, "/source/") || strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/images/") {
			continue // follow links out of the lessons, not around the source tree
		}
		for _, m := range linkRE.FindAllStringSubmatch(body, -1) {
			queue = append(queue, m[1])
		}
	}
	for _, want := range []string{"/images/step04-first-visit@2x.png", "/images/step04-visit-42@2x.png", "/images/step03-exchange.svg", "/images/step04-exchange.svg", "/images/stores-bench.svg", "/source/sessionstore/memstore/memstore.go"} {
		if !seen[want] {
			t.Errorf("no lesson links to %s", want)
		}
	}
}

func TestUnknownPageIsAFriendly404(t *testing.T) {
	srv := newTestSite(t)
	for _, path := range []string{"/no-such-lesson", "/images/nope.png", "/source/nope.go", "/source/../../etc/passwd", "/source/.git/config"} {
		status, body := get(t, srv.URL+path)
		if status != http.StatusNotFound || !strings.Contains(body, "There is no page here") || !strings.Contains(body, `href="/"`) {
			t.Errorf("%s: got %d, want a 404 page that leads back", path, status)
		}
	}
}

func TestRawHTMLStaysOff(t *testing.T) {
	srv := newTestSite(t)
	for _, path := range []string{"/", "/03-sessions"} {
		_, body := get(t, srv.URL+path)
		// The lessons' marker comments are raw HTML: they must not reach
		// the page as such.
		if strings.Contains(body, "<!-- code:") || strings.Contains(body, "<!-- transcript:") {
			t.Errorf("%s passes raw HTML from the markdown through", path)
		}
	}
}

// TestLessonSkeleton: every step's lesson has the same sections, in order.
// A lesson may run over two pages (06-login.md, then 06-defences.md): each
// page's sections come in that order, and the step's pages hold them all.
func TestLessonSkeleton(t *testing.T) {
	sections := []string{"## What this step teaches", "## What changed since the previous step", "## Run it", "## Try it", "## How the tests prove it", "## Try this yourself", "## Next"}
	files, _ := filepath.Glob("../../../docs/[0-9][0-9]-*.md")
	steps, _ := filepath.Glob("../../../step[0-9][0-9]-*")
	found := map[string]map[string]bool{} // step number -> sections its pages have
	for _, f := range files {
		found[filepath.Base(f)[:2]] = map[string]bool{}
	}
	if len(found) != len(steps) || len(files) < 6 {
		t.Fatalf("found lessons for %d steps, and %d steps", len(found), len(steps))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		next := 0
		for _, line := range strings.Split(string(b), "\n") {
			i := slices.Index(sections, line)
			if i < 0 {
				continue
			}
			if i < next {
				t.Errorf("%s: %q comes after %q", f, line, sections[next-1])
			}
			next = i + 1
			found[filepath.Base(f)[:2]][line] = true
		}
		if _, tryThis, ok := strings.Cut(string(b), "## Try this yourself"); ok {
			tryThis, _, _ = strings.Cut(tryThis, "## Next")
			if !strings.Contains(tryThis, "\n<details>\n<summary>Solutions</summary>\n") || !strings.Contains(tryThis, "\n</details>") {
				t.Errorf("%s: the exercises have no folded solutions", f)
			}
		}
	}
	for step, have := range found {
		for _, s := range sections {
			if !have[s] {
				t.Errorf("step %s: no page has %q", step, s)
			}
		}
	}
}

// TestLessonsMatchTheCode: every generated block (code, diffs, transcripts,
// benchmark tables) and the benchmark chart are what `go generate ./docs`
// would write now.
func TestLessonsMatchTheCode(t *testing.T) {
	files, _ := filepath.Glob("../../../docs/*.md")
	files = append(files, "../../../README.md") // its library programs are excerpts too
	total := 0
	for _, f := range files {
		old, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		updated, markers, err := syncLesson("../../..", old)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		total += len(markers)
		if string(updated) != string(old) {
			t.Errorf("%s is out of date with the code it shows; run: go run ./docs -update", f)
		}
	}
	if total < 20 {
		t.Errorf("only %d generated blocks in the lessons", total)
	}
	results, err := os.ReadFile(filepath.Join("../../..", BenchFile))
	if err != nil {
		t.Fatal(err)
	}
	chart, err := os.ReadFile(filepath.Join("../../..", benchChart))
	if err != nil {
		t.Fatal(err)
	}
	if string(chart) != benchSVG(string(results)) {
		t.Errorf("%s was not generated from %s; run: go run ./docs -update", benchChart, BenchFile)
	}
}

func TestExcerptsAndDiffs(t *testing.T) {
	dir := t.TempDir()
	src := "package x\n\nfunc a() {\n\t// region r\n\tx := 1\n\t// region inner\n\ty := 2\n\t// endregion inner\n\t// endregion r\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := excerpt(dir, "a.go#r")
	if err != nil || got != "x := 1\ny := 2\n" {
		t.Errorf("excerpt: got %q, %v", got, err)
	}
	if _, err := excerpt(dir, "a.go#missing"); err == nil {
		t.Error("a missing region was not reported")
	}
	d := unifiedDiff("a", "b", "one\ntwo\nthree\n", "one\n2\nthree\nfour\n", nil, nil)
	want := "--- a\n+++ b\n@@ -1,3 +1,4 @@\n one\n-two\n+2\n three\n+four\n"
	if d != want {
		t.Errorf("diff:\n%s\nwant:\n%s", d, want)
	}
	// A region's diff numbers its hunks by the files' lines, as git does:
	// here the regions start at lines 10 and 20, with a marker line inside.
	d = unifiedDiff("a#r", "b#r", "one\ntwo\nthree\n", "one\n2\nthree\nfour\n",
		[]int{10, 11, 13}, []int{20, 21, 22, 23})
	want = "--- a#r\n+++ b#r\n@@ -10,3 +20,4 @@\n one\n-two\n+2\n three\n+four\n"
	if d != want {
		t.Errorf("diff of regions:\n%s\nwant:\n%s", d, want)
	}
	if got, want := excerptLines(dir, "a.go#r"), []int{5, 7}; !slices.Equal(got, want) {
		t.Errorf("excerptLines: got %v, want %v", got, want)
	}
	md := "text\n<!-- code: a.go#r -->\n```go\nold\n```\nmore\n"
	out, markers, err := syncLesson(dir, []byte(md))
	if err != nil || len(markers) != 1 || string(out) != "text\n<!-- code: a.go#r -->\n```go\nx := 1\ny := 2\n```\nmore\n" {
		t.Errorf("syncLesson: %q %v %v", out, markers, err)
	}
}

func TestRewriteLinks(t *testing.T) {
	for in, want := range map[string]string{
		"04-counter.md":                        "/04-counter",
		"index.md":                             "/",
		"05-stores.md#a":                       "/05-stores#a",
		"images/x.png":                         "/images/x.png",
		"../sessionstore/memstore/memstore.go": "/source/sessionstore/memstore/memstore.go",
		"https://example.com/a.md":             "https://example.com/a.md",
		"#section":                             "#section",
	} {
		if got := rewrite(in); got != want {
			t.Errorf("rewrite(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFoldedSolutions: a lesson's <details> and <summary> lines reach the
// page, and any other raw HTML does not.
func TestFoldedSolutions(t *testing.T) {
	dir := t.TempDir()
	md := "# T\n\n<details>\n<summary>Solution &amp; why</summary>\n\nText.\n\n</details>\n\n<script>alert(1)</script>\n"
	if err := os.WriteFile(filepath.Join(dir, "index.md"), []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := New(os.DirFS(dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, body := get(t, srv.URL+"/")
	for _, want := range []string{"<details>", "<summary>Solution &amp; why</summary>", "<p>Text.</p>", "</details>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("raw HTML other than a fold reached the page")
	}
}

// TestSourcePages: a step's folder lists main.go and server.go first and
// its tests last, and a file shows the lessons' region markers dimmed, so
// that its line numbers run on without a gap.
func TestSourcePages(t *testing.T) {
	srv := newTestSite(t)
	_, body := get(t, srv.URL+"/source/step04-counter/")
	main, server, test := strings.Index(body, ">main.go<"), strings.Index(body, ">server.go<"), strings.Index(body, ">server_test.go<")
	if main < 0 || !(main < server && server < test) {
		t.Errorf("files in the wrong order: main.go at %d, server.go at %d, server_test.go at %d", main, server, test)
	}
	_, body = get(t, srv.URL+"/source/step04-counter/server.go")
	if !strings.Contains(body, `class="line marker"`) || !strings.Contains(body, "pageViews") {
		t.Error("the source page does not dim the region markers, or does not show the code")
	}
}

// TestGlossaryIsLinked: every word the glossary explains is linked from a
// lesson, and every link into the glossary names a word it explains.
func TestGlossaryIsLinked(t *testing.T) {
	srv := newTestSite(t)
	_, glossary := get(t, srv.URL+"/glossary")
	ids := regexp.MustCompile(`<h2 id="([^"]+)"`).FindAllStringSubmatch(glossary, -1)
	if len(ids) < 15 {
		t.Fatalf("the glossary has %d entries", len(ids))
	}
	linked := map[string]bool{}
	files, _ := filepath.Glob("../../../docs/[0-9][0-9]-*.md")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`\(glossary\.md#([^)]+)\)`).FindAllStringSubmatch(string(b), -1) {
			linked[m[1]] = true
		}
	}
	for _, id := range ids {
		if !linked[id[1]] {
			t.Errorf("no lesson links to the glossary's %q", id[1])
		}
		delete(linked, id[1])
	}
	for id := range linked {
		t.Errorf("a lesson links to %q, which the glossary does not explain", id)
	}
}

// TestGeneratedBlocksAreFigures: every excerpt names its file and lines and
// links to them; a transcript marks the lines its directive names, names
// the program its commands ran against, and sets the command apart; a diff
// colours whole lines and marks what changed within one; the tests a
// lesson names link to their code.
func TestGeneratedBlocksAreFigures(t *testing.T) {
	srv := newTestSite(t)
	_, body := get(t, srv.URL+"/04-counter")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`<figure class="block code(?: short)?" id="code-step04-counter-server-go-counter">\s*<figcaption><a href="/source/step04-counter/server.go\?lines=\d+-\d+#L\d+"><span class="file">step04-counter/server.go</span> <span class="range">lines \d+–\d+</span></a></figcaption>`),
		regexp.MustCompile(`<span class="line cmd"><span class="prompt" aria-hidden="true">\$ </span>curl -i -b jar.txt -c jar.txt http://localhost:3000/`),
		regexp.MustCompile(`<span class="line mark"><span class="hn">Set-Cookie:</span> sid=`),
		regexp.MustCompile(`<span class="what">Recorded by running these commands against</span> <code>go run ./step04-counter</code> <span class="what">in</span> <a href="/source/docs/lessons_test.go"><span class="file">docs/lessons_test.go</span></a>`),
		regexp.MustCompile(`<span class="line del"><span class="sign" aria-hidden="true">-</span><del class="cl">`),
		regexp.MustCompile(`<a class="test" href="/source/step04-counter/[a-z_]+_test.go\?lines=\d+-\d+#L\d+"><code>TestCounterHandler</code></a>`),
		regexp.MustCompile(`<div class="solutions">\s*<p class="solutions-title">Solutions</p>\s*<details class="solution">\s*<summary>Solution to exercise 1</summary>`),
	} {
		if !want.MatchString(body) {
			t.Errorf("/04-counter lacks %s", want)
		}
	}
	lesson, err := os.ReadFile("../../../docs/04-counter.md")
	if err != nil {
		t.Fatal(err)
	}
	_, exercises, _ := strings.Cut(string(lesson), "## Try this yourself")
	exercises, _, _ = strings.Cut(exercises, "<details>")
	want := len(regexp.MustCompile(`(?m)^\d+\. `).FindAllString(exercises, -1))
	if n := strings.Count(body, `<details class="solution">`); n != want || want < 2 {
		t.Errorf("/04-counter has %d folded solutions, want one for each of its %d exercises", n, want)
	}
	_, body = get(t, srv.URL+"/01-cookies")
	if !strings.Contains(body, `<code>msg=listening url=<a href="http://localhost:3000">http://localhost:3000</a></code>`) {
		t.Error("/01-cookies does not link the program's address")
	}
	_, body = get(t, srv.URL+"/07-echo-v5")
	// Drawn, not written: a machine without an emoji font shows ✅ as a box.
	if strings.Contains(body, ":white_check_mark:") || strings.ContainsAny(body, "✅❌") ||
		!strings.Contains(body, `<span class="tick yes" role="img" aria-label="yes"><svg`) ||
		!strings.Contains(body, `<span class="tick no" role="img" aria-label="no"><svg`) {
		t.Error("/07-echo-v5 does not draw SECURITY.md's :white_check_mark: and :x: as marks")
	}
}

func TestDiffMarksChangesWithinALine(t *testing.T) {
	got := diffLines("x.go", "--- a\n+++ b\n@@ -1,2 +1,2 @@\n func f(c echo.Context) {\n-\treturn c.String(1)\n+\treturn (*c).String(1)\n")
	for _, want := range []string{`<span class="line hunk">@@ -1,2 +1,2 @@`, `<span class="chg">`, `<span class="line add">`} {
		if !strings.Contains(got, want) {
			t.Errorf("the diff lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "--- a") || strings.Contains(got, "+++ b") {
		t.Error("the diff shows its ---/+++ header as lines; the caption names the files")
	}
	for _, c := range []struct{ a, b, wantA, wantB string }{
		{"func(c echo.Context)", "func(c *echo.Context)", "", "*"},
		{`BodyLimit("16K")`, `BodyLimit(16 << 10)`, `"16K"`, `16 << 10`},
		{"completely different", "nothing alike here", "", ""},
	} {
		alo, ahi, blo, bhi := changedPart(c.a, c.b)
		if c.a[alo:ahi] != c.wantA || c.b[blo:bhi] != c.wantB {
			t.Errorf("changedPart(%q, %q): got %q and %q, want %q and %q", c.a, c.b, c.a[alo:ahi], c.b[blo:bhi], c.wantA, c.wantB)
		}
	}
}

func TestSourceLinesKeepTheFilesNumbers(t *testing.T) {
	src := "package x\n// region r\nvar a = 1\n// endregion r\nvar b = 2\n"
	got := sourceLines("x.go", src, 3, 3)
	for _, want := range []string{`<span class="line" id="L1">`, `<span class="line marker" id="L2">`,
		`<span class="line hl" id="L3">`, `<span class="line marker" id="L4">`, `id="L5"`} {
		if !strings.Contains(got, want) {
			t.Errorf("source lines lack %s:\n%s", want, got)
		}
	}
	// The numbers run on: every line from 1 to 5 is there, markers dimmed.
	if n := strings.Count(got, `<span class="line`); n != 5 {
		t.Errorf("%d lines shown, want all 5:\n%s", n, got)
	}
	if got, want := regionLines(src, "r"), []int{3}; !slices.Equal(got, want) {
		t.Errorf("regionLines: got %v, want %v", got, want)
	}
}

// TestPagesHaveTheirOwnTitlesAndDescriptions: no two pages share a title
// or a description, and the index does not repeat the course's name.
func TestPagesHaveTheirOwnTitlesAndDescriptions(t *testing.T) {
	srv := newTestSite(t)
	titleRE := regexp.MustCompile(`<title>([^<]+)</title>`)
	descRE := regexp.MustCompile(`<meta name="description" content="([^"]+)">`)
	seen := map[string]string{}
	for _, path := range []string{"/", "/01-cookies", "/02-url-params", "/03-sessions", "/04-counter", "/05-stores", "/06-login", "/07-echo-v5", "/08-accounts", "/under-the-hood", "/glossary"} {
		_, body := get(t, srv.URL+path)
		title, desc := titleRE.FindStringSubmatch(body), descRE.FindStringSubmatch(body)
		if title == nil || desc == nil || len(desc[1]) < 50 {
			t.Errorf("%s: title %q, description %q", path, title, desc)
			continue
		}
		for _, v := range []string{title[1], desc[1]} {
			if other, dup := seen[v]; dup {
				t.Errorf("%s and %s share %q", path, other, v)
			}
			seen[v] = path
		}
		if strings.Count(title[1], "Sessions in Go") != 1 {
			t.Errorf("%s: title %q", path, title[1])
		}
	}
}

// TestGzipAndCaching: text answers are compressed for a browser that asks,
// the style and script are kept a year under the site's version (and
// revalidated without it), pictures a day, and pages are always checked.
func TestGzipAndCaching(t *testing.T) {
	srv := newTestSite(t)
	h, _ := testSite()
	version := h.(*site).version
	for _, c := range []struct{ path, cache, encoding string }{
		{"/04-counter", "no-cache", "gzip"},
		{"/static/style.css?v=" + version, "public, max-age=31536000, immutable", "gzip"},
		{"/static/site.js?v=" + version, "public, max-age=31536000, immutable", "gzip"},
		{"/static/chroma.css?v=" + version, "public, max-age=31536000, immutable", "gzip"},
		{"/static/style.css", "no-cache", "gzip"},
		{"/search.json?v=" + version, "public, max-age=31536000, immutable", "gzip"},
		{"/images/step04-exchange.svg", "public, max-age=86400", "gzip"},
		{"/images/step04-first-visit@2x.png", "public, max-age=86400", ""},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+c.path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gunzip
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != c.cache ||
			resp.Header.Get("Content-Encoding") != c.encoding {
			t.Errorf("%s: %d, Cache-Control %q, Content-Encoding %q; want 200, %q, %q", c.path, resp.StatusCode,
				resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Encoding"), c.cache, c.encoding)
			continue
		}
		if c.encoding == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Errorf("%s: not gzip: %v", c.path, err)
				continue
			}
			if _, err := io.ReadAll(zr); err != nil {
				t.Errorf("%s: broken gzip: %v", c.path, err)
			}
		}
	}
	// A browser that kept the style asks whether it changed: it did not.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/static/style.css", nil)
	req.Header.Set("If-None-Match", `W/"`+version+`"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("a revalidated style.css: got %d, want 304", resp.StatusCode)
	}
	// Without Accept-Encoding the answer is plain.
	resp, err = http.DefaultTransport.RoundTrip(mustRequest(t, srv.URL+"/04-counter"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "" {
		t.Error("a page is compressed for a client that did not ask")
	}
}

func mustRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestSearchIndex: the index holds every page's sections and the source
// files, and the server's own search (for a browser without the script)
// finds the words the issue names at their sections.
func TestSearchIndex(t *testing.T) {
	srv := newTestSite(t)
	_, body := get(t, srv.URL+"/search.json")
	var idx searchIndex
	if err := json.Unmarshal([]byte(body), &idx); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, s := range idx.Sections {
		kinds[s.Kind]++
	}
	if kinds["lesson"] < 50 || kinds["glossary"] < 15 || kinds["page"] < 5 || len(idx.Files) < 100 {
		t.Errorf("the index holds %v sections and %d files, want the lessons, glossary, under the hood and the source", kinds, len(idx.Files))
	}
	for _, word := range []string{"Regenerate", "SameSite", "flash"} {
		_, page := get(t, srv.URL+"/search?q="+word)
		m := regexp.MustCompile(`<ol class="found"><li><a href="(/[^"#]*#[^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Errorf("/search?q=%s: the first result is not a section of a page", word)
			continue
		}
		if !strings.Contains(page, `href="/source/`) && word != "flash" {
			t.Errorf("/search?q=%s finds no source line", word)
		}
	}
}

// TestCallouts: the five warnings that matter most for safety are set
// apart, with a title, and the callout holds the paragraph it names.
func TestCallouts(t *testing.T) {
	srv := newTestSite(t)
	for page, want := range map[string]string{
		"/01-cookies": "HttpOnly, SameSite and Secure", "/03-sessions": "The development secret is public",
		"/04-counter": "Save the session before writing the page", "/05-stores": "Before production",
		"/06-defences": "Credentials never in the URL",
	} {
		_, body := get(t, srv.URL+page)
		re := regexp.MustCompile(`<aside class="callout warning" role="note" aria-label="Warning">\s*<p class="callout-title">Warning: ` +
			regexp.QuoteMeta(html.EscapeString(want)) + `</p>\s*<(p|ul)>`)
		if !re.MatchString(body) {
			t.Errorf("%s: no warning callout %q around a paragraph or list", page, want)
		}
	}
}

// TestShownInListsEachExcerptOnce: a source page lists the lessons that
// show it in reading order, each range once, by first line.
func TestShownInListsEachExcerptOnce(t *testing.T) {
	h, _ := testSite()
	s := h.(*site)
	for file := range s.backlinks {
		var pages []string
		for _, sh := range s.shownIn(file) {
			pages = append(pages, sh.Page.File)
			seen := map[string]bool{}
			last := -1
			for _, e := range sh.Excerpts {
				if seen[e.Range] || firstLine(e.Range) < last {
					t.Errorf("%s: %s lists %v", file, sh.Page.File, sh.Excerpts)
					break
				}
				seen[e.Range], last = true, firstLine(e.Range)
			}
		}
		if !slices.IsSortedFunc(pages, byReadingOrder) || len(slices.Compact(slices.Clone(pages))) != len(pages) {
			t.Errorf("%s: shown in %v, want each lesson once, in reading order", file, pages)
		}
	}
}

// TestNoLinkInALink: a code span that names a test inside a link stays
// plain code (lesson 5 has one).
func TestNoLinkInALink(t *testing.T) {
	srv := newTestSite(t)
	for _, p := range []string{"/", "/01-cookies", "/02-url-params", "/03-sessions", "/04-counter", "/05-stores",
		"/06-login", "/07-echo-v5", "/08-accounts", "/under-the-hood", "/glossary"} {
		_, body := get(t, srv.URL+p)
		depth := 0
		for _, tag := range regexp.MustCompile(`<(/?)a[\s>]`).FindAllStringSubmatch(body, -1) {
			if tag[1] == "/" {
				depth--
				continue
			}
			if depth++; depth > 1 {
				t.Errorf("%s has a link inside a link", p)
				break
			}
		}
	}
}

// TestLinksReachTheirSection: every link from one lesson to a section, of
// its own page or of another, lands on a heading or figure that exists.
// A link to a section that moved pages otherwise leaves the reader at the top.
func TestLinksReachTheirSection(t *testing.T) {
	srv := newTestSite(t)
	files, _ := filepath.Glob("../../../docs/*.md")
	bodies, ids := map[string]string{}, map[string]map[string]bool{}
	idRE := regexp.MustCompile(` id="([^"]+)"`)
	for _, f := range files {
		path := "/" + strings.TrimSuffix(filepath.Base(f), ".md")
		if path == "/index" {
			path = "/"
		}
		_, body := get(t, srv.URL+path)
		bodies[path], ids[path] = body, map[string]bool{}
		for _, m := range idRE.FindAllStringSubmatch(body, -1) {
			ids[path][m[1]] = true
		}
	}
	hrefRE := regexp.MustCompile(`<a [^>]*href="(/[^"#]*)?#([^"]+)"`)
	for path, body := range bodies {
		for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
			target := m[1]
			if target == "" {
				target = path
			}
			if want, ok := ids[target]; ok && !want[m[2]] {
				t.Errorf("%s links to %s#%s, a section that page does not have", path, target, m[2])
			}
		}
	}
}
