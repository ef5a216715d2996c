// Command loadtest measures what a session costs, next to its peers. It runs,
// each in a process of its own:
//
//   - step04's counter, exactly as `go run ./step04-counter` does (its
//     defaults, its logging, its session lock);
//   - a bare Echo v4 app that answers the same sentence with no middleware
//     and no session;
//   - the same counter on alexedwards/scs v2 with its memory store;
//   - the counter as Echo's documentation writes it: echo-contrib's session
//     middleware over gorilla's CookieStore (see peers.go).
//
// It sends them the same load over loopback, in alternating rounds so that
// a noisy machine treats them alike, and prints requests per second and
// each one's share of the bare app's, for three kinds of traffic:
//
//   - many returning visitors: 1,000 sessions, each request carrying the
//     next one's cookie, which is what a site sees;
//   - one visitor: every request carries the same session cookie (in
//     step04 they take turns on the session), the worst case for a store
//     that counts every visit;
//   - first visits: no cookie, so every request creates a session. With
//     -prefill N each app first receives N first visits, so that first
//     visits are measured on a store that already holds N sessions.
//
// Every app runs with the steps' server timeouts (see limitServer); a last
// row shows the bare app without them.
//
// Run it from the repository root:
//
//	go run ./internal/tooling/loadtest                 # 64 connections, 5 rounds of 3s each
//	go run ./internal/tooling/loadtest -conns 16 -rounds 3 -duration 2s
//	go run ./internal/tooling/loadtest -prefill 300000
//
// With -memory it checks instead that step04's memory stays bounded: it
// runs the counter with SESSION_MAX_AGE=2 and sends waves of first-time
// visitors, each followed by a pause, printing the process's resident
// memory after each wave (Linux only). The memory store sweeps ended
// sessions at most once a minute (about ten waves), so the figure grows for
// that minute, then falls back and levels off instead of growing with
// every wave:
//
//	go run ./internal/tooling/loadtest -memory -waves 16
//
// With -stores it compares instead step05's shared stores with scs's own,
// on the servers it is given (see stores.go):
//
//	go run ./internal/tooling/loadtest -stores -rounds 3 \
//		-postgres 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//		-redis redis://127.0.0.1:6379/0
//
// The load generator runs on the same machine, so absolute numbers depend
// on it; the ratio is the figure to compare. It runs its Go code on one
// thread (-procs 1, like wrk -t1) and allocates nothing per request, so
// that it takes as little CPU as it can from the servers.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	serve := flag.String("serve", "", "internal: serve the app of this name (bare, scs or recipe) on -port")
	port := flag.String("port", "", "internal: with -serve, the port")
	noLimits := flag.Bool("no-limits", false, "internal: with -serve, leave out the steps' server limits")
	conns := flag.Int("conns", 64, "concurrent keep-alive connections")
	rounds := flag.Int("rounds", 5, "rounds per target; the median is reported")
	duration := flag.Duration("duration", 3*time.Second, "length of one round")
	memory := flag.Bool("memory", false, "measure step04's memory under waves of first-time visitors instead")
	waves := flag.Int("waves", 16, "with -memory: how many waves (more than a minute's, to see a sweep)")
	prefill := flag.Int("prefill", 0, "first visits sent to each app before measuring, to fill its store")
	stores := flag.Bool("stores", false,
		"compare step05's shared stores with scs's instead (see stores.go)")
	pgURL := flag.String("postgres", "",
		"with -stores: a PostgreSQL server's URL (its loadtest_* databases are made again)")
	redisURL := flag.String("redis", "", "with -stores: a Redis URL (its database is flushed)")
	only := flag.String("only", "", "with -stores: only these stores (sqlite,postgres,redis)")
	flag.StringVar(&serveDSN, "dsn", "", "internal: with -serve scs-*, the store's URL")
	procs := flag.Int("procs", 1, "threads running the load generator's Go code (GOMAXPROCS); 1, like wrk -t1, leaves the servers the most CPU")
	flag.Parse()
	if *serve != "" {
		e := apps[*serve]()
		if !*noLimits {
			limitServer(e.Server)
		}
		log.Fatal(e.Start("127.0.0.1:" + *port))
	}
	runtime.GOMAXPROCS(*procs) // the load generator only: the servers are other processes
	removeOnInterrupt()
	run := func() error { return compare(*conns, *rounds, *prefill, *duration) }
	if *memory {
		run = func() error { return memoryWaves(*conns, *waves, *duration) }
	}
	if *stores {
		run = func() error { return compareStores(*conns, *rounds, *duration, *pgURL, *redisURL, *only) }
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// tempDirs are the folders this run made, which Ctrl-C removes too.
var tempDirs struct {
	sync.Mutex
	list []string
}

// tempDir is os.MkdirTemp, remembered for removeOnInterrupt.
func tempDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err == nil {
		tempDirs.Lock()
		tempDirs.list = append(tempDirs.list, dir)
		tempDirs.Unlock()
	}
	return dir, err
}

