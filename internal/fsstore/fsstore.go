// Package fsstore keeps sessions in files, one per session, for
// gorilla/sessions.
//
// It stands in for gorilla's FilesystemStore, which never deletes the file
// of an expired session (the folder only grows), rewrites a file in place
// (a reader in another process can see it half-written), gives no way for
// two processes to take turns on a session, and adopts any well-signed ID.
// This store keeps gorilla's way of storing (securecookie signs and
// encrypts the values into the file) and adds:
//
//   - a file is written under a temporary name and renamed over the old
//     one, so a reader sees the old file or the new one, never a part;
//   - Lock: a lock per session that holds across processes (flock on
//     Linux and macOS), so that instances sharing the folder take turns;
//   - a background sweep of files not saved for MaxAge;
//   - an idle timeout (MaxAge) and an absolute one (Lifetime);
//   - a cookie that cannot be used, or a file that is gone, gives a fresh
//     session under a fresh ID and no error. A file that does not decode
//     (cut short, corrupted) does too, with a warning in the log naming the
//     file; the file is kept for you to look at, and the sweep removes it
//     after MaxAge like any other.
//
// Errors from the disk wrap ErrUnavailable (a 503); a session bigger than
// MaxFileSize is ErrTooLarge (a 500: retrying will not help).
package fsstore

import (
	"context"
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
	"github.com/go-sessions-course/echo-sessions/internal/sessionid"
	"github.com/go-sessions-course/echo-sessions/internal/sessionlock"
)

// MaxFileSize is the largest session file the store writes or reads.
const MaxFileSize = 1 << 20

// filePrefix names session files, as gorilla's FilesystemStore does;
// tempPrefix names files being written.
const (
	filePrefix = "session_"
	tempPrefix = ".tmp-session_"
)

var (
	// ErrUnavailable wraps errors from the disk: trying later may work.
	ErrUnavailable = errors.New("fsstore: the session folder is not usable")
	// ErrTooLarge means a session's values do not fit in MaxFileSize.
	ErrTooLarge = errors.New("fsstore: the session is too large to store")
)

// Config holds what New needs. Dir and Secrets are required.
type Config struct {
	// Dir holds the session files. New creates it (mode 0700) if missing.
	Dir string
	// Secrets sign the cookies, and sign and encrypt the files; the first
	// is used for new ones, all are tried when reading (rotation). At
	// least 32 bytes each.
	Secrets [][]byte
	// MaxAge is how long, in seconds, a session lives after its last save
	// (the idle timeout), and the cookie's Max-Age; Lifetime, after it
	// began (the absolute timeout). 0 means a day, and a week.
	MaxAge, Lifetime int
	// Secure marks the cookie Secure; a request over TLS gets it anyway.
	Secure bool
	// SweepInterval is how often expired files are removed. Zero means one
	// minute, or MaxAge if that is shorter.
	SweepInterval time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives the warnings. Nil means slog.Default().
	Logger *slog.Logger
}

// Store is a sessions.Store that keeps sessions in files. It is safe for
// concurrent use, also by several processes sharing Dir. Stop its sweep
// with Close.
type Store struct {
	// Options are the cookie options that new sessions start with: Path
	// "/", HttpOnly, SameSite Lax, Secure only when asked for.
	Options *sessions.Options

	dir      string
	ids      *sessionid.Codec
	files    []securecookie.Codec
	maxAge   time.Duration
	lifetime time.Duration
	now      func() time.Time
	log      *slog.Logger
	locks    *sessionlock.Local

	stopSweep context.CancelFunc
	sweeping  sync.WaitGroup
}

// record is what a file holds.
type record struct {
	Ends    time.Time // the absolute lifetime: creation + Lifetime
	Expires time.Time // the idle timeout: the last save + MaxAge
	Values  map[any]any
}

// New creates the folder if needed, returns a Store and starts its sweep.
func New(cfg Config) (*Store, error) {
	if cfg.Dir == "" {
		return nil, errors.New("fsstore: Config.Dir is required")
	}
	maxAgeSeconds, lifetime, err := sessionid.Timeouts(cfg.MaxAge, cfg.Lifetime)
	if err != nil {
		return nil, fmt.Errorf("fsstore: %w", err)
	}
	ids, err := sessionid.New(cfg.Secrets, maxAgeSeconds)
	if err != nil {
		return nil, fmt.Errorf("fsstore: %w", err)
	}
	pairs, err := keys.Pairs("fsstore", cfg.Secrets...)
	if err != nil {
		return nil, fmt.Errorf("fsstore: %w", err)
	}
	files := securecookie.CodecsFromPairs(pairs...)
	for _, c := range files {
		// No limits of securecookie's own (made for cookies): the record
		// holds its expiry, and write checks the size.
		c.(*securecookie.SecureCookie).MaxAge(0).MaxLength(0)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("fsstore: creating the session folder: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	maxAge := time.Duration(maxAgeSeconds) * time.Second
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = min(time.Minute, maxAge)
	}
	s := &Store{
		Options:  sessionid.Options(maxAgeSeconds, cfg.Secure),
		dir:      cfg.Dir,
		ids:      ids,
		files:    files,
		maxAge:   maxAge,
		lifetime: time.Duration(lifetime) * time.Second,
		now:      cfg.Now,
		log:      cfg.Logger,
		locks:    sessionlock.NewLocal(),
	}
	ctx, stop := context.WithCancel(context.Background())
	s.stopSweep = stop
	s.sweeping.Go(func() { s.sweepEvery(ctx, cfg.SweepInterval) })
	return s, nil
}

// Get returns the session called name for this request, cached for the
// rest of the request by gorilla's registry.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session that the request's cookie names. A cookie that
// cannot be used, a file that is gone, has expired or does not decode,
// gives a new empty session and a nil error. An error means the disk
// failed.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	session := sessionid.NewSession(s, name, s.Options)
	id, ok := s.ID(r, name)
	if !ok {
		return session, nil
	}
	rec, err := s.load(id)
	if err != nil || rec == nil {
		return session, err
	}
	session.Values = rec.Values
	session.ID = id
	session.IsNew = false
	return session, nil
}

