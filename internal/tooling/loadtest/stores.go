package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	scsredis "github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/gomodule/redigo/redis"
	"github.com/labstack/echo/v4"
	goredis "github.com/redis/go-redis/v9"

	"github.com/go-sessions-course/echo-sessions/sessionstore/sqlstore"
)

// The shared stores' comparison (-stores): step05 with -store=postgres,
// redis and sqlite, next to scs v2 with its own postgresstore and
// redisstore on the same servers. scs's sqlite3store needs cgo
// (mattn/go-sqlite3) and is not among this project's modules: on SQLite,
// scs runs over scsSQLite, the same three statements on modernc.org/sqlite.
// Both apps' SQL pools hold the same ten connections, step05's default.

// serveDSN is the store's URL for -serve scs-postgres, scs-redis, scs-sqlite.
var serveDSN string

const scsPool = 10

func init() {
	apps["scs-postgres"] = func() *echo.Echo {
		db, err := sql.Open("pgx", serveDSN)
		if err != nil {
			panic(err)
		}
		db.SetMaxOpenConns(scsPool)
		db.SetMaxIdleConns(scsPool)
		return scsAppWith(postgresstore.New(db))
	}
	apps["scs-redis"] = func() *echo.Echo {
		pool := &redis.Pool{MaxIdle: 64, Dial: func() (redis.Conn, error) {
			return redis.DialURL(serveDSN)
		}}
		return scsAppWith(scsredis.New(pool))
	}
	apps["scs-sqlite"] = func() *echo.Echo {
		db, err := sqlstore.OpenSQLite(serveDSN, 5*time.Second)
		if err != nil {
			panic(err)
		}
		db.SetMaxOpenConns(scsPool)
		db.SetMaxIdleConns(scsPool)
		return scsAppWith(scsSQLite{db})
	}
}

// scsAppWith is scsApp over another store.
func scsAppWith(store scs.Store) *echo.Echo {
	sessionManager := scs.New()
	sessionManager.Store = store
	e := newEcho()
	e.Use(echo.WrapMiddleware(sessionManager.LoadAndSave))
	e.GET("/", func(c echo.Context) error {
		ctx := c.Request().Context()
		views := sessionManager.GetInt(ctx, "page_views")
		sessionManager.Put(ctx, "page_views", views+1)
		return c.String(200, message(views+1))
	})
	return e
}

// scsSQLite is scs's sqlite3store (its table and statements) over
// modernc.org/sqlite, with step05's pragmas (WAL, a busy wait).
type scsSQLite struct{ db *sql.DB }

