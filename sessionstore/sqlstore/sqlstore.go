// Package sqlstore keeps sessions in a SQL database, SQLite or PostgreSQL,
// through database/sql with plain SQL, as storage for the course's session
// engine (sessionstore).
//
// It stands in for scs's sqlite3store and postgresstore, which serve scs's
// session manager, not gorilla's, and for antonlindstrom/pgstore, which
// adopts any well-signed ID it is shown and keeps the cookie rules itself.
// Both databases take the same statements (placeholders $1, $2...; an
// upsert for the lock), so one package serves both:
//
//   - SQLite (modernc.org/sqlite, pure Go): nothing to install, survives a
//     restart, and several processes on one machine share the file;
//   - PostgreSQL (github.com/jackc/pgx/v5): several machines share it.
//
// The schema is created if missing; expired rows are swept as it goes. A
// session may be filed under an owner (an account), so that step 8 can
// list and end an account's sessions with one indexed query each.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// schema is the tables the store needs; BLOB is BYTEA in PostgreSQL.
// Times are Unix milliseconds, which both compare alike.
const schema = `
CREATE TABLE IF NOT EXISTS sessions (
	id     TEXT PRIMARY KEY,
	data   BLOB NOT NULL,
	expiry BIGINT NOT NULL,
	owner  TEXT -- whose session it is, once the app says so (SetOwner)
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expiry);
CREATE TABLE IF NOT EXISTS session_locks (
	id     TEXT PRIMARY KEY,
	token  TEXT NOT NULL,
	expiry BIGINT NOT NULL
);`

// SweepInterval is how often, at most, Create deletes expired rows.
const SweepInterval = time.Minute

// Store is a sessionstore.Storage and sessionstore.Locker in SQL, and a
// sessionindex.Storage.
type Store struct {
	db *sql.DB

	mu        sync.Mutex
	lastSweep time.Time
}

// Open opens the database that rawURL names, sqlite:///absolute/path.db
// (its folder is made if missing) or postgres://user@host:port/db?sslmode=...,
// and creates the tables.
func Open(ctx context.Context, rawURL string) (*Store, *sql.DB, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, errors.New("not a URL") // url's error would repeat a password
	}
	var db *sql.DB
	switch u.Scheme {
	case "sqlite":
		if !strings.HasPrefix(u.Path, "/") || u.Host != "" {
			return nil, nil, fmt.Errorf("want sqlite:///absolute/path.db, got %q", Redacted(rawURL))
		}
		if err := os.MkdirAll(filepath.Dir(u.Path), 0o700); err != nil {
			return nil, nil, err
		}
		db, err = OpenSQLite(u.Path, 5*time.Second)
	case "postgres", "postgresql":
		db, err = sql.Open("pgx", rawURL)
	default:
		return nil, nil, fmt.Errorf("want a sqlite:// or postgres:// URL, got %q", Redacted(rawURL))
	}
	if err != nil {
		return nil, nil, err
	}
	s, err := New(ctx, db, u.Scheme != "sqlite")
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return s, db, nil
}

// Redacted is rawURL as a log may show it: a password in it, after the
// user name or as a password or sslpassword parameter (pgx reads both), is
// xxxxx.
func Redacted(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(not a URL)"
	}
	q := u.Query()
	for _, key := range []string{"password", "sslpassword"} {
		if q.Has(key) {
			q.Set(key, "xxxxx")
			u.RawQuery = q.Encode()
		}
	}
	return u.Redacted()
}

// OpenSQLite opens an SQLite file for several processes at once: WAL lets
// readers work beside a writer, and a writer waits up to busy for another.
// A transaction takes the write lock as it begins (BEGIN IMMEDIATE): one
// that read first and wrote later could fail at once, since another
// writer got in between.
func OpenSQLite(path string, busy time.Duration) (*sql.DB, error) {
	pragmas := "_pragma=busy_timeout(%d)&_pragma=journal_mode(wal)&_pragma=synchronous(normal)" +
		"&_txlock=immediate"
	return sql.Open("sqlite", fmt.Sprintf("file:%s?"+pragmas, path, busy.Milliseconds()))
}

