package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// devSecret signs cookies when SESSION_SECRET is unset, so that the program
// runs with nothing to set up. It is public (it is in this file), so anyone
// could forge cookies signed with it: while it is in use the program
// listens on localhost only, and you must set SESSION_SECRET to serve
// anyone else.
const devSecret = "development-only-secret-set-SESSION_SECRET-in-production"

// maxSeconds is the longest SESSION_MAX_AGE or SESSION_LIFETIME: 400 days.
// Browsers keep a cookie that long at most, so a longer Max-Age buys
// nothing.
const maxSeconds = 400 * 86400

// config is everything the program reads from its environment.
type config struct {
	Port      string     // PORT: where to listen (default 3000)
	Secret    []byte     // SESSION_SECRET: signs the session cookie
	DevSecret bool       // true when Secret is devSecret
	MaxAge    int        // SESSION_MAX_AGE: idle timeout in seconds (default 86400, a day)
	Lifetime  int        // SESSION_LIFETIME: absolute timeout in seconds (default 604800, a week)
	Secure    bool       // SESSION_SECURE: Secure cookies, for sites served over HTTPS
	LogLevel  slog.Level // LOG_LEVEL: debug, info, warn or error (default info)
}

// loadConfig reads the configuration through getenv (os.Getenv in main, a
// map in tests) and says exactly what is wrong with a bad value.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{Port: "3000", Secret: []byte(devSecret), DevSecret: true, MaxAge: 86400, Lifetime: 7 * 86400}

	if v := getenv("PORT"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 65535 {
			return cfg, fmt.Errorf("PORT must be a number from 0 to 65535, got %q", v)
		}
		cfg.Port = v
	}
	if v := getenv("SESSION_SECRET"); v != "" {
		if len(v) < 32 {
			return cfg, fmt.Errorf("SESSION_SECRET must be at least 32 characters long, got %d (try: openssl rand -hex 32)", len(v))
		}
		cfg.Secret, cfg.DevSecret = []byte(v), false
	}
	for _, s := range []struct {
		name string
		dst  *int
	}{{"SESSION_MAX_AGE", &cfg.MaxAge}, {"SESSION_LIFETIME", &cfg.Lifetime}} {
		if v := getenv(s.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxSeconds {
				return cfg, fmt.Errorf("%s must be a whole number of seconds from 1 to %d (400 days, the longest a browser keeps a cookie), got %q", s.name, maxSeconds, v)
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
