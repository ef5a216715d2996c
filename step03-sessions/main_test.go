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
	tests := []struct {
		name    string
		env     map[string]string
		want    config
		wantErr string
	}{
		{"defaults", nil, config{Port: "3000", Secret: []byte(devSecret), DevSecret: true, MaxAge: 86400}, ""},
		{"everything set", map[string]string{"PORT": "8081", "SESSION_SECRET": testSecret, "SESSION_MAX_AGE": "60", "SESSION_SECURE": "true", "LOG_LEVEL": "debug"},
			config{Port: "8081", Secret: []byte(testSecret), MaxAge: 60, Secure: true, LogLevel: -4}, ""},
		{"bad port", map[string]string{"PORT": "eighty"}, config{}, "PORT must be a number"},
		{"short secret", map[string]string{"SESSION_SECRET": "shh"}, config{}, "at least 32 characters"},
		{"zero max age", map[string]string{"SESSION_MAX_AGE": "0"}, config{}, "SESSION_MAX_AGE"},
		{"bad secure", map[string]string{"SESSION_SECURE": "yes please"}, config{}, "SESSION_SECURE"},
		{"bad log level", map[string]string{"LOG_LEVEL": "loud"}, config{}, "LOG_LEVEL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadConfig(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Port != tt.want.Port || string(got.Secret) != string(tt.want.Secret) || got.DevSecret != tt.want.DevSecret ||
				got.MaxAge != tt.want.MaxAge || got.Secure != tt.want.Secure || got.LogLevel != tt.want.LogLevel {
				t.Errorf("got %+v, want %+v", got, tt.want)
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

// TestRun starts the real program on a free port, as `go run` would, reads
// the URL from its log, visits it, and stops it the way Ctrl-C does.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	env := map[string]string{"LOG_LEVEL": "debug", "PORT": "0"}
	go func() { done <- run(ctx, func(k string) string { return env[k] }, &logs) }()

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
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(body), newSession) {
		t.Errorf("got %q, want it to start %q", body, newSession)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after shutdown, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	out := logs.String()
	for _, want := range []string{"SESSION_SECRET is not set", "level=DEBUG msg=request method=GET uri=/ status=200", "shutting down"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	err := run(context.Background(), func(k string) string {
		return map[string]string{"SESSION_MAX_AGE": "soon"}[k]
	}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SESSION_MAX_AGE") {
		t.Errorf("got %v, want an error naming SESSION_MAX_AGE", err)
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
		{"no secret", map[string]string{"PORT": "0"}, true},
		{"SESSION_SECRET set", map[string]string{"PORT": "0", "SESSION_SECRET": testSecret}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			var logs syncBuffer
			done := make(chan error, 1)
			go func() { done <- run(ctx, func(k string) string { return tc.env[k] }, &logs) }()
			addrRE := regexp.MustCompile(`msg=listening url=\S+ addr=(\S+)`)
			var addr string
			for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
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
			if warned := strings.Contains(logs.String(), "listening on localhost only"); warned != tc.loopback {
				t.Errorf("the start-up warning says localhost only: %v, want %v", warned, tc.loopback)
			}
		})
	}
}

func TestLimitServer(t *testing.T) {
	var s http.Server
	limitServer(&s)
	if s.ReadHeaderTimeout == 0 || s.ReadTimeout == 0 || s.WriteTimeout == 0 || s.IdleTimeout == 0 {
		t.Errorf("a timeout is missing: header %v, read %v, write %v, idle %v", s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout)
	}
	if s.MaxHeaderBytes < 64<<10 || s.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes %d: want room for a 64 KB cookie, and less than the 1 MB default", s.MaxHeaderBytes)
	}
}

// TestHugeHeaderIsRefused: the running program answers 431 to a request
// whose headers exceed the limit, instead of reading them all.
func TestHugeHeaderIsRefused(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return map[string]string{"PORT": "0"}[k] }, &logs) }()
	urlRE := regexp.MustCompile(`url=(http://localhost:\d+)`)
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
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
