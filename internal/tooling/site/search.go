package site

import (
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
)

// The site's search needs no service: the site builds one index when it
// starts, every section of every page and every line of the source files,
// and serves it as /search.json. The page's script fetches it once and
// searches it in the browser; without the script, /search?q= answers
// from the same index.

// searchSection is one section of a page: its heading and its text.
type searchSection struct {
	Page  string `json:"p"` // the page's title
	Title string `json:"t"` // the section's heading ("" for the page's opening)
	URL   string `json:"u"` // the page's URL and the section's anchor
	Kind  string `json:"k"` // "lesson", "glossary" or "page"
	Text  string `json:"x"`
}

// searchFile is a source file, line by line.
type searchFile struct {
	Path  string   `json:"p"`
	Lines []string `json:"l"`
}

type searchIndex struct {
	Sections []searchSection `json:"sections"`
	Files    []searchFile    `json:"files"`
}

var tags = regexp.MustCompile(`<[^>]*>`)

// sections cuts a page into its sections, at every h2 and h3.
func sections(p *page, doc ast.Node, src []byte) []searchSection {
	kind := "page"
	switch {
	case p.Step != "":
		kind = "lesson"
	case p.File == "glossary.md":
		kind = "glossary"
	}
	cur := searchSection{Page: p.Title, URL: p.URL(), Kind: kind}
	var out []searchSection
	var text strings.Builder
	flush := func() {
		cur.Text = strings.Join(strings.Fields(tags.ReplaceAllString(text.String(), " ")), " ")
		if cur.Text != "" || cur.Title != "" {
			out = append(out, cur)
		}
		text.Reset()
	}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok && h.Level >= 2 && h.Level <= 3 {
			flush()
			id, _ := h.AttributeString("id")
			idText, _ := id.([]byte)
			cur = searchSection{Page: p.Title, Title: plainText(h, src),
				URL: p.URL() + "#" + string(idText), Kind: kind}
			continue
		}
		if _, ok := n.(*ast.Heading); ok {
			continue // the page's title: its own field
		}
		if _, ok := n.(*ast.HTMLBlock); ok {
			continue // markers and folds
		}
		text.WriteString(blockText(n, src))
		text.WriteString(" ")
	}
	flush()
	return out
}

// blockText is a block's text, code included.
func blockText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			for i := range c.Lines().Len() {
				seg := c.Lines().At(i)
				b.Write(seg.Value(src))
			}
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteString(" ")
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.Paragraph, *ast.ListItem:
			b.WriteString(" ")
		}
		return ast.WalkContinue, nil
	})
	b.WriteString(" ")
	return b.String()
}

// searchable are the source files the search reads: text a learner looks
// for, not pictures or recorded data.
var searchable = map[string]bool{".go": true, ".mod": true, ".sql": true, ".sh": true, ".yml": true,
	".yaml": true, ".html": true, ".tmpl": true, ".css": true, ".js": true}

// sourceFiles reads the repository's source files for the index.
func sourceFiles(source fs.FS) []searchFile {
	var files []searchFile
	if source == nil {
		return nil
	}
	_ = fs.WalkDir(source, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable folder: nothing to index
		}
		if d.IsDir() && name != "." && (hidden(name) || d.Name() == "testdata") {
			return fs.SkipDir
		}
		if d.IsDir() || !searchable[path.Ext(name)] {
			return nil
		}
		src, err := fs.ReadFile(source, name)
		if err != nil || len(src) > 200_000 {
			return nil
		}
		lines := strings.Split(strings.TrimSuffix(string(src), "\n"), "\n")
		files = append(files, searchFile{name, lines})
		return nil
	})
	return files
}

// searchJSON is the index as the script reads it.
func searchJSON(idx searchIndex) ([]byte, error) {
	return json.Marshal(idx)
}

// searchResult is one answer of the server's own search (/search?q=).
type searchResult struct {
	Where, URL, Snippet string
}

// search finds the sections and source lines holding every word of q,
// sections whose heading holds them first; the script ranks the same way.
func (idx searchIndex) search(q string) []searchResult {
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 {
		return nil
	}
	all := func(s string) bool {
		s = strings.ToLower(s)
		for _, w := range words {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}
	var titled, others, lines []searchResult
	for _, s := range idx.Sections {
		where := s.Page
		if s.Title != "" {
			where += " › " + s.Title
		}
		switch {
		case all(s.Title):
			titled = append(titled, searchResult{where, s.URL, snippet(s.Text, words[0])})
		case all(s.Title + " " + s.Text):
			others = append(others, searchResult{where, s.URL, snippet(s.Text, words[0])})
		}
	}
	for _, f := range idx.Files {
		for i, l := range f.Lines {
			if all(l) && len(lines) < 50 {
				n := strconv.Itoa(i + 1)
				u := "/source/" + f.Path + "?lines=" + n + "-" + n + "#L" + n
				lines = append(lines, searchResult{f.Path + ":" + n, u, strings.TrimSpace(l)})
			}
		}
	}
	return append(append(titled, others...), lines...)
}

// snippet is a few words of text around the first place it holds w.
func snippet(text, w string) string {
	i := strings.Index(strings.ToLower(text), w)
	if i < 0 {
		i = 0
	}
	from, to := max(0, i-60), min(len(text), i+100)
	for from > 0 && text[from]&0xC0 == 0x80 {
		from--
	}
	for to < len(text) && text[to]&0xC0 == 0x80 {
		to++
	}
	s := text[from:to]
	if from > 0 {
		s = "…" + s
	}
	if to < len(text) {
		s += "…"
	}
	return s
}
