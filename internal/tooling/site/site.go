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
	"crypto/sha256"
	"encoding/hex"
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
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// page is one lesson.
type page struct {
	Slug        string        // URL path without the slash: "" for the index
	File        string        // its markdown file
	Title       string        // its first heading
	Description string        // its first paragraph, shortened, for search engines
	Step        string        // its program's folder ("step04-counter"), or ""
	Heading     template.HTML // its h1
	HTML        template.HTML // the rest
	TOC         []tocEntry    // its sections, nested in the sidebar
	Prev        *page
	Next        *page
}

// URL is the page's address.
func (p *page) URL() string { return "/" + p.Slug }

// site renders the lessons once, at start-up, and serves them.
type site struct {
	content   fs.FS // the lessons (*.md), images/ and static/
	pages     []*page
	bySlug    map[string]*page
	source    fs.FS // the repository, for /source/ links; nil when not found
	css       []byte
	tests     map[string][]testLoc  // every test function, for links from the lessons
	backlinks map[string][]backlink // file -> the lessons' excerpts of it
	index     searchIndex           // every section and source line, for the search
	indexJSON []byte
	version   string // a hash of the site's files: a new one when any changes
}

var stepFile = regexp.MustCompile(`^(\d\d)-(.+)\.md$`)

// stepFolder names the program folder of a lesson NN-name.md: the one
// folder stepNN-* in source, so that a lesson split into two pages
// (06-login.md and 06-defences.md) belongs to one program; without source,
// stepNN-name.
func stepFolder(source fs.FS, number, name string) string {
	if source != nil {
		if dirs, _ := fs.Glob(source, "step"+number+"-*"); len(dirs) == 1 {
			return dirs[0]
		}
	}
	return "step" + number + "-" + name
}

