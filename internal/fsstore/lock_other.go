//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package fsstore

import (
	"context"
	"time"
)

// lockFile takes no lock across processes on this system (it has no
// flock(2)): requests still take turns within one process, but two
// processes sharing the folder can lose each other's updates here.
func lockFile(ctx context.Context, path string, wait time.Duration) (func(), error) {
	return func() {}, nil
}
