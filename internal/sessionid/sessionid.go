// Package sessionid is what the course's stores share: random session IDs
// signed into cookies and read back (securecookie signs, net/http writes, as
// in every gorilla store, and a request's cookie is checked once, though the
// lock and the store both ask), their cookie options, timeouts and secrets.
package sessionid

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// The timeouts' defaults, in seconds: a day idle, a week in all. MaxMaxAge
// is the longest either may be: 400 days, the most a browser keeps a cookie.
const (
	DefaultMaxAge   = 86400
	DefaultLifetime = 7 * 86400
	MaxMaxAge       = 400 * 86400
)

// Timeouts checks a store's MaxAge (idle) and Lifetime (absolute), in
// seconds, and puts the defaults in place of zeros.
func Timeouts(maxAge, lifetime int) (int, int, error) {
	maxAge, lifetime = cmp.Or(maxAge, DefaultMaxAge), cmp.Or(lifetime, DefaultLifetime)
	if maxAge < 0 || maxAge > MaxMaxAge || lifetime < 0 || lifetime > MaxMaxAge {
		return 0, 0, fmt.Errorf("MaxAge and Lifetime must be from 1 to %d seconds, got %d and %d", MaxMaxAge, maxAge, lifetime)
	}
	return maxAge, lifetime, nil
}

// Options returns the cookie options every course store starts with.
func Options(maxAge int, secure bool) *sessions.Options {
	return &sessions.Options{
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,                 // page scripts cannot read it: XSS cannot steal it
		SameSite: http.SameSiteLaxMode, // left off cross-site POSTs (gorilla defaults to None)
		// Secure only when asked for: over http://localhost a browser
		// drops a Secure cookie, and every visit would be the first.
		Secure: secure,
	}
}

// NewSession returns a new, empty session called name, with a copy of opts
// (a handler may change its own).
func NewSession(store sessions.Store, name string, opts *sessions.Options) *sessions.Session {
	session, copied := sessions.NewSession(store, name), *opts
	session.Options, session.IsNew = &copied, true
	return session
}

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
type Codec struct{ codecs []securecookie.Codec }

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
		// The ID's bytes as they are: gob (the default) costs microseconds.
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

// FromRequest returns the ID in the request's cookie called name, or false
// when none verifies. The answer is kept in the request's context, as
// gorilla's registry keeps sessions: a second call checks nothing again.
func (c *Codec) FromRequest(r *http.Request, name string) (string, bool) {
	key := cacheKey{c, name}
	if id, ok := r.Context().Value(key).(string); ok {
		return id, id != ""
	}
	cookie, err := r.Cookie(name)
	if err != nil {
		return "", false // no cookie: a first visit, nothing to check
	}
	var raw []byte
	if securecookie.DecodeMulti(name, cookie.Value, &raw, c.codecs...) != nil {
		raw = nil // tampered with, too old, another secret...: no ID
	}
	id := string(raw)
	*r = *r.WithContext(context.WithValue(r.Context(), key, id))
	return id, id != ""
}

// cacheKey is the context key of a checked cookie.
type cacheKey struct {
	c    *Codec
	name string
}
