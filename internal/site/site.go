// Package site renders the course's lessons as a small website and keeps
// them true to the code: every code block, diff, transcript and benchmark
// table in a lesson is cut from the file it names (see blocks.go).
//
// It stands in for a static site generator such as Hugo or mdBook: those
// would be another tool to install, and none of them checks that a lesson
// still shows the code the programs run. It is built on goldmark and
// chroma, and `go run ./docs` serves it.
package site

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"

	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark"
	highlighting "github.com/yuin/goldmark-highlighting/v2"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// page is one lesson.
type page struct {
	Slug    string        // URL path without the slash: "" for the index
	File    string        // its markdown file
	Title   string        // its first heading
	Step    string        // its program's folder ("step04-counter"), or ""
	Heading template.HTML // its h1, above the table of contents
	HTML    template.HTML // the rest
	TOC     []tocEntry    // its sections, shown on long lessons
	Prev    *page
	Next    *page
	Course  []*page // every page, for the sidebar
}

// site renders the lessons once, at start-up, and serves them.
type site struct {
	content fs.FS // the lessons (*.md), images/ and static/
	pages   []*page
	bySlug  map[string]*page
	source  fs.FS // the repository, for /source/ links; nil when not found
	css     []byte
}

var stepFile = regexp.MustCompile(`^(\d\d)-(.+)\.md$`)

// New renders every lesson in content (the docs folder: *.md, images/ and
// static/) and returns the site's handler. source is the repository root
// (for the /source/ pages), or nil.
func New(content, source fs.FS) (http.Handler, error) {
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.GFM,
			// Highlighting with CSS classes: the colours live in one
			// stylesheet, not in every span.
			highlighting.NewHighlighting(highlighting.WithFormatOptions(chromahtml.WithClasses(true))),
		),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithASTTransformers(util.Prioritized(linkRewriter{}, 100)),
		),
		// No goldmark.WithRendererOptions(html.WithUnsafe()): raw HTML in
		// markdown is left out, never passed to the browser, but for the
		// <details> of a folded solution (see html.go).
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(
			util.Prioritized(foldRenderer{}, 100),
			util.Prioritized(anchorRenderer{}, 100),
		)),
	)
	files, err := fs.Glob(content, "*.md")
	if err != nil {
		return nil, err
	}
	slices.Sort(files) // index.md sorts after the numbered lessons
	s := &site{content: content, bySlug: map[string]*page{}, source: source}
	for _, f := range append([]string{"index.md"}, slices.DeleteFunc(files, func(f string) bool { return f == "index.md" })...) {
		src, err := fs.ReadFile(content, f)
		if err != nil {
			return nil, err
		}
		p := &page{File: f}
		if f != "index.md" {
			p.Slug = strings.TrimSuffix(f, ".md")
		}
		if m := stepFile.FindStringSubmatch(f); m != nil {
			p.Step = "step" + m[1] + "-" + m[2]
		}
		doc := md.Parser().Parse(text.NewReader(src))
		p.Title = firstHeading(doc, src)
		if toc := contents(doc, src); len(toc) >= 5 {
			p.TOC = toc
		}
		var buf bytes.Buffer
		if err := md.Renderer().Render(&buf, src, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		html := buf.String() // goldmark's output, raw HTML left out
		if end := strings.Index(html, "</h1>\n"); end >= 0 {
			p.Heading, html = template.HTML(html[:end+6]), html[end+6:]
		}
		p.HTML = template.HTML(html)
		s.pages = append(s.pages, p)
		s.bySlug[p.Slug] = p
	}
	for i, p := range s.pages {
		p.Course = s.pages
		if i > 0 {
			p.Prev = s.pages[i-1]
		}
		if i+1 < len(s.pages) {
			p.Next = s.pages[i+1]
		}
	}
	var css bytes.Buffer
	if err := chromahtml.New(chromahtml.WithClasses(true)).WriteCSS(&css, styles.Get("github")); err != nil {
		return nil, err
	}
	s.css = css.Bytes()
	return s, nil
}

