package sessionstore

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/sessions"
)

// record is a stored session: when it began (for the absolute timeout),
// when it ends, when its cookie was last sent, its values, and its own
// cookie options (nil: the store's). A moved record (form "x") marks an ID
// that Regenerate replaced a moment ago.
type record struct {
	start, expiry, sent time.Time
	values              map[any]any
	opts                *sessions.Options
	moved               bool
}

// encode returns the record as the storage keeps it, as lines: its form
// (with the session's own options, as a Set-Cookie header writes them),
// its three times (Unix milliseconds, as JavaScript's Date.now), then its
// values. Plain values (string keys, string or int values: a counter, a
// user ID) are text you can read in the store, a key or a value a line,
// strings quoted (form "p"); anything else goes through gob (form "g"),
// whose type descriptions would cost microseconds a visit. A gob record
// ends with its HMAC-SHA256 under key: gob is not hardened against hostile
// input (a few bytes can ask for a map of four billion entries), so the
// engine decodes only gob it wrote itself.
func (rec *record) encode(key []byte) ([]byte, error) {
	b := []byte("p")
	if rec.moved {
		b[0] = 'x'
	}
	if rec.opts != nil { // "p; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"
		o := rec.opts // not sessions.NewCookie, which adds Expires
		c := http.Cookie{Name: "o", Path: o.Path, Domain: o.Domain, MaxAge: o.MaxAge,
			Secure: o.Secure, HttpOnly: o.HttpOnly, Partitioned: o.Partitioned, SameSite: o.SameSite}
		_, attrs, _ := strings.Cut(c.String(), ";")
		b = append(append(b, ';'), attrs...)
	}
	b = append(b, '\n')
	for _, t := range []time.Time{rec.start, rec.expiry, rec.sent} {
		b = append(strconv.AppendInt(b, t.UnixMilli(), 10), '\n')
	}
	head := len(b)
	for k, v := range rec.values {
		key, ok := k.(string)
		b = append(strconv.AppendQuote(b, key), '\n')
		switch v := v.(type) {
		case string:
			b = strconv.AppendQuote(b, v)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		default:
			ok = false
		}
		if b = append(b, '\n'); !ok {
			b[0] = 'g'
			break
		}
	}
	if b[0] == 'g' {
		buf := bytes.NewBuffer(b[:head])
		if err := gob.NewEncoder(buf).Encode(rec.values); err != nil {
			return nil, fmt.Errorf("sessionstore: encoding values (gob.Register custom types): %w", err)
		}
		mac := hmac.New(sha256.New, key)
		mac.Write(buf.Bytes())
		b = mac.Sum(buf.Bytes())
	}
	if len(b) > maxRecord {
		return nil, fmt.Errorf("sessionstore: a session of %d bytes, over %d", len(b), maxRecord)
	}
	return b, nil
}

// maxRecord bounds a record, sixteen times what a cookie can hold: a
// bigger one is refused at Save, and is corrupt when loaded.
const maxRecord = 64 << 10

var errCorrupt = errors.New("sessionstore: a stored record is corrupt")

// decode reads what encode wrote, checking a gob record's HMAC with each
// key in turn (rotation); a record it cannot read is an error.
func (rec *record) decode(data []byte, keys [][]byte) error {
	if len(data) > maxRecord {
		return errCorrupt
	}
	text := string(data)
	line := func() (l string) { l, text, _ = strings.Cut(text, "\n"); return l }
	form, opts, own := strings.Cut(line(), ";")
	if form != "p" && form != "g" && form != "x" {
		return errCorrupt
	}
	rec.moved = form == "x"
	if own {
		c, err := http.ParseSetCookie("o=;" + opts)
		if err != nil {
			return errCorrupt
		}
		rec.opts = &sessions.Options{Path: c.Path, Domain: c.Domain, MaxAge: c.MaxAge, Secure: c.Secure,
			HttpOnly: c.HttpOnly, Partitioned: c.Partitioned, SameSite: c.SameSite}
	}
	for _, t := range []*time.Time{&rec.start, &rec.expiry, &rec.sent} {
		n, err := strconv.ParseInt(line(), 10, 64)
		if err != nil {
			return errCorrupt
		}
		*t = time.UnixMilli(n)
	}
	if form == "g" {
		n := len(data) - sha256.Size
		if n < len(data)-len(text) || !signed(data[:n], data[n:], keys) {
			return errCorrupt // not ours: never handed to gob
		}
		return gob.NewDecoder(strings.NewReader(text[:len(text)-sha256.Size])).Decode(&rec.values)
	}
	rec.values = make(map[any]any)
	for text != "" {
		key, kerr := strconv.Unquote(line())
		value := line()
		if s, err := strconv.Unquote(value); kerr == nil && err == nil {
			rec.values[key] = s
		} else if n, err := strconv.Atoi(value); kerr == nil && err == nil {
			rec.values[key] = n
		} else {
			return errCorrupt
		}
	}
	return nil
}

// signed reports whether sum is body's HMAC under one of keys.
func signed(body, sum []byte, keys [][]byte) bool {
	for _, key := range keys {
		mac := hmac.New(sha256.New, key)
		mac.Write(body)
		if hmac.Equal(mac.Sum(nil), sum) {
			return true
		}
	}
	return false
}
