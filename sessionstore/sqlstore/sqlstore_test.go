package sqlstore

import (
	"context"
	"database/sql"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sessions-course/echo-sessions/internal/testkit/pgtest"
	"github.com/go-sessions-course/echo-sessions/internal/testkit/storetest"
	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sharedlock"
)

// TestMain stops the PostgreSQL server that the tests share (pgtest.Database).
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

// openSQLite opens path as one more process would. Its wait for a busy
// file is longer than any engine's wait in the suite: the engine's
// deadline ends it (the outage check), never SQLite's own timeout. (At
// 200ms, the other handle's write, slowed by a busy machine, made one of
// ConcurrentVisits' requests a 503.)
func openSQLite(t *testing.T, path string) *Store {
	t.Helper()
	db, err := OpenSQLite(path, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := New(context.Background(), db, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSQLite runs the engine's suite on a fresh file for each check; each
// handle is its own *sql.DB, as another process would open the file. The
// outage is another program holding the file's write lock.
func TestSQLite(t *testing.T) {
	var path string
	var blocker *sql.Tx
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T) func() sessionstore.Storage {
			path = filepath.Join(t.TempDir(), "sessions.db")
			return func() sessionstore.Storage { return openSQLite(t, path) }
		},
		Shared:  true,
		Durable: true,
		Outage: func(t *testing.T) {
			db, err := OpenSQLite(path, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if blocker, err = db.Begin(); err != nil {
				t.Fatal(err)
			}
			if _, err := blocker.Exec(`DELETE FROM session_locks WHERE id = 'none'`); err != nil {
				t.Fatal(err) // now this transaction holds the write lock
			}
		},
		Recover: func(t *testing.T) { blocker.Rollback() },
	})
}

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, db, err := Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := s.Create(ctx, "a", []byte("x"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.Find(ctx, "a"); !found {
		t.Error("a created session was not found")
	}
	for _, bad := range []string{"sqlite://relative/path.db", "sqlite:relative.db", "mysql://x", "%%"} {
		if _, _, err := Open(ctx, bad); err == nil {
			t.Errorf("Open(%q): got no error", bad)
		}
	}
}

// TestSweep: Sweep deletes what expired, sessions and locks, and keeps the
// rest; Update of a deleted session stores nothing.
func TestSweep(t *testing.T) {
	s, ctx, now := openSQLite(t, filepath.Join(t.TempDir(), "s.db")), context.Background(), time.Now()
	s.Create(ctx, "old", []byte("x"), now.Add(-time.Second))
	s.Create(ctx, "new", []byte("x"), now.Add(time.Hour))
	s.db.Exec(`INSERT INTO session_locks VALUES ('old', 't', $1)`, now.Add(-time.Second).UnixMilli())
	if err := s.Sweep(ctx, now); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.Find(ctx, "old"); found {
		t.Error("an expired session survived the sweep")
	}
	if _, found, _ := s.Find(ctx, "new"); !found {
		t.Error("a live session was swept")
	}
	var locks int
	s.db.QueryRow(`SELECT count(*) FROM session_locks`).Scan(&locks)
	if locks != 0 {
		t.Errorf("%d expired locks survived the sweep", locks)
	}
	if ok, _ := s.Update(ctx, "old", []byte("y"), now.Add(time.Hour)); ok {
		t.Error("Update brought a deleted session back")
	}
}

// TestPostgres runs the engine's suite on one throwaway PostgreSQL server,
// a fresh database for each check; each handle is its own *sql.DB, as
// another instance would open it. The outage is the server stopped.
func TestPostgres(t *testing.T) {
	srv := pgtest.Start(t)
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T) func() sessionstore.Storage {
			url := srv.NewDatabase(t)
			return func() sessionstore.Storage {
				s, db, err := Open(context.Background(), url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return s
			}
		},
		Shared:  true,
		Durable: true,
		Outage:  func(*testing.T) { srv.Stop() },
		Recover: func(*testing.T) { srv.Restart() },
	})
}

