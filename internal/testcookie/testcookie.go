// Package testcookie helps tests attack session cookies.
package testcookie

// Tamper changes one character in the middle of a cookie value to a
// different one. (A fixed replacement at a fixed place can happen to equal
// the original: the first characters of a signed value encode the time.)
func Tamper(v string) string {
	if v == "" {
		return "A"
	}
	i := len(v) / 2
	c := byte('A')
	if v[i] == 'A' {
		c = 'B'
	}
	return v[:i] + string(c) + v[i+1:]
}
