//go:build unix

package pgtest

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// Pause stops every process of the server (SIGSTOP), as a stalled
// database: the kernel still accepts connections, and nothing answers
// until Resume. The postmaster stops first, so that it forks no more.
func (s *Server) Pause() { s.signalAll(syscall.SIGSTOP) }

// Resume lets a paused server run again (SIGCONT).
func (s *Server) Resume() { s.signalAll(syscall.SIGCONT) }

// signalAll signals the postmaster, then its children (each backend is a
// session of its own, so no process group holds them all).
func (s *Server) signalAll(sig syscall.Signal) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.t.Fatal("pgtest: the server is not running")
	}
	if err := signalAll(s.cmd.Process.Pid, sig); err != nil {
		s.t.Fatal(err)
	}
}

func signalAll(pid int, sig syscall.Signal) error {
	if err := syscall.Kill(pid, sig); err != nil {
		return err
	}
	out, err := exec.Command("pgrep", "-P", strconv.Itoa(pid)).Output()
	if err != nil {
		return fmt.Errorf("pgtest: listing the server's processes (pgrep): %w", err)
	}
	for _, field := range strings.Fields(string(out)) {
		child, _ := strconv.Atoi(field) // pgrep prints numbers
		_ = syscall.Kill(child, sig)    // one that just exited is no matter
	}
	return nil
}
