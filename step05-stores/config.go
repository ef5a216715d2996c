package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sqlstore"
)

// day is a day in seconds, for the messages about the timeouts.
const day = 24 * 60 * 60

// devSecret signs cookies when SESSION_SECRET is unset, so the program runs
// with nothing to set up. It is public, since it is in this file, and
// anyone could forge cookies signed with it. So while it is in use, the
// program listens on localhost only. Set SESSION_SECRET to serve others.
const devSecret = "development-only-secret-set-SESSION_SECRET-in-production"

// storeNames are the stores this step can run on.
var storeNames = []string{"memory", "cookie", "sqlite", "postgres", "redis"}

// config is everything the program reads from its flags and environment.
type config struct {
	Port           string     // PORT: where to listen (default 3000)
	Secret         []byte     // SESSION_SECRET: signs (and for some stores encrypts)
	PreviousSecret []byte     // SESSION_PREVIOUS_SECRET: still accepted while rotating
	DevSecret      bool       // true when Secret is devSecret
	MaxAge         int        // SESSION_MAX_AGE: idle timeout in seconds (default a day)
	Lifetime       int        // SESSION_LIFETIME: absolute timeout in seconds (default a week)
	Secure         bool       // SESSION_SECURE: Secure cookies, for sites served over HTTPS
	LogLevel       slog.Level // LOG_LEVEL: debug, info, warn or error (default info)
	Store          string     // -store or SESSION_STORE: memory, cookie, sqlite, postgres or redis
	DatabaseURL    string     // DATABASE_URL: sqlite:///absolute/path.db or postgres://...
	RedisURL       string     // REDIS_URL (default redis://localhost:6379/0)

	// Now is the clock of the stores (Redis keeps the idle timeout itself).
	// Tests set it, and nil means time.Now.
	Now func() time.Time
	// TurnWait is how long a request waits for its session's turn before a
	// 503. Tests that pile many requests on one session set it long. What
	// they check then does not depend on the machine's speed. Zero means the
	// engine's default.
	TurnWait time.Duration
}

// loadConfig reads the command-line flags in args and the environment
// through getenv, and says exactly what is wrong with a bad value. A flag
// wins over its environment variable.
func loadConfig(args []string, getenv func(string) string) (config, error) {
	cfg := config{
		Port:      "3000",
		Secret:    []byte(devSecret),
		DevSecret: true,
		MaxAge:    sessionstore.DefaultMaxAge,
		Lifetime:  sessionstore.DefaultLifetime,
		Store:     "memory",
		RedisURL:  "redis://localhost:6379/0",
	}
	if v := getenv("SESSION_STORE"); v != "" {
		cfg.Store = v
	}
	flags := flag.NewFlagSet("step05-stores", flag.ContinueOnError)
	flags.SetOutput(io.Discard) // the caller prints the error once
	flags.StringVar(&cfg.Store, "store", cfg.Store, "session store: "+strings.Join(storeNames, ", "))
	if err := flags.Parse(args); err != nil {
		return cfg, fmt.Errorf("%w (usage: step05-stores [-store %s])", err, strings.Join(storeNames, "|"))
	}
	if cfg.Store == "filesystem" {
		return cfg, errors.New("gorilla's FilesystemStore is not offered here: use -store=sqlite, a file that survives a restart and that processes on this machine share")
	}
	if !slices.Contains(storeNames, cfg.Store) {
		return cfg, fmt.Errorf("unknown session store %q: choose one of %s (-store or SESSION_STORE)", cfg.Store, strings.Join(storeNames, ", "))
	}

	if v := getenv("PORT"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 65535 {
			return cfg, fmt.Errorf("PORT must be a number from 0 to 65535, got %q", v)
		}
		cfg.Port = v
	}
	if v := getenv("SESSION_SECRET"); v != "" {
		if len(v) < sessionstore.MinSecretLength {
			return cfg, fmt.Errorf("SESSION_SECRET must be at least %d characters long, got %d "+
				"(try: openssl rand -hex 32)", sessionstore.MinSecretLength, len(v))
		}
		cfg.Secret, cfg.DevSecret = []byte(v), false
	}
	if v := getenv("SESSION_PREVIOUS_SECRET"); v != "" {
		if len(v) < sessionstore.MinSecretLength {
			return cfg, fmt.Errorf("SESSION_PREVIOUS_SECRET must be at least %d characters long, "+
				"got %d", sessionstore.MinSecretLength, len(v))
		}
		cfg.PreviousSecret = []byte(v)
	}
	for _, s := range []struct {
		name string
		dst  *int
	}{{"SESSION_MAX_AGE", &cfg.MaxAge}, {"SESSION_LIFETIME", &cfg.Lifetime}} {
		if v := getenv(s.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > sessionstore.MaxMaxAge {
				return cfg, fmt.Errorf("%s must be a whole number of seconds from 1 to %d "+
					"(%d days, the longest a browser keeps a cookie), got %q",
					s.name, sessionstore.MaxMaxAge, sessionstore.MaxMaxAge/day, v)
			}
			*s.dst = n
		}
	}
	if v := getenv("SESSION_SECURE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, fmt.Errorf("SESSION_SECURE must be true or false, got %q", v)
		}
		cfg.Secure = b
	}
	if v := getenv("LOG_LEVEL"); v != "" {
		if err := cfg.LogLevel.UnmarshalText([]byte(strings.ToUpper(v))); err != nil {
			return cfg, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error, got %q", v)
		}
	}
	cfg.DatabaseURL = getenv("DATABASE_URL")
	switch {
	case cfg.Store == "sqlite" && cfg.DatabaseURL == "":
		cfg.DatabaseURL = "sqlite://" + defaultDatabase()
	case cfg.Store == "sqlite" && !strings.HasPrefix(cfg.DatabaseURL, "sqlite:///"),
		cfg.Store == "postgres" && !strings.HasPrefix(cfg.DatabaseURL, "postgres://"):
		return cfg, fmt.Errorf("DATABASE_URL must be sqlite:///absolute/path.db for -store=sqlite, "+
			"postgres://user@host:port/db?sslmode=disable for -store=postgres; got %q",
			sqlstore.Redacted(cfg.DatabaseURL))
	}
	if v := getenv("REDIS_URL"); v != "" {
		cfg.RedisURL = v
	}
	return cfg, nil
}

// listenHost is where the program may listen. That is every interface, or
// only this machine while the public development secret is in use. Anyone
// who can reach the program could forge a session signed with that secret.
func listenHost(cfg config, logger *slog.Logger) string {
	if !cfg.DevSecret {
		return "" // every interface
	}
	logger.Warn(fmt.Sprintf("SESSION_SECRET is not set: "+
		"signing cookies with the public development secret, and listening on localhost only. "+
		"Set SESSION_SECRET (%d+ random characters) to serve others.",
		sessionstore.MinSecretLength))
	return "localhost"
}

// defaultDatabase is the SQLite file used unless DATABASE_URL names another.
// It is in the user's cache directory, which outlives a reboot (unlike /tmp
// on many systems) and belongs to this user alone.
func defaultDatabase() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "echo-sessions-course", "sessions.db")
}
