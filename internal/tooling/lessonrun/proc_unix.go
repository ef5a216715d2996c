//go:build unix

package lessonrun

import (
	"os/exec"
	"syscall"
)

// supported: the runner needs a Unix shell (bash, zsh) and process groups.
const supported = true

// ownGroup runs cmd in a process group of its own, so that a signal to the
// group reaches the shell and everything it started, and nothing else;
// on Linux it is also killed if the test binary dies first (see
// deathSignal).
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	deathSignal(cmd.SysProcAttr)
}

// signalGroup sends sig to the process group that pid leads.
func signalGroup(pid int, sig syscall.Signal) error { return syscall.Kill(-pid, sig) }
