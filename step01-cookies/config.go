package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// config is everything the program reads from its environment.
type config struct {
	Port     string     // PORT: where to listen (default 3000)
	Secure   bool       // SESSION_SECURE: Secure cookies, for sites served over HTTPS
	LogLevel slog.Level // LOG_LEVEL: debug, info, warn or error (default info)
}

// loadConfig reads the configuration through getenv, which is os.Getenv in
// main and a map in tests. It says exactly what is wrong with a bad value.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{Port: "3000"}

	if v := getenv("PORT"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 65535 {
			return cfg, fmt.Errorf("PORT must be a number from 0 to 65535, got %q", v)
		}
		cfg.Port = v
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