func firstHeading(doc ast.Node, src []byte) string {
	var title string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering && h.Level == 1 {
			var b strings.Builder
			for c := h.FirstChild(); c != nil; c = c.NextSibling() {
				if t, ok := c.(*ast.Text); ok {
					b.Write(t.Segment.Value(src))
				} else if cs, ok := c.(*ast.CodeSpan); ok {
					for cc := cs.FirstChild(); cc != nil; cc = cc.NextSibling() {
						if t, ok := cc.(*ast.Text); ok {
							b.Write(t.Segment.Value(src))
						}
					}
				}
			}
			title = b.String()
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	return title
}

// linkRewriter turns the links that work on a code host into this site's:
// "04-counter.md" becomes "/04-counter", "images/x.png" "/images/x.png",
// and "../step04-counter/server.go" "/source/step04-counter/server.go".
type linkRewriter struct{}

func (linkRewriter) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch l := n.(type) {
		case *ast.Link:
			l.Destination = []byte(rewrite(string(l.Destination)))
		case *ast.Image:
			l.Destination = []byte(rewrite(string(l.Destination)))
		}
		return ast.WalkContinue, nil
	})
}

func rewrite(dest string) string {
	if strings.Contains(dest, "://") || strings.HasPrefix(dest, "#") || strings.HasPrefix(dest, "/") {
		return dest
	}
	target, anchor, _ := strings.Cut(dest, "#")
	if anchor != "" {
		anchor = "#" + anchor
	}
	switch {
	case strings.HasPrefix(target, "../"):
		return "/source/" + strings.TrimPrefix(target, "../") + anchor
	case target == "index.md":
		return "/" + anchor
	case strings.HasSuffix(target, ".md"):
		return "/" + strings.TrimSuffix(target, ".md") + anchor
	}
	return "/" + target + anchor
}

// ServeHTTP serves the lessons, their assets, the source files and a
// friendly 404.
func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "This site only answers GET.", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/static/chroma.css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write(s.css) // a failed write means the browser left
	case strings.HasPrefix(p, "/static/"), strings.HasPrefix(p, "/images/"):
		if _, err := fs.Stat(s.content, strings.TrimPrefix(p, "/")); err != nil {
			s.notFound(w, r)
			return
		}
		http.ServeFileFS(w, r, s.content, strings.TrimPrefix(p, "/"))
	case strings.HasPrefix(p, "/source/"):
		s.serveSource(w, r, strings.Trim(strings.TrimPrefix(p, "/source/"), "/"))
	default:
		pg, ok := s.bySlug[strings.Trim(p, "/")]
		if !ok {
			s.notFound(w, r)
			return
		}
		s.render(w, http.StatusOK, pageTemplate, pg)
	}
}

// serveSource shows a file or folder of the repository, so that a lesson's
// "see the whole file" links work here as they do on a code host.
func (s *site) serveSource(w http.ResponseWriter, r *http.Request, name string) {
	if s.source == nil || !fs.ValidPath(name) || hidden(name) {
		s.notFound(w, r)
		return
	}
	info, err := fs.Stat(s.source, name)
	if err != nil {
		s.notFound(w, r)
		return
	}
	view := sourceView{Path: name, Course: s.pages}
	if info.IsDir() {
		entries, err := fs.ReadDir(s.source, name)
		if err != nil {
			s.notFound(w, r)
			return
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			entry := e.Name()
			if e.IsDir() {
				entry += "/"
			}
			view.Entries = append(view.Entries, entry)
		}
		sourceOrder(view.Entries)
	} else {
		src, err := fs.ReadFile(s.source, name)
		if err != nil {
			s.notFound(w, r)
			return
		}
		view.Code, err = highlight(name, regionMarker.ReplaceAllString(string(src), ""))
		if err != nil {
			http.Error(w, "cannot show this file", http.StatusInternalServerError)
			return
		}
	}
	s.render(w, http.StatusOK, sourceTemplate, view)
}

