package site

import (
	"bytes"
	"fmt"
	"html"
	"image/png"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// This file is what the site adds to goldmark's rendering of a lesson:
// each generated block as a captioned figure linked to its source lines,
// test names linked to their code, one fold per exercise's solution, and
// pictures that open full size.

// block is what a lesson's marker comment says about the fenced block
// after it (see blocks.go), worked out once when the site starts.
type block struct {
	kind    string   // "code", "transcript", "diff", "bench"
	refs    []string // the marker's PATH[#REGION] arguments
	marks   []string // for a transcript: the starts of the lines to mark
	server  string   // for a transcript the lesson's commands record: the program's command
	lines   []int    // for code: each shown line's number in its file
	span    []int    // for code: the region's lines in its file, for the caption
	id      string   // the figure's id, for links back from a source page
	caption string   // HTML
}

// sourceLink is a link to a source page with lines highlighted, or "" when
// the site has no source tree.
func (s *site) sourceLink(file string, lines []int) string {
	if s.source == nil {
		return ""
	}
	u := "/source/" + file
	if len(lines) > 0 {
		u += fmt.Sprintf("?lines=%d-%d#L%d", lines[0], lines[len(lines)-1], lines[0])
	}
	return u
}

// refLines reads the lines a PATH[#REGION] shows, or nil.
func (s *site) refLines(ref string) []int {
	if s.source == nil {
		return nil
	}
	file, region, _ := strings.Cut(ref, "#")
	src, err := fs.ReadFile(s.source, file)
	if err != nil {
		return nil
	}
	return regionLines(string(src), region)
}

// captionFor writes a figure's caption: the files it comes from, each
// linked to its lines on the source page.
func (s *site) captionFor(b *block) string {
	link := func(ref string, lines []int) string {
		file, _, _ := strings.Cut(ref, "#")
		text := `<span class="file">` + html.EscapeString(file) + `</span>`
		if r := lineRange(lines); r != "" {
			text += ` <span class="range">` + r + `</span>`
		}
		if u := s.sourceLink(file, lines); u != "" {
			return `<a href="` + html.EscapeString(u) + `">` + text + `</a>`
		}
		return text
	}
	switch b.kind {
	case "code":
		return link(b.refs[0], b.span)
	case "diff":
		return `<span class="what">Changes from</span> ` + link(b.refs[0], s.refLines(b.refs[0])) +
			` <span class="what">to</span> ` + link(b.refs[1], s.refLines(b.refs[1]))
	case "transcript":
		if len(b.refs) == 0 {
			return `<span class="what">Recorded by running these commands against</span> <code>` +
				html.EscapeString(b.server) + `</code> <span class="what">in</span> ` +
				link("docs/lessons_test.go", nil)
		}
		return `<span class="what">Recorded by the tests in</span> ` + link(b.refs[0], nil)

	case "bench":
		return `<span class="what">From the benchmark run in</span> ` + link(b.refs[0], nil)
	}
	return ""
}

// backlink is a place in a lesson that shows part of a file.
type backlink struct {
	Page  *page
	ID    string // the figure's id
	Range string // "lines 12–40", or ""
}

var markDirective = regexp.MustCompile(`^<!-- mark: (.+?) -->$`)

// A transcript that the lesson's own commands record (see
// internal/tooling/lessonrun) has a marker without a source, and the program it
// talks to is the last one a server directive started.
var (
	recordedTranscript = regexp.MustCompile(`^<!-- transcript -->$`)
	serverDirective    = regexp.MustCompile(`^<!-- server: (.+?) -->$`)
)

// prepare works through a lesson's syntax tree before it is rendered:
// it attaches each marker's block to the fenced block after it, links the
// tests the lesson names, splits the folded solutions, and makes each
// picture a link to itself with its size.
func (s *site) prepare(p *page, doc ast.Node, src []byte) {
	var marks []string
	var server string // the command of the last server directive
	ids := map[string]int{}
	var solutions []ast.Node // the "Solutions" folds' opening blocks
	var texts []*ast.Text    // changed after the walk, which they would upset
	var images []*ast.Image
	var callouts []*ast.HTMLBlock
	var tables []*extast.Table
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.HTMLBlock:
			line := htmlBlockText(n, src)
			if m := markDirective.FindStringSubmatch(line); m != nil {
				for mark := range strings.SplitSeq(m[1], " | ") {
					marks = append(marks, strings.TrimSpace(mark))
				}
				return ast.WalkSkipChildren, nil
			}
			if strings.Contains(line, "<summary>Solutions</summary>") {
				solutions = append(solutions, n)
			}
			if m := serverDirective.FindStringSubmatch(line); m != nil {
				server = m[1]
				return ast.WalkSkipChildren, nil
			}
			if calloutDirective.MatchString(line) {
				callouts = append(callouts, n)
				return ast.WalkSkipChildren, nil
			}
			m := marker.FindStringSubmatch(line)
			if recordedTranscript.MatchString(line) {
				m = []string{line, "transcript", ""}
			}
			next, ok := n.NextSibling().(*ast.FencedCodeBlock)
			if m == nil || !ok {
				return ast.WalkSkipChildren, nil
			}
			b := &block{kind: m[1], refs: strings.Fields(m[2])}
			if len(b.refs) == 0 {
				b.server = server
			}
			if b.kind == "transcript" {
				b.marks, marks = marks, nil
			}
			if b.kind == "code" {
				b.span = s.refLines(b.refs[0])
				if len(b.span) == next.Lines().Len() {
					b.lines = b.span
				} // else the lesson is out of date, which a site test reports: no numbers

			}
			name := "recorded"
			if len(b.refs) > 0 {
				name = b.refs[len(b.refs)-1]
			}
			id := b.kind + "-" + strings.NewReplacer("/", "-", "#", "-", ".", "-").Replace(name)
			if ids[id]++; ids[id] > 1 {
				id += "-" + strconv.Itoa(ids[id])
			}
			b.id = id
			b.caption = s.captionFor(b)
			next.SetAttributeString("block", b)
			for i, ref := range b.refs {
				file, _, _ := strings.Cut(ref, "#")
				lines := b.span
				if b.kind == "diff" {
					lines = s.refLines(ref)
				} else if i > 0 || b.kind != "code" {
					lines = nil
				}
				s.backlinks[file] = append(s.backlinks[file], backlink{p, id, lineRange(lines)})
			}
			return ast.WalkSkipChildren, nil
		case *ast.CodeSpan:
			name := strings.TrimSpace(plainText(n, src))
			if inLink(n) {
				n.SetAttributeString("inlink", true) // a link in a link is not HTML
			} else if u := s.testLink(p, name); u != "" {
				n.SetAttributeString("href", u)
			}
		case *ast.Text:
			texts = append(texts, n)
		case *ast.Image:
			images = append(images, n)
		case *extast.Table:
			tables = append(tables, n)
		}
		return ast.WalkContinue, nil
	})
	for _, c := range callouts {
		makeCallout(c, src)
	}
	for _, t := range tables {
		labelCells(t, src)
	}
	for _, t := range texts {
		s.emoji(t, src)
	}
	for _, img := range images {
		s.zoomable(img)
	}
	for _, open := range solutions {
		splitSolutions(open, src)
	}
}

