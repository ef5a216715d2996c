package sessionstore

import (
	"bytes"
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
// cookie options (nil: the store's).
type record struct {
	start, expiry, sent time.Time
	values              map[any]any
	opts                *sessions.Options
}

// encode returns the record as the storage keeps it, as lines: its form
// (with the session's own options, as a Set-Cookie header writes them),
// its three times (Unix milliseconds, as JavaScript's Date.now), then its
// values. Plain values (string keys, string or int values: a counter, a
// user ID) are text you can read in the store, a key or a value a line,
// strings quoted (form "p"); anything else goes through gob (form "g"),
// whose type descriptions would cost microseconds a visit.
func (rec *record) encode() ([]byte, error) {
	b := []byte("p")
	if rec.opts != nil { // "p; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"
		o := rec.opts // not sessions.NewCookie, which adds Expires
		c := http.Cookie{Name: "o", Path: o.Path, Domain: o.Domain, MaxAge: o.MaxAge, Secure: o.Secure,
			HttpOnly: o.HttpOnly, Partitioned: o.Partitioned, SameSite: o.SameSite}
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
	if b[0] == 'p' {
		return b, nil
	}
	buf := bytes.NewBuffer(b[:head])
	if err := gob.NewEncoder(buf).Encode(rec.values); err != nil {
		return nil, fmt.Errorf("sessionstore: encoding values (gob.Register custom types): %w", err)
	}
	return buf.Bytes(), nil
}

var errCorrupt = errors.New("sessionstore: a stored record is corrupt")

// decode reads what encode wrote; a record it cannot read is an error.
func (rec *record) decode(data []byte) error {
	text := string(data)
	line := func() (l string) { l, text, _ = strings.Cut(text, "\n"); return l }
	form, opts, own := strings.Cut(line(), ";")
	if form != "p" && form != "g" {
		return errCorrupt
	}
	if own {
		c, err := http.ParseSetCookie("o=;" + opts)
		if err != nil {
			return errCorrupt
		}
		rec.opts = &sessions.Options{Path: c.Path, Domain: c.Domain, MaxAge: c.MaxAge,
			Secure: c.Secure, HttpOnly: c.HttpOnly, Partitioned: c.Partitioned, SameSite: c.SameSite}
	}
	for _, t := range []*time.Time{&rec.start, &rec.expiry, &rec.sent} {
		n, err := strconv.ParseInt(line(), 10, 64)
		if err != nil {
			return errCorrupt
		}
		*t = time.UnixMilli(n)
	}
	if form == "g" {
		return gob.NewDecoder(strings.NewReader(text)).Decode(&rec.values)
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
