// Command docs serves the course's lessons as a small website:
//
//	go run ./docs        # then open http://localhost:8080 (PORT overrides)
//	go run ./docs -host 0.0.0.0   # serve other machines too (or DOCS_HOST=0.0.0.0)
//
// and keeps them true to the code:
//
//	go run ./docs -update   # rewrite the lessons' code blocks, diffs and tables from the files
//	go test ./docs -run Lessons -update   # re-record the lessons' transcripts: run the
//	                        # commands each page shows against the program it starts
//	go generate ./docs      # all of these, and the screenshots and store benchmarks
//	                        # (a few minutes; it rewrites tracked files)
//	go test ./internal/tooling/site -run Browser   # check the pages in Chromium at 390, 768 and
//	                        # 1280 px, light and dark (COURSE_SWEEP=full: every page;
//	                        # SITE_SCREENSHOTS=dir saves screenshots there)
//
// The lessons are the markdown files in this folder; they read just as well
// on a code host. Every block of code or output in them is generated (see
// blocks.go), and this package's tests fail when one is out of date.
package main

//go:generate go test . -run TestLessons -update
//go:generate go test ../step01-cookies -run BrowserCookieView -update
//go:generate go test ../step03-sessions -run BrowserFetchStoresAName -update
//go:generate go test ../step04-counter -run BrowserCounts42 -update
//go:generate go test ../step06-login -run BrowserCrossSiteFormPost -update
//go:generate go test ../step09-frontend -run BrowserFrontEnd -update
//go:generate go run . -bench
//go:generate go run . -update

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/go-sessions-course/echo-sessions/internal/tooling/site"
)

// content is the course: the lessons, their pictures and the site's style.
// Everything the site shows is in the binary; it needs no network.
//
//go:embed *.md images static
var content embed.FS

func main() {
	update := flag.Bool("update", false, "rewrite the generated blocks of every lesson and the benchmark chart, then exit")
	bench := flag.Bool("bench", false, "run the store benchmarks and save their output in "+site.BenchFile+", then exit")
	// The site shows the repository's files under /source/: by default only
	// this machine can read them.
	host := flag.String("host", defaultHost(),
		"the address to listen on (DOCS_HOST); 0.0.0.0 serves every machine that can reach this one")
	flag.Parse()
	if err := run(*update, *bench, *host); err != nil {
		fmt.Fprintln(os.Stderr, "docs:", err)
		os.Exit(1)
	}
}

// defaultHost is where the site listens unless -host says otherwise.
func defaultHost() string { return cmp.Or(os.Getenv("DOCS_HOST"), "localhost") }

// listen opens the site's port on host, and returns the URL to open. Any
// address but this machine's own is said in a warning.
func listen(host, port string, logger *slog.Logger) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, "", err
	}
	shown := host
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		shown = "localhost"
		logger.Warn("listening on every interface: other machines can read the lessons "+
			"and the repository's files", "host", host)
	}
	addr := net.JoinHostPort(shown, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	return ln, "http://" + addr + "/", nil
}

func run(update, bench bool, host string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, rootErr := site.FindRoot(filepath.ToSlash(wd), func(p string) bool { _, err := os.Stat(p); return err == nil })
	if update || bench {
		if rootErr != nil {
			return rootErr
		}
		if bench {
			return site.RunBenchmarks(root)
		}
		return site.Update(root)
	}

	port := "8080"
	if v := os.Getenv("PORT"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("PORT must be a number from 0 to 65535, got %q", v)
		}
		port = v
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var source fs.FS // the repository, for the source pages
	if rootErr != nil {
		logger.Warn("not inside the repository: the lessons work, their links to source files do not", "err", rootErr)
	} else {
		source = os.DirFS(root)
	}
	s, err := site.New(content, source)
	if err != nil {
		return err
	}
	// Ctrl-C is caught before the port opens: one pressed as soon as the
	// server answers still shuts it down cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, url, err := listen(host, port, logger)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	logger.Info("the course is at", "url", url)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
