// Package testcookie helps tests attack session cookies: it changes one
// character of a cookie, and signs a cookie the store never issued.
package testcookie

import (
	"net/http/httptest"
	"testing"

	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/sessionid"
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
	codec, err := sessionid.New([][]byte{[]byte(secret)}, 3600)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := codec.SetCookie(rec, name, id, &sessions.Options{}); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()[0].Value
}