// New returns a Store over db, creating the tables if they are missing.
// postgres says which database it is.
func New(ctx context.Context, db *sql.DB, postgres bool) (*Store, error) {
	err := CreateTables(ctx, db, postgres, schema, func(tx *sql.Tx) error {
		// A table made before the owner column existed gets it (SQLite has
		// no ADD COLUMN IF NOT EXISTS: look first), and its index: an
		// owner's sessions are found without a scan.
		add := `ALTER TABLE sessions ADD COLUMN IF NOT EXISTS owner TEXT`
		if !postgres {
			add = `ALTER TABLE sessions ADD COLUMN owner TEXT`
			if _, err := tx.ExecContext(ctx, `SELECT owner FROM sessions LIMIT 0`); err == nil {
				add = `SELECT 1` // it has it
			}
		}
		if _, err := tx.ExecContext(ctx, add); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS sessions_owner ON sessions (owner)`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("creating the session tables: %w", err)
	}
	return &Store{db: db, lastSweep: time.Now()}, nil
}

// CreateTables runs ddl (statements separated by ";", BLOB written BYTEA
// for PostgreSQL), then more if not nil, in one transaction, so that
// instances that start at once on one database take turns. Without it, two
// PostgreSQL instances that run CREATE TABLE IF NOT EXISTS at the same
// moment can both try to create the table, and one fails: the transaction
// first takes an advisory lock, which others wait for. An SQLite
// transaction takes the file's write lock when it begins (see OpenSQLite).
func CreateTables(ctx context.Context, db *sql.DB, postgres bool, ddl string,
	more func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // after Commit, it does nothing
	if postgres {
		ddl = strings.ReplaceAll(ddl, "BLOB", "BYTEA")
		// Any number will do, as long as every instance takes the same.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(80830)`); err != nil {
			return err
		}
	}
	for stmt := range strings.SplitSeq(ddl, ";") {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if more != nil {
		if err := more(tx); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Find implements sessionstore.Storage.
func (s *Store) Find(ctx context.Context, id string) ([]byte, bool, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT data FROM sessions WHERE id = $1`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// Create implements sessionstore.Storage, and sweeps once a SweepInterval.
func (s *Store) Create(ctx context.Context, id string, data []byte, expiry time.Time) error {
	if err := s.sweepIfDue(ctx); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id, data, expiry) VALUES ($1, $2, $3)`,
		id, data, expiry.UnixMilli())
	return err
}

// Update implements sessionstore.Storage. An expired session stays ended.
func (s *Store) Update(ctx context.Context, id string, data []byte, expiry time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx,
		`UPDATE sessions SET data = $2, expiry = $3 WHERE id = $1 AND expiry > $4`,
		id, data, expiry.UnixMilli(), time.Now().UnixMilli())
	return affected(res, err)
}

// Delete implements sessionstore.Storage.
func (s *Store) Delete(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	return err
}

// region owner
// SetOwner files the session under owner (an account), for Owned and
// DeleteOwned; sessionindex calls it for each new ID of a logged-in
// session.
func (s *Store) SetOwner(ctx context.Context, id, owner string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sessions SET owner = $2 WHERE id = $1`, id, owner)
	return err
}

// Owned returns the records of owner's sessions by ID, expired ones too:
// the engine tells which have ended.
func (s *Store) Owned(ctx context.Context, owner string) (map[string][]byte, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, data FROM sessions WHERE owner = $1`, owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	owned := make(map[string][]byte)
	for rows.Next() {
		var id string
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return nil, err
		}
		owned[id] = data
	}
	return owned, rows.Err()
}

// DeleteOwned deletes every session of owner but the one under keep ("":
// every one).
func (s *Store) DeleteOwned(ctx context.Context, owner, keep string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE owner = $1 AND id <> $2`, owner, keep)
	return err
}

// endregion owner

// TryLock implements sessionstore.Locker: a row per held lock, taken over
// only once its lease has run out.
func (s *Store) TryLock(ctx context.Context, id, token string, lease time.Duration) (bool, error) {
	now := time.Now()
	res, err := s.db.ExecContext(ctx, `
INSERT INTO session_locks (id, token, expiry) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET token = excluded.token, expiry = excluded.expiry
WHERE session_locks.expiry < $4`, id, token, now.Add(lease).UnixMilli(), now.UnixMilli())
	return affected(res, err)
}

// Renew implements sessionstore.Locker.
func (s *Store) Renew(ctx context.Context, id, token string, lease time.Duration) (bool, error) {
	res, err := s.db.ExecContext(ctx,
		`UPDATE session_locks SET expiry = $3 WHERE id = $1 AND token = $2`,
		id, token, time.Now().Add(lease).UnixMilli())
	return affected(res, err)
}

// Unlock implements sessionstore.Locker.
func (s *Store) Unlock(ctx context.Context, id, token string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM session_locks WHERE id = $1 AND token = $2`, id, token)
	return err
}

// Sweep deletes the sessions and locks that expired before now.
func (s *Store) Sweep(ctx context.Context, now time.Time) error {
	for _, table := range []string{"sessions", "session_locks"} {
		stmt := `DELETE FROM ` + table + ` WHERE expiry < $1`
		if _, err := s.db.ExecContext(ctx, stmt, now.UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) sweepIfDue(ctx context.Context) error {
	s.mu.Lock()
	now := time.Now()
	due := now.Sub(s.lastSweep) >= SweepInterval
	if due {
		s.lastSweep = now
	}
	s.mu.Unlock()
	if !due {
		return nil
	}
	return s.Sweep(ctx, now)
}

func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
