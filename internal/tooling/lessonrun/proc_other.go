//go:build !unix

package lessonrun

import (
	"errors"
	"os/exec"
	"syscall"
)

// supported: the pages' commands are bash and zsh commands; elsewhere
// (Windows) Run skips.
const supported = false

func ownGroup(*exec.Cmd) {}

func signalGroup(int, syscall.Signal) error { return errors.ErrUnsupported }