// hidden reports whether a path has a part that starts with a dot (.git,
// .ci): the site shows the course, not the repository's internals.
func hidden(name string) bool {
	for part := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(part, ".") && part != "." {
			return true
		}
	}
	return false
}

type sourceView struct {
	Path    string
	Entries []string
	Code    template.HTML
	Course  []*page
}

func highlight(name, src string) (template.HTML, error) {
	lexer := lexers.Match(path.Base(name))
	if lexer == nil {
		lexer = lexers.Fallback
	}
	it, err := lexer.Tokenise(nil, src)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := chromahtml.New(chromahtml.WithClasses(true), chromahtml.WithLineNumbers(true)).Format(&buf, styles.Get("github"), it); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // chroma escapes the source
}

func (s *site) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusNotFound, notFoundTemplate, struct {
		Path   string
		Course []*page
	}{r.URL.Path, s.pages})
}

func (s *site) render(w http.ResponseWriter, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		http.Error(w, "rendering failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // a failed write means the browser left
}

// FindRoot returns the repository root: the nearest folder, from dir
// upwards, that holds go.mod.
func FindRoot(dir string, exists func(string) bool) (string, error) {
	for {
		if exists(path.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := path.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the current folder")
		}
		dir = parent
	}
}

const layout = `{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} · Sessions in Go</title>
<link rel="stylesheet" href="/static/style.css"><link rel="stylesheet" href="/static/chroma.css">
</head><body>{{end}}
{{define "nav"}}<nav class="course" aria-label="Lessons"><a class="home" href="/"{{if eq .Current "/"}} aria-current="page"{{end}}>Sessions in Go</a><ol>
{{range .Course}}{{if .Slug}}<li><a href="/{{.Slug}}"{{if eq $.Current .Slug}} aria-current="page"{{end}}>{{.Title}}</a></li>{{end}}{{end}}</ol></nav>{{end}}`

// funcs are the templates' helpers: the sidebar gets the course and the
// page it should mark as the current one.
var funcs = template.FuncMap{
	"nav": func(course []*page, current string) any {
		return struct {
			Course  []*page
			Current string
		}{course, current}
	},
	"current": func(slug string) string {
		if slug == "" {
			return "/"
		}
		return slug
	},
}

var (
	pageTemplate = template.Must(template.New("page").Funcs(funcs).Parse(layout + `{{template "top" .Title}}
{{template "nav" (nav .Course (current .Slug))}}
<main>
{{if .Step}}<p class="run">Run it: <code>go run ./{{.Step}}</code> · Source: <a href="/source/{{.Step}}/">{{.Step}}/</a></p>{{end}}
{{.Heading}}
{{with .TOC}}<nav class="toc" aria-label="On this page"><p>On this page</p><ol>{{range .}}<li><a href="#{{.ID}}">{{.Title}}</a></li>{{end}}</ol></nav>{{end}}
{{.HTML}}
<p class="pager">{{with .Prev}}<a href="/{{.Slug}}">← {{.Title}}</a>{{end}}
{{with .Next}}<a class="next" href="/{{.Slug}}">{{.Title}} →</a>{{end}}</p>
</main></body></html>`))

	sourceTemplate = template.Must(template.New("source").Funcs(funcs).Parse(layout + `{{template "top" .Path}}
{{template "nav" (nav .Course "")}}
<main><h1><code>{{.Path}}</code></h1>
{{if .Entries}}<ul class="files">{{range .Entries}}<li><a href="/source/{{$.Path}}/{{.}}">{{.}}</a></li>{{end}}</ul>{{end}}
{{.Code}}
</main></body></html>`))

	notFoundTemplate = template.Must(template.New("404").Funcs(funcs).Parse(layout + `{{template "top" "Not found"}}
{{template "nav" (nav .Course "")}}
<main><h1>There is no page here</h1>
<p>Nothing in this course lives at <code>{{.Path}}</code>. Pick a lesson on the left, or start from <a href="/">the beginning</a>.</p>
</main></body></html>`))
)
