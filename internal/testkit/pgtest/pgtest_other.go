//go:build !unix

package pgtest

import "testing"

// Server is a PostgreSQL server that a test started; on this system there
// is none (see Start).
type Server struct{}

// Start skips the test: the throwaway server needs Unix (its folders,
// users and signals).
func Start(t testing.TB) *Server {
	t.Skip("the throwaway PostgreSQL server runs on Linux and macOS only: skipping the PostgreSQL tests")
	return nil
}

func (s *Server) Addr() string                    { return "" }
func (s *Server) URL() string                     { return "" }
func (s *Server) NewDatabase(t testing.TB) string { return "" }
func (s *Server) Stop()                           {}
func (s *Server) Restart()                        {}
func (s *Server) Pause()                          {}
func (s *Server) Resume()                         {}

// Database skips the test, as Start does.
func Database(t testing.TB) string { Start(t); return "" }

// StopShared does nothing: Database started no server.
func StopShared() {}