// TestOwnerColumnIsAdded: a file made before sessions had owners (by step
// 5 to 7 of an older course) gets the column, and keeps its sessions.
func TestOwnerColumnIsAdded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	db, err := OpenSQLite(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE TABLE sessions (id TEXT PRIMARY KEY, data BLOB NOT NULL, expiry BIGINT NOT NULL)`,
		`INSERT INTO sessions VALUES ('old', x'70', 0)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(context.Background(), db, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.SetOwner(ctx, "old", "ada"); err != nil {
		t.Fatal(err)
	}
	owned, err := s.Owned(ctx, "ada")
	if err != nil || len(owned) != 1 || string(owned["old"]) != "p" {
		t.Errorf("Owned(ada): got %q, %v, want the old session", owned, err)
	}
}

// TestNoPasswordInMessages: a log line or an error that shows the
// database's URL shows no password.
func TestNoPasswordInMessages(t *testing.T) {
	for raw, want := range map[string]string{
		"postgres://ada:s3cret@db:5432/app":                     "postgres://ada:xxxxx@db:5432/app",
		"postgres://ada@db/app?password=s3cret&sslmode=require": "postgres://ada@db/app?password=xxxxx&sslmode=require",
		"postgres://ada@db/app?sslpassword=s3cret":              "postgres://ada@db/app?sslpassword=xxxxx",
		"sqlite:///tmp/s.db":                                    "sqlite:///tmp/s.db",
	} {
		if got := Redacted(raw); got != want {
			t.Errorf("Redacted(%q): got %q, want %q", raw, got, want)
		}
	}
	for _, u := range []string{"postgres://ada:s3cret@db:5432/app\x7f", "mysql://ada:s3cret@db/app", "sqlite://ada:s3cret@db/x.db"} {
		_, _, err := Open(context.Background(), u)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q): got %v, want an error without the password", u, err)
		}
	}
}

// TestInstancesStartAtOnce: several instances that start at the same
// moment on one fresh database all get their tables; on PostgreSQL, two
// CREATE TABLE IF NOT EXISTS at once would fail one of them, and on
// SQLite two switches to WAL at once would (a few times in a hundred, so
// SQLite gets fifty fresh files).
func TestInstancesStartAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rounds int
	}{{"sqlite", 50}, {"postgres", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			for range tc.rounds {
				url := "sqlite://" + filepath.Join(t.TempDir(), "sessions.db")
				if tc.name == "postgres" {
					url = pgtest.Database(t)
				}
				errs := make(chan error, 4)
				for range cap(errs) {
					go func() {
						_, db, err := Open(context.Background(), url)
						if err == nil {
							db.Close()
						}
						errs <- err
					}()
				}
				for range cap(errs) {
					if err := <-errs; err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
}

// TestOwnedUsesTheIndex: SQLite finds an owner's sessions through the
// owner index, not by reading every row.
func TestOwnedUsesTheIndex(t *testing.T) {
	s := openSQLite(t, filepath.Join(t.TempDir(), "sessions.db"))
	rows, err := s.db.Query(`EXPLAIN QUERY PLAN SELECT id, data FROM sessions WHERE owner = $1`, "ada")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if got := strings.Join(plan, "; "); !strings.Contains(got, "USING INDEX sessions_owner") {
		t.Errorf("the plan is %q, want a search using sessions_owner", got)
	}
}

// TestStall: a stalled database (PostgreSQL stopped with SIGSTOP; SQLite's
// write lock held by another connection, as a long write of another
// process) costs a request no more than the engine's wait, for every kind
// of request, and the store recovers by itself.
func TestStall(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "sessions.db")
		s, db, err := Open(context.Background(), "sqlite://"+path) // its busy wait is 5s
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		other, err := OpenSQLite(path, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		var writer *sql.Tx
		storetest.CheckStall(t, s, func() {
			if writer, err = other.Begin(); err != nil { // BEGIN IMMEDIATE: the write lock
				t.Fatal(err)
			}
		}, func() { writer.Rollback() })
	})
	t.Run("postgres", func(t *testing.T) {
		srv := pgtest.Start(t)
		s, db, err := Open(context.Background(), srv.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		storetest.CheckStall(t, s, srv.Pause, srv.Resume)
	})
}

// TestPoolIsBounded: a burst of 64 concurrent visitors, first and
// returning, opens no more PostgreSQL connections than the pool holds,
// and closes none to open it again. (database/sql alone opens one per
// concurrent request, and keeps two idle: it closes and opens them again
// all the time.)
func TestPoolIsBounded(t *testing.T) {
	s, db, err := Open(context.Background(), pgtest.Database(t)+"&pool_max_conns=4")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	engine, err := sessionstore.New(s, sessionstore.Config{
		Secrets: [][]byte{storetest.SecretA}, Shared: sharedlock.New(s, 0, nil), Wait: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(storetest.CounterApp(engine))
	defer srv.Close()
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar}
			for range 3 { // a first visit, then two returning ones
				if status, _ := storetest.Get(t, client, srv.URL); status != http.StatusOK {
					t.Errorf("got %d, want 200", status)
				}
			}
		})
	}
	wg.Wait()
	stats := db.Stats()
	opened := int64(stats.OpenConnections) + stats.MaxIdleClosed + stats.MaxIdleTimeClosed +
		stats.MaxLifetimeClosed
	if opened > 4 {
		t.Errorf("192 visits opened %d connections (%+v), want at most the pool's 4", opened, stats)
	}
	if stats.MaxOpenConnections != 4 {
		t.Errorf("the pool's bound is %d, want pool_max_conns=4", stats.MaxOpenConnections)
	}
}

