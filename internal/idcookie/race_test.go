//go:build race

package idcookie

// raceEnabled: the race detector makes sync.Pool drop what it is given and
// adds allocations of its own, so allocation counts mean nothing under it.
const raceEnabled = true