// calloutDirective sets the block after it apart, as a warning or a note:
//
//	<!-- callout: warning Save before you write -->
//
// It is a comment, as the code markers are, so that a code host shows the
// paragraph as it is.
var calloutDirective = regexp.MustCompile(`^<!-- callout: (warning|note)(?: (.+?))? -->$`)

// callout is a warning or a note: the block it holds, set apart.
type callout struct {
	ast.BaseBlock
	kind, title string
}

var kindCallout = ast.NewNodeKind("Callout")

func (n *callout) Kind() ast.NodeKind { return kindCallout }

func (n *callout) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"kind": n.kind}, nil)
}

// makeCallout moves the block after a callout directive into a callout.
func makeCallout(directive *ast.HTMLBlock, src []byte) {
	m := calloutDirective.FindStringSubmatch(htmlBlockText(directive, src))
	next := directive.NextSibling()
	if m == nil || next == nil {
		return
	}
	c := &callout{kind: m[1], title: m[2]}
	parent := directive.Parent()
	parent.InsertBefore(parent, next, c)
	parent.RemoveChild(parent, next)
	c.AppendChild(c, next)
}

// labelCells gives each cell of a table the name of its column, which a
// phone shows above the cell when it lays the rows out one under another.
func labelCells(t *extast.Table, src []byte) {
	var names []string
	for row := t.FirstChild(); row != nil; row = row.NextSibling() {
		if _, ok := row.(*extast.TableHeader); ok {
			for c := row.FirstChild(); c != nil; c = c.NextSibling() {
				names = append(names, strings.TrimSpace(plainText(c, src)))
			}
			continue
		}
		i := 0
		for c := row.FirstChild(); c != nil; c = c.NextSibling() {
			if i < len(names) && names[i] != "" {
				c.SetAttributeString("data-label", []byte(names[i]))
			}
			i++
		}
	}
}

