// Package fsstore keeps sessions in files, on top of gorilla's
// FilesystemStore, and adds what that store leaves out.
//
// gorilla/sessions' FilesystemStore writes one file per session
// ("session_<ID>" in a directory) and never deletes a file whose session has
// expired, so the directory only grows. It returns an error for a missing or
// unreadable file, and it adopts any well-signed ID it is shown. This
// package wraps it:
//
//   - a background sweep removes files that have not been saved for MaxAge;
//   - a cookie that cannot be used (tampered, expired, signed with another
//     secret, its file gone) gives a fresh session under a fresh ID and no
//     error; an error means the disk failed;
//   - cookies are HttpOnly and SameSite=Lax, Secure only when asked for or
//     served over TLS (gorilla's defaults differ by store);
//   - the values in the files are signed and encrypted with keys derived
//     from the configured secrets.
//
// Sessions survive a restart of the program. Several processes on one
// machine may share the directory, but their requests do not take turns on
// a session (see package sessionlock); use Redis for several instances.
package fsstore

import (
	"encoding/base32"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/keys"
)

// DefaultMaxAge is the idle lifetime of a session, in seconds, when
// Config.MaxAge is zero: one day.
const DefaultMaxAge = 86400

// filePrefix is how gorilla's FilesystemStore names its files.
const filePrefix = "session_"

// Config holds what New needs. Dir and Secrets are required.
type Config struct {
	// Dir holds the session files. New creates it (mode 0700) if missing.
	Dir string
	// Secrets sign and encrypt cookies and files; the first is used for new
	// ones, all are tried when reading (rotation). At least 32 bytes each.
	Secrets [][]byte
	// MaxAge is how long, in seconds, a session lives after its last save,
	// and the cookie's Max-Age. Zero means DefaultMaxAge.
	MaxAge int
	// Secure marks the cookie Secure; a request over TLS gets it anyway.
	Secure bool
	// SweepInterval is how often expired files are removed. Zero means one
	// minute, or MaxAge if that is shorter.
	SweepInterval time.Duration
	// Now returns the current time, for the sweep. Nil means time.Now.
	Now func() time.Time
	// Logger receives a line for each sweep that removed files and for
	// each cookie that could not be used. Nil means slog.Default().
	Logger *slog.Logger
}

