package lessonrun

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sessions-course/echo-sessions/internal/tooling/transcript"
)

// Shell is a shell the commands run in: its program and the arguments
// that come before a command.
type Shell struct {
	Name string
	Args []string
}

var (
	// Bash reads no start-up file, as a learner's settings are not ours.
	Bash = Shell{"bash", []string{"--noprofile", "--norc", "-c"}}
	// Zsh without start-up files (-f): a learner's own settings would change what it does.
	Zsh = Shell{"zsh", []string{"-f", "-c"}}
)

// Runner runs pages of the repository at its root, building each program a
// page starts once, for all of them.
type Runner struct {
	root    string
	bin     string        // where the programs are built
	timeout time.Duration // a command's limit; 0: commandTimeout
	mu      sync.Mutex
	built   map[string]*build
}

type build struct {
	once sync.Once
	path string
	err  error
}

// New returns a Runner for the repository at root; the programs it builds
// go to a folder that is removed when t ends.
func New(t testing.TB, root string) *Runner {
	return &Runner{root: root, bin: t.TempDir(), built: map[string]*build{}}
}

// goRun is how a page starts a program: go run and a package of the repository.
var goRun = regexp.MustCompile(`\bgo run (\./[A-Za-z0-9_./-]+)`)

// program returns the binary of the package pkg ("./step06-login"),
// building it the first time.
func (r *Runner) program(pkg string) (string, error) {
	r.mu.Lock()
	b := r.built[pkg]
	if b == nil {
		b = &build{}
		r.built[pkg] = b
	}
	r.mu.Unlock()
	b.once.Do(func() {
		b.path = filepath.Join(r.bin, strings.NewReplacer("/", "-", ".", "").Replace(pkg))
		cmd := exec.Command("go", "build", "-o", b.path, pkg)
		cmd.Dir = r.root
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	return b.path, b.err
}

// contract is the environment the programs read: a learner who follows
// the page has none of it set unless the page says so.
var contract = regexp.MustCompile(
	`^(PORT|SESSION_[A-Z_]+|DATABASE_URL|REDIS_URL|LOG_LEVEL|CURL_HOME)=`)

// placeholder is a value a learner would have to fill in, such as
// "<the copied value>": a page shows the command that takes it instead.
var placeholder = regexp.MustCompile(`<[A-Za-z][A-Za-z-]* [^<>]*>`)

// Run runs the page at path (relative to the root) in sh and fails t where
// a command fails or prints other than the page shows. With update, it
// writes what the commands printed into the page's transcripts instead,
// reading the page again just before and changing nothing else.
//
// Each command runs in a shell of its own, in a folder the page's commands
// share (curl's cookie jars carry over), so a page must not count on a
// variable or a cd from an earlier command. The programs run from the
// repository's root, on a free port: "localhost:3000" in a command is
// rewritten to it, and back in what the command printed. What changes on
// every run is masked as transcript.Mask masks it. curl shows its progress
// meter only when its output is not a terminal, as here: a .curlrc in
// CURL_HOME turns it off (silent, but errors still shown), so that the
// output is what a learner's terminal shows.
func (r *Runner) Run(t testing.TB, path string, sh Shell, update bool) {
	t.Helper()
	if !supported {
		t.Skip("the pages' commands are bash and zsh commands: the runner needs Linux or macOS")
	}
	md, err := os.ReadFile(filepath.Join(r.root, path))
	if err != nil {
		t.Fatal(err)
	}
	p, err := parse(string(md))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	servers := map[string]bool{}
	for _, pt := range p.parts {
		if pt.kind == serverPart {
			servers[pt.command] = true
			if !strings.Contains(p.visible, pt.command) {
				t.Errorf("%s:%d: the page never shows `%s`, which its server directive runs",
					path, pt.line, pt.command)
			}
		}
		for _, c := range pt.commands {
			if trap := interactiveTrap(c); trap != "" {
				t.Errorf("%s:%d: `%s` has %s", path, pt.line, c, trap)
			}
			if ph := placeholder.FindString(c); ph != "" {
				t.Errorf("%s:%d: `%s` has a placeholder, %s: show the command that takes the value "+
					"(a curl -c/-b jar, a grep) instead", path, pt.line, c, ph)
			}
		}
	}
	for _, s := range p.skipped {
		if trap := interactiveTrap(s.command); trap != "" {
			t.Errorf("%s: `%s` has %s", path, s.command, trap)
		}
	}

	work := t.TempDir()
	home := t.TempDir()
	curlrc := []byte("silent\nshow-error\n")
	if err := os.WriteFile(filepath.Join(home, ".curlrc"), curlrc, 0o644); err != nil {
		t.Fatal(err)
	}
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !contract.MatchString(kv) {
			env = append(env, kv)
		}
	}
	env = append(env, "CURL_HOME="+home,
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"), // step 5's SQLite file, for one
		"GOCACHE="+strings.TrimSpace(string(gocache)))
	s := &session{t: t, r: r, sh: sh, work: work, home: home, env: env, page: path}
	defer s.stop()

	recorded := map[int]string{} // a transcript's first line: what it should hold
	for _, pt := range p.parts {
		switch pt.kind {
		case serverPart:
			s.start(pt)
		case shellPart:
			for _, c := range pt.commands {
				if servers[c] {
					continue // started by its directive
				}
				if out, err := s.command(c); err != nil {
					t.Errorf("%s:%d: `%s` failed in %s: %v\n%s", path, pt.line, c, sh.Name, err, out)
				}
			}
		case transcriptPart:
			var b strings.Builder
			for i, c := range pt.commands {
				if i > 0 {
					b.WriteString("\n")
				}
				b.WriteString("$ " + c + "\n")
				out, err := s.command(c)
				if err != nil {
					t.Errorf("%s:%d: `%s` failed in %s: %v\n%s", path, pt.line, c, sh.Name, err, out)
				}
				b.WriteString(out)
				if out != "" && !strings.HasSuffix(out, "\n") {
					b.WriteString("\n")
				}
			}
			got := strings.TrimRight(b.String(), "\n") // as the blocks were always cut
			if got == pt.body {
				continue
			}
			if update {
				recorded[pt.start] = got
				continue
			}
			t.Errorf("%s:%d: in %s, the commands print other than the page shows (%s)\n"+
				"got:\n%s\nwant:\n%s\n"+
				"If the change is intended, record it: go test ./docs -run Lessons/%s -update",
				path, pt.line, sh.Name, firstDifference(got, pt.body), got, pt.body,
				strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
		}
	}
	if len(recorded) > 0 {
		if err := r.write(path, p, recorded); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: recorded %d transcripts", path, len(recorded))
	}
}

// write puts the recorded transcripts into the page as it is now, if its
// commands are still the ones that were run.
func (r *Runner) write(path string, ran *page, recorded map[int]string) error {
	file := filepath.Join(r.root, path)
	md, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	now, err := parse(string(md))
	if err != nil {
		return err
	}
	var before, after []part
	for _, pt := range ran.parts {
		if pt.kind == transcriptPart {
			before = append(before, pt)
		}
	}
	for _, pt := range now.parts {
		if pt.kind == transcriptPart {
			after = append(after, pt)
		}
	}
	if len(before) != len(after) {
		return fmt.Errorf("%s changed while its commands ran: run again", path)
	}
	lines := strings.Split(string(md), "\n")
	for i := len(after) - 1; i >= 0; i-- {
		got, ok := recorded[before[i].start]
		if !ok {
			continue
		}
		if strings.Join(before[i].commands, "\n") != strings.Join(after[i].commands, "\n") {
			return fmt.Errorf("%s:%d: the commands changed while they ran: run again", path, after[i].line)
		}
		rest := append(strings.Split(got, "\n"), lines[after[i].end:]...)
		lines = append(lines[:after[i].start], rest...)
	}
	return os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644)
}

// firstDifference names the first line where got and want part.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d of the block: got %q, want %q", i+1, gl, wl)
		}
	}
	return "same lines"
}

