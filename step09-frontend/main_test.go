package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	t.Run("defaults", func(t *testing.T) {
		cfg, err := loadConfig(nil, env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Store != "sqlite" || cfg.Port != "3000" || !cfg.DevSecret ||
			cfg.MaxAge != 86400 || cfg.Lifetime != 30*86400 ||
			cfg.DatabaseURL != "sqlite://"+defaultDatabase() ||
			cfg.FrontendPort != "5173" || cfg.FrontendOrigin != "" || cfg.Remember != 30*86400 {
			t.Errorf("got %+v", cfg)
		}
	})
	t.Run("environment", func(t *testing.T) {
		cfg, err := loadConfig(nil, env(map[string]string{
			"SESSION_STORE": "postgres", "DATABASE_URL": "postgres://app@db:5432/app",
			"SESSION_SECRET": testSecret, "SESSION_PREVIOUS_SECRET": otherSecret,
		}))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Store != "postgres" || cfg.DatabaseURL != "postgres://app@db:5432/app" ||
			string(cfg.Secret) != testSecret || string(cfg.PreviousSecret) != otherSecret || cfg.DevSecret {
			t.Errorf("got %+v", cfg)
		}
	})
	t.Run("the front end", func(t *testing.T) {
		cfg, err := loadConfig(nil, env(map[string]string{
			"FRONTEND_PORT": "8000", "FRONTEND_ORIGIN": "https://app.example.com/",
			"SESSION_REMEMBER": "3600",
		}))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.FrontendPort != "8000" || cfg.FrontendOrigin != "https://app.example.com" ||
			cfg.Remember != 3600 {
			t.Errorf("got %+v", cfg)
		}
	})
	t.Run("the flag wins over SESSION_STORE", func(t *testing.T) {
		cfg, err := loadConfig([]string{"-store=sqlite"},
			env(map[string]string{"SESSION_STORE": "postgres"}))
		if err != nil || cfg.Store != "sqlite" {
			t.Errorf("got %q, %v; want sqlite", cfg.Store, err)
		}
	})
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown store flag", []string{"-store=mongo"}, nil,
			`unknown session store "mongo": choose sqlite or postgres`},
		{"the filesystem store", []string{"-store=filesystem"}, nil,
			"gorilla's FilesystemStore is not offered here: use -store=sqlite"},
		{"the memory store", []string{"-store=memory"}, nil,
			"-store=memory: this step lists and ends an account's sessions with one query " +
				"on the table that holds them, next to the accounts: " +
				"choose sqlite (the default) or postgres"},
		{"the Redis store", nil, map[string]string{"SESSION_STORE": "redis"},
			"-store=redis: this step lists"},
		{"the cookie store", []string{"-store=cookie"}, nil, "-store=cookie: this step lists"},
		{"unknown store env", nil, map[string]string{"SESSION_STORE": "Memory"},
			`unknown session store "Memory"`},
		{"postgres without its URL", []string{"-store=postgres"}, nil, "DATABASE_URL must be"},
		{"a password in a bad URL", []string{"-store=postgres"},
			map[string]string{"DATABASE_URL": "postgresql://ada:s3cret@db/app"},
			`got "postgresql://ada:xxxxx@db/app"`},
		{"unknown flag", []string{"-stroe=redis"}, nil, "flag provided but not defined: -stroe"},
		{"short previous secret", nil, map[string]string{"SESSION_PREVIOUS_SECRET": "old"},
			"SESSION_PREVIOUS_SECRET"},
		{"bad max age", nil, map[string]string{"SESSION_MAX_AGE": "-5"},
			"SESSION_MAX_AGE must be a whole number of seconds from 1 to 34560000"},
		{"max age past int64 seconds", nil, map[string]string{"SESSION_MAX_AGE": "9223372037"},
			"SESSION_MAX_AGE must be a whole number of seconds from 1 to 34560000"},
		{"bad lifetime", nil, map[string]string{"SESSION_LIFETIME": "a week"},
			"SESSION_LIFETIME must be a whole number of seconds from 1 to 34560000"},
		{"bad port", nil, map[string]string{"PORT": "http"}, "PORT"},
		{"bad front end port", nil, map[string]string{"FRONTEND_PORT": "vite"},
			"FRONTEND_PORT must be a number from 0 to 65535"},
		{"an origin with a path", nil, map[string]string{"FRONTEND_ORIGIN": "http://localhost:5173/app"},
			"FRONTEND_ORIGIN must be an origin"},
		{"an origin without a scheme", nil, map[string]string{"FRONTEND_ORIGIN": "localhost:5173"},
			"FRONTEND_ORIGIN must be an origin"},
		{"the star", nil, map[string]string{"FRONTEND_ORIGIN": "*"},
			"FRONTEND_ORIGIN must be an origin"},
		{"bad remember", nil, map[string]string{"SESSION_REMEMBER": "30d"},
			"SESSION_REMEMBER must be a whole number of seconds"},
		{"remember past the lifetime", nil, map[string]string{"SESSION_LIFETIME": "86400"},
			"SESSION_REMEMBER (2592000) must not be longer than SESSION_LIFETIME (86400)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(tt.args, env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer that the server's goroutines and the test can
// share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRun starts the real program with -store=sqlite on a free port,
// reads its URL from the log, visits it, and stops it as Ctrl-C does.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	env := map[string]string{"LOG_LEVEL": "debug", "PORT": "0", "FRONTEND_PORT": "0",
		"DATABASE_URL": "sqlite://" + dir + "/s.db"}
	go func() {
		done <- run(ctx, []string{"-store=sqlite"}, func(k string) string { return env[k] }, &logs)
	}()

	urlRE := regexp.MustCompile(`url=(http://localhost:\d+)`)
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); {
		if m := urlRE.FindStringSubmatch(logs.String()); m != nil {
			url = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if url == "" {
		cancel()
		t.Fatalf("no URL in the log:\n%s", logs.String())
	}
	get := func(u string) string {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(body)
	}
	if body := get(url + "/api/me"); body != `{"error":"You are not logged in."}`+"\n" {
		t.Errorf("got %q, want the API's 401", body)
	}
	page := regexp.MustCompile(`page=(http://localhost:\d+)`).FindStringSubmatch(logs.String())
	if page == nil {
		t.Fatalf("no front end in the log:\n%s", logs.String())
	}
	if body := get(page[1]); !strings.Contains(body, `<meta name="api" content="`+url+`">`) {
		t.Errorf("got %q, want the front end, pointing at the API", body)
	}
	trusts := "trusts=" + page[1]
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after shutdown, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	for _, want := range []string{
		"SESSION_SECRET is not set", `msg="database: sqlite" url=sqlite://` + dir + "/s.db",
		"level=DEBUG msg=request method=GET path=/api/me status=401",
		"level=DEBUG msg=request method=GET path=/ status=200", trusts, "shut down"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
}

func TestRunFailsAtOnceOnABadStore(t *testing.T) {
	err := run(context.Background(), []string{"-store=postgres"}, func(k string) string {
		return map[string]string{"PORT": "0", "FRONTEND_PORT": "0",
			"DATABASE_URL": "postgres://ada:s3cret@127.0.0.1:1/app?connect_timeout=5"}[k]
	}, io.Discard)
	const want = "cannot open the database (DATABASE_URL postgres://ada:xxxxx@127.0.0.1:1/app"
	if err == nil || !strings.Contains(err.Error(), want) ||
		strings.Contains(err.Error(), "s3cret") {
		t.Errorf("got %v, want the start-up error, without the password", err)
	}
}

// TestDevSecretListensOnLocalhostOnly: signed with the public development
// secret, the program answers this machine only; with SESSION_SECRET set,
// it listens on every interface.
func TestDevSecretListensOnLocalhostOnly(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		loopback bool
	}{
		{"no secret", map[string]string{}, true},
		{"SESSION_SECRET set", map[string]string{"SESSION_SECRET": testSecret}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["PORT"], tc.env["FRONTEND_PORT"] = "0", "0"
			tc.env["DATABASE_URL"] = "sqlite://" + t.TempDir() + "/s.db"
			ctx, cancel := context.WithCancel(context.Background())
			var logs syncBuffer
			done := make(chan error, 1)
			go func() { done <- run(ctx, nil, func(k string) string { return tc.env[k] }, &logs) }()
			addrRE := regexp.MustCompile(`msg=listening url=\S+ addr=(\S+)`)
			var addr string
			deadline := time.Now().Add(10 * time.Second)
			for ; addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if m := addrRE.FindStringSubmatch(logs.String()); m != nil {
					addr = m[1]
				}
			}
			cancel()
			<-done
			ap, err := netip.ParseAddrPort(addr)
			if err != nil {
				t.Fatalf("no address in the log (%v):\n%s", err, logs.String())
			}
			if ap.Addr().IsLoopback() != tc.loopback || (!tc.loopback && !ap.Addr().IsUnspecified()) {
				t.Errorf("listening on %s; want loopback only: %v", addr, tc.loopback)
			}
			warned := strings.Contains(logs.String(), "listening on localhost only")
			if warned != tc.loopback {
				t.Errorf("the start-up warning says localhost only: %v, want %v", warned, tc.loopback)
			}
		})
	}
}

