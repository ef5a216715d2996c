//go:build unix

package pgtest

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"slices"
	"sync"
	"testing"
)

// shared is the server that a test binary's tests share (see Database).
var shared struct {
	sync.Mutex
	srv      *Server
	broken   bool     // its start failed: later tests fail at once
	cleanups []func() // Start's own, run by StopShared
}

// keeper is the testing.TB the shared server starts with: it skips or
// fails the test that asked first, and keeps the server's cleanups for
// StopShared rather than run them when that test ends. What they report
// goes to standard error, since that test is over by then.
type keeper struct {
	testing.TB
}

func (keeper) Cleanup(f func()) { shared.cleanups = append(shared.cleanups, f) }

func (keeper) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pgtest: "+format+"\n", args...)
}

// Database returns the URL of a new, empty database on a server that every
// test of the package shares, and drops the database when the test ends.
// The server starts at the first call, and stops when the package's
// TestMain calls StopShared. A server costs about half a second to start,
// a database a few milliseconds. A test that stops, restarts or pauses its
// server needs one of its own: Start.
func Database(t testing.TB) string {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.srv == nil {
		if shared.broken {
			t.Fatal("the shared PostgreSQL server did not start: see the first test that asked for it")
		}
		defer func() { shared.broken = shared.srv == nil && t.Failed() }()
		shared.srv = Start(keeper{t}) // skips t, and leaves srv nil, where there is none
	}
	srv, dbURL := shared.srv, shared.srv.NewDatabase(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	// FORCE ends the connections that the test left open.
	t.Cleanup(func() { _, _ = srv.psql(srv.URL(), "DROP DATABASE "+path.Base(u.Path)+" WITH (FORCE)") })
	return dbURL
}

// StopShared stops the server that Database started, if any. Call it from
// TestMain after m.Run. Without it, or after a panic, the server dies with
// the test binary (on Linux) but its folder stays behind.
func StopShared() {
	shared.Lock()
	defer shared.Unlock()
	for _, f := range slices.Backward(shared.cleanups) {
		f()
	}
	shared.srv, shared.cleanups = nil, nil
}