// TestPoolParameters: the pool's settings are read from DATABASE_URL, and
// a bad one stops Open with a message that names it.
func TestPoolParameters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	_, db, err := Open(context.Background(), "sqlite://"+path+"?pool_max_conns=3&pool_max_conn_idle_time=1m")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := db.Stats().MaxOpenConnections; n != 3 {
		t.Errorf("pool_max_conns=3: the pool holds %d", n)
	}
	_, db, err = Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := db.Stats().MaxOpenConnections; n != DefaultMaxConns {
		t.Errorf("by default the pool holds %d, want %d", n, DefaultMaxConns)
	}
	for _, bad := range []string{"pool_max_conns=0", "pool_max_conns=many", "pool_max_conn_idle_time=soon"} {
		if _, _, err := Open(context.Background(), "sqlite://"+path+"?"+bad); err == nil ||
			!strings.Contains(err.Error(), strings.Split(bad, "=")[0]) {
			t.Errorf("%s: got %v, want an error that names it", bad, err)
		}
	}
}

// TestMaintenanceTakesNoLockAVisitorWaitsFor: on PostgreSQL, a restart
// beside a reader of the whole table (a pg_dump) changes nothing and waits
// for nothing (ALTER TABLE would wait for the reader, and every session
// lookup behind it); a Create leaves the sweep to the background, even
// when an expired row it must delete is locked.
func TestMaintenanceTakesNoLockAVisitorWaitsFor(t *testing.T) {
	url := pgtest.Database(t)
	s, db, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := s.Create(ctx, "old", []byte("x"), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	dump, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dump.Rollback()
	if _, err := dump.Exec(`LOCK TABLE sessions IN ACCESS SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	if _, err := dump.Exec(`SELECT 1 FROM sessions WHERE id = 'old' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	// A deadline bounds the old way's wait; the check is the outcome.
	startCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	again, db2, err := Open(startCtx, url)
	if err != nil {
		t.Fatalf("a restart beside a reader: %v", err)
	}
	defer db2.Close()
	again.last = time.Time{} // a sweep is due
	if err := again.Create(startCtx, "new", []byte("x"), time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("a first visit while the sweep waits for a row: %v", err)
	}
	dump.Rollback()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, found, _ := again.Find(ctx, "old"); !found {
			break // the sweep went on once the row was free
		}
		if time.Now().After(deadline) {
			t.Fatal("the background sweep left an expired row")
		}
	}
}

// TestSweepInBatches: a sweep deletes more expired rows than one batch.
func TestSweepInBatches(t *testing.T) {
	s := openSQLite(t, filepath.Join(t.TempDir(), "s.db"))
	ctx, past := context.Background(), time.Now().Add(-time.Hour).UnixMilli()
	if _, err := s.db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
INSERT INTO sessions (id, data, expiry) SELECT 'x' || i, x'70', $1 FROM n`, past); err != nil {
		t.Fatal(err)
	}
	if err := s.Sweep(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	var left int
	s.db.QueryRow(`SELECT count(*) FROM sessions`).Scan(&left)
	if left != 0 {
		t.Errorf("%d expired rows left after a sweep", left)
	}
}

// TestTurnsQueueInPostgreSQL: requests of one session from different
// instances get their turns in the order they asked, as PostgreSQL queues
// them on the row's lock (polling served whoever tried at the right
// moment). Each waiter is seen waiting in pg_stat_activity before the next
// one asks.
func TestTurnsQueueInPostgreSQL(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	var stores []*Store
	for range 4 { // four instances
		s, db, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		stores = append(stores, s)
	}
	if err := stores[0].Create(ctx, "a", []byte("0"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, end, err := stores[0].Turn(ctx, "a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	waiting := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			var got int
			stores[0].db.QueryRow(`SELECT count(*) FROM pg_stat_activity
WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&got)
			if got == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d requests wait for the lock, want %d", got, n)
			}
		}
	}
	order := make(chan int, 3)
	ends := make(chan func() error, 3)
	for i := 1; i <= 3; i++ {
		go func() {
			_, end, err := stores[i].Turn(ctx, "a", time.Minute)
			if err != nil {
				t.Error(err)
			}
			order <- i
			ends <- end
		}()
		waiting(i)
	}
	end()
	for want := 1; want <= 3; want++ {
		if got := <-order; got != want {
			t.Errorf("instance %d got the turn, want instance %d (first come, first served)", got, want)
		}
		(<-ends)()
	}
}

