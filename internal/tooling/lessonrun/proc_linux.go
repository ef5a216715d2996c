package lessonrun

import "syscall"

// deathSignal makes the kernel kill the process when the test binary dies
// without its cleanups (a -timeout's panic): no server outlives its test.
func deathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
