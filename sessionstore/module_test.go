package sessionstore_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOwnModule builds the README's Echo v4 program in a module of its own,
// outside this repository, as a reader would after go get. A replace
// points at this checkout, go.sum is copied, and nothing is downloaded
// (GOPROXY=off: the module cache holds what the course builds against).
// The program runs, and stops at once without a secret. Then go list
// -deps checks that a program importing only the engine and its memory
// storage compiles none of the course's site, browser tests, database
// drivers or Redis client.
func TestOwnModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module of its own, which takes a while: skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	program, err := os.ReadFile("internal/examples/echov4/main.go")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	const module = "github.com/go-sessions-course/echo-sessions"
	mod := "module example.com/counter\n\ngo 1.26\n\nrequire " + module + " v0.0.0\n\n" +
		"replace " + module + " => " + root + "\n"
	for name, data := range map[string][]byte{"main.go": program, "go.mod": []byte(mod), "go.sum": sum} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("build", "-o", filepath.Join(dir, "counter"), ".")
	// Run without a secret, it stops at once and says why (with one, it
	// would listen on port 3000, which another program may hold).
	cmd := exec.Command(filepath.Join(dir, "counter"))
	cmd.Env = append(os.Environ(), "SESSION_SECRET=")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "at least 32") {
		t.Errorf("run without a secret: got %v %q, want it to stop and ask for 32 bytes", err, out)
	}
	for pkg := range strings.Lines(run("list", "-deps", ".")) {
		for _, unwanted := range []string{module + "/internal", module + "/docs", module + "/step",
			module + "/sessionstore/sqlstore", module + "/sessionstore/redisstore", "database/sql",
			"modernc.org/", "github.com/jackc/", "github.com/redis/", "github.com/chromedp/"} {
			if strings.HasPrefix(pkg, unwanted) {
				t.Errorf("the program compiles %s", strings.TrimSpace(pkg))
			}
		}
	}
}
