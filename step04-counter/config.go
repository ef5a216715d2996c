package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

// day is a day in seconds, for the messages about the timeouts.
const day = 24 * 60 * 60

// devSecret signs cookies when SESSION_SECRET is unset, so the program runs
// with nothing to set up. It is public, since it is in this file, and
// anyone could forge cookies signed with it. So while it is in use, the
// program listens on localhost only. Set SESSION_SECRET to serve others.
const devSecret = "development-only-secret-set-SESSION_SECRET-in-production"

// config is everything the program reads from its environment.
type config struct {
	Port      string     // PORT: where to listen (default 3000)
	Secret    []byte     // SESSION_SECRET: signs the session cookie
	DevSecret bool       // true when Secret is devSecret
	MaxAge    int        // SESSION_MAX_AGE: idle timeout in seconds (default a day)
	Lifetime  int        // SESSION_LIFETIME: absolute timeout in seconds (default a week)
	Secure    bool       // SESSION_SECURE: Secure cookies, for sites served over HTTPS
	LogLevel  slog.Level // LOG_LEVEL: debug, info, warn or error (default info)
}

// loadConfig reads the configuration through getenv, which is os.Getenv in
// main and a map in tests. It says exactly what is wrong with a bad value.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{
		Port:      "3000",
		Secret:    []byte(devSecret),
		DevSecret: true,
		MaxAge:    sessionstore.DefaultMaxAge,
		Lifetime:  sessionstore.DefaultLifetime,
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
