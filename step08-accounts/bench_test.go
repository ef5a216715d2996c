package main

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// BenchmarkBcryptHash measures one bcrypt hash at the cost the program
// uses, bcrypt.DefaultCost (the tests lower bcryptCost, so it is named here
// rather than read): the time per hash that the lesson gives, 58 to 136
// ms on a two-core machine, quiet to busy.
//
//	go test -run '^$' -bench BcryptHash ./step08-accounts
func BenchmarkBcryptHash(b *testing.B) {
	password := []byte("correct horse battery")
	for b.Loop() {
		if _, err := bcrypt.GenerateFromPassword(password, bcrypt.DefaultCost); err != nil {
			b.Fatal(err)
		}
	}
}
