//go:build unix && !linux

package pgtest

import "syscall"

// serverAttr runs a process as cred (nil: ourselves). Only Linux can tie a
// process's life to its parent's: here a server whose test binary died
// without its cleanups stays until it is stopped.
func serverAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred}
}
