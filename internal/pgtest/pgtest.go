// Package pgtest starts a throwaway PostgreSQL server for tests.
//
// Start runs initdb and postgres on a free loopback port, in a temporary
// folder, with fsync off, and stops the server when the test ends. When the
// binaries are not installed it skips the test with a one-line reason, so
// `go test ./...` passes on a machine without PostgreSQL; CI installs
// postgresql, so there the tests run. initdb refuses to run as root: as
// root, the server runs as the postgres user that Debian's package makes.
//
// It stands in for a container (testcontainers-go needs a Docker engine)
// and for an in-process fake: the stores' tests need a real server's
// behaviour, its upserts, its connections, an outage (Stop) and a recovery.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Server is a PostgreSQL server that a test started.
type Server struct {
	t         testing.TB
	bin, data string
	port      int
	cred      *syscall.Credential // nil: run as ourselves
	databases atomic.Int32
	running   bool
}

// bindir finds the folder of initdb: on PATH, or where Debian puts it.
func bindir() (string, bool) {
	if path, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
		return filepath.Dir(path), true
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, true
		}
	}
	return "", false
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// Start starts a PostgreSQL server, or skips the test when there is none.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, ok := bindir()
	if !ok {
		t.Skip("PostgreSQL is not installed (apt-get install postgresql): skipping the PostgreSQL tests")
	}
	// A folder of our own, not t.TempDir(): the postgres user must be able
	// to reach it, and its parents under /tmp may not let it.
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Server{t: t, bin: bin, data: filepath.Join(dir, "data")}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no postgres user to run PostgreSQL as: skipping the PostgreSQL tests")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	s.run("initdb", "-D", s.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// run runs one of the server's programs as the server's user.
func (s *Server) run(name string, args ...string) {
	s.t.Helper()
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = filepath.Dir(s.data)
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// URL returns a URL for the database postgres, as user postgres.
func (s *Server) URL() string { return s.url("postgres") }

func (s *Server) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// NewDatabase creates an empty database and returns its URL, so that the
// checks of one test can share a server and still start empty.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test%d", s.databases.Add(1))
	s.run("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-U", "postgres", name)
	return s.url(name)
}

// Stop stops the server at once, as an outage would (what was committed
// stays: fsync is off, but the operating system keeps what was written).
// Stopping twice is harmless.
func (s *Server) Stop() {
	if !s.running {
		return
	}
	s.running = false
	s.run("pg_ctl", "-D", s.data, "-m", "immediate", "-w", "stop")
}

// Restart starts the server again, on the same port and data, and waits
// until it takes connections.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off "+
		"-c full_page_writes=off -c shared_buffers=16MB -c max_connections=200", s.port, filepath.Dir(s.data))
	s.run("pg_ctl", "-D", s.data, "-o", opts, "-l", filepath.Join(filepath.Dir(s.data), "log"), "-w", "-t", "60", "start")
	s.running = true
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for ctx.Err() == nil { // pg_ctl -w waited already; make sure TCP answers
		conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), time.Second)
		if err == nil {
			conn.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(filepath.Dir(s.data), "log"))
	s.t.Fatalf("PostgreSQL on port %d did not answer within 60s:\n%s", s.port, log)
}
