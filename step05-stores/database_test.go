package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/pgtest"
)

// TestMain stops the PostgreSQL server that the tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

// databaseURL returns DATABASE_URL for a fresh, empty database: a file in
// a temporary folder for SQLite, a new database on a throwaway server that
// the package's tests share, for PostgreSQL (skipped, with the reason,
// where PostgreSQL is not installed).
func databaseURL(t testing.TB, store string) string {
	t.Helper()
	if store == "sqlite" {
		return "sqlite://" + filepath.Join(t.TempDir(), "sessions.db")
	}
	return pgtest.Database(t)
}
