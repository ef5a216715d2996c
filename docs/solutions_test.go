package main

import (
	"cmp"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A move is a solution that a lesson tells the learner to put into the step:
// a region of the step's solutions_test.go, moved into one of its files, and
// the edits that go with it (or the edits alone, where region is empty).
// Moved, not copied: the region's names would then be declared twice in one
// package, and `go test` would stop with "redeclared in this block".
type move struct {
	page   string   // the lesson that shows the region and says where it goes
	step   string   // the step's folder
	region string   // the region of solutions_test.go
	into   string   // the step's file it moves to
	drop   []string // the declarations of into that it replaces
	edits  []edit   // lines of into the page says to change
	fails  []string // the step's tests that then fail, as the page says
}

// An edit replaces old, which must occur once in the file, with new, which
// the page must show; with before set, it adds new as a line before old.
type edit struct {
	old, new string
	before   bool
	file     string // the step's file it changes, when not into
}

var moves = []move{
	{page: "01-cookies.md", step: "step01-cookies", region: "signed", into: "server.go",
		edits: []edit{{
			before: true, old: `	// endregion routes`,
			new: `e.Match(getAndHead, "/signed", func(c echo.Context) error { return signedPageViews(c, secure) })`,
		}}},
	{page: "01-cookies.md", step: "step01-cookies", into: "server.go",
		fails: []string{"TestCookieRoutes", "TestExpiringCookieHasExpires"},
		edits: []edit{
			{old: `cookie.MaxAge = 360`, new: `cookie.MaxAge = 10`},
			{old: `time.Now().Add(360 * time.Second)`, new: `time.Now().Add(10 * time.Second)`},
			{old: `It expires in 6 minutes.`, new: `It expires in 10 seconds.`},
		}},
	{page: "02-url-params.md", step: "step02-url-params", region: "fourtosix", into: "server.go",
		drop:  []string{"fiveDigits"},
		fails: []string{"TestThing"},
		edits: []edit{
			{old: `fiveDigits.MatchString(id)`, new: `fourToSix.MatchString(id)`},
			{
				old: "fmt.Sprintf(\"The id must be exactly five digits, " +
					"like /things/%s/12345 (got %q).\\n\", name, id)",
				new: `fmt.Sprintf(idRule, name, id)`,
			},
		}},
	{page: "03-sessions.md", step: "step03-sessions", region: "colour", into: "server.go",
		edits: []edit{{
			before: true, old: `	// endregion routes`,
			new: `e.POST("/colour", rememberColour)`,
		}, {
			before: true, old: `	// endregion routes`,
			new: `e.Match(getAndHead, "/both", showBoth)`,
		}}},
	{page: "05-stores.md", step: "step05-stores", region: "toolong", into: "server.go",
		edits: []edit{{
			before: true, old: `	// endregion routes`,
			new: `e.POST("/note", storeNote)`,
		}}},
	{page: "06-defences.md", step: "step06-login", region: "stricter", into: "middleware.go",
		fails: []string{"TestCredentialsOnlyFromTheBody", "TestHostileInput", "TestLoginIsRateLimited"},
		edits: []edit{
			{file: "routes.go", old: `a.signUp, addressLimit()`, new: `a.signUp, stricterLimiter()`},
			{file: "routes.go", old: `a.logIn, addressLimit()`, new: `a.logIn, stricterLimiter()`},
		}},
	{page: "07-echo-v5.md", step: "step07-echo-v5", into: "routes.go",
		fails: []string{"TestCredentialsOnlyFromTheBody", "TestRun"},
		edits: []edit{{old: `e.Use(requestLogger())`, new: `e.Use(middleware.RequestLogger())`}}},
	{page: "09-frontend.md", step: "step09-frontend", region: "origins", into: "routes.go",
		edits: []edit{{
			old: "\te.Use(middleware.CORSWithConfig(middleware.CORSConfig{\n" +
				"\t\tAllowOrigins:     []string{cfg.FrontendOrigin},\n" +
				"\t\tAllowCredentials: true, // the session cookie goes along, both ways\n" +
				"\t\tAllowMethods:     []string{http.MethodGet, http.MethodHead, http.MethodPost},\n" +
				"\t\tAllowHeaders:     []string{echo.HeaderContentType}, // JSON is not a \"simple\" type\n" +
				"\t\tMaxAge:           600,                              // a preflight holds ten minutes\n" +
				"\t}))\n\t// endregion cors\n\t// region csrf\n" +
				"\tcrossOrigin := http.NewCrossOriginProtection()\n" +
				"\tif err := crossOrigin.AddTrustedOrigin(cfg.FrontendOrigin); err != nil {\n" +
				"\t\tpanic(err) // loadConfig has checked the origin: this cannot happen\n\t}\n" +
				"\te.Use(refuseOtherOrigins(crossOrigin)) // before the session is read\n",
			new: "\tcors, refuse, err := trustOrigins(cfg.FrontendOrigin, \"https://staging.example.com\")\n" +
				"\tif err != nil {\n" +
				"\t\tpanic(err) // loadConfig has checked the origin: this cannot happen\n\t}\n" +
				"\te.Use(cors, refuse)\n",
		}}},
	{page: "08-your-sessions.md", step: "step08-accounts", region: "newest", into: "handlers.go",
		edits: []edit{{
			old: "\tif err := a.renew(c, sess, l.key); err != nil {\n\t\treturn err\n\t}\n",
			new: "\tif err := a.renew(c, sess, l.key); err != nil {\n\t\treturn err\n\t}\n" +
				"\tif err := keepNewest(c.Request().Context(), a.index, l.key, 3); err != nil {\n" +
				"\t\treturn storeError(err)\n\t}\n",
		}}},
}

// TestSolutionsMove does what each lesson says to a solution, in a scratch
// copy of its step (go's -overlay: the files on disk stay as they are), and
// vets the result, tests included: it must build, and declare nothing twice.
//
// Each move vets a step, which takes a while on a cold build cache (step 5
// compiles SQLite's Go port), so they run under COURSE_SWEEP=full (CI sets
// it), or when -run names them; a plain `go test ./...` skips them.
func TestSolutionsMove(t *testing.T) {
	if !sweepWhole("SolutionsMove") {
		t.Skip("the solutions move under COURSE_SWEEP=full (CI sets it) or -run SolutionsMove")
	}
	for _, m := range moves {
		t.Run(m.step+"#"+cmp.Or(m.region, "edits"), func(t *testing.T) {
			page, err := os.ReadFile(m.page)
			if err != nil {
				t.Fatal(err)
			}
			marker := "<!-- code: " + m.step + "/solutions_test.go#" + m.region + " -->"
			if m.region != "" && !strings.Contains(string(page), marker) {
				t.Fatalf("%s no longer shows %s", m.page, marker)
			}
			for _, say := range append([]string{"`" + m.into + "`"}, newLines(m)...) {
				if !strings.Contains(string(page), say) {
					t.Errorf("%s does not say %s", m.page, say)
				}
			}
			dir := filepath.Join("..", m.step)
			tests, err := os.ReadFile(filepath.Join(dir, "solutions_test.go"))
			if err != nil {
				t.Fatal(err)
			}
			rest, region := string(tests), "" // a solution that only edits the step
			if m.region != "" {
				rest, region = cutRegion(t, rest, m.region)
			}
			files := map[string]string{}
			read := func(name string) string {
				if text, ok := files[name]; ok {
					return text
				}
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			files[m.into] = dropDecls(t, read(m.into), m.drop)
			for _, e := range m.edits {
				name := cmp.Or(e.file, m.into)
				text := read(name)
				if n := strings.Count(text, e.old); n != 1 {
					t.Fatalf("%s holds %q %d times; the page's edit needs it once", name, e.old, n)
				}
				if e.before {
					files[name] = strings.Replace(text, e.old, "\t"+e.new+"\n"+e.old, 1)
				} else {
					files[name] = strings.Replace(text, e.old, e.new, 1)
				}
			}
			if region != "" {
				files[m.into] = addImports(t, files[m.into]+"\n"+region, string(tests))
				files["solutions_test.go"] = dropUnusedImports(t, rest)
			}
			scratch := map[string]string{}
			for name, text := range files {
				scratch[filepath.Join(dir, name)] = text
			}
			overlay := writeOverlay(t, scratch)
			goCmd(t, "vet", "-overlay="+overlay, "./"+m.step)
			for _, name := range m.fails {
				if !strings.Contains(string(page), "`"+name+"`") {
					t.Errorf("%s does not name %s, which fails once the solution is in", m.page, name)
				}
			}
			if os.Getenv("COURSE_SWEEP") != "full" {
				return // the step's tests take a while; CI runs them
			}
			failed := failingTests(t, overlay, m.step)
			if !slices.Equal(failed, m.fails) {
				t.Errorf("with the solution in, %s fails %v; the page says %v", m.step, failed, m.fails)
			}
		})
	}
}

// imports returns a file's imports by the name the code uses, and the
// names the code uses as package selectors (the X of X.Y).
func imports(t *testing.T, text string) (
	byName map[string]*ast.ImportSpec, used map[string]bool, f *ast.File, fset *token.FileSet,
) {
	t.Helper()
	fset = token.NewFileSet()
	f, err := parser.ParseFile(fset, "", text, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	byName = map[string]*ast.ImportSpec{}
	for _, spec := range f.Imports {
		path := strings.Trim(spec.Path.Value, `"`)
		name := path[strings.LastIndex(path, "/")+1:]
		if strings.HasPrefix(name, "v") && strings.Count(path, "/") > 0 {
			if p := strings.TrimSuffix(path, "/"+name); p != path && len(name) <= 3 {
				name = p[strings.LastIndex(p, "/")+1:]
			}
		}
		if spec.Name != nil {
			name = spec.Name.Name
		}
		byName[name] = spec
	}
	used = map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	return byName, used, f, fset
}

// dropUnusedImports removes the imports a file no longer uses, as an
// editor's goimports does when the solution leaves.
func dropUnusedImports(t *testing.T, text string) string {
	t.Helper()
	byName, used, _, fset := imports(t, text)
	var cut []*ast.ImportSpec
	for name, spec := range byName {
		if !used[name] && name != "_" {
			cut = append(cut, spec)
		}
	}
	slices.SortFunc(cut, func(a, b *ast.ImportSpec) int { return int(b.Pos() - a.Pos()) })
	for _, spec := range cut {
		from, to := fset.Position(spec.Pos()).Offset, fset.Position(spec.End()).Offset
		text = text[:from] + text[to:]
	}
	return text
}

// addImports adds to text the imports of from that text uses and lacks,
// as an editor's goimports does when the solution arrives.
func addImports(t *testing.T, text, from string) string {
	t.Helper()
	have, used, f, fset := imports(t, text)
	available, _, _, _ := imports(t, from)
	var add []string
	for name := range used {
		if spec, ok := available[name]; ok && have[name] == nil {
			line := spec.Path.Value
			if spec.Name != nil {
				line = spec.Name.Name + " " + line
			}
			add = append(add, "\t"+line+"\n")
		}
	}
	if len(add) == 0 {
		return text
	}
	slices.Sort(add)
	at := fset.Position(f.Name.End()).Offset
	return text[:at] + "\n\nimport (\n" + strings.Join(add, "") + ")" + text[at:]
}

func newLines(m move) []string {
	var says []string
	for _, e := range m.edits {
		says = append(says, e.new)
	}
	return says
}

// cutRegion returns text without the region name, and the region's lines.
func cutRegion(t *testing.T, text, name string) (rest, region string) {
	t.Helper()
	start := strings.Index(text, "// region "+name+"\n")
	end := strings.Index(text, "// endregion "+name+"\n")
	if start < 0 || end < start {
		t.Fatalf("solutions_test.go has no region %s", name)
	}
	end += len("// endregion " + name + "\n")
	return text[:start] + text[end:], text[start:end]
}

// dropDecls removes the top-level declarations of names, with their doc
// comments, from a Go file's text.
func dropDecls(t *testing.T, text string, names []string) string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", text, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(f.Decls) - 1; i >= 0; i-- {
		d := f.Decls[i]
		var name string
		var doc *ast.CommentGroup
		switch d := d.(type) {
		case *ast.FuncDecl:
			name, doc = d.Name.Name, d.Doc
		case *ast.GenDecl:
			if len(d.Specs) != 1 {
				continue
			}
			switch s := d.Specs[0].(type) {
			case *ast.ValueSpec:
				name = s.Names[0].Name
			case *ast.TypeSpec:
				name = s.Name.Name
			}
			doc = d.Doc
		}
		for _, n := range names {
			if n != name {
				continue
			}
			from := d.Pos()
			if doc != nil {
				from = doc.Pos()
			}
			text = text[:fset.Position(from).Offset] + text[fset.Position(d.End()).Offset:]
			names = slicesDelete(names, n)
			break
		}
	}
	if len(names) > 0 {
		t.Fatalf("the page says to replace %v, which the step no longer declares", names)
	}
	return text
}

func slicesDelete(s []string, v string) []string {
	var out []string
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// writeOverlay writes the files' new texts and an overlay that puts them
// in place of the files for the go command, and returns its path.
func writeOverlay(t *testing.T, files map[string]string) string {
	t.Helper()
	tmp := t.TempDir()
	replace := map[string]string{}
	for path, text := range files {
		abs, err := filepath.Abs(path)
		if err != nil {
			t.Fatal(err)
		}
		scratch := filepath.Join(tmp, filepath.Base(path))
		if err := os.WriteFile(scratch, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		replace[abs] = scratch
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": replace})
	file := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(file, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// goCmd runs the go command in the module's root, and fails the test if it
// fails.
func goCmd(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// failingTests runs a step's tests with the overlay and returns the names of
// the top-level tests that fail, sorted.
func failingTests(t *testing.T, overlay, step string) []string {
	t.Helper()
	cmd := exec.Command("go", "test", "-overlay="+overlay, "-count=1", "-json", "./"+step)
	cmd.Dir = ".."
	out, _ := cmd.Output()
	var failed []string
	for _, line := range strings.Split(string(out), "\n") {
		var ev struct{ Action, Test string }
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Action == "fail" &&
			ev.Test != "" && !strings.Contains(ev.Test, "/") {
			failed = append(failed, ev.Test)
		}
	}
	slices.Sort(failed)
	return failed
}
