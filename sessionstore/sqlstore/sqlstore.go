// Package sqlstore keeps sessions in a SQL database, SQLite or PostgreSQL,
// through database/sql with plain SQL, as storage for the course's session
// engine (sessionstore).
//
// It stands in for scs's sqlite3store and postgresstore, which serve scs's
// session manager, not gorilla's, and for antonlindstrom/pgstore, which
// adopts any well-signed ID it is shown and keeps the cookie rules itself.
// Both databases take the same statements (placeholders $1, $2...), so
// one package serves both:
//
//   - SQLite (modernc.org/sqlite, pure Go): nothing to install, survives a
//     restart, and several processes on one machine share the file;
//   - PostgreSQL (github.com/jackc/pgx/v5): several machines share it.
//
// The connections are a bounded pool (see Pool). The schema is created if
// missing. A Create starts a sweep of expired rows in the background, once
// a SweepInterval at most (Close stops it).
// A session may be filed under an owner (an account), so that step 8 can
// list and end an account's sessions with one indexed query each. The
// turns of a session's requests are the database's own locks (see Turn).
package sqlstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"             // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// schema is the tables the store needs; BLOB is BYTEA in PostgreSQL.
// Times are Unix milliseconds, which both compare alike. session_locks
// holds SQLite's turns (PostgreSQL locks the session's own row).
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

// SweepInterval is how often, at most, a sweep deletes expired rows, in a
// goroutine of its own that a Create starts (no visitor waits for it), and
// SweepBatch rows per statement, so that no statement holds a lock long.
const (
	SweepInterval = time.Minute
	SweepBatch    = 1000
)

// Store is a sessionstore.Storage and sharedlock.Storage in SQL, and a
// sessionindex.Storage.
type Store struct {
	// Logger gets a warning when an SQLite turn given back in the
	// background fails (its lease frees the session later); nil means
	// slog.Default().
	Logger *slog.Logger

	db       *sql.DB
	postgres bool
	// slots bounds the connections that turns hold (PostgreSQL), one
	// fewer than the pool: a request that holds one can still get another.
	slots chan struct{}
	// writing lets one write at a time through, on SQLite. SQLite has one
	// writer at a time, and a connection that finds the file busy sleeps
	// (1, 2, 5, 10ms...) before it tries again: under load, most of the
	// time went to those sleeps. Here this process's writes wait in
	// order, and only other processes' meet SQLite's busy wait.
	writing chan struct{}

	ctx      context.Context // ends at Close, and with it a running sweep
	cancel   context.CancelFunc
	sweeps   sync.WaitGroup
	releases sync.WaitGroup // turns given back in the background
	mu       sync.Mutex
	last     time.Time // when the last sweep started
	busy     bool      // a sweep is running
}

// Pool is how many connections a Store keeps. Without a bound,
// database/sql opens a connection for every concurrent request; with its
// default of two idle ones, it closes and opens them again all the time.
// The defaults fit a small PostgreSQL (max_connections is 100 by default):
// ten per instance, all kept while in use, closed after five idle minutes.
type Pool struct {
	MaxConns    int           // open at most, and kept idle; 0 means DefaultMaxConns
	MaxIdleTime time.Duration // an idle connection is closed after it; 0 means 5 minutes
}

// DefaultMaxConns is Pool.MaxConns unless set.
const DefaultMaxConns = 10

// Apply sets db's pool.
func (p Pool) Apply(db *sql.DB) {
	n := cmp.Or(p.MaxConns, DefaultMaxConns)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n) // as many idle as open: no closing and reopening under load
	db.SetConnMaxIdleTime(cmp.Or(p.MaxIdleTime, 5*time.Minute))
}

// poolOf reads the pool's parameters from u's query, pool_max_conns and
// pool_max_conn_idle_time (named as pgxpool names them), and removes
// them: the database would refuse them as its own settings.
func poolOf(u *url.URL) (Pool, error) {
	var p Pool
	q := u.Query()
	if v := q.Get("pool_max_conns"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, fmt.Errorf("pool_max_conns=%q: want a number of connections, 1 or more", v)
		}
		p.MaxConns = n
	}
	if v := q.Get("pool_max_conn_idle_time"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return p, fmt.Errorf("pool_max_conn_idle_time=%q: want a duration such as 5m", v)
		}
		p.MaxIdleTime = d
	}
	q.Del("pool_max_conns")
	q.Del("pool_max_conn_idle_time")
	u.RawQuery = q.Encode()
	return p, nil
}