// New renders every lesson in content (the docs folder: *.md, images/ and
// static/) and returns the site's handler. source is the repository root
// (for the /source/ pages), or nil.
func New(content, source fs.FS) (http.Handler, error) {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(linkRewriter{}, 100))),
		// No goldmark.WithRendererOptions(html.WithUnsafe()): raw HTML in
		// markdown is left out, never passed to the browser, but for the
		// <details> of a folded solution (see html.go).
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(
			util.Prioritized(foldRenderer{}, 100),
			util.Prioritized(anchorRenderer{}, 100),
			util.Prioritized(siteRenderer{}, 100),
		)),
	)
	files, err := fs.Glob(content, "*.md")
	if err != nil {
		return nil, err
	}
	slices.SortFunc(files, byReadingOrder)
	s := &site{
		content: content, bySlug: map[string]*page{}, source: source,
		tests: indexTests(source), backlinks: map[string][]backlink{},
	}
	for _, f := range files {
		src, err := fs.ReadFile(content, f)
		if err != nil {
			return nil, err
		}
		p := &page{File: f}
		if f != "index.md" {
			p.Slug = strings.TrimSuffix(f, ".md")
		}
		if m := stepFile.FindStringSubmatch(f); m != nil {
			p.Step = stepFolder(source, m[1], m[2])
		}
		doc := md.Parser().Parse(text.NewReader(src))
		p.Title = firstHeading(doc, src)
		p.Description = description(doc, src)
		p.TOC = contents(doc, src)
		s.prepare(p, doc, src)
		s.index.Sections = append(s.index.Sections, sections(p, doc, src)...)
		var buf bytes.Buffer
		if err := md.Renderer().Render(&buf, src, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		html := buf.String() // goldmark's output, raw HTML left out
		if end := strings.Index(html, "</h1>\n"); end >= 0 {
			p.Heading, html = template.HTML(html[:end+6]), html[end+6:]
		}
		// A table scrolls in a box of its own (the script lets the keyboard
		// reach the ones that do scroll); a phone lays its rows out as cards.
		html = strings.ReplaceAll(html, "<table>", `<div class="table-wrap">`+"<table>")
		html = strings.ReplaceAll(html, "</table>", "</table></div>")
		p.HTML = template.HTML(html)
		s.pages = append(s.pages, p)
		s.bySlug[p.Slug] = p
	}
	for i, p := range s.pages {
		if i > 0 {
			p.Prev = s.pages[i-1]
		}
		if i+1 < len(s.pages) {
			p.Next = s.pages[i+1]
		}
	}
	s.css, err = chromaCSS()
	if err != nil {
		return nil, err
	}
	s.index.Files = sourceFiles(source)
	if s.indexJSON, err = searchJSON(s.index); err != nil {
		return nil, err
	}
	s.version, err = contentVersion(content, s.css)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// contentVersion is a short hash of everything the site serves from
// content: the pages ask for their style and script with it
// (/static/style.css?v=...), so that a browser may keep them for a year and
// still gets the new ones as soon as they change.
func contentVersion(content fs.FS, extra []byte) (string, error) {
	h := sha256.New()
	h.Write(extra)
	err := fs.WalkDir(content, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(content, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

// appendices are the pages after the lessons, in the order the sidebar
// lists them: what the lessons leave out, then the words they use. Any
// other page comes after them, by name.
var appendices = []string{"under-the-hood.md", "glossary.md"}

// byReadingOrder sorts the pages as the course is read: the index, the
// numbered lessons, then the appendices.
func byReadingOrder(a, b string) int {
	rank := func(f string) int {
		switch {
		case f == "index.md":
			return 0
		case stepFile.MatchString(f):
			return 1
		}
		if i := slices.Index(appendices, f); i >= 0 {
			return 2 + i
		}
		return 2 + len(appendices)
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra - rb
	}
	return strings.Compare(a, b)
}

// chromaCSS is the highlighting's stylesheet: GitHub's colours, and GitHub's
// dark ones when the reader's system is dark. The backgrounds are the site's.
func chromaCSS() ([]byte, error) {
	var light, dark bytes.Buffer
	f := chromahtml.New(chromahtml.WithClasses(true))
	if err := f.WriteCSS(&light, styles.Get("github")); err != nil {
		return nil, err
	}
	if err := f.WriteCSS(&dark, styles.Get("github-dark")); err != nil {
		return nil, err
	}
	keep := func(css string) string {
		var out []string
		for l := range strings.SplitSeq(css, "\n") {
			// Chroma's own rules for the box and its lines: style.css has them.
			if strings.Contains(l, "/* Background */") || strings.Contains(l, "/* PreWrapper */") ||
				strings.Contains(l, "/* Line */") || strings.Contains(l, "/* LineNumbers") ||
				strings.Contains(l, "/* LineHighlight */") || strings.Contains(l, "/* LineTable") ||
				strings.Contains(l, "/* CodeLine */") || strings.Contains(l, "/* LineLink */") {
				continue
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	// Each in its own media query, so that no light colour is left over in
	// the dark (github-dark styles fewer token types than github).
	return []byte("@media not (prefers-color-scheme: dark) {\n" + keep(light.String()) +
		"\n}\n@media (prefers-color-scheme: dark) {\n" + keep(dark.String()) + "\n}\n"), nil
}

// description is a lesson's first paragraph as plain text, cut to about
// 160 characters at a word.
func description(doc ast.Node, src []byte) string {
	var d string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if p, ok := n.(*ast.Paragraph); ok && entering {
			d = strings.Join(strings.Fields(plainText(p, src)), " ")
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	if len(d) > 160 {
		cut := strings.LastIndex(d[:157], " ")
		if cut < 0 {
			cut = 157
		}
		d = strings.TrimRight(d[:cut], ",;:.") + "…"
	}
	return d
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

// ServeHTTP serves the lessons, their assets, the source files, the search
// and a friendly 404, compressed for a browser that accepts gzip.
func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "This site only answers GET.", http.StatusMethodNotAllowed)
		return
	}
	if acceptsGzip(r) {
		g := &gzipWriter{ResponseWriter: w}
		defer g.close()
		w = g
	}
	s.serve(w, r)
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	// The style and the script are asked for with the site's version: a
	// browser keeps them until the next version. Pictures it checks daily.
	cache := func() {
		h := w.Header()
		h.Set("ETag", `W/"`+s.version+`"`) // weak: the same for the gzipped bytes
		switch {
		case r.URL.Query().Get("v") == s.version:
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		case strings.HasPrefix(p, "/images/"):
			h.Set("Cache-Control", "public, max-age=86400")
		default:
			h.Set("Cache-Control", "no-cache")
		}
	}
	switch {
	case p == "/static/chroma.css":
		cache()
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		if r.Header.Get("If-None-Match") == w.Header().Get("ETag") {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(s.css) // a failed write means the browser left
	case p == "/search.json":
		cache()
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("If-None-Match") == w.Header().Get("ETag") {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(s.indexJSON)
	case p == "/search":
		q := r.URL.Query().Get("q")
		s.render(w, http.StatusOK, searchTemplate, view{
			Title: "Search · Sessions in Go", Course: s.pages,
			Query: q, Results: s.index.search(q),
		})
	case p == "/favicon.ico":
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	case strings.HasPrefix(p, "/static/"), strings.HasPrefix(p, "/images/"):
		if _, err := fs.Stat(s.content, strings.TrimPrefix(p, "/")); err != nil {
			s.notFound(w, r)
			return
		}
		cache()
		http.ServeFileFS(w, r, s.content, strings.TrimPrefix(p, "/"))
	case p == "/source", strings.HasPrefix(p, "/source/"):
		s.serveSource(w, r, strings.Trim(strings.TrimPrefix(p, "/source"), "/"))
	default:
		pg, ok := s.bySlug[strings.Trim(p, "/")]
		if !ok {
			s.notFound(w, r)
			return
		}
		title := pg.Title + " · Sessions in Go"
		if pg.Slug == "" {
			title = pg.Title // the course's own name already
		}
		current := pg.Slug
		if current == "" {
			current = "/"
		}
		v := view{
			Title: title, Description: pg.Description, Course: s.pages, Current: current,
			TOC: pg.TOC, Prev: pg.Prev, Next: pg.Next, Page: pg,
		}
		if pg.Slug == "" {
			v.Start = s.startHere(pg)
		}
		s.render(w, http.StatusOK, pageTemplate, v)
	}
}

// startHere is the index's "start here": where a newcomer begins, the
// section that lists what to have ready, and the first lesson.
type startHere struct {
	Before *tocEntry
	First  *page
}

func (s *site) startHere(index *page) *startHere {
	st := &startHere{}
	for i, e := range index.TOC {
		t := strings.ToLower(e.Title)
		if strings.Contains(t, "before you start") || strings.Contains(t, "prerequisite") {
			st.Before = &index.TOC[i]
			break
		}
	}
	for _, p := range s.pages {
		if p.Step != "" {
			st.First = p
			break
		}
	}
	if st.Before == nil && st.First == nil {
		return nil
	}
	return st
}

// view is what every page's template gets: the head, the sidebar, the
// pager, and one of a lesson, a source file or folder, or a 404.
type view struct {
	Title, Description string
	Course             []*page
	Current            string     // the sidebar's current page: a slug, "/" for the index
	TOC                []tocEntry // its sections, nested under it in the sidebar
	Prev, Next         *page
	Page               *page
	Source             *sourceView
	Missing            string // the path of a 404
	Start              *startHere
	Query              string // a search's words, and what it found
	Results            []searchResult
	V                  string // the site's version, for its style and script
}

// Menu is the view for the phone's menu: the lessons alone, so that all
// of them fit on its screen.
func (v view) Menu() view {
	v.TOC = nil
	return v
}

// sourceView is a source page: a file, or a folder's list of files.
type sourceView struct {
	Path    string   // "step04-counter/server.go", "" for the root
	Crumbs  []crumb  // the folders above it, each a link
	Entries []string // a folder's files and folders (these end in /)
	Code    template.HTML
	Lesson  *page     // the lesson of the step it belongs to
	Shown   []shownIn // the lessons' excerpts of this file, by lesson
}

// shownIn is a lesson's excerpts of one file.
type shownIn struct {
	Page     *page
	Excerpts []backlink
}

type crumb struct{ Name, URL string }

// serveSource shows a file or folder of the repository, so that a lesson's
// "see the whole file" links work here as they do on a code host. A file's
// lines have anchors (#L12), and ?lines=12-40 highlights a lesson's
// excerpt.
func (s *site) serveSource(w http.ResponseWriter, r *http.Request, name string) {
	fsName := name
	if fsName == "" {
		fsName = "."
	}
	if s.source == nil || !fs.ValidPath(fsName) || hidden(name) {
		s.notFound(w, r)
		return
	}
	info, err := fs.Stat(s.source, fsName)
	if err != nil {
		s.notFound(w, r)
		return
	}
	sv := &sourceView{Path: name, Crumbs: []crumb{{"source", "/source/"}}}
	if name != "" {
		parts := strings.Split(name, "/")
		for i := range parts[:len(parts)-1] {
			sv.Crumbs = append(sv.Crumbs, crumb{parts[i], "/source/" + strings.Join(parts[:i+1], "/") + "/"})
		}
		for _, p := range s.pages {
			if p.Step != "" && parts[0] == p.Step {
				sv.Lesson = p
			}
		}
	}
	if info.IsDir() {
		entries, err := fs.ReadDir(s.source, fsName)
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
			sv.Entries = append(sv.Entries, entry)
		}
		sourceOrder(sv.Entries)
	} else {
		src, err := fs.ReadFile(s.source, fsName)
		if err != nil {
			s.notFound(w, r)
			return
		}
		var from, to int
		if _, err := fmt.Sscanf(r.URL.Query().Get("lines"), "%d-%d", &from, &to); err != nil {
			from, to = 0, 0
		}
		sv.Code = template.HTML(sourceLines(name, string(src), from, to)) // escaped by sourceLines
		sv.Shown = s.shownIn(name)
	}
	title := "source"
	if name != "" {
		title = name
	}
	description := "The source of " + title + ", as the course's programs run it."
	s.render(w, http.StatusOK, sourceTemplate, view{
		Title: title + " · Sessions in Go", Description: description, Course: s.pages, Source: sv,
	})
}

// shownIn lists the lessons' excerpts of a file: the lessons in reading
// order, each excerpt once (a range two blocks show is listed once), the
// whole file first, then by first line.
func (s *site) shownIn(name string) []shownIn {
	var out []shownIn
	for _, p := range s.pages {
		var excerpts []backlink
		for _, bl := range s.backlinks[name] {
			if bl.Page != p || slices.ContainsFunc(excerpts, func(e backlink) bool { return e.Range == bl.Range }) {
				continue
			}
			excerpts = append(excerpts, bl)
		}
		slices.SortStableFunc(excerpts, func(a, b backlink) int { return firstLine(a.Range) - firstLine(b.Range) })
		if len(excerpts) > 0 {
			out = append(out, shownIn{p, excerpts})
		}
	}
	return out
}

// firstLine is the first number of "lines 12–40", or 0 for the whole file.
func firstLine(r string) int {
	var n int
	_, _ = fmt.Sscanf(strings.TrimPrefix(strings.TrimPrefix(r, "lines "), "line "), "%d", &n)
	return n
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

func (s *site) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusNotFound, notFoundTemplate, view{
		Title: "Not found · Sessions in Go", Course: s.pages, Missing: r.URL.Path,
	})
}

func (s *site) render(w http.ResponseWriter, status int, t *template.Template, data view) {
	data.V = s.version
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		http.Error(w, "rendering failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache") // the pages change with every lesson edit
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

// The templates. Every page has the same frame: a skip link; on a phone or
// a tablet a bar with a search, the page's sections and the lessons, each in
// a menu; on a wider screen a sidebar that stays in view, with the search,
// and nests the current lesson's sections; the page; and the pager.
const layout = `{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
{{with .Description}}<meta name="description" content="{{.}}">
{{end}}<meta name="color-scheme" content="light dark">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/style.css?v={{.V}}"><link rel="stylesheet" href="/static/chroma.css?v={{.V}}">
{{with .Prev}}<link rel="prev" href="{{.URL}}">{{end}}{{with .Next}}<link rel="next" href="{{.URL}}">{{end}}
<script src="/static/site.js?v={{.V}}" data-index="/search.json?v={{.V}}" defer></script>
</head><body>
<a class="skip" href="#content">Skip to the content</a>
<header class="bar"><a class="home" href="/">Sessions in Go</a>
<span class="bar-menus">{{with .TOC}}<details class="menu sections-menu"><summary>Sections</summary><div class="panel"><nav class="page-toc" aria-label="Sections of this page">{{template "toc" .}}</nav></div></details>
{{end}}<details class="menu lessons-menu"><summary>Lessons</summary><div class="panel">{{template "search" "bar"}}{{template "lessons" .Menu}}</div></details></span></header>
<div class="layout">
<aside class="sidebar">{{template "search" "side"}}{{template "lessons" .}}</aside>
<main id="content" tabindex="-1">
{{end}}

{{define "search"}}<form class="search" action="/search" role="search"><label for="q-{{.}}" class="vh">Search the course</label><input id="q-{{.}}" type="search" name="q" placeholder="Search the course" autocomplete="off"><div class="results" hidden></div></form>{{end}}

{{define "lessons"}}<nav class="course" aria-label="Lessons">
<a class="home" href="/"{{if eq .Current "/"}} aria-current="page"{{end}}>Sessions in Go</a>
{{if eq .Current "/"}}{{template "toc" .TOC}}{{end}}
<ul class="lessons">
{{range .Course}}{{if .Slug}}<li{{if not .Step}} class="extra"{{end}}><a href="{{.URL}}"{{if eq $.Current .Slug}} aria-current="page"{{end}}>{{.Title}}</a>
{{if eq $.Current .Slug}}{{template "toc" $.TOC}}{{end}}</li>
{{end}}{{end}}</ul>
<p class="source-link"><a href="/source/">All the source files</a></p>
</nav>{{end}}

{{define "toc"}}{{with .}}<ul class="sections">
{{range .}}<li><a href="#{{.ID}}">{{.Title}}</a>{{with .Sub}}<ul>
{{range .}}<li><a href="#{{.ID}}">{{.Title}}</a></li>
{{end}}</ul>{{end}}</li>
{{end}}</ul>{{end}}{{end}}

{{define "pager"}}{{if or .Prev .Next}}<nav class="pager" aria-label="Previous and next page" title="The ← and → keys go there too">
{{with .Prev}}<a class="prev" rel="prev" href="{{.URL}}"><span class="dir">← Previous</span> <span class="t">{{.Title}}</span></a>{{end}}
{{with .Next}}<a class="next" rel="next" href="{{.URL}}"><span class="dir">Next →</span> <span class="t">{{.Title}}</span></a>{{end}}
</nav>{{end}}{{end}}

{{define "bottom"}}</main></div>
</body></html>{{end}}`

var (
	pageTemplate = template.Must(template.New("page").Parse(layout + `{{template "top" .}}
<div class="pager-top">{{template "pager" .}}</div>
{{with .Page}}{{.Heading}}
{{if .Step}}<p class="run">Run it: <code>go run ./{{.Step}}</code> · Source: <a href="/source/{{.Step}}/">{{.Step}}/</a></p>{{end}}
{{end}}{{with .Start}}<aside class="start-here" aria-label="Start here"><p><strong>Start here.</strong>
{{with .Before}}Check <a href="#{{.ID}}">{{.Title}}</a>{{if $.Start.First}}, then{{end}}{{end}}
{{with .First}}{{if not $.Start.Before}}Begin with{{else}}begin with{{end}} <a href="{{.URL}}">{{.Title}}</a>{{end}}.</p></aside>
{{end}}{{with .Page}}{{.HTML}}{{end}}
<div class="pager-bottom">{{template "pager" .}}</div>
{{template "bottom" .}}`))

	sourceTemplate = template.Must(template.New("source").Parse(layout + `{{template "top" .}}
{{with .Source}}<nav class="crumbs" aria-label="Folders">{{range .Crumbs}}<a href="{{.URL}}">{{.Name}}</a> / {{end}}</nav>
<h1><code>{{if .Path}}{{.Path}}{{else}}The course's files{{end}}</code></h1>
{{if or .Lesson .Shown}}<div class="back">
{{with .Lesson}}<p>Part of the program of <a href="{{.URL}}">{{.Title}}</a>.</p>{{end}}
{{with .Shown}}<p>Shown in:</p><ul>{{range .}}<li><a href="{{.Page.URL}}">{{.Page.Title}}</a>:
{{range $i, $e := .Excerpts}}{{if $i}}, {{end}}<a href="{{$e.Page.URL}}#{{$e.ID}}">{{with $e.Range}}{{.}}{{else}}the whole file{{end}}</a>{{end}}</li>
{{end}}</ul>{{end}}
</div>{{end}}
{{if .Entries}}<ul class="files">{{range .Entries}}<li><a href="/source/{{if $.Source.Path}}{{$.Source.Path}}/{{end}}{{.}}">{{.}}</a></li>{{end}}</ul>{{end}}
{{with .Code}}<figure class="block source"><pre class="chroma numbered"><code>{{.}}</code></pre></figure>{{end}}
{{end}}
{{template "bottom" .}}`))

	searchTemplate = template.Must(template.New("searchpage").Parse(layout + `{{template "top" .}}
<h1>Search</h1>
<form class="search-page" action="/search" role="search"><label for="q-page" class="vh">Search the course</label><input id="q-page" type="search" name="q" value="{{.Query}}"> <button>Search</button></form>
{{if .Query}}{{with .Results}}<ol class="found">{{range .}}<li><a href="{{.URL}}">{{.Where}}</a><br><span class="snippet">{{.Snippet}}</span></li>
{{end}}</ol>{{else}}<p>Nothing in the course holds every one of these words.</p>{{end}}{{end}}
{{template "bottom" .}}`))

	notFoundTemplate = template.Must(template.New("404").Parse(layout + `{{template "top" .}}
<h1>There is no page here</h1>
<p>Nothing in this course lives at <code>{{.Missing}}</code>. Pick a lesson from the list of lessons, or start from <a href="/">the beginning</a>.</p>
{{template "bottom" .}}`))
)