// session is one run of a page: its folder, its environment, and the
// program it has running.
type session struct {
	t          testing.TB
	r          *Runner
	sh         Shell
	work, home string
	env        []string
	page       string
	port       string // the running program's, or ""
	server     *exec.Cmd
	log        *syncBuffer
	done       chan error
}

// commandTimeout is the longest a command may take: a command that waits
// for more is one that runs forever, which the page must start with a
// server directive or mark as not runnable.
var commandTimeout = 2 * time.Minute

// command runs c in the page's folder and returns what it printed, on
// standard output and standard error together, masked.
func (s *session) command(c string) (string, error) {
	if s.port != "" {
		c = strings.ReplaceAll(c, "localhost:3000", "localhost:"+s.port)
	}
	limit := cmp.Or(s.r.timeout, commandTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.sh.Name, append(s.sh.Args, c)...)
	cmd.Dir = s.work
	cmd.Env = s.env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// At the timeout, the whole group goes: the shell, and what it started
	// (a pipeline's other end, the program of a go run), which would keep
	// the output open, and Run waiting, after the shell alone was killed.
	ownGroup(cmd)
	cmd.Cancel = func() error { return signalGroup(cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after %v: start it with <!-- server: ... --> "+
			"or mark it <!-- norun: why -->", limit)
	}
	return s.mask(out.String()), err
}

