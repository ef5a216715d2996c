package idcookie

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/sessions"
)

// TestSetCookieMatchesNetHTTP: for every combination of names, values and
// options below, SetCookie adds exactly the header that net/http adds for
// sessions.NewCookie (with the same Expires), whether it writes the header
// itself or hands the cookie to net/http.
func TestSetCookieMatchesNetHTTP(t *testing.T) {
	defer log.SetOutput(log.Writer())
	log.SetOutput(io.Discard) // net/http logs each field it drops

	start := time.Date(2026, 11, 26, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	var cache atomic.Pointer[expiresText] // shared, as a codec shares it
	id, _ := NewID()
	encoded, _ := mustCodec(t, secretA).Encode("sid", id)
	plainOnes := 0
	for _, name := range []string{"sid", "my_session-2", "bad name", ""} {
		for _, value := range []string{encoded, "", "has space", "semi;colon"} {
			for _, path := range []string{"/", "", "/app", "/a;b"} {
				for _, domain := range []string{"", "example.com", ".example.com"} {
					for _, maxAge := range []int{3600, 0, -1} {
						for _, flags := range []int{0, 1, 2, 3, 4, 5, 6, 7} {
							for _, sameSite := range []http.SameSite{0, http.SameSiteDefaultMode, http.SameSiteLaxMode, http.SameSiteStrictMode, http.SameSiteNoneMode} {
								opts := sessions.Options{
									Path: path, Domain: domain, MaxAge: maxAge,
									Secure: flags&1 != 0, HttpOnly: flags&2 != 0, Partitioned: flags&4 != 0,
									SameSite: sameSite,
								}
								// Two instants a second apart: the cached Expires
								// date must not outlive its second.
								for _, now := range []time.Time{start, start.Add(1500 * time.Millisecond)} {
									want := netHTTPSetCookie(name, value, &opts, now)
									rec := httptest.NewRecorder()
									setCookie(rec, name, value, &opts, now, &cache)
									if got := rec.Header()["Set-Cookie"]; !slices.Equal(got, want) {
										t.Fatalf("name %q value %q options %+v at %v:\n got %q\nwant %q", name, value, opts, now, got, want)
									}
								}
								if plain(name, value, &opts) {
									plainOnes++
								}
							}
						}
					}
				}
			}
		}
	}
	if plainOnes == 0 {
		t.Fatal("no case took the fast path")
	}
}

// netHTTPSetCookie is what SetCookie must add: net/http's header for
// sessions.NewCookie, with Expires from now instead of time.Now.
func netHTTPSetCookie(name, value string, opts *sessions.Options, now time.Time) []string {
	c := sessions.NewCookie(name, value, opts)
	if opts.MaxAge > 0 {
		c.Expires = now.Add(time.Duration(opts.MaxAge) * time.Second)
	}
	rec := httptest.NewRecorder()
	http.SetCookie(rec, c)
	return rec.Header()["Set-Cookie"]
}

// TestSetCookieAllocations: the stores' cookies cost two allocations: the
// header's string and its slice.
func TestSetCookieAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	id, _ := NewID()
	encoded, _ := mustCodec(t, secretA).Encode("sid", id)
	opts := &sessions.Options{Path: "/", MaxAge: 86400, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	w := discardHeader{}
	now := time.Now()
	var cache atomic.Pointer[expiresText]
	if n := testing.AllocsPerRun(1000, func() {
		clear(w)
		setCookie(w, "sid", encoded, opts, now, &cache)
	}); n > 2 {
		t.Errorf("SetCookie made %v allocations, want at most 2", n)
	}
}

// discardHeader is a ResponseWriter that keeps only its header.
type discardHeader http.Header

func (d discardHeader) Header() http.Header       { return http.Header(d) }
func (discardHeader) Write(p []byte) (int, error) { return len(p), nil }
func (discardHeader) WriteHeader(int)             {}

// TestWriteCookie: the header carries the signed ID, which Decode accepts;
// an empty ID clears the cookie; an ID NewID could not have made is an
// error, and no header.
func TestWriteCookie(t *testing.T) {
	c := mustCodec(t, secretA)
	id, _ := NewID()
	opts := &sessions.Options{Path: "/", MaxAge: 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	rec := httptest.NewRecorder()
	if err := c.WriteCookie(rec, "sid", id, opts, time.Now()); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "sid" || cookies[0].MaxAge != 3600 || !cookies[0].HttpOnly {
		t.Fatalf("got %v, want one HttpOnly cookie sid with Max-Age 3600", cookies)
	}
	if got, err := c.Decode("sid", cookies[0].Value); err != nil || got != id {
		t.Errorf("the cookie decodes to %q, %v; want %q", got, err, id)
	}

	rec = httptest.NewRecorder()
	gone := &sessions.Options{Path: "/", MaxAge: -1}
	if err := c.WriteCookie(rec, "sid", "", gone, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := rec.Header().Get("Set-Cookie"); !strings.HasPrefix(got, "sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0") {
		t.Errorf("clearing: got %q", got)
	}

	rec = httptest.NewRecorder()
	if err := c.WriteCookie(rec, "sid", "not-an-id", opts, time.Now()); err == nil || rec.Header().Get("Set-Cookie") != "" {
		t.Errorf("a bad ID: err %v, header %q; want an error and no header", err, rec.Header().Get("Set-Cookie"))
	}
}