// removeOnInterrupt removes the run's folders when Ctrl-C or SIGTERM stops
// it, since the deferred removals never run then. They hold built programs
// and databases, hundreds of megabytes. Ctrl-C in a terminal stops the
// servers it started too (they are in its process group); a signal sent to
// this process alone leaves them to be stopped by hand.
func removeOnInterrupt() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-c
		tempDirs.Lock()
		for _, dir := range tempDirs.list {
			os.RemoveAll(dir)
		}
		os.Exit(130) // as a shell reports a program that Ctrl-C stopped
	}()
}

// limitServer sets the same limits as every step's limitServer (timeouts
// and a header size limit). They are not middleware and have nothing to do
// with sessions, but net/http then sets a real deadline on the connection
// several times per request, which costs a little CPU. The baseline carries
// them too, so that the ratio measures the session alone; the loadtest also
// reports the bare app without them.
func limitServer(s *http.Server) {
	s.ReadHeaderTimeout = 5 * time.Second
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.IdleTimeout = 60 * time.Second
	s.MaxHeaderBytes = 128 << 10
}

// buildCounter builds step04 into a temporary folder, and returns the
// binary's path and a function that removes the folder.
func buildCounter() (string, func(), error) {
	dir, err := tempDir("loadtest")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	bin := filepath.Join(dir, "step04-counter")
	fmt.Fprintln(os.Stderr, "building ./step04-counter ...")
	if out, err := exec.Command("go", "build", "-o", bin, "./step04-counter").CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("go build ./step04-counter (run this from the repository root): %v\n%s", err, out)
	}
	return bin, cleanup, nil
}