func TestLimitServer(t *testing.T) {
	var s http.Server
	limitServer(&s)
	if s.ReadHeaderTimeout == 0 || s.ReadTimeout == 0 || s.WriteTimeout == 0 || s.IdleTimeout == 0 {
		t.Errorf("a timeout is missing: header %v, read %v, write %v, idle %v",
			s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout)
	}
	if s.MaxHeaderBytes < 64<<10 || s.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes %d: want room for a 64 KB cookie, and less than the 1 MB default",
			s.MaxHeaderBytes)
	}
}

// TestHugeHeaderIsRefused: the running program answers 431 to a request
// whose headers exceed the limit, instead of reading them all.
func TestHugeHeaderIsRefused(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	env := map[string]string{"PORT": "0", "FRONTEND_PORT": "0",
		"DATABASE_URL": "sqlite://" + t.TempDir() + "/s.db"}
	go func() { done <- run(ctx, []string{}, func(k string) string { return env[k] }, &logs) }()
	urlRE := regexp.MustCompile(`url=(http://localhost:\d+)`)
	var url string
	deadline := time.Now().Add(10 * time.Second)
	for ; url == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(logs.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("no URL in the log:\n%s", logs.String())
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("X-Huge", strings.Repeat("h", 200<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("got %d, want 431", resp.StatusCode)
	}
	cancel()
	<-done
}
