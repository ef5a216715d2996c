//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package fsstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/go-sessions-course/echo-sessions/internal/sessionlock"
)

// lockFile takes an exclusive flock(2) on the file at path, creating it if
// needed, polling for at most wait. The kernel releases a flock when its
// file is closed, also when the process dies, so a crash never leaves a
// session locked.
func lockFile(ctx context.Context, path string, wait time.Duration) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: opening a lock file: %w", ErrUnavailable, err)
	}
	deadline := time.Now().Add(wait)
	pause := time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("%w: locking %s: %w", ErrUnavailable, path, err)
		}
		if time.Now().Add(pause).After(deadline) {
			f.Close()
			return nil, sessionlock.ErrBusy
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 16*time.Millisecond)
	}
}