// memoryWaves runs step04 with SESSION_MAX_AGE=2 and prints its resident
// memory after each wave of first-time visitors and the pause after it.
func memoryWaves(conns, waves int, duration time.Duration) error {
	counterBin, cleanup, err := buildCounter()
	if err != nil {
		return err
	}
	defer cleanup()
	port := freePort()
	cmd := exec.Command(counterBin)
	cmd.Env = append(os.Environ(), "PORT="+port, "SESSION_MAX_AGE=2")
	counter, err := start(cmd, port)
	if err != nil {
		return err
	}
	defer stop(counter)
	fmt.Printf("%s, %s/%s; step04 with SESSION_MAX_AGE=2; %d connections of first visits for %v, then a 3s pause\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, conns, duration)
	fmt.Printf("%-6s %14s %14s\n", "wave", "new sessions", "resident MiB")
	for w := range waves {
		rps, err := load("127.0.0.1:"+port, mode{}, conns, duration)
		if err != nil {
			return err
		}
		time.Sleep(3 * time.Second) // the sweep runs every 2s with this MaxAge
		rss, err := residentMiB(counter.Process.Pid)
		if err != nil {
			return err
		}
		fmt.Printf("%-6d %14.0f %14.1f\n", w+1, rps*duration.Seconds(), rss)
	}
	return nil
}

// residentMiB reads a process's resident set size from /proc.
func residentMiB(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading memory use (Linux only): %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) / 1024, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

func compare(conns, rounds, prefill int, duration time.Duration) error {
	counterBin, cleanup, err := buildCounter()
	if err != nil {
		return err
	}
	defer cleanup()
	self, err := os.Executable()
	if err != nil {
		return err
	}

	counterPort := freePort()
	counterCmd := exec.Command(counterBin)
	counterCmd.Env = append(os.Environ(), "PORT="+counterPort)
	counter, err := start(counterCmd, counterPort)
	if err != nil {
		return err
	}
	defer stop(counter)
	addrs := map[string]string{"step04": "127.0.0.1:" + counterPort}
	pids := map[string]int{"step04": counter.Process.Pid}
	for _, name := range []string{"bare", "scs", "recipe", "bare, no limits"} {
		port := freePort()
		args := []string{"-serve", strings.TrimSuffix(name, ", no limits"), "-port", port}
		if strings.HasSuffix(name, "no limits") {
			args = append(args, "-no-limits")
		}
		app, err := start(exec.Command(self, args...), port)
		if err != nil {
			return err
		}
		defer stop(app)
		addrs[name], pids[name] = "127.0.0.1:"+port, app.Process.Pid
	}

	type target struct {
		name, addr string
		mode       mode
	}
	targets := []target{{"bare Echo", addrs["bare"], mode{}}}
	for _, app := range []struct{ name, label string }{
		{"step04", "step04"}, {"scs", "scs"}, {"recipe", "Echo docs' recipe"},
	} {
		var cookies []string
		var many [][]byte
		for range 1000 {
			cookie, err := firstCookie(addrs[app.name])
			if err != nil {
				return fmt.Errorf("%s: %w", app.name, err)
			}
			cookies, many = append(cookies, cookie), append(many, request(cookie))
		}
		if prefill > 0 {
			if err := fill(addrs[app.name], prefill, conns); err != nil {
				return fmt.Errorf("%s: %w", app.name, err)
			}
		}
		targets = append(targets,
			target{app.label + ", many visitors", addrs[app.name], mode{many: many, next: new(atomic.Int64)}},
			target{app.label + ", one visitor", addrs[app.name], mode{cookie: cookies[0]}},
			target{app.label + ", first visits", addrs[app.name], mode{}})
	}
	targets = append(targets, target{"bare Echo, no limits", addrs["bare, no limits"], mode{}})
	fmt.Printf("%s, %s/%s, %d CPUs; %d connections, %d rounds of %v per target, interleaved; %d sessions prefilled\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), conns, rounds, duration, prefill)
	results := make([][]float64, len(targets))
	for r := range rounds {
		for i, t := range targets {
			rps, err := load(t.addr, t.mode, conns, duration)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			results[i] = append(results[i], rps)
		}
		fmt.Fprintf(os.Stderr, "round %d/%d:", r+1, rounds)
		for i := range targets {
			fmt.Fprintf(os.Stderr, " %.0f", results[i][r])
		}
		fmt.Fprintln(os.Stderr, " requests/s")
	}
	// Each round's ratio compares two runs a few seconds apart, so a slow
	// spell of the machine affects both; the median of those ratios is
	// steadier than the ratio of the medians.
	// The spread, the lowest and the highest of those ratios, says how far
	// one figure can be trusted on this machine.
	fmt.Printf("%-32s %12s %8s %12s\n", "target", "requests/s", "ratio", "spread")
	for i, t := range targets {
		ratios := make([]float64, rounds)
		for r := range rounds {
			ratios[r] = results[i][r] / results[0][r]
		}
		fmt.Printf("%-32s %12.0f %8.2f %12s\n", t.name, median(results[i]), median(ratios),
			fmt.Sprintf("%.2f-%.2f", slices.Min(ratios), slices.Max(ratios)))
	}
	fmt.Println("requests/s: the median round; ratio: the median of each round's ratio to bare Echo;")
	fmt.Println("spread: the lowest and the highest of those ratios")
	for _, name := range []string{"bare", "step04", "scs", "recipe"} {
		if rss, err := residentMiB(pids[name]); err == nil {
			fmt.Printf("resident memory after the rounds, %-7s %6.1f MiB\n", name+":", rss)
		}
	}
	return nil
}

// mode says which cookie each request carries.
type mode struct {
	cookie  string        // the same cookie on every request
	perConn bool          // each connection keeps the cookie it was given
	many    [][]byte      // requests with many visitors' cookies, taken in turn
	next    *atomic.Int64 // with many: the next one to send
	// non2xx, if set, counts answers other than 2xx instead of failing on
	// them, and ok counts the others.
	non2xx, ok *atomic.Int64
}

// fill sends n first visits to addr over conns connections.
func fill(addr string, n, conns int) error {
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for c := range conns {
		wg.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			r, req := bufio.NewReader(conn), request("")
			for i := c; i < n; i += conns {
				if _, err := conn.Write(req); err != nil {
					errs <- err
					return
				}
				if _, err := readResponse(r, false, false); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// load keeps conns connections busy for d and returns requests per second.
// Every response must be a 200.
func load(addr string, m mode, conns int, d time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	start := time.Now()
	for range conns {
		wg.Go(func() {
			n, err := client(ctx, addr, m)
			done.Add(n)
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(done.Load()) / elapsed.Seconds(), nil
}

// client sends GET / over one keep-alive connection until ctx ends, and
// returns how many responses it read. It allocates nothing per request
// (unless the server sends a new cookie), so that the load generator takes
// as little of the machine as it can from the servers it measures.
func client(ctx context.Context, addr string, m mode) (int64, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	req := request(m.cookie)
	var n int64
	for ctx.Err() == nil {
		if m.many != nil {
			req = m.many[int(m.next.Add(1))%len(m.many)]
		}
		if _, err := conn.Write(req); err != nil {
			return n, err
		}
		setCookie, err := readResponse(r, m.perConn, m.non2xx != nil)
		switch {
		case errors.Is(err, errNot2xx):
			m.non2xx.Add(1)
		case err != nil:
			return n, err
		case m.ok != nil:
			m.ok.Add(1)
		}
		if m.perConn && setCookie != "" {
			req = request(setCookie)
		}
		n++
	}
	return n, nil
}

// request returns the bytes of GET / with the cookie, if any.
func request(cookie string) []byte {
	req := "GET / HTTP/1.1\r\nHost: localhost\r\n"
	if cookie != "" {
		req += "Cookie: " + cookie + "\r\n"
	}
	return []byte(req + "\r\n")
}

// errNot2xx: with countNon2xx, a response that is read whole but is not a 2xx.
var errNot2xx = errors.New("not a 2xx answer")

// readResponse reads one response and, if wantCookie, returns its
// Set-Cookie name=value. An answer other than 200 is an error, or with
// countNon2xx, one other than 2xx is errNot2xx once read whole.
func readResponse(r *bufio.Reader, wantCookie, countNon2xx bool) (string, error) {
	status, err := r.ReadSlice('\n')
	if err != nil {
		return "", err
	}
	var bad error
	switch {
	case countNon2xx && !bytes.HasPrefix(status, []byte("HTTP/1.1 2")):
		bad = errNot2xx
	case !countNon2xx && !bytes.HasPrefix(status, []byte("HTTP/1.1 200")):
		return "", fmt.Errorf("unexpected response %q", bytes.TrimSpace(status))
	}
	length, setCookie := -1, ""
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return "", err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(": "))
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length = 0
			for _, d := range value {
				if d < '0' || d > '9' {
					return "", fmt.Errorf("bad Content-Length %q", value)
				}
				length = length*10 + int(d-'0')
			}
		case wantCookie && bytes.EqualFold(name, []byte("Set-Cookie")):
			c, _, _ := bytes.Cut(value, []byte(";"))
			setCookie = string(c)
		}
	}
	if length < 0 {
		return "", errors.New("response without Content-Length")
	}
	if _, err = r.Discard(length); err != nil {
		return "", err
	}
	return setCookie, bad
}

// firstCookie makes one first visit to the app at addr and returns its
// session cookie.
func firstCookie(addr string) (string, error) {
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		return c.Name + "=" + c.Value, nil
	}
	return "", errors.New("the app set no cookie")
}

func start(cmd *exec.Cmd, port string) (*exec.Cmd, error) {
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			return cmd, nil
		}
	}
	stop(cmd)
	return nil, fmt.Errorf("%s did not start listening on port %s", cmd.Path, port)
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Kill() // it may have exited already
	_ = cmd.Wait()         // a killed process reports an error by design
}

func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
