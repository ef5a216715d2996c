package idcookie

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/sessions"
)

// WriteCookie signs id for a cookie called name, at the time now (the
// store's clock, read once per request), and adds the cookie's Set-Cookie
// header to w: the header that
//
//	http.SetCookie(w, sessions.NewCookie(name, value, opts))
//
// adds, value being Encode's, and Expires computed from now rather than from
// time.Now. An empty id writes an empty value, which clears the cookie when
// opts.MaxAge is negative.
//
// For the cookies the stores send (a valid name, a plain Path, no Domain) it
// writes the header itself, in one string. net/http's Cookie.String is
// written for any cookie: it checks every byte of every field and builds
// the header in several steps, which made up a fifth of a first visit's
// time. Anything else goes through net/http as above.
// TestSetCookieMatchesNetHTTP compares the two.
func (c *Codec) WriteCookie(w http.ResponseWriter, name, id string, opts *sessions.Options, now time.Time) error {
	var value string
	if id != "" {
		v, err := c.encode(name, id, now)
		if err != nil {
			return err
		}
		value = v
	}
	setCookie(w, name, value, opts, now, &c.expires)
	return nil
}

// expiresText is an Expires date as the header writes it, for one second
// and one Max-Age: the many cookies sent within a second share it.
type expiresText struct {
	second int64
	maxAge int
	text   string
}

// setCookie adds the Set-Cookie header for a cookie called name with value,
// as WriteCookie describes, keeping the last Expires date it wrote in cache.
func setCookie(w http.ResponseWriter, name, value string, opts *sessions.Options, now time.Time, cache *atomic.Pointer[expiresText]) {
	// Expires as sessions.NewCookie sets it, for old browsers that do not
	// know Max-Age.
	var expires time.Time
	switch {
	case opts.MaxAge > 0:
		expires = now.Add(time.Duration(opts.MaxAge) * time.Second)
	case opts.MaxAge < 0:
		expires = time.Unix(1, 0)
	}
	if !plain(name, value, opts) {
		cookie := sessions.NewCookie(name, value, opts)
		cookie.Expires = expires
		http.SetCookie(w, cookie)
		return
	}
	var b strings.Builder
	b.Grow(len(name) + len(value) + len(opts.Path) + 110)
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(value)
	if opts.Path != "" {
		b.WriteString("; Path=")
		b.WriteString(opts.Path)
	}
	var buf [len(http.TimeFormat)]byte
	if expires.Year() >= 1601 { // as net/http: RFC 6265, section 5.1.1
		b.WriteString("; Expires=")
		e := cache.Load()
		if e == nil || e.second != now.Unix() || e.maxAge != opts.MaxAge {
			text := string(expires.UTC().AppendFormat(buf[:0], http.TimeFormat))
			e = &expiresText{now.Unix(), opts.MaxAge, text}
			cache.Store(e)
		}
		b.WriteString(e.text)
	}
	if opts.MaxAge > 0 {
		b.WriteString("; Max-Age=")
		b.Write(strconv.AppendInt(buf[:0], int64(opts.MaxAge), 10))
	} else if opts.MaxAge < 0 {
		b.WriteString("; Max-Age=0")
	}
	if opts.HttpOnly {
		b.WriteString("; HttpOnly")
	}
	if opts.Secure {
		b.WriteString("; Secure")
	}
	switch opts.SameSite {
	case http.SameSiteNoneMode:
		b.WriteString("; SameSite=None")
	case http.SameSiteLaxMode:
		b.WriteString("; SameSite=Lax")
	case http.SameSiteStrictMode:
		b.WriteString("; SameSite=Strict")
	}
	if opts.Partitioned {
		b.WriteString("; Partitioned")
	}
	h := w.Header()
	h["Set-Cookie"] = append(h["Set-Cookie"], b.String())
}

// plain reports whether SetCookie may write the header itself: net/http
// would write every field as it is, with nothing to quote, drop or clean.
func plain(name, value string, opts *sessions.Options) bool {
	if name == "" || opts.Domain != "" {
		return false
	}
	for i := range len(name) {
		if !tokenByte[name[i]] {
			return false
		}
	}
	for i := range len(value) {
		if !base64URLByte[value[i]] {
			return false
		}
	}
	for i := range len(opts.Path) {
		if c := opts.Path[i]; c < 0x20 || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

// tokenByte and base64URLByte say which bytes may appear in a cookie name
// (an RFC 7230 token) and in Encode's output.
var tokenByte, base64URLByte = byteSet("!#$%&'*+-.^_`|~"), byteSet("-_=")

// byteSet returns the set of ASCII letters and digits, and extra.
func byteSet(extra string) (set [256]bool) {
	for c := range 256 {
		set[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	for i := range len(extra) {
		set[extra[i]] = true
	}
	return set
}
