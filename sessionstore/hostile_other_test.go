//go:build !linux

package sessionstore_test

import "testing"

func TestHostileRecordInAChild(t *testing.T) {
	t.Skip("limits the child's address space with RLIMIT_AS and /proc: Linux only")
}
