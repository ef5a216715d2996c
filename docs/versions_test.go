package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// module is what `go list -m -json` says of a module this course builds with.
type module struct {
	Path, Version, Dir, GoVersion string
}

func listModule(t *testing.T, path string) module {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-json", path).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", path, err)
	}
	var m module
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// pages returns the README and every lesson, by name.
func pages(t *testing.T) map[string]string {
	t.Helper()
	files, _ := filepath.Glob("*.md")
	files = append(files, "../README.md")
	texts := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts[f] = string(b)
	}
	return texts
}

// TestVersionsOnThePages: every version a page names is the one go.mod
// builds with, so a learner who copies a `go get` line gets what the
// course runs.
func TestVersionsOnThePages(t *testing.T) {
	goVersion := strings.TrimSuffix(listModule(t, "github.com/go-sessions-course/echo-sessions").GoVersion, ".0")
	goGet := regexp.MustCompile(`go get (\S+)@(v\S+)`)
	needs := regexp.MustCompile(`You need Go (1\.\d+) or newer`)
	for name, text := range pages(t) {
		for _, m := range goGet.FindAllStringSubmatch(text, -1) {
			// A page may go get a package (echo-contrib/session): compare its module's version.
			out, err := exec.Command("go", "list", "-f", "{{.Module.Version}}", m[1]).Output()
			if err != nil {
				t.Fatalf("go list %s: %v", m[1], err)
			}
			if got := strings.TrimSpace(string(out)); got != m[2] {
				t.Errorf("%s: `go get %s@%s`, but go.mod has %s", name, m[1], m[2], got)
			}
		}
		for _, m := range needs.FindAllStringSubmatch(text, -1) {
			if m[1] != goVersion {
				t.Errorf("%s: %q, but go.mod's go directive is %s", name, m[0], goVersion)
			}
		}
	}
}

// TestStep7QuotesItsModules: what the step 7 lesson says of Echo v5's
// module, the go directive its modules declare and the SECURITY.md it
// quotes, is what the module this course builds with says.
func TestStep7QuotesItsModules(t *testing.T) {
	text := pages(t)["07-echo-v5.md"]
	echo5 := listModule(t, "github.com/labstack/echo/v5")
	contrib5 := listModule(t, "github.com/labstack/echo-contrib/v5")
	if m := regexp.MustCompile("modules declare `go (1\\.\\d+)(?:\\.0)?`").FindStringSubmatch(text); m == nil {
		t.Error("the lesson no longer says which go directive Echo v5's modules declare")
	} else {
		for _, mod := range []module{echo5, contrib5} {
			if got := strings.TrimSuffix(mod.GoVersion, ".0"); got != m[1] {
				t.Errorf("the lesson says the modules declare go %s; %s@%s declares %s", m[1], mod.Path, mod.Version, got)
			}
		}
	}
	repo := listModule(t, "github.com/go-sessions-course/echo-sessions")
	if m := regexp.MustCompile("repository declares `go (1\\.\\d+)(?:\\.0)?`").FindStringSubmatch(text); m != nil &&
		m[1] != strings.TrimSuffix(repo.GoVersion, ".0") {
		t.Errorf("the lesson says this repository declares go %s; go.mod says %s", m[1], repo.GoVersion)
	}
	security, err := os.ReadFile(filepath.Join(echo5.Dir, "SECURITY.md"))
	if err != nil {
		t.Fatal(err)
	}
	intro := regexp.MustCompile(`The one in the (v\S+) module`)
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		m := intro.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if m[1] != echo5.Version {
			t.Errorf("the lesson quotes SECURITY.md of %s; go.mod builds with %s", m[1], echo5.Version)
		}
		quoted := 0
		for _, q := range lines[i+1:] {
			if strings.TrimSpace(q) == "" && quoted == 0 {
				continue
			}
			rest, ok := strings.CutPrefix(q, ">")
			if !ok {
				break
			}
			rest = strings.TrimSpace(rest)
			if rest != "" && !strings.Contains(strings.Join(strings.Fields(string(security)), " "), strings.Join(strings.Fields(rest), " ")) {
				t.Errorf("the lesson quotes %q, which %s's SECURITY.md does not say", rest, echo5.Version)
			}
			quoted++
		}
		if quoted == 0 {
			t.Error("no quote follows " + m[0])
		}
		return
	}
	t.Error("the lesson no longer says which module's SECURITY.md it quotes")
}

// TestVersionSentences: a page that names a module beside a version names
// the version go.mod builds with, and no page calls a version "the latest",
// which the next release makes false. Quoted lines (">") are others' words.
func TestVersionSentences(t *testing.T) {
	named := regexp.MustCompile("`((?:github\\.com|golang\\.org|modernc\\.org)/[^`@ ]+)`,? (v\\d+\\.\\d+\\.\\d+)")
	latest := regexp.MustCompile(`(?i)v\d+\.\d+\.\d+,? (?:is |was )?the (?:latest|newest)|the (?:latest|newest) v\d+ release`)
	checked := 0
	for name, text := range pages(t) {
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), ">") {
				continue
			}
			for _, m := range named.FindAllStringSubmatch(line, -1) {
				checked++
				if got := listModule(t, m[1]).Version; got != m[2] {
					t.Errorf("%s: %q, but go.mod has %s", name, m[0], got)
				}
			}
			if m := latest.FindString(line); m != "" {
				t.Errorf("%s: %q: say which version the course uses, not that it is the latest", name, m)
			}
		}
	}
	if checked == 0 {
		t.Error("no page names a module's version: the pattern no longer matches the README's Versions section")
	}
}
