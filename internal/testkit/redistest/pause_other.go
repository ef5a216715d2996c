//go:build !unix

package redistest

// Pause skips the test: stopping a process and letting it go on needs
// Unix signals.
func (s *Server) Pause() { s.t.Skip("pausing redis-server needs Unix signals: skipping") }

// Resume does nothing here (see Pause).
func (s *Server) Resume() {}