// mask hides what changes from run to run: the port, the folders, and
// what transcript.Mask hides.
func (s *session) mask(out string) string {
	out = strings.ReplaceAll(out, "\r\n", "\n")
	if s.port != "" {
		out = strings.ReplaceAll(out, "localhost:"+s.port, "localhost:3000")
		out = strings.ReplaceAll(out, "127.0.0.1:"+s.port, "127.0.0.1:3000")
	}
	out = strings.ReplaceAll(out, s.work, "<folder>")
	out = strings.ReplaceAll(out, s.home, "<home>")
	return transcript.Mask(out)
}

// start stops the running program, if any, and starts the one pt names,
// from the repository's root, and waits until it listens.
func (s *session) start(pt part) {
	t := s.t
	t.Helper()
	s.stop()
	m := goRun.FindStringSubmatchIndex(pt.command)
	if m == nil {
		t.Fatalf("%s:%d: a server directive starts a program of the repository "+
			"with go run ./PKG, not `%s`",
			s.page, pt.line, pt.command)
	}
	bin, err := s.r.program(pt.command[m[2]:m[3]])
	if err != nil {
		t.Fatalf("%s:%d: %v", s.page, pt.line, err)
	}
	line := pt.command[:m[0]] + bin + pt.command[m[1]:]
	// PORT=0: the program takes a free port and logs it, as every program
	// of the course does (url=http://localhost:N). A port picked here and
	// handed over could be taken by another test in between.
	cmd := exec.Command(s.sh.Name, append(s.sh.Args, line)...)
	cmd.Dir = s.r.root
	cmd.Env = append(s.env, "PORT=0")
	s.log = &syncBuffer{}
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	ownGroup(cmd) // Ctrl-C reaches it, and only it; it dies with the test
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s:%d: %v", s.page, pt.line, err)
	}
	s.server, s.done = cmd, make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(time.Minute)
	for {
		if m := listening.FindStringSubmatch(s.log.String()); m != nil {
			s.port = m[1]
			return
		}
		select {
		case err := <-s.done:
			s.server = nil
			t.Fatalf("%s:%d: `%s` stopped before it listened (%v):\n%s",
				s.page, pt.line, pt.command, err, s.log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s:%d: `%s` did not log its URL within a minute:\n%s",
				s.page, pt.line, pt.command, s.log)
		}
	}
}

// listening finds the URL that a program logs once it listens.
var listening = regexp.MustCompile(`url=http://localhost:(\d+)`)

// stop stops the running program as Ctrl-C would, and fails the test if
// it does not stop cleanly.
func (s *session) stop() {
	if s.server == nil {
		return
	}
	pid := s.server.Process.Pid
	s.server, s.port = nil, ""
	_ = signalGroup(pid, syscall.SIGINT) // its process group: the shell and the program
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("%s: the program did not stop cleanly on Ctrl-C (%v):\n%s", s.page, err, s.log)
		}
	case <-time.After(30 * time.Second):
		_ = signalGroup(pid, syscall.SIGKILL)
		<-s.done
		s.t.Errorf("%s: the program did not stop within 30 s of Ctrl-C:\n%s", s.page, s.log)
	}
}

// syncBuffer is a program's log: written by exec's copying goroutine, read
// by the test when it fails.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Skipped returns the page's commands that are marked not runnable, each
// with its reason, for the test's log.
func (r *Runner) Skipped(path string) ([]string, error) {
	md, err := os.ReadFile(filepath.Join(r.root, path))
	if err != nil {
		return nil, err
	}
	p, err := parse(string(md))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range p.skipped {
		out = append(out, fmt.Sprintf("`%s`: %s", s.command, s.reason))
	}
	return out, nil
}
