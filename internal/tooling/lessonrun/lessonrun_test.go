package lessonrun

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	md := strings.Join([]string{
		"<!-- server: go run ./hello -->",
		"```sh",
		"go run ./hello",
		"curl -s http://localhost:3000/ \\",
		"  -o page.txt",
		"```",
		"<!-- norun: it needs Redis -->",
		"```sh",
		"redis-cli ping",
		"```",
		"<!-- mark: hello -->",
		"<!-- transcript -->",
		"```text",
		"$ curl -s http://localhost:3000/",
		"hello",
		"",
		"$ cat page.txt",
		"hello",
		"```",
		"```go",
		"$ not a command: Go code",
		"```",
	}, "\n")
	p, err := parse(md)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pt := range p.parts {
		got = append(got, fmt.Sprintf("%d %q %q", pt.kind, pt.command, pt.commands))
	}
	want := []string{
		fmt.Sprintf("%d %q %q", serverPart, "go run ./hello", []string(nil)),
		fmt.Sprintf("%d %q %q", shellPart, "",
			[]string{"go run ./hello", "curl -s http://localhost:3000/ \\\n  -o page.txt"}),
		fmt.Sprintf("%d %q %q", transcriptPart, "",
			[]string{"curl -s http://localhost:3000/", "cat page.txt"}),
	}
	if !slices.Equal(got, want) {
		t.Errorf("got parts\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(p.skipped) != 1 || p.skipped[0] != (skipped{"redis-cli ping", "it needs Redis"}) {
		t.Errorf("got skipped %q, want redis-cli ping for its reason", p.skipped)
	}
	if strings.Contains(p.visible, "server:") || !strings.Contains(p.visible, "go run ./hello") {
		t.Errorf("the visible page should be the page without its comments, got %q", p.visible)
	}
}

