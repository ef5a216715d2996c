// Package sessionindex lists and ends the sessions of one account: the
// "your sessions" page, and the logout of every other device after a
// password change, that OWASP's Session Management Cheat Sheet asks for.
//
// No published package does this for gorilla/sessions, nor for the
// course's anchors: express-session cannot find a user's sessions
// (expressjs/session#865), and scs can only walk through all of them. It
// works beside the course's engine (sessionstore), over a storage
// that files each session under its owner with an indexed column
// (sessionstore/sqlstore does). The engine still owns the cookie, the IDs and
// the timeouts: this package never makes an ID, and it shows none. A page
// names a session by its handle, an HMAC of the ID: it tells nothing of
// the ID, so a handle that leaks (in a page, a log) opens nothing.
package sessionindex

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/sessionstore"
)

// Storage is what the engine's storage must also do: file a session under
// an owner, return an owner's records by ID, and delete them.
type Storage interface {
	sessionstore.Storage
	SetOwner(ctx context.Context, id, owner string) error
	Owned(ctx context.Context, owner string) (map[string][]byte, error)
	DeleteOwned(ctx context.Context, owner, keep string) error // keep "": every one
}

// Index finds an account's sessions. Its errors are the storage's, wrapped
// in sessionstore.ErrUnavailable.
type Index struct {
	engine  *sessionstore.Store
	storage Storage
	key     []byte // for handles
}

// New returns an Index over the storage under engine. secret makes the
// handles; every instance must be given the same one (the session secret
// will do: the key is derived from it, never used as it is).
func New(engine *sessionstore.Store, storage Storage, secret []byte) *Index {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("sessionindex handles"))
	return &Index{engine: engine, storage: storage, key: mac.Sum(nil)}
}

// Entry is one session in a list.
type Entry struct {
	Handle          string      // names the session in a form; not its ID
	Start, LastUsed time.Time   // see sessionstore's Read
	Values          map[any]any // what the session holds
	Current         bool        // the session of the request that asked
}

// Own files the saved session sess under owner. Call it after the login's
// Regenerate (which makes a new, unfiled ID) and after every later one.
func (x *Index) Own(ctx context.Context, sess *sessions.Session, owner string) error {
	return wrap(x.storage.SetOwner(ctx, sess.ID, owner))
}

// region list
// List returns owner's sessions that have not ended, the newest first;
// current (which may be nil) is marked.
func (x *Index) List(ctx context.Context, owner string,
	current *sessions.Session) ([]Entry, error) {
	owned, err := x.storage.Owned(ctx, owner)
	if err != nil {
		return nil, wrap(err)
	}
	var list []Entry
	for id, data := range owned {
		if start, lastUsed, values, ok := x.engine.Read(data); ok {
			list = append(list, Entry{Handle: x.handle(id), Start: start, LastUsed: lastUsed,
				Values: values, Current: current != nil && id == current.ID})
		}
	}
	slices.SortFunc(list, func(a, b Entry) int {
		return cmp.Or(b.Start.Compare(a.Start), cmp.Compare(a.Handle, b.Handle))
	})
	return list, nil
}

// End ends owner's session that handle names, at once, on every instance
// that shares the storage, and reports false when owner has no such
// session: a handle of another account's session ends nothing.
func (x *Index) End(ctx context.Context, owner, handle string) (bool, error) {
	owned, err := x.storage.Owned(ctx, owner)
	if err != nil {
		return false, wrap(err)
	}
	for id := range owned {
		if hmac.Equal([]byte(x.handle(id)), []byte(handle)) {
			return true, wrap(x.storage.Delete(ctx, id))
		}
	}
	return false, nil
}

// endregion list

// EndOthers ends every session of owner but keep (nil: every one).
func (x *Index) EndOthers(ctx context.Context, owner string, keep *sessions.Session) error {
	id := ""
	if keep != nil {
		id = keep.ID
	}
	return wrap(x.storage.DeleteOwned(ctx, owner, id))
}

// handle is the ID's HMAC: 128 bits, enough that nobody finds another
// session's handle by guessing.
func (x *Index) handle(id string) string {
	mac := hmac.New(sha256.New, x.key)
	mac.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", sessionstore.ErrUnavailable, err)
}