// ID returns the session ID in the request's cookie called name, after
// checking its signature (once per request), and false when there is no
// usable cookie.
func (s *Store) ID(r *http.Request, name string) (string, bool) {
	return s.ids.FromRequest(r, name)
}

// path is the file of session id. IDs come from sessionid.NewID (letters
// and digits) and reach here only after their signature was checked.
func (s *Store) path(id string) string { return filepath.Join(s.dir, filePrefix+id) }

// load reads session id's file, or returns nil when there is no live one.
func (s *Store) load(id string) (*record, error) {
	file := s.path(id)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // never written, swept, or deleted
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var rec record
	if len(data) > MaxFileSize {
		err = fmt.Errorf("%d bytes, more than %d", len(data), MaxFileSize)
	} else {
		err = securecookie.DecodeMulti(filePrefix, string(data), &rec, s.files...)
	}
	if err != nil {
		s.log.Warn("fsstore: a session file does not decode; starting a fresh session (the file is kept)",
			"file", file, "err", err)
		return nil, nil
	}
	if now := s.now(); !now.Before(rec.Expires) || !now.Before(rec.Ends) {
		return nil, nil // idle too long, or outlived its lifetime
	}
	return &rec, nil
}

// Save writes the session's file and sends its cookie. Options.MaxAge < 0
// deletes the file and clears the cookie; 0 sends a cookie that the
// browser forgets when it closes, while the file is kept for the store's
// MaxAge. A session whose file is gone or ended since New gets a fresh ID.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	opts := *session.Options
	if r.TLS != nil {
		opts.Secure = true
	}
	if opts.MaxAge < 0 {
		if err := s.remove(session.ID); err != nil {
			return err
		}
		return s.ids.SetCookie(w, session.Name(), "", &opts)
	}
	idle := s.maxAge
	if opts.MaxAge > 0 {
		idle = time.Duration(opts.MaxAge) * time.Second
	}
	now := s.now()
	rec := record{Expires: now.Add(idle), Values: session.Values}
	if session.ID != "" {
		old, err := s.load(session.ID)
		if err != nil {
			return err
		}
		if old != nil {
			rec.Ends = old.Ends
		}
	}
	if rec.Ends.IsZero() {
		session.ID = sessionid.NewID() // new, or ended since New
		rec.Ends = now.Add(s.lifetime)
	}
	if err := s.write(session.ID, rec); err != nil {
		return err
	}
	return s.ids.SetCookie(w, session.Name(), session.ID, &opts)
}

// write puts rec in session id's file: in a temporary file first, then
// renamed over the old one, which is atomic on one file system.
func (s *Store) write(id string, rec record) error {
	encoded, err := securecookie.EncodeMulti(filePrefix, rec, s.files...)
	if err != nil {
		return fmt.Errorf("fsstore: encoding the session (gob.Register custom types): %w", err)
	}
	if len(encoded) > MaxFileSize {
		return fmt.Errorf("%w: %d bytes, %d at most", ErrTooLarge, len(encoded), MaxFileSize)
	}
	tmp, err := os.CreateTemp(s.dir, tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	_, err = tmp.WriteString(encoded)
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path(id))
	}
	if err != nil {
		os.Remove(tmp.Name()) // best effort; the sweep removes what is left
		return fmt.Errorf("%w: writing a session: %w", ErrUnavailable, err)
	}
	return nil
}

// remove deletes session id's file, if any.
func (s *Store) remove(id string) error {
	if id == "" {
		return nil
	}
	if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: deleting a session: %w", ErrUnavailable, err)
	}
	return nil
}

// Regenerate gives the session a new ID, keeping its values (its absolute
// lifetime starts again), and deletes the old file: call it at login, so
// that an ID planted or copied earlier is worthless afterwards. It saves
// the session and sends the new cookie.
func (s *Store) Regenerate(r *http.Request, w http.ResponseWriter, session *sessions.Session) error {
	if err := s.remove(session.ID); err != nil {
		return err
	}
	session.ID = ""
	return s.Save(r, w, session)
}

// Sweep removes the files of sessions not saved for MaxAge, and temporary
// files left by a crash, and reports how many it removed. The background
// sweep calls it; tests may too.
func (s *Store) Sweep() (int, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, fmt.Errorf("fsstore: reading the session folder: %w", err)
	}
	cutoff := s.now().Add(-s.maxAge)
	removed := 0
	var errs []error
	for _, entry := range entries {
		name := entry.Name()
		if entry.IsDir() || !strings.HasPrefix(name, filePrefix) && !strings.HasPrefix(name, tempPrefix) {
			continue // not ours: leave it alone
		}
		info, err := entry.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted meanwhile
		}
		if err == nil && info.ModTime().After(cutoff) {
			continue
		}
		if err == nil {
			err = os.Remove(filepath.Join(s.dir, name))
		}
		switch {
		case err == nil:
			removed++
		case !errors.Is(err, fs.ErrNotExist): // already gone is fine
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

// Len reports how many session files the folder holds.
func (s *Store) Len() (int, error) {
	matches, err := filepath.Glob(filepath.Join(s.dir, filePrefix+"*"))
	return len(matches), err
}

// Close stops the background sweep. Close is safe to call twice.
func (s *Store) Close() error {
	s.stopSweep()
	s.sweeping.Wait()
	return nil
}

func (s *Store) sweepEvery(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
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
