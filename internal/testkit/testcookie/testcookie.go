// Package testcookie helps tests attack session cookies: it changes one
// character of a cookie, and signs a cookie the store never issued.
//
// It stands in for nothing published: gorilla/securecookie ships no test
// helpers, and each test writing these two attacks out by hand would hide
// what it attacks among the bytes.
package testcookie

import (
	"testing"

	"github.com/gorilla/securecookie"
)

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

// Signed returns the value of a cookie called name that carries id, signed
// with secret as the course's stores sign theirs: a well-formed cookie that
// the store may never have issued.
func Signed(t testing.TB, name, secret, id string) string {
	t.Helper()
	codec := securecookie.New([]byte(secret), nil).SetSerializer(securecookie.NopEncoder{})
	value, err := codec.Encode(name, []byte(id))
	if err != nil {
		t.Fatal(err)
	}
	return value
}