func TestParseRefuses(t *testing.T) {
	for _, c := range []struct{ name, md, want string }{
		{"a $ line in a plain block", "```text\n$ curl http://localhost:3000/\n```",
			"neither run nor marked"},
		{"a transcript without commands", "<!-- transcript -->\n```text\nhello\n```",
			"shows no `$ ` command"},
		{"both markers", "<!-- norun: why -->\n<!-- transcript -->\n```text\n$ ls\n```", "both"},
		{"a marker with no block", "text\n<!-- norun: why -->\n", "no block after it"},
		{"an unclosed block", "```sh\nls\n", "not closed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse(c.md)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

func TestInteractiveTrap(t *testing.T) {
	for _, c := range []struct{ command, want string }{
		{"curl -i http://localhost:3000/", ""},
		{"go test ./... # every step", "a comment, # every step, which interactive zsh runs as words"},
		{"# a comment", "a comment, # a comment, which interactive zsh runs as words"},
		{"curl 'http://localhost:3000/#top'", ""},
		{`echo "a # b"`, ""},
		{"curl http://localhost:3000/#top", ""}, // a # inside a word starts no comment
		{`curl -d "password=hi!there" http://localhost:3000/`,
			`a ! (history expansion) at !there" http://localhost:3000/`},
		{`curl -d 'password=hi!there' http://localhost:3000/`, ""},
		{"[ ! -e jar.txt ]", ""},
		{`curl -d password=hi\!there http://localhost:3000/`, ""}, // the backslash keeps it a !
		{`echo it\'s; curl -d "a=b!c" http://localhost:3000/`, `a ! (history expansion) at !c" http://localhost:3000/`},
		{`echo \# not a comment`, ""},
	} {
		if got := interactiveTrap(c.command); got != c.want {
			t.Errorf("interactiveTrap(%q): got %q, want %q", c.command, got, c.want)
		}
	}
}

// hello is a program for a page to start: it answers "hello" on PORT and
// stops on Ctrl-C.
const hello = `package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
)

func main() {
	ctx := context.Background()
	if os.Getenv("RUDE") == "" { // a rude program does not catch Ctrl-C: it dies of it
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt)
		defer stop()
	}
	ln, err := net.Listen("tcp", "localhost:"+os.Getenv("PORT"))
	if err != nil {
		panic(err)
	}
	fmt.Fprintf(os.Stderr, "listening url=http://localhost:%d\n", ln.Addr().(*net.TCPAddr).Port)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hello from " + r.Host + "\n"))
	})}
	go srv.Serve(ln)
	<-ctx.Done()
	srv.Close()
}
`

// recorder is a testing.TB that keeps the failures Run reports.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.Errorf("%s", fmt.Sprint(args...))
	runtime.Goexit()
}

// run runs md as PAGE.md of a repository that holds hello, and returns
// the failures and the page afterwards.
func run(t *testing.T, md string, update bool) ([]string, string) {
	return runWithin(t, md, update, 0)
}

// runWithin is run with a limit on each command (0: the Runner's own).
func runWithin(t *testing.T, md string, update bool, limit time.Duration) ([]string, string) {
	t.Helper()
	root := t.TempDir()
	for name, text := range map[string]string{
		"go.mod":        "module example.com/lesson\n\ngo 1.22\n",
		"hello/main.go": hello,
		"PAGE.md":       md,
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := New(t, root)
		r.timeout = limit
		r.Run(rec, "PAGE.md", Bash, update)
	}()
	<-done
	after, err := os.ReadFile(filepath.Join(root, "PAGE.md"))
	if err != nil {
		t.Fatal(err)
	}
	return rec.errors, string(after)
}

const helloPage = "Start it:\n\n<!-- server: go run ./hello -->\n```sh\ngo run ./hello\n```\n\n" +
	"<!-- transcript -->\n```text\n$ curl -s -c jar.txt http://localhost:3000/\n%s\n\n" +
	"$ ls\n%s\n```\n\nThe end.\n"

func TestRun(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	right := fmt.Sprintf(helloPage, "hello from localhost:3000", "jar.txt")
	for _, c := range []struct {
		name, page string
		want       string // in a failure; "" for none
	}{
		{"as recorded", right, ""},
		{
			"another answer",
			fmt.Sprintf(helloPage, "goodbye", "jar.txt"),
			`got "hello from localhost:3000", want "goodbye"`,
		},
		{
			"a file the page did not make",
			fmt.Sprintf(helloPage, "hello from localhost:3000", "jar.txt\nother.txt"),
			"line 6 of the block: got \"\", want \"other.txt\"",
		},
		{
			"a program the page never shows",
			strings.Replace(right, "```sh\ngo run ./hello\n```", "", 1),
			"never shows `go run ./hello`",
		},
		{"a comment", right + "\n```sh\nls # the files\n```\n", "has a comment, # the files"},
		{
			"a placeholder",
			right + "\n<!-- transcript -->\n```text\n" +
				"$ curl -s -b 'sid=<the copied value>' http://localhost:3000/\n" +
				"hello from localhost:3000\n```\n",
			"has a placeholder, <the copied value>",
		},
		{"a command that fails", right + "\n```sh\nls no-such-file\n```\n", "`ls no-such-file` failed"},
		{
			"a program that is not the repository's",
			"<!-- server: python3 -m http.server -->\n",
			"go run ./PKG",
		},
		{
			"a program that dies of Ctrl-C",
			strings.ReplaceAll(right, "go run ./hello", "RUDE=1 go run ./hello"),
			"did not stop cleanly on Ctrl-C",
		},
		{
			// The pipe's other end keeps the output open after the shell
			// is killed: the runner must kill the whole group.
			"a command that runs for ever",
			right + "\n```sh\nsleep 600 | cat\n```\n",
			"still running after",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // each page has its own folder, and its program a free port
			// A command that runs for ever is stopped at this limit; no
			// other command of these pages comes near it.
			errs, _ := runWithin(t, c.page, false, 2*time.Second)
			switch {
			case c.want == "" && len(errs) > 0:
				t.Errorf("got failures %q, want none", errs)
			case c.want != "" && !slices.ContainsFunc(errs, func(e string) bool {
				return strings.Contains(e, c.want)
			}):
				t.Errorf("got failures %q, want one with %q", errs, c.want)
			}
		})
	}
}

func TestRunUpdate(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	errs, after := run(t, fmt.Sprintf(helloPage, "stale", "stale"), true)
	if len(errs) > 0 {
		t.Fatalf("got failures %q, want none", errs)
	}
	if want := fmt.Sprintf(helloPage, "hello from localhost:3000", "jar.txt"); after != want {
		t.Errorf("after -update the page is\n%s\nwant\n%s", after, want)
	}
}
