package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLibraryStaysSmall: the code this step runs besides its own files (the
// session engine with its turns and record format, and the memory storage)
// stays small enough to read in one sitting: 780 lines at most, comments
// and blank lines included. It was 600, before the library could be
// imported on its own. What it then needed took it past: package comments
// for a reader of go doc, each session's own options kept with its record,
// an HMAC before gob sees a record and a bound on its size, and the
// fixes for a failed load, a session ended meanwhile and a stale cookie,
// and a Locker that hands the request its storage's context (one lock and
// read, one write and release: two round trips a visit on a shared store),
// and a HEAD request that saves nothing.
func TestLibraryStaysSmall(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}|{{.Dir}}|{{join .GoFiles \",\"}}", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	const module = "github.com/go-sessions-course/echo-sessions/"
	total := 0
	var counted []string
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "|")
		if parts[0] == module+"step04-counter" || !strings.HasPrefix(parts[0], module) {
			continue // the standard library, dependencies, this step itself
		}
		for f := range strings.SplitSeq(parts[2], ",") {
			b, err := os.ReadFile(filepath.Join(parts[1], f))
			if err != nil {
				t.Fatal(err)
			}
			total += bytes.Count(b, []byte("\n"))
			counted = append(counted, strings.TrimPrefix(parts[0], module)+"/"+f)
		}
	}
	if total == 0 || total > 780 {
		t.Errorf("%d lines in %v, want 1 to 780", total, counted)
	}
}
