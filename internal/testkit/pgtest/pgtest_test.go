//go:build unix

package pgtest

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

// TestPostgresStopRestart starts a server, makes two databases, and checks
// that each answers and starts empty, that Stop is an outage (connections
// refused) and that Restart brings back what was committed before it.
func TestPostgresStopRestart(t *testing.T) {
	s := Start(t)
	a, b := s.NewDatabase(t), s.NewDatabase(t)
	if a == b {
		t.Fatalf("both databases have the URL %q", a)
	}
	query := func(url, sql, want string) {
		t.Helper()
		got, err := s.psql(url, sql)
		if err != nil {
			t.Fatalf("%s on %s: %v\n%s", sql, url, err, got)
		}
		if got != want {
			t.Errorf("%s on %s: got %q, want %q", sql, url, got, want)
		}
	}
	const tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
	for _, url := range []string{a, b} {
		query(url, "SELECT 1", "1")
		query(url, tables, "0")
	}
	query(a, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)",
		"CREATE TABLE\nINSERT 0 1")
	query(b, tables, "0") // a's table is a's alone

	s.Stop()
	conn, err := net.Dial("tcp", s.Addr())
	if err == nil {
		conn.Close()
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("connecting after Stop: got %v, want %v", err, syscall.ECONNREFUSED)
	}
	if out, err := s.psql(a, "SELECT 1"); err == nil {
		t.Fatalf("psql after Stop succeeded: %q", out)
	}
	s.Stop() // twice is harmless

	s.Restart()
	query(a, "SELECT n FROM kept", "42")
	query(b, "SELECT 1", "1")
	s.Restart() // while it runs: stops it first
	query(a, "SELECT n FROM kept", "42")
}

// TestURL checks the form that database/sql drivers read.
func TestURL(t *testing.T) {
	s := &Server{port: 5433}
	got, want := s.URL(), "postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
