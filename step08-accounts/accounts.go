package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/secure/precis"

	"github.com/go-sessions-course/echo-sessions/sessionstore/sqlstore"
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

// region schema
// accountsTable holds the accounts, in the database that holds the
// sessions. key is made at signup, at random, and never made again: a
// session names its account by key, so a login ends with its account, and
// someone who later signs up under a deleted account's ID gets another
// key, and nothing of the old account. A session also keeps the version of
// the password it logged in with: a session that logged in with an older
// one opens nothing (see signedIn). BLOB is BYTEA in PostgreSQL.
const accountsTable = `CREATE TABLE IF NOT EXISTS accounts (
	key     TEXT PRIMARY KEY,     -- random, made at signup, never reused
	user_id TEXT NOT NULL UNIQUE, -- normalised (see userID)
	hash    BLOB NOT NULL,        -- the password's bcrypt hash, never the password
	version INTEGER NOT NULL,     -- 1, and one more at each change of password
	created BIGINT NOT NULL       -- Unix milliseconds
)`

// endregion schema

// errDatabase wraps the database's errors: the visitor gets a 503, since
// trying again later may work.
var errDatabase = errors.New("the account database is unavailable")

// region accounts
// accounts keeps the users in the database, so that they outlive a
// restart, and every instance on the database sees the same ones. Every
// query is plain SQL with placeholders: a user ID is never part of a
// statement's text, so none can change what the statement does.
type accounts struct {
	db  *sql.DB
	now func() time.Time

	cost      int       // bcrypt's cost for every hash, the dummy one too
	dummyHash []byte    // see logIn
	gate      *hashGate // how many hashes may run at once
}

// openAccounts creates the accounts table if it is missing. postgres says
// which database db is. Hashes are made at bcryptCost, and as many at
// once as the machine has cores, with twice as many waiting their turn.
func openAccounts(ctx context.Context, db *sql.DB, postgres bool,
	now func() time.Time) (*accounts, error) {
	// As the session tables are: instances that start at once take turns.
	if err := sqlstore.CreateTables(ctx, db, postgres, accountsTable, nil); err != nil {
		return nil, fmt.Errorf("creating the accounts table: %w", err)
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("no user has this password"), bcryptCost)
	if err != nil {
		return nil, err // only an invalid cost fails
	}
	if now == nil {
		now = time.Now
	}
	return &accounts{db: db, now: now, cost: bcryptCost, dummyHash: dummy,
		gate: newHashGate(runtime.NumCPU(), 2*runtime.NumCPU())}, nil
}

// endregion accounts

// bcryptCost is how hard bcrypt works per password: its default takes
// 58 to 136 ms on a two-core machine (BenchmarkBcryptHash), slow
// enough to make guessing stolen hashes costly.
// The tests lower it, to run in seconds.
var bcryptCost = bcrypt.DefaultCost

// hash returns password's bcrypt hash, once the gate lets it run.
func (u *accounts) hash(ctx context.Context, password string) ([]byte, error) {
	var hash []byte
	err := u.gate.run(ctx, func() (err error) {
		hash, err = bcrypt.GenerateFromPassword([]byte(password), u.cost)
		return err
	})
	return hash, err
}

// region signup
// signUp adds a user under id (from userID) and returns its login, or
// fails with errTaken, errBadPassword, errBusy or errDatabase. Two
// instances that sign up one ID at once are settled by the database: the
// UNIQUE column takes one row, and the other insert does nothing.
func (u *accounts) signUp(ctx context.Context, id, password string) (login, error) {
	if !passwordOK(password, true) {
		return login{}, errBadPassword
	}
	hash, err := u.hash(ctx, password)
	if err != nil {
		return login{}, err
	}
	l := login{key: rand.Text(), version: 1} // 26 random letters and digits: 128 bits
	res, err := u.db.ExecContext(ctx, `INSERT INTO accounts (key, user_id, hash, version, created)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING`,
		l.key, id, hash, l.version, u.now().UnixMilli())
	if err != nil {
		return login{}, dbError(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return login{}, cmp.Or(dbError(err), errTaken)
	}
	return l, nil
}

// endregion signup

// login is who a session is logged in as: the account's key, and the
// version of its password at login.
type login struct {
	key     string
	version int
}

// region check
// logIn checks a user's password and returns the login. It fails
// with errNoMatch whether the ID or the password was wrong, or with
// errBadPassword, errBusy or errDatabase.
//
// When there is no such user it compares against dummyHash, made at the
// same cost as every real hash, so that a wrong ID takes as long as a
// wrong password: the time of the answer must not tell which user IDs
// exist.
func (u *accounts) logIn(ctx context.Context, id, password string) (login, error) {
	var l login
	var hash []byte
	err := u.db.QueryRowContext(ctx, `SELECT key, hash, version FROM accounts WHERE user_id = $1`, id).
		Scan(&l.key, &hash, &l.version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return login{}, dbError(err)
	}
	if err := u.check(ctx, hash, password); err != nil {
		return login{}, err
	}
	return l, nil
}

// check compares password with hash (the dummy one when hash is nil),
// through the gate.
func (u *accounts) check(ctx context.Context, hash []byte, password string) error {
	if !passwordOK(password, false) {
		return errBadPassword
	}
	known := hash != nil
	if !known {
		hash = u.dummyHash
	}
	var mismatch error
	if err := u.gate.run(ctx, func() error {
		mismatch = bcrypt.CompareHashAndPassword(hash, []byte(password))
		return nil
	}); err != nil {
		return err
	}
	if mismatch != nil || !known {
		return errNoMatch
	}
	return nil
}

// endregion check

// userOf returns the user ID of the account l names, and false when the
// account is gone, or its password has changed since l logged in.
func (u *accounts) userOf(ctx context.Context, l login) (string, bool, error) {
	var id string
	var version int
	err := u.db.QueryRowContext(ctx, `SELECT user_id, version FROM accounts WHERE key = $1`, l.key).
		Scan(&id, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return id, err == nil && version == l.version, dbError(err)
}

// checkKey checks the password of the account key: errNoMatch when it is
// wrong, or the account is gone.
func (u *accounts) checkKey(ctx context.Context, key, password string) error {
	var hash []byte
	err := u.db.QueryRowContext(ctx, `SELECT hash FROM accounts WHERE key = $1`, key).Scan(&hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return dbError(err)
	}
	return u.check(ctx, hash, password)
}

// setPassword replaces the password of the account key, and returns the
// login that the new password makes: every session that logged in before
// (with an older version) is logged out by it.
func (u *accounts) setPassword(ctx context.Context, key, password string) (login, error) {
	if !passwordOK(password, true) {
		return login{}, errBadPassword
	}
	hash, err := u.hash(ctx, password)
	if err != nil {
		return login{}, err
	}
	l := login{key: key}
	err = u.db.QueryRowContext(ctx, `UPDATE accounts SET hash = $2, version = version + 1
WHERE key = $1 RETURNING version`, key, hash).Scan(&l.version)
	if errors.Is(err, sql.ErrNoRows) {
		return login{}, errNoMatch // deleted meanwhile
	}
	return l, dbError(err)
}

// remove deletes the account key. Its sessions are the caller's to end.
func (u *accounts) remove(ctx context.Context, key string) error {
	_, err := u.db.ExecContext(ctx, `DELETE FROM accounts WHERE key = $1`, key)
	return dbError(err)
}

func dbError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", errDatabase, err)
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