func (s scsSQLite) Find(token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.QueryRow(`SELECT data FROM sessions WHERE token = $1 AND julianday('now') < expiry`,
		token).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (s scsSQLite) Commit(token string, b []byte, expiry time.Time) error {
	_, err := s.db.Exec(`REPLACE INTO sessions (token, data, expiry) VALUES ($1, $2, julianday($3))`,
		token, b, expiry.UTC().Format("2006-01-02T15:04:05.999"))
	return err
}

func (s scsSQLite) Delete(token string) error {
	_, err := s.db.Exec(`DELETE FROM sessions WHERE token = $1`, token)
	return err
}

// storeSide is one app on one store.
type storeSide struct {
	store, app string // "postgres", "step05" or "scs"
	addr       string
	database   string // PostgreSQL: the database it uses, for the connection counts
	cookies    [][]byte
	one        string
	peakConns  atomic.Int64
}

// compareStores runs the comparison on the stores whose servers are
// given (SQLite always: a temporary folder).
func compareStores(conns, rounds int, duration time.Duration, pgURL, redisURL, only string) error {
	dir, err := tempDir("loadtest-stores")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "step05-stores")
	fmt.Fprintln(os.Stderr, "building ./step05-stores ...")
	if out, err := exec.Command("go", "build", "-o", bin, "./step05-stores").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./step05-stores (run this from the repository root): %v\n%s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	type setup struct{ store, courseURL, scsDSN, courseDB, scsDB string }
	setups := []setup{{store: "sqlite", courseURL: "sqlite://" + filepath.Join(dir, "course.db"),
		scsDSN: filepath.Join(dir, "scs.db")}}
	if err := scsSQLiteTable(filepath.Join(dir, "scs.db")); err != nil {
		return err
	}
	var admin *sql.DB
	if pgURL != "" {
		admin, err = sql.Open("pgx", pgURL)
		if err != nil {
			return err
		}
		defer admin.Close()
		course, scsURL, err := pgDatabases(admin, pgURL)
		if err != nil {
			return err
		}
		setups = append(setups, setup{"postgres", course, scsURL, "loadtest_course", "loadtest_scs"})
	}
	if redisURL != "" {
		opts, err := goredis.ParseURL(redisURL)
		if err != nil {
			return err
		}
		c := goredis.NewClient(opts)
		err = c.FlushDB(context.Background()).Err()
		c.Close()
		if err != nil {
			return fmt.Errorf("flushing the loadtest's Redis database: %w", err)
		}
		setups = append(setups, setup{store: "redis", courseURL: redisURL, scsDSN: redisURL})
	}
	var sides []*storeSide
	for _, st := range setups {
		if only != "" && !slices.Contains(strings.Split(only, ","), st.store) {
			continue
		}
		port := freePort()
		cmd := exec.Command(bin, "-store="+st.store)
		cmd.Env = append(os.Environ(), "PORT="+port, "LOG_LEVEL=warn",
			"DATABASE_URL="+st.courseURL, "REDIS_URL="+st.courseURL)
		course, err := start(cmd, port)
		if err != nil {
			return fmt.Errorf("step05 -store=%s: %w", st.store, err)
		}
		defer stop(course)
		sides = append(sides, &storeSide{store: st.store, app: "step05", addr: "127.0.0.1:" + port,
			database: st.courseDB})
		port = freePort()
		app, err := start(exec.Command(self, "-serve", "scs-"+st.store, "-port", port,
			"-dsn", st.scsDSN), port)
		if err != nil {
			return fmt.Errorf("scs on %s: %w", st.store, err)
		}
		defer stop(app)
		sides = append(sides, &storeSide{store: st.store, app: "scs", addr: "127.0.0.1:" + port,
			database: st.scsDB})
	}
	for _, s := range sides {
		for range 1000 {
			cookie, err := firstCookie(s.addr)
			if err != nil {
				return fmt.Errorf("%s on %s: %w", s.app, s.store, err)
			}
			s.cookies = append(s.cookies, request(cookie))
		}
		if s.one, err = firstCookie(s.addr); err != nil {
			return err
		}
	}
	stopSampling := sampleConnections(admin, sides)
	kinds := []string{"many returning visitors", "first visits", "one visitor, 64 connections"}
	rps := make(map[*storeSide][][]float64)
	non2xx := make(map[*storeSide]int64)
	sent, counted := make(map[*storeSide]int64), make(map[*storeSide]int64)
	fmt.Printf("%s, %s/%s, %d CPUs; %d connections, %d rounds of %v per target, interleaved\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), conns, rounds, duration)
	for r := range rounds {
		for _, s := range sides {
			if rps[s] == nil {
				rps[s] = make([][]float64, len(kinds))
			}
			for k := range kinds {
				m := mode{non2xx: new(atomic.Int64), ok: new(atomic.Int64)}
				var before int
				switch k {
				case 0:
					m.many, m.next = s.cookies, new(atomic.Int64)
				case 2:
					m.cookie = s.one
					if before, err = visits(s.addr, s.one); err != nil {
						return err
					}
				}
				n, err := load(s.addr, m, conns, duration)
				if err != nil {
					return fmt.Errorf("%s on %s, %s: %w", s.app, s.store, kinds[k], err)
				}
				rps[s][k] = append(rps[s][k], n)
				non2xx[s] += m.non2xx.Load()
				if k == 2 {
					after, err := visits(s.addr, s.one)
					if err != nil {
						return err
					}
					sent[s] += m.ok.Load()
					counted[s] += int64(after - before - 1)
				}
			}
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done\n", r+1, rounds)
	}
	stopSampling()
	opened := map[string]int64{}
	if admin != nil {
		opened, err = sessionsOpened(admin)
		if err != nil {
			return err
		}
	}
	fmt.Printf("%-9s %-7s %12s %12s %12s %7s %16s %14s\n", "store", "app", "many req/s",
		"first req/s", "one req/s", "non-2xx", "one's counted", "PG conns")
	for _, s := range sides {
		pg := "-"
		if s.database != "" {
			pg = fmt.Sprintf("%d (peak %d)", opened[s.database], s.peakConns.Load())
		}
		share := 0.0
		if sent[s] > 0 {
			share = 100 * float64(counted[s]) / float64(sent[s])
		}
		fmt.Printf("%-9s %-7s %12.0f %12.0f %12.0f %7d %8d/%d=%3.0f%% %14s\n", s.store, s.app,
			median(rps[s][0]), median(rps[s][1]), median(rps[s][2]), non2xx[s],
			counted[s], sent[s], share, pg)
	}
	fmt.Println("req/s: the median round; non-2xx: over every round; one's counted: the one visitor's")
	fmt.Println("visits the app counted, of those it answered 2xx; PG conns: connections opened over")
	fmt.Println("the run (pg_stat_database.sessions), and the most open at once (pg_stat_activity)")
	return nil
}

// visits asks the counter how many visits the session counted so far, by
// making one more.
func visits(addr, cookie string) (int, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.Write(request(cookie)); err != nil {
		return 0, err
	}
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		if line == "\r\n" {
			break
		}
	}
	body := make([]byte, 64)
	n, _ := r.Read(body)
	text := string(body[:n])
	if strings.HasPrefix(text, "Welcome") {
		return 1, nil
	}
	var views int
	if _, err := fmt.Sscanf(text, "You visited this page %d times", &views); err != nil {
		return 0, fmt.Errorf("unexpected answer %q", text)
	}
	return views, nil
}

func scsSQLiteTable(path string) error {
	db, err := sqlstore.OpenSQLite(path, 5*time.Second)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(`CREATE TABLE sessions (token TEXT PRIMARY KEY, data BLOB NOT NULL,
expiry REAL NOT NULL); CREATE INDEX sessions_expiry_idx ON sessions(expiry)`)
	return err
}

// pgDatabases makes two empty databases on the server, one per app, and
// returns their URLs; scs's gets the table its README gives.
func pgDatabases(admin *sql.DB, pgURL string) (string, string, error) {
	var urls []string
	for _, name := range []string{"loadtest_course", "loadtest_scs"} {
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name); err != nil {
			return "", "", err
		}
		if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
			return "", "", err
		}
		u, err := url.Parse(pgURL)
		if err != nil {
			return "", "", err
		}
		u.Path = "/" + name
		urls = append(urls, u.String())
	}
	db, err := sql.Open("pgx", urls[1])
	if err != nil {
		return "", "", err
	}
	defer db.Close()
	_, err = db.Exec(`CREATE TABLE sessions (token TEXT PRIMARY KEY, data BYTEA NOT NULL,
expiry TIMESTAMPTZ NOT NULL); CREATE INDEX sessions_expiry_idx ON sessions (expiry)`)
	return urls[0], urls[1], err
}

// sampleConnections notes, every 50ms until the returned func is called,
// the most connections each PostgreSQL side had open at once.
func sampleConnections(admin *sql.DB, sides []*storeSide) func() {
	if admin == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			for _, s := range sides {
				if s.database == "" {
					continue
				}
				var n int64
				err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
WHERE datname = $1`, s.database).Scan(&n)
				if err == nil && n > s.peakConns.Load() {
					s.peakConns.Store(n)
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	return func() { cancel(); wg.Wait() }
}

// sessionsOpened reads how many connections each loadtest database took,
// once its backends have reported (a second after the rounds).
func sessionsOpened(admin *sql.DB) (map[string]int64, error) {
	time.Sleep(1500 * time.Millisecond)
	if _, err := admin.Exec(`SELECT pg_stat_clear_snapshot()`); err != nil {
		return nil, err
	}
	rows, err := admin.Query(`SELECT datname, sessions FROM pg_stat_database
WHERE datname LIKE 'loadtest_%'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	opened := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, err
		}
		opened[name] = n
	}
	return opened, rows.Err()
}
