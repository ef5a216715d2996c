package main

import (
	"errors"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// The limits on what a visitor may choose. bcrypt reads at most 72 bytes
// of a password and refuses longer ones, so a longer password would not be
// any stronger.
const (
	maxIDLength       = 64 // characters
	minPasswordLength = 8  // bytes
	maxPasswordLength = 72 // bytes
)

var (
	errTaken    = errors.New("user ID already exists")
	errNoMatch  = errors.New("wrong user ID or password")
	errBadInput = errors.New("send a form with an id of 1 to 64 letters, digits or punctuation, " +
		"and a password of 8 to 72 bytes")
)

// region users
// users keeps the accounts in memory, as the tutorial's array does: they are
// gone when the program stops, and a second instance has its own. A real
// program keeps them in a database. Unlike the tutorial, it keeps no
// password, only its bcrypt hash: whoever reads the memory, a backup or a
// log learns nothing they can log in with.
type users struct {
	mu     sync.Mutex
	hashes map[string][]byte // user ID -> bcrypt hash of the password
}

func newUsers() *users { return &users{hashes: make(map[string][]byte)} }

// endregion users

// formOK reports whether id and password are what the forms can send: an
// id of 1 to 64 printable characters without spaces, and a password of at
// most 72 bytes (at least 8 when signing up). Anything else did not come
// from our forms, and gets a 400.
func formOK(id, password string, signingUp bool) bool {
	if id == "" || utf8.RuneCountInString(id) > maxIDLength || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	minimum := 1
	if signingUp {
		minimum = minPasswordLength
	}
	return len(password) >= minimum && len(password) <= maxPasswordLength
}

// region hash
// signUp adds a user, or fails with errTaken or errBadInput.
func (u *users) signUp(id, password string) error {
	if !formOK(id, password, true) {
		return errBadInput
	}
	// Hash outside the lock: bcrypt is slow on purpose (tens of
	// milliseconds), and other logins need not wait for it.
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, taken := u.hashes[id]; taken {
		return errTaken
	}
	u.hashes[id] = hash
	return nil
}

// endregion hash

// bcryptCost is how hard bcrypt works per password: its default takes
// tens of milliseconds, slow enough to make guessing stolen hashes costly.
// The tests lower it, to run in seconds.
var bcryptCost = bcrypt.DefaultCost

// region check
// dummyHash is compared against when there is no such user, so that a
// wrong ID takes as long as a wrong password: the time of the answer must
// not tell which user IDs exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no user has this password"), bcrypt.DefaultCost)

// logIn checks a user's password, and fails with errNoMatch whether the ID
// or the password was wrong, or with errBadInput.
func (u *users) logIn(id, password string) error {
	if !formOK(id, password, false) {
		return errBadInput
	}
	u.mu.Lock()
	hash, ok := u.hashes[id]
	u.mu.Unlock()
	if !ok {
		hash = dummyHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !ok {
		return errNoMatch
	}
	return nil
}

// endregion check
