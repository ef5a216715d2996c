package main

import (
	"context"
	"crypto/rand"
	"errors"
	"runtime"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/secure/precis"
)

// The limits on what a visitor may choose. bcrypt reads at most 72 bytes
// of a password and refuses longer ones, so a longer password would not be
// any stronger.
const (
	maxIDLength       = 64 // characters, once normalised
	minPasswordLength = 8  // bytes
	maxPasswordLength = 72 // bytes
)

var (
	errTaken   = errors.New("user ID already exists")
	errNoMatch = errors.New("wrong user ID or password")
	errBadID   = errors.New("a user ID is 1 to 64 letters, digits or punctuation marks, " +
		"with no spaces")
	errBadPassword = errors.New("a password is 8 to 72 bytes long " +
		"(a plain letter is one byte; an accented letter or an emoji takes two to four)")
	errBusy = errors.New("too many passwords are being checked at once")
)

// region userid
// userID is the form's user ID as this program keeps and compares it, or
// errBadID. Without it, "Ada", "ada" and "Ａda" (a full-width A) are three
// accounts that look alike: one person could pass for another. The
// UsernameCaseMapped profile of RFC 8265 (PRECIS), from golang.org/x/text,
// is the rule written for user names: full-width letters become their
// usual forms, capitals become small letters, accents are composed one
// way, and spaces, control characters and symbols that are not letters,
// digits or ASCII punctuation are refused.
func userID(form string) (string, error) {
	id, err := precis.UsernameCaseMapped.String(form)
	if err != nil || id == "" || utf8.RuneCountInString(id) > maxIDLength {
		return "", errBadID
	}
	return id, nil
}

// endregion userid

// passwordOK reports whether a password is one a form of ours can send: at
// most 72 bytes, and at least 8 when signing up.
func passwordOK(password string, signingUp bool) bool {
	minimum := 1
	if signingUp {
		minimum = minPasswordLength
	}
	return len(password) >= minimum && len(password) <= maxPasswordLength
}

// region users
// users keeps the accounts in memory, as the tutorial's array does: they are
// gone when the program stops, and a second instance has its own. A real
// program keeps them in a database (step 8). Unlike the tutorial, it keeps
// no password, only its bcrypt hash: whoever reads the memory, a backup or
// a log learns nothing they can log in with.
type users struct {
	mu       sync.Mutex
	accounts map[string]account // normalised user ID (see userID) -> account

	cost      int       // bcrypt's cost for every hash, the dummy one too
	dummyHash []byte    // see logIn
	gate      *hashGate // how many hashes may run at once
}

// account is one user. Its key is made at signup, at random, and never
// made again: a session names its account by ID and key, so that a login
// ends with its account. Another person who later signs up under the
// same ID (after a restart, or on another instance) gets another key, and
// the old session opens nothing of theirs.
type account struct {
	hash []byte // bcrypt hash of the password
	key  string // random, made at signup
}

// newUsers makes an empty set of users that hashes at bcryptCost, and lets
// as many hashes run at once as the machine has cores, with twice as many
// waiting for their turn.
func newUsers() *users {
	cost := bcryptCost
	dummy, err := bcrypt.GenerateFromPassword([]byte("no user has this password"), cost)
	if err != nil {
		panic(err) // only an invalid cost fails, and bcryptCost is valid
	}
	return &users{
		accounts:  make(map[string]account),
		cost:      cost,
		dummyHash: dummy,
		gate:      newHashGate(runtime.NumCPU(), 2*runtime.NumCPU()),
	}
}

// endregion users

// bcryptCost is how hard bcrypt works per password: its default takes
// 58 to 136 ms on a two-core machine (BenchmarkBcryptHash), slow
// enough to make guessing stolen hashes costly.
// The tests lower it, to run in seconds.
var bcryptCost = bcrypt.DefaultCost

// region hash
// signUp adds a user under id (from userID) and returns the account's
// key, or fails with errTaken, errBadPassword or errBusy.
func (u *users) signUp(ctx context.Context, id, password string) (string, error) {
	if !passwordOK(password, true) {
		return "", errBadPassword
	}
	var hash []byte
	err := u.gate.run(ctx, func() (err error) {
		hash, err = bcrypt.GenerateFromPassword([]byte(password), u.cost)
		return err
	})
	if err != nil {
		return "", err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, taken := u.accounts[id]; taken {
		return "", errTaken
	}
	key := rand.Text() // 26 random letters and digits: 128 bits
	u.accounts[id] = account{hash: hash, key: key}
	return key, nil
}

// endregion hash

// region check
// logIn checks a user's password and returns the account's key. It fails
// with errNoMatch whether the ID or the password was wrong, or with
// errBadPassword or errBusy.
//
// When there is no such user it compares against dummyHash, made at the
// same cost as every real hash, so that a wrong ID takes as long as a
// wrong password: the time of the answer must not tell which user IDs
// exist.
func (u *users) logIn(ctx context.Context, id, password string) (string, error) {
	if !passwordOK(password, false) {
		return "", errBadPassword
	}
	u.mu.Lock()
	a, ok := u.accounts[id]
	u.mu.Unlock()
	if !ok {
		a.hash = u.dummyHash
	}
	var mismatch error
	if err := u.gate.run(ctx, func() error {
		mismatch = bcrypt.CompareHashAndPassword(a.hash, []byte(password))
		return nil
	}); err != nil {
		return "", err
	}
	if mismatch != nil || !ok {
		return "", errNoMatch
	}
	return a.key, nil
}

// endregion check

// keyOf returns the key of the account id, and false when there is none.
func (u *users) keyOf(id string) (string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	a, ok := u.accounts[id]
	return a.key, ok
}

// region gate
// hashGate lets a few bcrypt hashes run at once, and a few more wait for
// their turn; beyond that, run fails at once with errBusy, which the
// visitor gets as a 503 with Retry-After. Without it, a flood of logins
// queues one hash each: enough of them keep every request on the cores
// waiting, until the server's write timeout closes connections with no
// answer at all. A buffered channel is Go's usual counting semaphore: a
// send takes a place, a receive gives it back.
type hashGate struct {
	running chan struct{} // a place for each hash that may run now
	inside  chan struct{} // a place for each request running or waiting
}

func newHashGate(running, waiting int) *hashGate {
	return &hashGate{
		running: make(chan struct{}, running),
		inside:  make(chan struct{}, running+waiting),
	}
}

// run calls f when a place to run is free, or fails with errBusy at once
// when too many already wait, or when ctx ends (the visitor left) first.
func (g *hashGate) run(ctx context.Context, f func() error) error {
	select {
	case g.inside <- struct{}{}:
	default:
		return errBusy
	}
	defer func() { <-g.inside }()
	select {
	case g.running <- struct{}{}:
	case <-ctx.Done():
		return errBusy
	}
	defer func() { <-g.running }()
	return f()
}

// endregion gate