// inLink reports whether a node is inside a link.
func inLink(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if _, ok := p.(*ast.Link); ok {
			return true
		}
	}
	return false
}

// htmlBlockText is an HTML block's text, trimmed.
func htmlBlockText(n *ast.HTMLBlock, src []byte) string {
	var b strings.Builder
	for i := range n.Lines().Len() {
		seg := n.Lines().At(i)
		b.Write(seg.Value(src))
	}
	return strings.TrimSpace(b.String())
}

var testName = regexp.MustCompile(`^((?:Test|Benchmark|Example)\w*)(?:/\S*)?$`)

// testLink returns the source link of the test a code span names, found in
// the lesson's own step first, or "" when it names none (or, outside a
// step, a name several steps use).
func (s *site) testLink(p *page, span string) string {
	m := testName.FindStringSubmatch(span)
	if m == nil {
		return ""
	}
	locs := s.tests[m[1]]
	for _, l := range locs {
		if p.Step != "" && strings.HasPrefix(l.file, p.Step+"/") {
			return s.sourceLink(l.file, []int{l.line})
		}
	}
	if len(locs) == 1 {
		return s.sourceLink(locs[0].file, []int{locs[0].line})
	}
	return ""
}

type testLoc struct {
	file string
	line int
}

var testFunc = regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Example)\w*)\(`)

// indexTests finds every test, benchmark and example function in the
// repository's _test.go files.
func indexTests(source fs.FS) map[string][]testLoc {
	tests := map[string][]testLoc{}
	if source == nil {
		return tests
	}
	_ = fs.WalkDir(source, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable folder has no tests to link
		}
		if d.IsDir() && name != "." && (hidden(name) || d.Name() == "testdata") {
			return fs.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(name, "_test.go") {
			return nil
		}
		src, err := fs.ReadFile(source, name)
		if err != nil {
			return nil
		}
		for _, m := range testFunc.FindAllSubmatchIndex(src, -1) {
			fn := string(src[m[2]:m[3]])
			line := bytes.Count(src[:m[0]], []byte("\n")) + 1
			tests[fn] = append(tests[fn], testLoc{name, line})
		}
		return nil
	})
	return tests
}

// emojiCodes are the GitHub short codes that lessons quote (step 7 quotes
// Echo's SECURITY.md), read as the characters GitHub shows.
var emojiCodes = strings.NewReplacer(":white_check_mark:", "✅", ":x:", "❌", ":warning:", "⚠️")

// emojiMarks draws those characters as small pictures of the page's own:
// a machine without an emoji font shows an empty box for ✅ and ❌.
var emojiMarks = strings.NewReplacer(
	"✅", `<span class="tick yes" role="img" aria-label="yes"><svg viewBox="0 0 16 16" aria-hidden="true">`+
		`<path d="M3 8.5l3.2 3.2L13 4.8" fill="none" stroke="currentColor" stroke-width="2.4" `+
		`stroke-linecap="round" stroke-linejoin="round"/></svg></span>`,
	"❌", `<span class="tick no" role="img" aria-label="no"><svg viewBox="0 0 16 16" aria-hidden="true">`+
		`<path d="M4 4l8 8M12 4l-8 8" fill="none" stroke="currentColor" stroke-width="2.4" `+
		`stroke-linecap="round"/></svg></span>`,
	"⚠️", `<span class="tick warn" role="img" aria-label="warning"><svg viewBox="0 0 16 16" aria-hidden="true">`+
		`<path d="M8 1.8L15 14H1z" fill="currentColor"/><path d="M8 6v4M8 11.6v.6" stroke="#fff" `+
		`stroke-width="1.8" stroke-linecap="round"/></svg></span>`,
)

func (s *site) emoji(n *ast.Text, src []byte) {
	if n.Parent() == nil {
		return // removed: it was part of a run handled from its start
	}
	if prev, ok := n.PreviousSibling().(*ast.Text); ok && prev.Segment.Stop == n.Segment.Start &&
		!prev.SoftLineBreak() && !prev.HardLineBreak() {
		return // in the middle of a run, handled from its start
	}
	// Goldmark may cut ":white_check_mark:" into several text nodes (a
	// colon can start a link), so a run of adjacent ones is read whole.
	run := []*ast.Text{n}
	var v strings.Builder
	v.Write(n.Segment.Value(src))
	for last := n; !last.SoftLineBreak() && !last.HardLineBreak(); {
		next, ok := last.NextSibling().(*ast.Text)
		if !ok || next.Segment.Start != last.Segment.Stop {
			break
		}
		v.Write(next.Segment.Value(src))
		run, last = append(run, next), next
	}
	r := emojiCodes.Replace(v.String())
	if !strings.ContainsAny(r, "✅❌⚠") {
		return
	}
	parent := n.Parent()
	marked := ast.NewString([]byte(emojiMarks.Replace(html.EscapeString(r))))
	marked.SetCode(true) // written as it is: the marks are HTML, the text escaped
	parent.InsertBefore(parent, n, marked)
	if end := run[len(run)-1]; end.SoftLineBreak() || end.HardLineBreak() {
		parent.InsertBefore(parent, n, ast.NewString([]byte("\n")))
	}
	for _, t := range run {
		parent.RemoveChild(parent, t)
	}
}

// zoomable gives a picture its size (so the page does not jump as it
// loads) and wraps it in a link to itself, so that a phone can open a
// diagram full size.
func (s *site) zoomable(img *ast.Image) {
	dest := string(img.Destination)
	name := strings.TrimPrefix(dest, "/")
	if strings.Contains(dest, "://") {
		return
	}
	if w, h, ok := imageSize(s.content, name); ok {
		img.SetAttributeString("width", []byte(strconv.Itoa(w)))
		img.SetAttributeString("height", []byte(strconv.Itoa(h)))
	}
	img.SetAttributeString("loading", []byte("lazy"))
	parent := img.Parent()
	if _, isLink := parent.(*ast.Link); isLink {
		return
	}
	link := ast.NewLink()
	link.Destination = img.Destination
	link.SetAttributeString("class", []byte("zoom"))
	link.SetAttributeString("title", []byte("Open the picture full size"))
	parent.ReplaceChild(parent, img, link)
	link.AppendChild(link, img)
}

var (
	svgWidth  = regexp.MustCompile(`<svg[^>]*\swidth="(\d+)"`)
	svgHeight = regexp.MustCompile(`<svg[^>]*\sheight="(\d+)"`)
	svgBox    = regexp.MustCompile(`<svg[^>]*\sviewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"`)
)