// TestSQLiteLeaseFencesALateWriter: on SQLite, a holder whose lease ran
// out cannot overwrite what the next holder wrote.
func TestSQLiteLeaseFencesALateWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	a, b, ctx := openSQLite(t, path), openSQLite(t, path), context.Background()
	if err := a.Create(ctx, "x", []byte("1"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	inA, _, err := a.Turn(ctx, "x", time.Millisecond) // it stalls past its lease
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	inB, endB, err := b.Turn(waitCtx, "x", time.Minute) // waits for the lease to run out
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Update(inB(ctx), "x", []byte("2"), time.Now().Add(time.Hour)); !ok || err != nil {
		t.Fatalf("B's write: %v, %v", ok, err)
	}
	endB()
	if ok, err := a.Update(inA(ctx), "x", []byte("stale"), time.Now().Add(time.Hour)); ok || err == nil {
		t.Errorf("A's write after its lease ran out: got %v, %v, want it refused", ok, err)
	}
	if data, _, _ := a.Find(ctx, "x"); string(data) != "2" {
		t.Errorf("the session holds %q, want B's 2", data)
	}
}

// TestTurnTakenAtTheDeadlineIsGivenBack: a turn granted as the caller's
// deadline passes is given back at once (sharedlock checks), on every SQL
// store: the next request gets it without waiting for a lease.
func TestTurnTakenAtTheDeadlineIsGivenBack(t *testing.T) {
	for _, tc := range []struct{ name, url string }{
		{"sqlite", "sqlite://" + filepath.Join(t.TempDir(), "sessions.db")},
		{"postgres", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url
			if url == "" {
				url = pgtest.Database(t)
			}
			s, db, err := Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// PostgreSQL locks the session's row: without one, nothing is held.
			err = s.Create(context.Background(), "a", []byte("p"), time.Now().Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			late, cancelLate := context.WithCancel(context.Background())
			lock := sharedlock.New(lateStorage{s, cancelLate}, 0, nil)
			if _, _, err := lock.Lock(late, "a"); err == nil {
				t.Fatal("Lock: got no error after its context ended")
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if _, end, err := s.Turn(ctx, "a", time.Minute); err != nil {
				t.Errorf("the next turn: %v, want it free", err)
			} else {
				end()
			}
		})
	}
}

// lateStorage's turns are granted as their caller's context ends.
type lateStorage struct {
	s      *Store
	cancel context.CancelFunc
}

func (l lateStorage) Turn(ctx context.Context, id string, lease time.Duration) (
	func(context.Context) context.Context, func() error, error) {
	in, end, err := l.s.Turn(ctx, id, lease)
	l.cancel()
	return in, end, err
}

// TestDeleteInATurnIsCommitted: on PostgreSQL, a Delete in the session's
// turn (a logout) is committed before it returns, not when the turn is
// given back after the handler answered, where a failure is only logged.
func TestDeleteInATurnIsCommitted(t *testing.T) {
	url, ctx := pgtest.Database(t), context.Background()
	var stores []*Store
	for range 2 { // two instances
		s, db, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		stores = append(stores, s)
	}
	if err := stores[0].Create(ctx, "a", []byte("p"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	in, end, err := stores[0].Turn(ctx, "a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer end()
	if err := stores[0].Delete(in(ctx), "a"); err != nil {
		t.Fatal(err)
	}
	if _, found, err := stores[1].Find(ctx, "a"); err != nil || found {
		t.Errorf("after Delete returned, another instance finds the session: %v, %v", found, err)
	}
}

// TestCreateInATurnIsCommitted: on PostgreSQL, a Create in a turn (the
// session's record was gone, so the visitor gets a new one) is committed
// before it returns, not after the handler answered with its cookie.
func TestCreateInATurnIsCommitted(t *testing.T) {
	url, ctx := pgtest.Database(t), context.Background()
	var stores []*Store
	for range 2 { // two instances
		s, db, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		stores = append(stores, s)
	}
	in, end, err := stores[0].Turn(ctx, "gone", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer end()
	err = stores[0].Create(in(ctx), "new", []byte("p"), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, found, err := stores[1].Find(ctx, "new"); err != nil || !found {
		t.Errorf("after Create returned, another instance finds nothing: %v, %v", found, err)
	}
}

// TestFailedReleaseIsLogged: an SQLite turn given back when the file can
// no longer be written is logged at WARN, without the session's ID (its
// lease frees it later).
func TestFailedReleaseIsLogged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := OpenSQLite(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(context.Background(), db, false)
	if err != nil {
		t.Fatal(err)
	}
	var logs storetest.SyncBuffer
	s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	_, end, err := s.Turn(context.Background(), "secret-id", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := end(); err != nil {
		t.Fatal(err) // the release runs in the background
	}
	logs.WaitFor(t, "level=WARN msg=\"sqlstore: giving a session's turn back failed")
	if strings.Contains(logs.String(), "secret-id") {
		t.Errorf("the warning names the session: %s", logs.String())
	}
}

// TestUnreachableServerSaysSo: a PostgreSQL server that cannot be reached
// is named as such, not as a failure to create the tables.
func TestUnreachableServerSaysSo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	_, _, err = Open(context.Background(), "postgres://u@"+addr+"/x?sslmode=disable")
	if err == nil || !strings.HasPrefix(err.Error(), "connecting: ") {
		t.Errorf("got %v, want an error that starts with connecting:", err)
	}
}
