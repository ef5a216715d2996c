package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/redisstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sharedlock"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sqlstore"
)

// backend is the session store and what closes it.
type backend struct {
	store *sessionstore.Store
	close func() error
}

// openStore opens the store that cfg.Store names: the course's session
// engine over memory, SQLite, PostgreSQL or Redis (step 5 explains each).
// Every store's cookie is HttpOnly, SameSite=Lax and Path=/, and Secure
// only when asked for or served over TLS.
func openStore(ctx context.Context, cfg config, logger *slog.Logger) (*backend, error) {
	secrets := [][]byte{cfg.Secret} // the first signs; the others still verify
	if cfg.PreviousSecret != nil {
		secrets = append(secrets, cfg.PreviousSecret)
	}
	engineCfg := sessionstore.Config{
		Secrets: secrets, MaxAge: cfg.MaxAge, Lifetime: cfg.Lifetime, Secure: cfg.Secure, Now: cfg.Now, Logger: logger,
		Wait: cfg.TurnWait,
	}
	var storage sessionstore.Storage
	closeStorage := func() error { return nil }
	switch cfg.Store {
	case "memory":
		storage = memstore.New()
		logger.Info("session store: memory (sessions vanish when this process stops)")
	case "sqlite", "postgres":
		store, db, err := sqlstore.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("cannot open the session database (DATABASE_URL %s): %w",
				sqlstore.Redacted(cfg.DatabaseURL), err)
		}
		store.Logger = logger // a turn whose release fails says so
		// The store's sweep and the turns being given back end first.
		storage, closeStorage = store, func() error { store.Close(); return db.Close() }
		engineCfg.Shared = sharedlock.New(store, 0, logger) // instances on one database take turns
		logger.Info("session store: "+cfg.Store, "database", sqlstore.Redacted(cfg.DatabaseURL))
	case "redis":
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL %q is not a Redis URL like redis://localhost:6379/0: %w", cfg.RedisURL, err)
		}
		// Short timeouts: when Redis is away, a visitor gets a 503 within
		// about a second instead of a hanging page.
		opts.DialTimeout = time.Second
		opts.ReadTimeout = time.Second
		opts.WriteTimeout = time.Second
		opts.DialerRetries = 1 // go-redis would try a refused dial 5 times
		// No retries: a command whose reply was lost may have run, and a
		// second run could fail where the first landed. The engine answers
		// 503 and the visitor tries again. (go-redis sees, before it uses a
		// pooled connection, that the server closed it, so a restart needs no
		// retry: over plain TCP, on Unix.)
		opts.MaxRetries = -1
		opts.ContextTimeoutEnabled = true // no call outlives the engine's wait
		// go-redis keeps 10 connections per CPU; 64 concurrent visitors
		// waited for one. REDIS_URL's pool_size=N sets another number.
		if opts.PoolSize == 0 {
			opts.PoolSize = 64
		}
		redis.SetLogger(redisLog{logger}) // go-redis's own messages, into our log
		client := redis.NewClient(opts)
		store := redisstore.New(client, "")
		store.Logger = logger // a turn whose release fails says so
		pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := store.Ping(pingCtx); err != nil {
			client.Close()
			return nil, fmt.Errorf("cannot reach Redis at %s (REDIS_URL): %w", opts.Addr, err)
		}
		// The turns being given back finish before the client closes.
		storage, closeStorage = store, func() error { store.Close(); return client.Close() }
		engineCfg.Shared = sharedlock.New(store, 0, logger) // every instance agrees whose turn it is
		logger.Info("session store: redis", "addr", opts.Addr, "db", opts.DB)
	default:
		return nil, fmt.Errorf("unknown session store %q", cfg.Store)
	}
	store, err := sessionstore.New(storage, engineCfg)
	if err != nil {
		closeStorage()
		return nil, err
	}
	return &backend{store: store, close: closeStorage}, nil
}

// redisLog sends go-redis's own messages (a failed dial, say) to the log at
// debug level: the request log already shows, as errors, the 503s they
// cause.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
