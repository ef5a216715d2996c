package pgtest

import "syscall"

// serverAttr runs a process as cred (nil: ourselves). If the test binary
// dies without its cleanups (a timeout's panic), the kernel sends the
// process SIGQUIT, which stops postgres at once, rather than leave it
// running.
func serverAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
}
