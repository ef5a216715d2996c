// Package idcookie puts a random session ID into a signed cookie value and
// reads it back. The course's server-side stores (memstore, redisstore)
// share it: their cookies carry nothing but this signed ID.
package idcookie

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/go-sessions-course/echo-sessions/internal/keys"
)

// MinSecretLength is the shortest secret New accepts (see keys.Check).
const MinSecretLength = keys.MinSecretLength

// idBytes is the length of an ID before hex encoding: 128 bits from
// crypto/rand, far beyond what anyone can guess.
const idBytes = 16

// ErrNoID means the request carried no cookie with a usable ID: there was
// none, or it was tampered with, garbage, too long, too old, or signed with
// a secret the codec does not know.
var ErrNoID = errors.New("idcookie: no valid session ID in the request")

// cacheSize bounds the cache of verified cookie values.
const cacheSize = 4096

// Codec signs and verifies session ID cookies. It is safe for concurrent
// use.
//
// Verifying a cookie (base64, HMAC-SHA256, timestamp) costs about a
// microsecond and a dozen allocations, and a returning visitor shows the
// same cookie on every request, often twice (once to find its session's
// lock, once to load it). So the Codec remembers the values it has verified
// in a small cache; only values whose signature checked out go in, and each
// hit checks the value's age again.
type Codec struct {
	codecs  []securecookie.Codec
	signKey []byte                      // the first secret: it signs new values
	signers sync.Pool                   // of *signer, for Encode
	expires atomic.Pointer[expiresText] // WriteCookie's last Expires date
	maxAge  int64                       // seconds
	refresh time.Duration               // see Stale
	now     func() time.Time            // the store's clock

	cache  sync.Map     // cookie value -> verified; reads take no lock
	cached atomic.Int64 // entries in cache, to keep it bounded
}

// verified is a cookie value that passed Decode.
type verified struct {
	name   string // the cookie's name, which the signature covers
	id     string
	issued int64 // unix seconds, from the signed timestamp
}

// New returns a Codec. The first secret signs; every secret verifies, so a
// secret can be rotated: put the new one first and keep the old one until
// its cookies have expired. maxAge (seconds, above 0) is the oldest a signed
// value may be. now is the store's clock (nil means time.Now); it judges
// the age of cookies, so a test that moves it moves their age too.
func New(secrets [][]byte, maxAge int, now func() time.Time) (*Codec, error) {
	if err := keys.Check(secrets); err != nil {
		return nil, err
	}
	keyPairs := make([][]byte, 0, 2*len(secrets))
	for _, secret := range secrets {
		// A hash key and no block key: the ID is signed, not encrypted. It
		// is random and means nothing outside the store, so hiding it would
		// add nothing.
		keyPairs = append(keyPairs, secret, nil)
	}
	codecs := securecookie.CodecsFromPairs(keyPairs...)
	for _, c := range codecs {
		sc := c.(*securecookie.SecureCookie)
		// The cookie holds the raw ID bytes: no gob round-trip per request.
		sc.SetSerializer(securecookie.NopEncoder{})
		// A signed timestamp older than maxAge is rejected before any
		// lookup.
		sc.MaxAge(maxAge)
	}
	if now == nil {
		now = time.Now
	}
	c := &Codec{
		codecs:  codecs,
		signKey: secrets[0],
		maxAge:  int64(maxAge),
		// A browser's copy of the cookie is renewed (a fresh Max-Age) at
		// most this often; between renewals an unchanged cookie is not
		// sent again.
		refresh: min(time.Minute, time.Duration(maxAge)*time.Second/10),
		now:     now,
	}
	c.signers.New = func() any { return &signer{mac: hmac.New(sha256.New, c.signKey)} }
	return c, nil
}

