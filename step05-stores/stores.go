package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/keys"
	"github.com/go-sessions-course/echo-sessions/sessionstore/memstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/redisstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sharedlock"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sqlstore"
)

// backend is a session store and what the server needs around it.
type backend struct {
	store sessions.Store
	// turns makes one session's requests take turns; nil for the cookie
	// store, whose state travels with each request.
	turns func(http.Handler) http.Handler
	close func() error
}

// openStore opens the store that cfg.Store names. Every store but the
// cookie store is the course's session engine over a different storage:
// the cookie, the ID, the timeouts and the turns are the engine's, and the
// storage only keeps bytes.
func openStore(ctx context.Context, cfg config, logger *slog.Logger) (*backend, error) {
	secrets := [][]byte{cfg.Secret} // the first signs; the others still verify
	if cfg.PreviousSecret != nil {
		secrets = append(secrets, cfg.PreviousSecret)
	}
	if cfg.Store == "cookie" {
		return openCookieStore(cfg, secrets, logger)
	}
	// region engine
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
		// Close stops the store's sweep of expired rows and waits for the
		// turns being given back, then the pool closes.
		storage, closeStorage = store, func() error { store.Close(); return db.Close() }
		// Other processes on the same database take turns too, on its locks.
		engineCfg.Shared = sharedlock.New(store, 0, logger)
		logger.Info("session store: "+cfg.Store, "database", sqlstore.Redacted(cfg.DatabaseURL))
	case "redis":
		store, client, err := openRedis(ctx, cfg.RedisURL, logger)
		if err != nil {
			return nil, err
		}
		// The turns being given back finish before the client closes.
		storage, closeStorage = store, func() error { store.Close(); return client.Close() }
		engineCfg.Shared = sharedlock.New(store, 0, logger) // every instance agrees whose turn it is
	default:
		return nil, fmt.Errorf("unknown session store %q", cfg.Store)
	}
	store, err := sessionstore.New(storage, engineCfg)
	// endregion engine
	if err != nil {
		closeStorage()
		return nil, err
	}
	return &backend{store: store, turns: store.Middleware(sessionName), close: closeStorage}, nil
}

// openRedis connects to the Redis that url names, and checks it answers.
func openRedis(ctx context.Context, url string, logger *slog.Logger) (*redisstore.Store, *redis.Client, error) {
	// region redis
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, fmt.Errorf("REDIS_URL %q is not a Redis URL like redis://localhost:6379/0: %w", url, err)
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
	// A request holds a connection for each call. go-redis keeps 10 per
	// CPU; under 64 concurrent visitors they waited for one. Redis serves
	// thousands of clients; REDIS_URL's pool_size=N sets another number.
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
		return nil, nil, fmt.Errorf("cannot reach Redis at %s (REDIS_URL): %w", opts.Addr, err)
	}
	// endregion redis
	logger.Info("session store: redis", "addr", opts.Addr, "db", opts.DB)
	return store, client, nil
}

// openCookieStore is gorilla's CookieStore, with the course's contract.
func openCookieStore(cfg config, secrets [][]byte, logger *slog.Logger) (*backend, error) {
	// region cookiestore
	// An authentication key AND an encryption key, both derived from
	// the secret: the client can neither change nor read the values.
	pairs, err := keys.Pairs("cookie store", secrets...)
	if err != nil {
		return nil, err
	}
	store := sessions.NewCookieStore(pairs...)
	store.MaxAge(cfg.MaxAge) // the cookie's Max-Age and the oldest value accepted
	// gorilla's CookieStore defaults to Secure and SameSite=None: over
	// plain HTTP every host but localhost would drop the cookie, and
	// None would send it along with cross-site requests.
	store.Options.HttpOnly = true
	store.Options.SameSite = http.SameSiteLaxMode
	store.Options.Secure = cfg.Secure
	// endregion cookiestore
	logger.Info("session store: cookie (the values travel, encrypted, in the cookie itself)")
	lifetime := time.Duration(cfg.Lifetime) * time.Second
	if lifetime == 0 {
		lifetime = sessionstore.DefaultLifetime * time.Second // as the other stores
	}
	return &backend{
		store: cookieStore{store, lifetime, cfg.Now, logger},
		close: func() error { return nil },
	}, nil
}

// cookieStore is gorilla's CookieStore with the course's contract: a cookie
// that cannot be used (tampered, expired, from another secret) means a
// fresh session, not an error; a session ends after its lifetime, however
// busy; and a request served over TLS gets a Secure cookie.
type cookieStore struct {
	*sessions.CookieStore
	lifetime time.Duration
	now      func() time.Time // nil means time.Now
	log      *slog.Logger
}

// createdKey holds, inside the encrypted cookie, when the session began:
// the cookie is the only place this store has to keep it.
const createdKey = "session_created"

// Get returns the cached session for this request (the registry calls New).
func (s cookieStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New decodes the cookie. gorilla returns a new session along with the
// decode error; the error only says why the cookie was not used, so it is
// logged at debug level and dropped (the session is already a fresh one).
func (s cookieStore) New(r *http.Request, name string) (*sessions.Session, error) {
	session, err := s.CookieStore.New(r, name)
	created, _ := session.Values[createdKey].(int64)
	switch {
	case err != nil:
		s.log.Debug("cookie store: ignoring a session cookie that does not verify", "err", err)
	case !session.IsNew && s.clock().Sub(time.Unix(created, 0)) >= s.lifetime:
		s.log.Debug("cookie store: the session outlived its lifetime; starting a fresh one")
	default:
		return session, nil
	}
	session.Values = map[any]any{} // nothing from a cookie that is not used
	session.IsNew = true
	return session, nil
}

// Save sends the session's values, encrypted, as the cookie.
func (s cookieStore) Save(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if r.TLS != nil {
		session.Options.Secure = true
	}
	if _, ok := session.Values[createdKey]; !ok {
		session.Values[createdKey] = s.clock().Unix()
	}
	return s.CookieStore.Save(r, w, session)
}

func (s cookieStore) clock() time.Time {
	if s.now == nil {
		return time.Now()
	}
	return s.now()
}

// redisLog sends go-redis's own messages (a failed dial, say) to the log at
// debug level: the request log already shows, as errors, the 503s they
// cause.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
