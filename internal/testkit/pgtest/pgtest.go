//go:build unix

// Package pgtest starts a throwaway PostgreSQL server for tests.
//
// Start runs initdb and postgres on a free loopback port, in a temporary
// folder, with fsync off, and stops the server when the test ends. When the
// binaries are not installed it skips the test with a one-line reason, so
// `go test ./...` passes on a machine without PostgreSQL; CI installs
// postgresql, so there the tests run. initdb refuses to run as root: as
// root, the server runs as the postgres user that Debian's package creates.
//
// Each Start costs a new cluster, about half a second on a quiet machine
// (initdb, then the server's start). NewDatabase is cheap, so a test that
// needs many empty databases starts one server and asks it for a database
// per check, and the tests of a package that never stop their server share
// one: Database, with StopShared in TestMain.
//
// It stands in for a container (testcontainers-go needs a Docker engine)
// and for an in-process fake: the stores' tests need a real server's
// behaviour, its transactions, its connections, an outage (Stop) and the
// recovery after it (Restart). It runs on Unix; elsewhere (pgtest_other.go)
// Start skips.
package pgtest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// dbUser is the database user that the URLs name. initdb makes it the
// superuser, and trust authentication lets it in without a password: this
// server listens on 127.0.0.1 only, and lives as long as one test, or one
// test binary (Database).
const dbUser = "postgres"

// Server is a PostgreSQL server that a test started.
type Server struct {
	t    testing.TB
	bin  string              // the folder of initdb, postgres, pg_isready, psql
	dir  string              // the temporary folder: data, socket, log
	port int                 // the same across Restart
	cred *syscall.Credential // who runs initdb and postgres; nil: ourselves
	seq  atomic.Int64        // numbers the databases NewDatabase creates

	mu   sync.Mutex
	cmd  *exec.Cmd     // the running postgres; nil when stopped
	done chan struct{} // closed when cmd has exited
}

// Start starts a PostgreSQL server, or skips the test when there is none.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := findBin()
	if bin == "" {
		t.Skip("PostgreSQL is not installed (apt-get install postgresql): skipping the PostgreSQL tests")
	}
	// Our own folder rather than t.TempDir(): as root, the server runs as
	// the postgres user, who cannot enter t.TempDir()'s private parent.
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("removing PostgreSQL's folder: %v", err)
		}
	})
	s := &Server{t: t, bin: bin, dir: dir}
	if os.Geteuid() == 0 {
		s.cred = postgresUser(t)
		if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	// --no-sync and fsync=off (below) skip the disk flushes: a test's data
	// need not survive a power cut, only the server's own crash.
	initdb := exec.Command(filepath.Join(bin, "initdb"), "--pgdata", s.data(),
		"--username", dbUser, "--auth", "trust", "--encoding", "UTF8", "--no-locale",
		"--no-sync", "--no-instructions")
	if out, err := s.asServer(initdb).CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s.Restart()
	t.Cleanup(s.Stop) // runs before the folder's removal: last in, first out
	return s
}

// findBin returns the folder that holds initdb: the one on PATH, else the
// newest /usr/lib/postgresql/VERSION/bin (Debian keeps them off PATH), else "".
func findBin() string {
	if path, err := exec.LookPath("initdb"); err == nil {
		// The folder of the real file: /usr/local/bin may hold only a link.
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
		return filepath.Dir(path)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin") // the pattern is valid
	version := func(dir string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64) // not a number: 0
		return v
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir
		}
	}
	return ""
}

// postgresUser returns the credential of the system user postgres, or
// skips the test when there is none.
func postgresUser(t testing.TB) *syscall.Credential {
	t.Helper()
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Skip("running as root with no postgres user for the server: skipping the PostgreSQL tests")
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// asServer makes cmd run as the server's user, from the server's folder
// (see serverAttr).
func (s *Server) asServer(cmd *exec.Cmd) *exec.Cmd {
	cmd.Dir = s.dir
	cmd.SysProcAttr = serverAttr(s.cred)
	return cmd
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }
func (s *Server) log() string  { return filepath.Join(s.dir, "postgres.log") }

// Addr returns host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL returns a postgres:// URL for the database postgres, which initdb
// creates. Tests that must start empty should use NewDatabase.
func (s *Server) URL() string { return s.url("postgres") }

func (s *Server) url(database string) string {
	return "postgres://" + dbUser + "@" + s.Addr() + "/" + database + "?sslmode=disable"
}

// NewDatabase creates an empty database and returns its URL, so that tests
// of different stores can share one server and still start empty. It is
// safe to call from parallel tests, though not during Stop or Restart.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := "test" + strconv.FormatInt(s.seq.Add(1), 10)
	if out, err := s.psql(s.URL(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database %s: %v\n%s", name, err, out)
	}
	return s.url(name)
}

// psql runs one SQL command with the psql beside initdb and returns what
// it printed: bare values, one row a line.
func (s *Server) psql(url, command string) (string, error) {
	cmd := exec.Command(filepath.Join(s.bin, "psql"), "--no-psqlrc", "--no-align",
		"--tuples-only", "--set", "ON_ERROR_STOP=1", "--command", command, url)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// Stop stops the server at once, as an outage would: pg_ctl stop -m
// immediate, which is SIGQUIT to the server. What was committed stays on
// disk, and Restart recovers it. Stopping twice is harmless.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGQUIT)         // it may have exited already; done tells
	_ = signalAll(s.cmd.Process.Pid, syscall.SIGCONT) // a paused server must run to stop
	<-s.done                                          // it exits once its children have
	s.cmd = nil
}

// Restart starts the server again on the same port and data (stopping it
// first if it runs), and waits until it takes queries: after Stop, the
// server first replays its log, as after a crash.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := s.asServer(exec.Command(filepath.Join(s.bin, "postgres"), "-D", s.data(),
		"-c", "listen_addresses=127.0.0.1", "-c", "port="+strconv.Itoa(s.port),
		"-c", "unix_socket_directories="+s.dir, // not /var/run/postgresql, which may be taken
		"-c", "fsync=off", "-c", "shared_buffers=16MB", "-c", "max_connections=200"))
	// Each start adds to the same log, so a failed restart shows the stop too.
	logFile, err := os.OpenFile(s.log(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logFile.Close() // the child keeps its own copy of the descriptor
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting postgres: %v", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // stopped by a signal, it reports an error by design
		close(done)
	}()
	s.cmd, s.done = cmd, done
	// pg_isready exits 0 once the server takes queries; until then it
	// refuses connections, or answers that it is starting up.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		ready := exec.CommandContext(ctx, filepath.Join(s.bin, "pg_isready"), "--quiet",
			"--host", "127.0.0.1", "--port", strconv.Itoa(s.port), "--username", dbUser)
		if ready.Run() == nil {
			return
		}
		select {
		case <-done:
			out, _ := os.ReadFile(s.log())
			s.cmd = nil
			s.t.Fatalf("postgres on port %d exited:\n%s", s.port, out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	_ = cmd.Process.Kill() // Fatal below says why; done shows that it went
	<-done
	s.cmd = nil
	out, _ := os.ReadFile(s.log())
	s.t.Fatalf("postgres on port %d did not take queries within 60s:\n%s", s.port, out)
}
