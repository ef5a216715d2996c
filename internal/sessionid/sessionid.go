// Package sessionid signs random session IDs into cookies, and reads them
// back, for the course's stores (memstore, redisstore, fsstore). It is the
// code each gorilla store has inside (securecookie signs, net/http writes),
// written once, plus one thing: a request's cookie is checked once, though
// the session lock and the store both ask for its ID.
package sessionid

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// MinSecretLength is the shortest secret accepted: a key shorter than the
// HMAC-SHA256 output is easier to guess than the signature it makes.
const MinSecretLength = 32

// CheckSecrets reports whether there is a secret, and none is too short.
func CheckSecrets(secrets [][]byte) error {
	if len(secrets) == 0 {
		return errors.New("at least one secret is required")
	}
	for i, secret := range secrets {
		if len(secret) < MinSecretLength {
			return fmt.Errorf("secret %d is %d bytes long; it must be at least %d", i+1, len(secret), MinSecretLength)
		}
	}
	return nil
}

// Codec signs and checks session ID cookies. It is safe for concurrent use.
type Codec struct {
	codecs []securecookie.Codec
}

// New returns a Codec. The first secret signs; all verify, so a secret can
// be rotated. A value signed more than maxAge seconds ago is refused.
func New(secrets [][]byte, maxAge int) (*Codec, error) {
	if err := CheckSecrets(secrets); err != nil {
		return nil, err
	}
	var pairs [][]byte
	for _, secret := range secrets {
		// No encryption key: a random ID means nothing outside the store.
		pairs = append(pairs, secret, nil)
	}
	codecs := securecookie.CodecsFromPairs(pairs...)
	for _, c := range codecs {
		// The cookie holds the ID's bytes as they are: gob (the default)
		// would cost a few microseconds per request to say the same.
		c.(*securecookie.SecureCookie).MaxAge(maxAge).SetSerializer(securecookie.NopEncoder{})
	}
	return &Codec{codecs: codecs}, nil
}

// NewID returns a fresh random ID: 128 bits from crypto/rand (26 letters
// and digits), far beyond what anyone can guess.
func NewID() string { return rand.Text() }

// SetCookie signs id and adds the cookie called name to the response, with
// the session's options. An empty id with a negative MaxAge clears it.
func (c *Codec) SetCookie(w http.ResponseWriter, name, id string, opts *sessions.Options) error {
	value := ""
	if id != "" {
		var err error
		if value, err = securecookie.EncodeMulti(name, []byte(id), c.codecs...); err != nil {
			return err
		}
	}
	http.SetCookie(w, sessions.NewCookie(name, value, opts))
	return nil
}

// FromRequest returns the ID in the request's cookie called name, and false
// when none verifies (missing, tampered with, too old, unknown secret);
// whether the session exists is for the store to say. The answer is kept in
// the request's context, as gorilla's registry keeps sessions, so a second
// call in the same request checks nothing again.
func (c *Codec) FromRequest(r *http.Request, name string) (string, bool) {
	key := cacheKey{c, name}
	if got, ok := r.Context().Value(key).(result); ok {
		return got.id, got.ok
	}
	cookie, err := r.Cookie(name)
	if err != nil {
		return "", false // no cookie: a first visit, nothing to check
	}
	var id []byte
	err = securecookie.DecodeMulti(name, cookie.Value, &id, c.codecs...)
	got := result{string(id), err == nil && len(id) > 0}
	*r = *r.WithContext(context.WithValue(r.Context(), key, got))
	return got.id, got.ok
}

type (
	cacheKey struct {
		c    *Codec
		name string
	}
	result struct {
		id string
		ok bool
	}
)