// imageSize returns a picture's size in CSS pixels. A PNG whose name ends
// in "@2x.png" was taken at twice the pixels, for sharp text on today's
// screens, and is shown at half its pixel size.
func imageSize(content fs.FS, name string) (int, int, bool) {
	b, err := fs.ReadFile(content, name)
	if err != nil {
		return 0, 0, false
	}
	switch path.Ext(name) {
	case ".png":
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return 0, 0, false
		}
		if strings.HasSuffix(name, "@2x.png") {
			return cfg.Width / 2, cfg.Height / 2, true
		}
		return cfg.Width, cfg.Height, true
	case ".svg":
		w, h := svgWidth.FindSubmatch(b), svgHeight.FindSubmatch(b)
		if w != nil && h != nil {
			wi, _ := strconv.Atoi(string(w[1]))
			hi, _ := strconv.Atoi(string(h[1]))
			return wi, hi, true
		}
		if m := svgBox.FindSubmatch(b); m != nil {
			wf, _ := strconv.ParseFloat(string(m[1]), 64)
			hf, _ := strconv.ParseFloat(string(m[2]), 64)
			return int(wf), int(hf), true
		}
	}
	return 0, 0, false
}

// solutionStart is a node the site puts before each numbered paragraph of
// a "Solutions" fold ("**2.** ..."): each exercise gets a fold of its own,
// so that checking one answer does not show the others.
type solutionStart struct {
	ast.BaseBlock
	number string
	first  bool
}

