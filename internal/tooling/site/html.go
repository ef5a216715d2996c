package site

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// The lessons' markdown may hold raw HTML for one thing only: a folded
// solution, as GitHub renders it too:
//
//	<details>
//	<summary>Solution</summary>
//
//	...markdown...
//
//	</details>
//
// foldRenderer lets exactly these lines through and leaves out every other
// piece of raw HTML, as goldmark does by default.
type foldRenderer struct{}

var (
	openFold  = regexp.MustCompile(`^<details>$`)
	closeFold = regexp.MustCompile(`^</details>$`)
	summary   = regexp.MustCompile(`^<summary>([^<>]*)</summary>$`)
)

func (foldRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if splitFold(n) {
			// One fold per exercise (see splitSolutions): the answers sit in
			// a box, each in a fold of its own.
			if closeFold.MatchString(htmlBlockText(n.(*ast.HTMLBlock), src)) {
				_, _ = w.WriteString("</details>\n</div>\n")
			} else {
				_, _ = w.WriteString("<div class=\"solutions\">\n<p class=\"solutions-title\">Solutions</p>\n")
			}
			return ast.WalkSkipChildren, nil
		}
		lines := n.Lines()
		for i := range lines.Len() {
			seg := lines.At(i)
			line := strings.TrimSpace(string(seg.Value(src)))
			switch m := summary.FindStringSubmatch(line); {
			case openFold.MatchString(line), closeFold.MatchString(line):
				fmt.Fprintln(w, line)
			case m != nil:
				fmt.Fprintf(w, "<summary>%s</summary>\n", html.EscapeString(html.UnescapeString(m[1])))
			default:
				_, _ = w.WriteString("<!-- raw HTML omitted -->\n")
			}
		}
		return ast.WalkSkipChildren, nil
	})
}

// anchorRenderer writes headings with a link to themselves, so that a
// reader can point at a section.
type anchorRenderer struct{}

func (anchorRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHeading, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		h := n.(*ast.Heading)
		id, _ := h.AttributeString("id")
		idText, _ := id.([]byte)
		if entering {
			fmt.Fprintf(w, `<h%d id="%s">`, h.Level, html.EscapeString(string(idText)))
			return ast.WalkContinue, nil
		}
		if h.Level > 1 && len(idText) > 0 {
			fmt.Fprintf(w, ` <a class="anchor" href="#%s" aria-label="Link to this section">#</a>`, html.EscapeString(string(idText)))
		}
		fmt.Fprintf(w, "</h%d>\n", h.Level)
		return ast.WalkContinue, nil
	})
}

// tocEntry is one section of a lesson, for the sidebar: an h2, with its
// h3s.
type tocEntry struct {
	ID, Title string
	Sub       []tocEntry
}

// contents lists a lesson's sections (its h2 headings, and their h3s).
func contents(doc ast.Node, src []byte) []tocEntry {
	var toc []tocEntry
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		id, _ := h.AttributeString("id")
		idText, _ := id.([]byte)
		e := tocEntry{ID: string(idText), Title: plainText(h, src)}
		switch {
		case h.Level == 2:
			toc = append(toc, e)
		case h.Level == 3 && len(toc) > 0:
			toc[len(toc)-1].Sub = append(toc[len(toc)-1].Sub, e)
		}
		return ast.WalkSkipChildren, nil
	})
	return toc
}

// plainText is a node's text without markup.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			b.Write(t.Segment.Value(src))
		}
		if s, ok := c.(*ast.String); ok && entering {
			b.Write(s.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// regionMarker matches the lines that mark a lesson's excerpts in the
// source (see blocks.go); the source pages leave them out.
var regionMarker = regexp.MustCompile(`(?m)^[ \t]*// (end)?region [\w-]+\n`)

// sourceOrder sorts a folder's files as a reader takes them in: main.go and
// server.go (routes.go from step 6) first, then the other program files,
// then the tests.
func sourceOrder(names []string) {
	rank := func(name string) int {
		switch {
		case name == "main.go":
			return 0
		case name == "server.go", name == "routes.go":
			return 1
		case strings.HasSuffix(name, "_test.go"):
			return 3
		case strings.HasSuffix(name, "/"):
			return 4
		}
		return 2
	}
	slices.SortStableFunc(names, func(a, b string) int { return rank(a) - rank(b) })
}
