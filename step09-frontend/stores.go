package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sessionindex"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sharedlock"
	"github.com/go-sessions-course/echo-sessions/sessionstore/sqlstore"
)

// backend is the database, with the session store and the index of each
// account's sessions in it, and what closes them.
type backend struct {
	db       *sql.DB
	postgres bool // else SQLite
	store    *sessionstore.Store
	index    *sessionindex.Index
	close    func() error
}

// region open
// openStore opens the database that cfg.DatabaseURL names (SQLite or
// PostgreSQL), with the course's session engine over its sessions table.
// Every instance on one database shares the sessions, takes turns with the
// others, and finds an account's sessions with one indexed query.
func openStore(ctx context.Context, cfg config, logger *slog.Logger) (*backend, error) {
	secrets := [][]byte{cfg.Secret} // the first signs; the others still verify
	if cfg.PreviousSecret != nil {
		secrets = append(secrets, cfg.PreviousSecret)
	}
	storage, db, err := sqlstore.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("cannot open the database (DATABASE_URL %s): %w",
			sqlstore.Redacted(cfg.DatabaseURL), err)
	}
	storage.Logger = logger // a turn whose release fails says so
	store, err := sessionstore.New(storage, sessionstore.Config{
		Secrets: secrets, MaxAge: cfg.MaxAge, Lifetime: cfg.Lifetime, Secure: cfg.Secure,
		Now: cfg.Now, Logger: logger, Wait: cfg.TurnWait,
		Shared: sharedlock.New(storage, 0, logger), // instances on one database take turns
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	logger.Info("database: "+cfg.Store, "url", sqlstore.Redacted(cfg.DatabaseURL))
	index := sessionindex.New(store, storage, cfg.Secret)
	postgres := cfg.Store == "postgres"
	// The store's sweep and the turns being given back end before the pool.
	closeAll := func() error { storage.Close(); return db.Close() }
	return &backend{db: db, postgres: postgres, store: store, index: index, close: closeAll}, nil
}

// endregion open