var kindSolutionStart = ast.NewNodeKind("SolutionStart")

func (n *solutionStart) Kind() ast.NodeKind { return kindSolutionStart }

func (n *solutionStart) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"number": n.number}, nil)
}

var solutionNumber = regexp.MustCompile(`^(\d+)\.$`)

// splitSolutions turns one "Solutions" fold into one fold per exercise,
// when its answers are numbered paragraphs.
func splitSolutions(open ast.Node, src []byte) {
	var starts []*ast.Paragraph
	var numbers []string
	var end ast.Node
	for n := open.NextSibling(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.HTMLBlock); ok && closeFold.MatchString(htmlBlockText(h, src)) {
			end = n
			break
		}
		p, ok := n.(*ast.Paragraph)
		if !ok {
			continue
		}
		strong, ok := p.FirstChild().(*ast.Emphasis)
		if !ok || strong.Level != 2 {
			continue
		}
		if m := solutionNumber.FindStringSubmatch(plainText(strong, src)); m != nil {
			starts = append(starts, p)
			numbers = append(numbers, m[1])
		}
	}
	if end == nil || len(starts) == 0 || starts[0] != open.NextSibling() {
		return // not the usual shape: leave the one fold
	}
	open.SetAttributeString("split", true)
	end.SetAttributeString("split", true)
	parent := open.Parent()
	for i, p := range starts {
		p.RemoveChild(p, p.FirstChild()) // the number: the summary says it
		if t, ok := p.FirstChild().(*ast.Text); ok {
			t.Segment = t.Segment.TrimLeftSpace(src)
		}
		parent.InsertBefore(parent, p, &solutionStart{number: numbers[i], first: i == 0})
	}
}

// siteRenderer renders the nodes this file adds or changes.
type siteRenderer struct{}

func (siteRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindSolutionStart, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			s := n.(*solutionStart)
			if !s.first {
				_, _ = w.WriteString("</details>\n")
			}
			fmt.Fprintf(w, "<details class=\"solution\">\n<summary>Solution to exercise %s</summary>\n", s.number)
		}
		return ast.WalkContinue, nil
	})
	reg.Register(kindCallout, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		c := n.(*callout)
		if !entering {
			_, _ = w.WriteString("</aside>\n")
			return ast.WalkContinue, nil
		}
		label := map[string]string{"warning": "Warning", "note": "Note"}[c.kind]
		title := label
		if c.title != "" {
			title += ": " + c.title
		}
		fmt.Fprintf(w, "<aside class=\"callout %s\" role=\"note\" aria-label=\"%s\">\n<p class=\"callout-title\">%s</p>\n",
			c.kind, label, html.EscapeString(title))
		return ast.WalkContinue, nil
	})
	reg.Register(ast.KindFencedCodeBlock, renderFenced)
	reg.Register(ast.KindCodeBlock, renderFenced)
	reg.Register(ast.KindCodeSpan, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var text strings.Builder
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				v := c.Segment.Value(src)
				if bytes.HasSuffix(v, []byte("\n")) {
					v = append(v[:len(v)-1:len(v)-1], ' ')
				}
				text.Write(v)
			case *ast.String:
				text.Write(c.Value)
			}
		}
		t := text.String()
		if href, ok := n.AttributeString("href"); ok {
			fmt.Fprintf(w, `<a class="test" href="%s"><code>%s</code></a>`, html.EscapeString(href.(string)), html.EscapeString(t))
			return ast.WalkSkipChildren, nil
		}
		if utf8.RuneCountInString(t) <= 24 {
			_, _ = w.WriteString(`<code class="nb">`) // short: kept on one line
		} else {
			_, _ = w.WriteString("<code>")
		}
		if _, ok := n.AttributeString("inlink"); ok {
			_, _ = w.WriteString(html.EscapeString(t))
		} else {
			_, _ = w.WriteString(linkLocalhost(t))
		}
		_, _ = w.WriteString("</code>")
		return ast.WalkSkipChildren, nil
	})
}