// Open opens the database that rawURL names, sqlite:///absolute/path.db
// (its folder is made if missing) or postgres://user@host:port/db?sslmode=...,
// with its pool (parameters pool_max_conns and pool_max_conn_idle_time,
// see Pool), and creates the tables.
func Open(ctx context.Context, rawURL string) (*Store, *sql.DB, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, errors.New("not a URL") // url's error would repeat a password
	}
	pool, err := poolOf(u)
	if err != nil {
		return nil, nil, err
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
		db, err = sql.Open("pgx", u.String())
	default:
		return nil, nil, fmt.Errorf("want a sqlite:// or postgres:// URL, got %q", Redacted(rawURL))
	}
	if err != nil {
		return nil, nil, err
	}
	pool.Apply(db)
	// A server that cannot be reached says so, rather than fail at the
	// first table the store looks for.
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second) // a host that drops packets
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("connecting: %w", err)
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
	pragmas := "_pragma=busy_timeout(%d)&_pragma=synchronous(normal)&_txlock=immediate"
	db, err := sql.Open("sqlite", fmt.Sprintf("file:%s?"+pragmas, path, busy.Milliseconds()))
	if err != nil {
		return nil, err
	}
	// WAL is kept in the file: the first instance switches a new file to
	// it, and later ones find it switched. Two that switch at once would
	// deadlock, so SQLite answers one SQLITE_BUSY at once instead of
	// waiting (see sqlite3_busy_handler); that one tries again.
	deadline := time.Now().Add(busy)
	var mode string
	for {
		err = db.QueryRow(`PRAGMA journal_mode=wal`).Scan(&mode)
		var e *sqlite.Error
		if err == nil || !errors.As(err, &e) || e.Code()&0xff != sqlite3.SQLITE_BUSY ||
			time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil && mode != "wal" {
		err = fmt.Errorf("its journal mode is %s, not wal", mode)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return db, nil
}

// New returns a Store over db, creating the tables if they are missing.
// postgres says which database it is. Close stops its sweeps.
func New(ctx context.Context, db *sql.DB, postgres bool) (*Store, error) {
	if err := createSchema(ctx, db, postgres); err != nil {
		return nil, fmt.Errorf("creating the session tables: %w", err)
	}
	s := &Store{db: db, postgres: postgres, last: time.Now()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if n := db.Stats().MaxOpenConnections; n > 0 {
		s.slots = make(chan struct{}, max(1, n-1))
	}
	if !postgres {
		s.writing = make(chan struct{}, 1)
	}
	return s, nil
}

// createSchema looks first: when every table, column and index is there,
// it changes nothing and takes no lock on the table. (ALTER TABLE takes
// an exclusive lock even when it has nothing to add: behind a pg_dump,
// every instance's session lookups would wait.)
func createSchema(ctx context.Context, db *sql.DB, postgres bool) error {
	// The owner index exists only on the owner column, which exists only
	// on the sessions table.
	look := `SELECT count(*) FROM sqlite_master
WHERE name IN ('sessions_owner', 'sessions_expiry', 'session_locks')`
	if postgres {
		look = `SELECT (to_regclass('sessions_owner') IS NOT NULL)::int +
(to_regclass('sessions_expiry') IS NOT NULL)::int +
(to_regclass('session_locks') IS NOT NULL)::int`
	}
	var found int
	if err := db.QueryRowContext(ctx, look).Scan(&found); err != nil {
		return err
	}
	if found == 3 {
		return nil
	}
	return CreateTables(ctx, db, postgres, schema, func(tx *sql.Tx) error {
		// A table made before the owner column existed gets it, and its
		// index: an owner's sessions are found without a scan. (SQLite has
		// no ADD COLUMN IF NOT EXISTS: look first.)
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
}

// Close stops a running sweep, and waits for it and for the turns being
// given back. Call it before closing the database. It does not close the
// database, and the Store still works, without sweeps.
func (s *Store) Close() error {
	s.cancel()
	s.sweeps.Wait()
	s.releases.Wait()
	return nil
}

// sweepSoon starts a sweep in the background once a SweepInterval, one at
// a time. A failed sweep is tried again at the next one.
func (s *Store) sweepSoon() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy || s.ctx.Err() != nil || time.Since(s.last) < SweepInterval {
		return
	}
	s.busy, s.last = true, time.Now()
	s.sweeps.Go(func() {
		ctx, cancel := context.WithTimeout(s.ctx, SweepInterval)
		_ = s.Sweep(ctx, time.Now())
		cancel()
		s.mu.Lock()
		s.busy = false
		s.mu.Unlock()
	})
}

// Sweep deletes the sessions and locks that expired before now, SweepBatch
// rows at a time.
func (s *Store) Sweep(ctx context.Context, now time.Time) error {
	for _, table := range []string{"sessions", "session_locks"} {
		stmt := `DELETE FROM ` + table + ` WHERE id IN (SELECT id FROM ` + table +
			` WHERE expiry < $1 LIMIT ` + strconv.Itoa(SweepBatch) + `)`
		for {
			res, err := s.exec(ctx, stmt, now.UnixMilli())
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n < SweepBatch {
				break
			}
		}
	}
	return nil
}

// querier is a *sql.DB, or the *sql.Conn of a turn (PostgreSQL), whose
// transaction the turn's statements join.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) q(ctx context.Context) querier {
	if t := s.held(ctx); t != nil && t.conn != nil {
		return t.conn
	}
	return s.db
}

// write waits for this process's turn to write (SQLite), and returns the
// func that ends it.
func (s *Store) write(ctx context.Context) (func(), error) {
	if s.writing == nil {
		return func() {}, nil
	}
	select {
	case s.writing <- struct{}{}:
		return func() { <-s.writing }, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// exec runs a write statement, in this process's turn to write.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	done, err := s.write(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	return s.q(ctx).ExecContext(ctx, query, args...)
}

// errTaken: Create never overwrites a live session.
var errTaken = errors.New("sqlstore: a live session already has this ID")

// Find implements sessionstore.Storage. In a turn, the record is the one
// the turn's lock read.
func (s *Store) Find(ctx context.Context, id string) ([]byte, bool, error) {
	if t := s.held(ctx); t != nil && t.id == id && t.read {
		t.read = false // a second Find reads again
		return t.data, t.found, nil
	}
	var data []byte
	err := s.q(ctx).QueryRowContext(ctx, `SELECT data FROM sessions WHERE id = $1`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// createSQL stores a new record. A row past its expiry that the sweep has
// not reached yet is taken over; a live one is not.
const createSQL = `
INSERT INTO sessions (id, data, expiry) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET data = excluded.data, expiry = excluded.expiry, owner = NULL
WHERE sessions.expiry <= $4`

// Create implements sessionstore.Storage. In a turn on PostgreSQL (the
// session's record was gone), it also ends the turn, as Update does, so
// that a failed commit reaches the caller. It starts a sweep in the
// background when one is due.
func (s *Store) Create(ctx context.Context, id string, data []byte, expiry time.Time) error {
	s.sweepSoon()
	args := []any{id, data, expiry.UnixMilli(), time.Now().UnixMilli()}
	var created bool
	var err error
	if t := s.held(ctx); t != nil && t.conn != nil {
		var n int64
		n, err = t.commit(ctx, createSQL, args...)
		created = n == 1
	} else {
		created, err = affected(s.exec(ctx, createSQL, args...))
	}
	if err == nil && !created {
		err = errTaken
	}
	return err
}

// updateSQL replaces a live record; one past its expiry stays ended.
const updateSQL = `UPDATE sessions SET data = $2, expiry = $3 WHERE id = $1 AND expiry > $4`

// Update implements sessionstore.Storage. In its session's turn, it also
// ends the turn, in the same round trip.
func (s *Store) Update(ctx context.Context, id string, data []byte, expiry time.Time) (bool, error) {
	if t := s.held(ctx); t != nil && t.id == id && (t.conn != nil || t.token != "") {
		return t.update(ctx, data, expiry)
	}
	res, err := s.exec(ctx, updateSQL, id, data, expiry.UnixMilli(),
		time.Now().UnixMilli())
	return affected(res, err)
}

// deleteSQL deletes a session's record.
const deleteSQL = `DELETE FROM sessions WHERE id = $1`

// Delete implements sessionstore.Storage. In its session's turn on
// PostgreSQL, it also ends the turn, in the same round trip: a logout is
// committed before the handler answers, and a failed commit reaches it.
func (s *Store) Delete(ctx context.Context, id string) error {
	if t := s.held(ctx); t != nil && t.id == id && t.conn != nil {
		_, err := t.commit(ctx, deleteSQL, id)
		return err
	}
	_, err := s.exec(ctx, deleteSQL, id)
	return err
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

// region owner
// SetOwner files the session under owner (an account), for Owned and
// DeleteOwned; sessionindex calls it for each new ID of a logged-in
// session.
func (s *Store) SetOwner(ctx context.Context, id, owner string) error {
	_, err := s.exec(ctx, `UPDATE sessions SET owner = $2 WHERE id = $1`, id, owner)
	return err
}

// Owned returns the records of owner's sessions by ID, expired ones too:
// the engine tells which have ended.
func (s *Store) Owned(ctx context.Context, owner string) (map[string][]byte, error) {
	rows, err := s.q(ctx).QueryContext(ctx, `SELECT id, data FROM sessions WHERE owner = $1`, owner)
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
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE owner = $1 AND id <> $2`, owner, keep)
	return err
}

// endregion owner

// turn is a session's turn, held by one request. On PostgreSQL it is a
// transaction on a connection of its own that holds the session's row
// lock; on SQLite, a row in session_locks under a token of its own.
type turn struct {
	s     *Store
	id    string
	conn  *sql.Conn // PostgreSQL; nil once the turn ended
	token string    // SQLite; "" once the turn ended
	data  []byte    // the record as the turn began, for Find
	found bool
	read  bool // data is still to be handed to Find
}

type turnKey struct{ s *Store }

// held returns the turn that ctx carries, or nil.
func (s *Store) held(ctx context.Context) *turn {
	t, _ := ctx.Value(turnKey{s}).(*turn)
	return t
}

// Turn implements sharedlock.Storage. On PostgreSQL it locks the session's
// row (SELECT ... FOR UPDATE, in a transaction) and reads it in the same
// round trip: waiters queue inside PostgreSQL, first come first served,
// and the lock ends with the transaction, or its connection, whatever the
// clocks say. lease is PostgreSQL's own limit on a transaction left idle
// (a holder cut off from it). On SQLite, processes share one machine and
// its clock: the turn is a row with a lease, taken and read in one
// transaction, released with the write in another.
func (s *Store) Turn(ctx context.Context, id string, lease time.Duration) (
	func(context.Context) context.Context, func() error, error) {
	t := &turn{s: s, id: id, read: true}
	var err error
	if s.postgres {
		err = t.lockRow(ctx, lease)
	} else {
		err = t.takeLockRow(ctx, lease)
	}
	if err != nil {
		return nil, nil, err
	}
	in := func(ctx context.Context) context.Context { return context.WithValue(ctx, turnKey{s}, t) }
	return in, t.end, nil
}

// lockRow begins the transaction, sets its limits and locks and reads the
// row, in one round trip (a pgx batch: database/sql would need three).
func (t *turn) lockRow(ctx context.Context, lease time.Duration) error {
	if t.s.slots != nil {
		select {
		case t.s.slots <- struct{}{}:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	conn, err := t.s.db.Conn(ctx)
	if err != nil {
		t.free()
		return err
	}
	t.conn = conn
	// PostgreSQL gives up waiting a second after we do: by then this
	// side has closed the connection, which ends the wait too.
	wait := "0" // no limit
	if deadline, ok := ctx.Deadline(); ok {
		wait = strconv.FormatInt(time.Until(deadline).Milliseconds()+1000, 10)
	}
	err = t.batch(ctx, func(b *pgx.Batch) {
		b.Queue(`BEGIN`)
		b.Queue(`SELECT set_config('lock_timeout', $1, true),
set_config('idle_in_transaction_session_timeout', $2, true)`,
			wait, strconv.FormatInt(lease.Milliseconds(), 10))
		b.Queue(`SELECT data FROM sessions WHERE id = $1 FOR UPDATE`, t.id).QueryRow(
			func(row pgx.Row) error {
				err := row.Scan(&t.data)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				t.found = err == nil
				return err
			})
	})
	if err == nil && ctx.Err() != nil {
		err = context.Cause(ctx) // taken as the deadline passed: give it back
		t.release(err)
	}
	return err
}

// batch sends b on the turn's connection in one round trip. On an error,
// the connection is closed, which ends its transaction and its lock.
func (t *turn) batch(ctx context.Context, queue func(*pgx.Batch)) error {
	err := t.conn.Raw(func(driverConn any) error {
		b := &pgx.Batch{}
		queue(b)
		conn := driverConn.(*stdlib.Conn).Conn()
		return conn.SendBatch(ctx, b).Close()
	})
	if err != nil {
		t.release(err)
	}
	return err
}

// release ends the turn's hold on its connection. After an error the
// connection is closed and dropped: its transaction may still be open.
func (t *turn) release(err error) {
	if t.conn == nil {
		return
	}
	if err != nil {
		_ = t.conn.Raw(func(driverConn any) error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = driverConn.(*stdlib.Conn).Conn().Close(ctx)
			return driver.ErrBadConn // tells database/sql to drop it
		})
	}
	_ = t.conn.Close()
	t.conn = nil
	t.free()
}

func (t *turn) free() {
	if t.s.slots != nil {
		<-t.s.slots
	}
}

// update writes the record and ends the turn, in one round trip.
func (t *turn) update(ctx context.Context, data []byte, expiry time.Time) (bool, error) {
	now := time.Now().UnixMilli()
	if t.conn == nil {
		return t.updateLockRow(ctx, data, expiry, now)
	}
	n, err := t.commit(ctx, updateSQL, t.id, data, expiry.UnixMilli(), now)
	return n == 1, err
}

// commit runs stmt and commits the turn's transaction, in one round trip,
// and ends the turn (PostgreSQL). It returns the rows stmt changed.
func (t *turn) commit(ctx context.Context, stmt string, args ...any) (int64, error) {
	var n int64
	err := t.batch(ctx, func(b *pgx.Batch) {
		b.Queue(stmt, args...).Exec(
			func(tag pgconn.CommandTag) error { n = tag.RowsAffected(); return nil })
		b.Queue(`COMMIT`).Exec(func(tag pgconn.CommandTag) error {
			if tag.String() != "COMMIT" {
				return errors.New("sqlstore: the turn's transaction was rolled back")
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	t.release(nil)
	return n, nil
}

// errTurnLost: a request that held its turn past the lease has lost it;
// another may have written since, so its write is refused.
var errTurnLost = errors.New("sqlstore: the session's turn ran out before its write")

// takeLockRow waits for the session's lock row on SQLite, trying again
// after a pause that doubles up to 16ms. Only one request per process
// tries at a time (the engine's own turns come first).
func (t *turn) takeLockRow(ctx context.Context, lease time.Duration) error {
	token := rand.Text()
	for pause := time.Millisecond; ; pause = min(2*pause, 16*time.Millisecond) {
		ok, err := t.tryLockRow(ctx, token, lease)
		if ok && ctx.Err() != nil {
			t.token = token
			_ = t.end() // taken as the deadline passed: give it back
			return context.Cause(ctx)
		}
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(pause):
		}
	}
}

func (t *turn) tryLockRow(ctx context.Context, token string, lease time.Duration) (bool, error) {
	done, err := t.s.write(ctx)
	if err != nil {
		return false, err
	}
	defer done()
	tx, err := t.s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() // after Commit, it does nothing
	now := time.Now()
	res, err := tx.ExecContext(ctx, `
INSERT INTO session_locks (id, token, expiry) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET token = excluded.token, expiry = excluded.expiry
WHERE session_locks.expiry <= $4`, t.id, token, now.Add(lease).UnixMilli(), now.UnixMilli())
	if ok, err := affected(res, err); !ok || err != nil {
		return false, err
	}
	err = tx.QueryRowContext(ctx, `SELECT data FROM sessions WHERE id = $1`, t.id).Scan(&t.data)
	t.found = err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	t.token = token
	return true, nil
}

// updateLockRow releases the lock row and writes, in one transaction, if
// the row is still the turn's: one whose lease ran out writes nothing.
func (t *turn) updateLockRow(ctx context.Context, data []byte, expiry time.Time,
	now int64) (bool, error) {
	done, err := t.s.write(ctx)
	if err != nil {
		return false, err
	}
	defer done()
	tx, err := t.s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() // after Commit, it does nothing
	res, err := tx.ExecContext(ctx, `DELETE FROM session_locks WHERE id = $1 AND token = $2`,
		t.id, t.token)
	held, err := affected(res, err)
	if err != nil {
		return false, err
	}
	if !held {
		t.token = ""
		return false, errTurnLost
	}
	res, err = tx.ExecContext(ctx, updateSQL, t.id, data, expiry.UnixMilli(), now)
	updated, err := affected(res, err)
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return false, err
	}
	t.token = ""
	return updated, nil
}

// end gives the turn back, if a write has not: PostgreSQL commits what
// the turn wrote (another session ended, say), SQLite deletes the lock row.
func (t *turn) end() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if t.conn != nil { // PostgreSQL: what the request wrote is visible when it answers
		_, err := t.conn.ExecContext(ctx, `COMMIT`)
		t.release(err)
		return err
	}
	if t.token != "" { // SQLite: without keeping the request waiting on a busy file
		id, token := t.id, t.token
		t.token = ""
		t.s.releases.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := t.s.exec(ctx, `DELETE FROM session_locks WHERE id = $1 AND token = $2`, id, token)
			if err != nil {
				cmp.Or(t.s.Logger, slog.Default()).Warn(
					"sqlstore: giving a session's turn back failed; its lease frees it", "err", err)
			}
		})
	}
	return nil
}

func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
