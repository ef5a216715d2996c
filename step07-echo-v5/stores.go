package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/go-sessions-course/echo-sessions/internal/fsstore"
	"github.com/go-sessions-course/echo-sessions/internal/memstore"
	"github.com/go-sessions-course/echo-sessions/internal/redisstore"
	"github.com/go-sessions-course/echo-sessions/internal/sessionlock"
)

// store is a session store that can give a session a new ID (at login):
// all of this course's stores but the cookie store, which this step refuses.
type store interface {
	sessions.Store
	Regenerate(r *http.Request, w http.ResponseWriter, session *sessions.Session) error
}

// backend is a session store and what the server needs around it.
type backend struct {
	store store
	// id returns the session ID a request carries, and locker hands out
	// per-session locks, so that one session's requests take turns.
	id     func(*http.Request) (string, bool)
	locker sessionlock.Locker
	close  func() error
}

// openStore opens the store that cfg.Store names. Every store's cookie is
// HttpOnly, SameSite=Lax and Path=/, and Secure only when asked for or
// served over TLS.
func openStore(ctx context.Context, cfg config, logger *slog.Logger) (*backend, error) {
	secrets := [][]byte{cfg.Secret} // the first signs; the others still verify
	if cfg.PreviousSecret != nil {
		secrets = append(secrets, cfg.PreviousSecret)
	}
	switch cfg.Store {
	case "memory":
		store, err := memstore.New(memstore.Config{
			Secrets: secrets, MaxAge: cfg.MaxAge, Lifetime: cfg.Lifetime, Secure: cfg.Secure, Now: cfg.Now, Logger: logger,
		})
		if err != nil {
			return nil, err
		}
		logger.Info("session store: memory (sessions vanish when this process stops)")
		return &backend{
			store:  store,
			id:     func(r *http.Request) (string, bool) { return store.ID(r, sessionName) },
			locker: sessionlock.NewLocal(),
			close:  store.Close,
		}, nil

	case "filesystem":
		store, err := fsstore.New(fsstore.Config{
			Dir: cfg.Dir, Secrets: secrets, MaxAge: cfg.MaxAge, Lifetime: cfg.Lifetime, Secure: cfg.Secure, Now: cfg.Now, Logger: logger,
		})
		if err != nil {
			return nil, fmt.Errorf("SESSION_DIR %q: %w", cfg.Dir, err)
		}
		logger.Info("session store: filesystem", "dir", cfg.Dir)
		return &backend{
			store: store,
			id:    func(r *http.Request) (string, bool) { return store.ID(r, sessionName) },
			// A lock file per session: instances that share the folder
			// take turns too.
			locker: store,
			close:  store.Close,
		}, nil

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
		opts.MaxRetries = 1
		redis.SetLogger(redisLog{logger}) // go-redis's own messages, into our log
		client := redis.NewClient(opts)
		store, err := redisstore.New(redisstore.Config{
			Client: client, Secrets: secrets, MaxAge: cfg.MaxAge, Lifetime: cfg.Lifetime, Secure: cfg.Secure, Now: cfg.Now, Logger: logger,
		})
		if err != nil {
			client.Close()
			return nil, err
		}
		pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := store.Ping(pingCtx); err != nil {
			client.Close()
			return nil, fmt.Errorf("cannot reach Redis at %s (REDIS_URL): %w", opts.Addr, err)
		}
		logger.Info("session store: redis", "addr", opts.Addr, "db", opts.DB)
		return &backend{
			store:  store,
			id:     func(r *http.Request) (string, bool) { return store.ID(r, sessionName) },
			locker: store, // a lock in Redis: every instance agrees whose turn it is
			close:  client.Close,
		}, nil
	}
	return nil, fmt.Errorf("unknown session store %q", cfg.Store)
}

// redisLog sends go-redis's own messages (a failed dial, say) to the log at
// debug level: the request log already shows, as errors, the 503s they
// cause.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
