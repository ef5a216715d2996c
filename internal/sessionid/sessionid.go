// Package sessionid signs random session IDs into cookies, and reads them
// back, for the course's server-side stores (memstore, redisstore, fsstore).
//
// It stands in for nothing: gorilla/sessions does this inside each of its
// stores (FilesystemStore signs its ID with securecookie.EncodeMulti), and
// this package is that same code, written once. Signing and checking are
// gorilla/securecookie's; cookies are written by net/http. The one thing
// added is that a request's cookie is checked once: the session lock needs
// the ID before the store loads the session, and both ask.
package sessionid

import (
	"context"
	"crypto/rand"
	"net/http"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/go-sessions-course/echo-sessions/internal/keys"
)

// Codec signs and checks session ID cookies. It is safe for concurrent use.
type Codec struct {
	codecs []securecookie.Codec
}

// New returns a Codec. The first secret signs; every secret verifies, so a
// secret can be rotated: put the new one first and keep the old one until
// its cookies have expired. A signed value older than maxAge seconds is
// refused.
func New(secrets [][]byte, maxAge int) (*Codec, error) {
	if err := keys.Check(secrets); err != nil {
		return nil, err
	}
	var pairs [][]byte
	for _, secret := range secrets {
		// A signing key and no encryption key: the ID is random and means
		// nothing outside the store, so hiding it would add nothing.
		pairs = append(pairs, secret, nil)
	}
	codecs := securecookie.CodecsFromPairs(pairs...)
	for _, c := range codecs {
		c.(*securecookie.SecureCookie).MaxAge(maxAge)
	}
	return &Codec{codecs: codecs}, nil
}

// NewID returns a fresh random ID: 128 bits from crypto/rand, far beyond
// what anyone can guess, in 26 letters and digits.
func NewID() string { return rand.Text() }

// SetCookie signs id and adds the cookie called name to the response, with
// the session's options. An empty id with a negative MaxAge clears it.
func (c *Codec) SetCookie(w http.ResponseWriter, name, id string, opts *sessions.Options) error {
	value := ""
	if id != "" {
		var err error
		if value, err = securecookie.EncodeMulti(name, id, c.codecs...); err != nil {
			return err
		}
	}
	http.SetCookie(w, sessions.NewCookie(name, value, opts))
	return nil
}

// FromRequest returns the ID in the request's cookie called name, and false
// when there is none that verifies (missing, tampered with, too old, signed
// with an unknown secret). It does not say whether a session with that ID
// exists; that is for the store.
//
// The answer is kept in the request's context, as gorilla's registry keeps
// sessions, so that a second call in the same request checks nothing again.
func (c *Codec) FromRequest(r *http.Request, name string) (string, bool) {
	key := cacheKey{c, name}
	if got, ok := r.Context().Value(key).(result); ok {
		return got.id, got.ok
	}
	var got result
	if cookie, err := r.Cookie(name); err == nil {
		err := securecookie.DecodeMulti(name, cookie.Value, &got.id, c.codecs...)
		got.ok = err == nil && got.id != ""
	}
	*r = *r.WithContext(context.WithValue(r.Context(), key, got))
	return got.id, got.ok
}

type cacheKey struct {
	c    *Codec
	name string
}

type result struct {
	id string
	ok bool
}
