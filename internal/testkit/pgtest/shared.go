//go:build unix

package pgtest

import (
	"slices"
	"sync"
	"testing"
)

// shared is the server that a test binary's tests share (see Database).
var shared struct {
	sync.Mutex
	srv      *Server
	cleanups []func() // Start's own, run by StopShared
}

// keeper is the testing.TB the shared server starts with: it skips or
// fails the test that asked first, and keeps the server's cleanups for
// StopShared rather than run them when that test ends.
type keeper struct {
	testing.TB
}

func (keeper) Cleanup(f func()) { shared.cleanups = append(shared.cleanups, f) }

// Database returns the URL of a new, empty database on a server that every
// test of the package shares. The server starts at the first call, and
// stops when the package's TestMain calls StopShared. A server costs
// about half a second to start, a database a few milliseconds. A test that
// stops, restarts or pauses its server needs one of its own: Start.
func Database(t testing.TB) string {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.srv == nil {
		shared.srv = Start(keeper{t}) // skips t, and leaves srv nil, where there is none
	}
	return shared.srv.NewDatabase(t)
}

// StopShared stops the server that Database started, if any. Call it from
// TestMain after m.Run; without it, the server dies with the test binary
// (on Linux) but its folder stays behind.
func StopShared() {
	shared.Lock()
	defer shared.Unlock()
	for _, f := range slices.Backward(shared.cleanups) {
		f()
	}
	shared.srv, shared.cleanups = nil, nil
}
