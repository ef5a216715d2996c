package fsstore

import (
	"context"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"sync"
	"time"
)

// lockFiles is how many lock files the folder holds. Sessions share them
// by a hash of their ID: a fixed set never needs removing (removing a lock
// file that somebody holds would let a third process lock a new one), and
// two sessions that share a file only wait for each other now and then.
const lockFiles = 256

// Lock takes the lock of session id, so that the requests of one session
// take turns, in this process and in every other that shares the folder.
// It implements sessionlock.Locker: it first waits its turn in this process
// (sessionlock.Local), then takes the session's lock file (see
// lockFile), and gives up after wait in all.
func (s *Store) Lock(ctx context.Context, id string, wait time.Duration) (func(), error) {
	deadline := time.Now().Add(wait)
	unlockHere, err := s.locks.Lock(ctx, id, wait)
	if err != nil {
		return nil, err
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	path := filepath.Join(s.dir, fmt.Sprintf(".lock_%03d", h.Sum32()%lockFiles))
	unlockFile, err := lockFile(ctx, path, time.Until(deadline))
	if err != nil {
		unlockHere()
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			unlockFile()
			unlockHere()
		})
	}, nil
}
