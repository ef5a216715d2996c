//go:build !race

package idcookie

const raceEnabled = false