// NewID returns a fresh random ID: 128 bits, hex encoded.
func NewID() (string, error) {
	var b [idBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Encode returns the signed cookie value for id, for a cookie called name.
//
// It writes exactly what securecookie's Encode would (with NopEncoder, no
// encryption, the first secret) and what Decode checks with securecookie:
// base64url("timestamp|base64url(id)|mac"), where mac is HMAC-SHA256 over
// "name|timestamp|base64url(id)". It does the work itself because every
// first visit pays for it: securecookie makes a new HMAC and several
// buffers per call (about 20 allocations); this reuses HMACs from a pool and
// allocates only the result. The timestamp comes from the codec's clock.
func (c *Codec) Encode(name, id string) (string, error) {
	return c.encode(name, id, c.now())
}

// encode is Encode at the time now.
func (c *Codec) encode(name, id string, now time.Time) (string, error) {
	var raw [idBytes]byte
	if len(id) != 2*idBytes { // before decoding: raw has room for one ID only
		return "", fmt.Errorf("%q is not a session ID from NewID", id)
	}
	if _, err := hex.Decode(raw[:], []byte(id)); err != nil {
		return "", fmt.Errorf("%q is not a session ID from NewID", id)
	}
	sg := c.signers.Get().(*signer)
	defer c.signers.Put(sg)
	// "name|timestamp|base64(id)|mac", where mac signs all before its "|".
	b := append(sg.buf[:0], name...)
	b = append(b, '|')
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '|')
	b = base64.URLEncoding.AppendEncode(b, raw[:])
	sg.mac.Reset()
	sg.mac.Write(b)
	b = append(b, '|')
	b = sg.mac.Sum(b)
	sg.buf = b // keep the room for the next call
	// Drop "name|": the name is signed, not sent.
	value := base64.URLEncoding.EncodeToString(b[len(name)+1:])
	if len(value) > maxValueLength {
		return "", fmt.Errorf("idcookie: a cookie called %q is too long (%d bytes)", name, len(value))
	}
	return value, nil
}

// signer is Encode's reusable state: an HMAC keyed with the signing secret,
// and a buffer.
type signer struct {
	mac hash.Hash
	buf []byte
}

// maxValueLength is securecookie's default limit on an encoded value, which
// Decode enforces.
const maxValueLength = 4096

// Decode returns the ID that value, a cookie called name, carries. Any
// value that does not verify gives ErrNoID, wrapping securecookie's reason.
func (c *Codec) Decode(name, value string) (string, error) {
	v, err := c.verify(name, value, c.now().Unix())
	return v.id, err
}

// verify returns what a value that verifies carries, judged at now (unix
// seconds), from the cache when it can.
func (c *Codec) verify(name, value string, now int64) (verified, error) {
	if e, ok := c.cache.Load(value); ok {
		if v := e.(verified); v.name == name && now-v.issued <= c.maxAge {
			return v, nil
		}
	}
	id, err := c.decode(name, value)
	if err != nil {
		return verified{}, err
	}
	issued, ok := IssuedAt(value)
	if !ok || now-issued.Unix() > c.maxAge {
		return verified{}, fmt.Errorf("%w: expired", ErrNoID) // by this codec's clock too
	}
	if c.cached.Add(1) > cacheSize {
		// Crude but bounded: start again; the busy values come back at once.
		c.cache.Clear()
		c.cached.Store(1)
	}
	v := verified{name: name, id: id, issued: issued.Unix()}
	c.cache.Store(value, v)
	return v, nil
}

// Cookie is what a request's valid cookie carries.
type Cookie struct {
	ID     string // the session ID
	Issued int64  // when the value was signed, in unix seconds
}

// Read returns what the request's cookie called name carries, judged at
// now, or ErrNoID. A store reads its clock once per request and passes it
// to every call. Read only checks the signature and age; whether a session
// with that ID exists is for the store to say.
func (c *Codec) Read(r *http.Request, name string, now time.Time) (Cookie, error) {
	value, ok := CookieValue(r, name)
	if !ok {
		return Cookie{}, ErrNoID // no cookie: a first visit
	}
	v, err := c.verify(name, value, now.Unix())
	if err != nil {
		return Cookie{}, err
	}
	return Cookie{ID: v.id, Issued: v.issued}, nil
}

// Due reports whether a browser's cookie, signed at issued, should be sent
// again at now so that its Max-Age moves forward: once it is older than the
// refresh period (a minute, or a tenth of maxAge if that is shorter).
// Between renewals, an unchanged cookie need not be re-sent.
func (c *Codec) Due(issued int64, now time.Time) bool {
	return now.Sub(time.Unix(issued, 0)) >= c.refresh
}

// Stale reports whether the response should carry a new cookie for the
// session id: the request brought no valid cookie for that ID, or its
// cookie is due for renewal (see Due). A store calls it in Save, so that an
// unchanged cookie is not re-sent on every response.
func (c *Codec) Stale(r *http.Request, name, id string) bool {
	now := c.now()
	v, err := c.Read(r, name, now)
	return err != nil || v.ID != id || c.Due(v.Issued, now)
}

// decode verifies value with securecookie.
func (c *Codec) decode(name, value string) (string, error) {
	var raw []byte
	if err := securecookie.DecodeMulti(name, value, &raw, c.codecs...); err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoID, err)
	}
	if len(raw) != idBytes {
		return "", fmt.Errorf("%w: signed value is %d bytes, not an ID", ErrNoID, len(raw))
	}
	return hex.EncodeToString(raw), nil
}

// FromRequest returns the ID in the request's cookie called name, or
// ErrNoID. It only checks the signature; whether a session with that ID
// exists is for the store to say.
func (c *Codec) FromRequest(r *http.Request, name string) (string, error) {
	v, err := c.Read(r, name, c.now())
	return v.ID, err
}

// CookieValue returns the value of the first cookie called name in the
// request, as r.Cookie(name).Value would, without parsing (and allocating)
// every other cookie on the way. It runs on every request.
func CookieValue(r *http.Request, name string) (string, bool) {
	for _, line := range r.Header["Cookie"] {
		for part := range strings.SplitSeq(line, ";") {
			part = textproto.TrimString(part)
			v, found := strings.CutPrefix(part, name)
			if !found || !strings.HasPrefix(v, "=") {
				continue
			}
			v = v[1:]
			// A quoted value means the same as the unquoted one.
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			return v, true
		}
	}
	return "", false
}

// IssuedAt returns when value was signed. Call it only on a value that
// Decode accepted in the same request: it reads the signed timestamp
// without checking the signature a second time. A store uses it to re-send
// a cookie only when the browser's copy is getting old.
func IssuedAt(value string) (time.Time, bool) {
	// securecookie's format: base64url("timestamp|value|mac").
	raw, err := base64.URLEncoding.DecodeString(value)
	if err != nil {
		return time.Time{}, false
	}
	stamp, _, found := bytes.Cut(raw, []byte("|"))
	if !found {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(string(stamp), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}
