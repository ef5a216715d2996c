package stepcopies

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// shared names the copies to compare. A file with no declarations named
// compares every top-level declaration it holds. Where two files are named,
// a step holds the declarations in the first one it has.
var shared = []struct {
	file  string
	decls []string // empty: all of them
}{
	{file: "serve.go"},
	{file: "logger_test.go"},
	{file: "main.go", decls: []string{"main"}},
	{file: "config.go", decls: []string{"day", "devSecret", "listenHost"}},
	{file: "server.go routes.go", decls: []string{"getAndHead"}},
}

// allowed lists the differences that a lesson explains. Each one names the
// steps whose copy differs from the rest of their Echo version. Steps 1-6
// (Echo v4) and steps 7-8 (Echo v5) are compared apart: lesson 7 shows
// every change that v5 asks for.
var allowed = []struct {
	file, decl string
	steps      []string // these steps share one variant, or all lack decl
	why        string
}{
	{"serve.go", "serve", []string{"01", "02"},
		"steps 1 and 2 sign nothing, so they listen on every interface; " +
			"from step 3 an unset SESSION_SECRET keeps the program on localhost (lesson 3)"},
	{"serve.go", "private", []string{"02"},
		"step 2 keeps its count in the URL and sets no cookie (lesson 2)"},
	{"serve.go", "requestLogger", []string{"06"},
		"from step 6 the log leaves out the query string, where a password may be (lesson 6)"},
	{"logger_test.go", "TestRequestLogger", []string{"06"},
		"from step 6 the log line shows path= instead of uri= (lesson 6)"},
	{"main.go", "main", []string{"05", "06"},
		"from step 5 the program reads its command line, for -store (lesson 5)"},
	{"config.go", "devSecret", []string{"01", "02"},
		"steps 1 and 2 have no secret: nothing is signed before step 3 (lesson 3)"},
	{"config.go", "listenHost", []string{"01", "02"},
		"steps 1 and 2 have no secret, so they always listen on every interface (lesson 3)"},
	{"config.go", "day", []string{"01", "02"},
		"steps 1 and 2 have no session timeouts (lesson 3)"},
}

// TestCopiesAgree compares each shared declaration across the steps of one
// Echo version. Steps that the table does not set apart must hold the same
// text, comments included. Steps it sets apart must really differ, so that
// the table never outlives its reason.
func TestCopiesAgree(t *testing.T) {
	steps := stepDirs(t)
	for _, family := range families(t, steps) {
		for _, sh := range shared {
			copies := map[string]map[string]string{} // step, decl: text
			var names []string
			for _, step := range family {
				decls := declarations(t, step, strings.Fields(sh.file))
				copies[step.num] = decls
				for name := range decls {
					if len(sh.decls) == 0 || slices.Contains(sh.decls, name) {
						if !slices.Contains(names, name) {
							names = append(names, name)
						}
					}
				}
			}
			for _, name := range names {
				checkDecl(t, sh.file, name, family, copies)
			}
		}
	}
}

// checkDecl compares one declaration across the steps of a family.
func checkDecl(t *testing.T, file, name string, family []step, copies map[string]map[string]string) {
	t.Helper()
	// group is the variant a step may hold: 0 for the common one.
	group := func(num string) int {
		for i, a := range allowed {
			if a.file == file && a.decl == name && slices.Contains(a.steps, num) {
				return i + 1
			}
		}
		return 0
	}
	first := map[int]step{} // the first step seen of each group
	for _, s := range family {
		g := group(s.num)
		f, seen := first[g]
		if !seen {
			first[g] = s
			continue
		}
		if a, b := copies[f.num][name], copies[s.num][name]; a != b {
			t.Errorf("%s: %s differs between %s and %s, and no lesson says why.\n"+
				"Make the copies equal, or name the difference in allowed.\n%s",
				file, name, f.name, s.name, firstDifference(a, b))
		}
	}
	for g, s := range first {
		if g == 0 {
			continue
		}
		common, ok := first[0]
		if ok && copies[common.num][name] == copies[s.num][name] {
			t.Errorf("%s: %s is the same in %s and %s, yet allowed says %q.\n"+
				"Remove that line from allowed.", file, name, common.name, s.name, allowed[g-1].why)
		}
	}
}

type step struct{ dir, name, num string }

// stepDirs finds the steps at the module's root: step01-cookies and on.
func stepDirs(t *testing.T) []step {
	t.Helper()
	dirs, err := filepath.Glob("../../../step[0-9][0-9]-*")
	if err != nil || len(dirs) < 8 {
		t.Fatalf("found %d steps (%v), want 8 or more", len(dirs), err)
	}
	slices.Sort(dirs)
	var steps []step
	for _, d := range dirs {
		name := filepath.Base(d)
		steps = append(steps, step{dir: d, name: name, num: name[4:6]})
	}
	return steps
}

// families splits the steps by the Echo version their serve.go imports.
func families(t *testing.T, steps []step) [][]step {
	t.Helper()
	var v4, v5 []step
	for _, s := range steps {
		src, err := os.ReadFile(filepath.Join(s.dir, "serve.go"))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.Contains(string(src), `"github.com/labstack/echo/v5"`):
			v5 = append(v5, s)
		case strings.Contains(string(src), `"github.com/labstack/echo/v4"`):
			v4 = append(v4, s)
		default:
			t.Fatalf("%s/serve.go imports neither Echo v4 nor v5", s.name)
		}
	}
	return [][]step{v4, v5}
}

// regionMarker matches a lesson's excerpt markers. A lesson may mark any
// copy, so the comparison leaves them out.
var regionMarker = regexp.MustCompile(`(?m)^[ \t]*// (end)?region [\w-]+\n`)

// declarations returns the text of each top-level declaration in the
// first of files that the step has, by name (Type.Method for a method). The
// text includes the doc comment. The step's own name, as in
// "step04-counter: ", reads as "stepNN". A step with none of files holds
// nothing.
func declarations(t *testing.T, s step, files []string) map[string]string {
	t.Helper()
	var path string
	var src []byte
	for _, f := range files {
		var err error
		path = filepath.Join(s.dir, f)
		src, err = os.ReadFile(path)
		if err == nil {
			break
		}
		if !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if src == nil {
		return nil
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	decls := map[string]string{}
	for _, d := range f.Decls {
		var name string
		var doc *ast.CommentGroup
		switch d := d.(type) {
		case *ast.FuncDecl:
			name, doc = d.Name.Name, d.Doc
			if d.Recv != nil {
				name = receiver(d.Recv) + "." + name
			}
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				continue
			}
			doc = d.Doc
			switch s := d.Specs[0].(type) {
			case *ast.ValueSpec:
				name = s.Names[0].Name
			case *ast.TypeSpec:
				name = s.Name.Name
			}
		}
		start := d.Pos()
		if doc != nil {
			start = doc.Pos()
		}
		text := string(src[fset.Position(start).Offset:fset.Position(d.End()).Offset])
		text = regionMarker.ReplaceAllString(text, "")
		decls[name] = strings.ReplaceAll(text, s.name, "stepNN")
	}
	return decls
}

func receiver(fl *ast.FieldList) string {
	typ := fl.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return "?"
}

// firstDifference shows the first line where a and b part.
func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n\t- " + x + "\n\t+ " + y
		}
	}
	return ""
}