// Store is a sessions.Store that keeps sessions in files. It is safe for
// concurrent use. Stop its sweeper with Close.
type Store struct {
	fs     *sessions.FilesystemStore
	dir    string
	maxAge time.Duration
	now    func() time.Time
	log    *slog.Logger

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// New creates the directory if needed, returns a Store and starts its sweep.
func New(cfg Config) (*Store, error) {
	if cfg.Dir == "" {
		return nil, errors.New("fsstore: Config.Dir is required")
	}
	if cfg.MaxAge < 0 {
		return nil, fmt.Errorf("fsstore: MaxAge must not be negative, got %d", cfg.MaxAge)
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	pairs, err := keys.Pairs("fsstore", cfg.Secrets...) // checks the secrets too
	if err != nil {
		return nil, fmt.Errorf("fsstore: %w", err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("fsstore: creating the session directory: %w", err)
	}

	inner := sessions.NewFilesystemStore(cfg.Dir, pairs...)
	inner.MaxAge(cfg.MaxAge) // cookie Max-Age, and the oldest a signed value may be
	inner.Options.HttpOnly = true
	inner.Options.SameSite = http.SameSiteLaxMode
	inner.Options.Secure = cfg.Secure

	maxAge := time.Duration(cfg.MaxAge) * time.Second
	sweep := cfg.SweepInterval
	if sweep <= 0 {
		sweep = min(time.Minute, maxAge)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Store{
		fs:     inner,
		dir:    cfg.Dir,
		maxAge: maxAge,
		now:    cfg.Now,
		log:    cfg.Logger,
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go s.sweepEvery(sweep)
	return s, nil
}

// Options returns the cookie options that new sessions start with. Change
// them before serving, not while serving.
func (s *Store) Options() *sessions.Options { return s.fs.Options }

// Get returns the session called name for this request, cached for the
// rest of the request (the sessions.Store contract).
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session that the request's cookie names. A cookie that
// cannot be used, or whose file is gone, gives a new empty session under no
// ID (Save issues a fresh one) and a nil error. An error means the file
// could not be read.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	session, err := s.fs.New(r, name)
	if err == nil {
		return session, nil
	}
	// securecookie's errors all mean the cookie (or the file) cannot be
	// used: not every one is marked IsDecode (a value too long is not).
	var codecErr securecookie.Error
	if errors.Is(err, fs.ErrNotExist) || errors.As(err, &codecErr) {
		s.log.Debug("fsstore: unusable session cookie or file; starting a fresh session", "err", err)
		fresh := sessions.NewSession(s, name)
		opts := *s.fs.Options
		fresh.Options = &opts
		fresh.IsNew = true
		return fresh, nil
	}
	return session, fmt.Errorf("fsstore: reading a session: %w", err)
}

// Save writes the session's file and sends its cookie. Options.MaxAge < 0
// deletes the file and clears the cookie.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if r.TLS != nil {
		session.Options.Secure = true
	}
	if err := s.fs.Save(r, w, session); err != nil {
		return fmt.Errorf("fsstore: writing a session: %w", err)
	}
	return nil
}

// Regenerate gives the session a new ID, keeping its values, and deletes
// the old file: call it at login, so that an ID planted or copied earlier is
// worthless afterwards. It saves the session and sends the new cookie.
func (s *Store) Regenerate(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if session.ID != "" {
		err := os.Remove(filepath.Join(s.dir, filePrefix+filepath.Base(session.ID)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("fsstore: deleting the old session: %w", err)
		}
	}
	session.ID = ""
	return s.Save(r, w, session)
}

// ID returns the session ID in the request's cookie called name, after
// checking its signature, and false when there is no usable cookie.
func (s *Store) ID(r *http.Request, name string) (string, bool) {
	cookie, err := r.Cookie(name)
	if err != nil {
		return "", false
	}
	var id string
	if err := securecookie.DecodeMulti(name, cookie.Value, &id, s.fs.Codecs...); err != nil {
		return "", false
	}
	// gorilla's IDs are base32 without padding; anything else is not ours.
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(id); err != nil || id == "" {
		return "", false
	}
	return id, true
}

// Sweep removes the files of sessions not saved for MaxAge and reports how
// many it removed. The background sweep calls it; tests may too.
func (s *Store) Sweep() (int, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, fmt.Errorf("fsstore: reading the session directory: %w", err)
	}
	cutoff := s.now().Add(-s.maxAge)
	removed := 0
	var errs []error
	for _, entry := range entries {
		if entry.IsDir() || !strings.HasPrefix(entry.Name(), filePrefix) {
			continue // not ours: leave it alone
		}
		info, err := entry.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted meanwhile
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if info.ModTime().After(cutoff) {
			continue
		}
		err = os.Remove(filepath.Join(s.dir, entry.Name()))
		switch {
		case err == nil:
			removed++
		case !errors.Is(err, fs.ErrNotExist): // already gone is fine
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

// Len reports how many session files the directory holds.
func (s *Store) Len() (int, error) {
	matches, err := filepath.Glob(filepath.Join(s.dir, filePrefix+"*"))
	return len(matches), err
}

// Close stops the background sweep. Close is safe to call twice.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *Store) sweepEvery(interval time.Duration) {
	defer close(s.done)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-ticker.C:
			n, err := s.Sweep()
			if err != nil {
				s.log.Warn("fsstore: sweeping expired sessions", "err", err)
			}
			if n > 0 {
				s.log.Debug("fsstore: removed expired sessions", "count", n)
			}
		}
	}
}