var localURL = regexp.MustCompile(`http://localhost:\d+[^\s'"]*`)

// linkLocalhost escapes text, and makes the program's address a link: a
// learner running the step can click it.
func linkLocalhost(text string) string {
	var b strings.Builder
	last := 0
	for _, m := range localURL.FindAllStringIndex(text, -1) {
		b.WriteString(html.EscapeString(text[last:m[0]]))
		u := html.EscapeString(text[m[0]:m[1]])
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		last = m[1]
	}
	b.WriteString(html.EscapeString(text[last:]))
	return b.String()
}

// renderFenced writes a fenced block: a generated one as a figure with its
// caption, a transcript with its commands set apart, a diff line by line,
// anything else highlighted in its language.
func renderFenced(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	var body strings.Builder
	for i := range n.Lines().Len() {
		seg := n.Lines().At(i)
		body.Write(seg.Value(src))
	}
	code := body.String()
	lang := ""
	if f, ok := n.(*ast.FencedCodeBlock); ok && f.Info != nil {
		lang = strings.Fields(string(f.Info.Segment.Value(src)) + " ")[0]
	}
	var b *block
	if v, ok := n.AttributeString("block"); ok {
		b = v.(*block)
	}
	kind := "code"
	if b != nil {
		kind = b.kind
	} else if lang == "text" {
		kind = "output"
	}
	// A short block prints whole on one page; a long one may break between
	// its lines, but never right after its caption (see style.css).
	if n.Lines().Len() <= 15 {
		kind += " short"
	}
	if b != nil {
		fmt.Fprintf(w, `<figure class="block %s" id="%s">`+"\n", kind, b.id)
		fmt.Fprintf(w, "<figcaption>%s</figcaption>\n", b.caption)
	} else {
		fmt.Fprintf(w, `<figure class="block %s">`+"\n", kind)
	}
	kind = strings.TrimSuffix(kind, " short")
	switch kind {
	case "transcript", "output":
		var marks []string
		if b != nil {
			marks = b.marks
		}
		fmt.Fprintf(w, `<pre class="chroma wrap"><code>%s</code></pre>`, transcriptLines(code, marks))
	case "diff":
		file := strings.SplitN(b.refs[1], "#", 2)[0]
		fmt.Fprintf(w, `<pre class="chroma diff"><code>%s</code></pre>`, diffLines(file, code))
	case "bench":
		fmt.Fprintf(w, `<pre class="chroma bench"><code>%s</code></pre>`, codeLines("text", code, nil, false, 0, 0))
	default:
		if lang == "" {
			lang = "text"
		}
		var numbers []int
		if b != nil {
			numbers = b.lines
		}
		fmt.Fprintf(w, `<pre class="chroma"><code>%s</code></pre>`, codeLines(lang, code, numbers, false, 0, 0))
	}
	_, _ = w.WriteString("\n</figure>\n")
	return ast.WalkContinue, nil
}

// splitFold reports whether a fold's opening or closing block belongs to a
// "Solutions" fold that splitSolutions split.
func splitFold(n ast.Node) bool {
	v, ok := n.AttributeString("split")
	return ok && v == true
}
