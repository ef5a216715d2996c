package sessionid

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/sessions"
)

var (
	one = []byte("secret one, at least thirty-two bytes long")
	two = []byte("secret two, at least thirty-two bytes long")
)

func TestCheckSecrets(t *testing.T) {
	if err := CheckSecrets(nil); err == nil {
		t.Error("no secrets accepted")
	}
	if err := CheckSecrets([][]byte{one, []byte("short")}); err == nil || err.Error() != "secret 2 is 5 bytes long; it must be at least 32" {
		t.Errorf("a short second secret: got %v", err)
	}
	if err := CheckSecrets([][]byte{one, two}); err != nil {
		t.Error(err)
	}
}

// cookie returns the cookie that c sets for id.
func cookie(t *testing.T, c *Codec, id string) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := c.SetCookie(rec, "sid", id, &sessions.Options{Path: "/", HttpOnly: true}); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()[0]
}

func TestRoundTripAndRotation(t *testing.T) {
	oldCodec, _ := New([][]byte{one}, 60)
	rotated, _ := New([][]byte{two, one}, 60)
	onlyNew, _ := New([][]byte{two}, 60)
	id := NewID()
	c := cookie(t, oldCodec, id)
	for _, tc := range []struct {
		name  string
		codec *Codec
		ok    bool
	}{{"same secret", oldCodec, true}, {"old secret kept second", rotated, true}, {"old secret dropped", onlyNew, false}} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(c)
		if got, ok := tc.codec.FromRequest(req, "sid"); ok != tc.ok || (ok && got != id) {
			t.Errorf("%s: got %q %v, want %q %v", tc.name, got, ok, id, tc.ok)
		}
	}
}

// TestCheckedOncePerRequest: the second call in a request reuses the first
// one's answer (a changed header is not read again), and another request
// is checked afresh.
func TestCheckedOncePerRequest(t *testing.T) {
	c, _ := New([][]byte{one}, 60)
	id := NewID()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(cookie(t, c, id))
	if got, ok := c.FromRequest(req, "sid"); !ok || got != id {
		t.Fatalf("got %q %v, want %q", got, ok, id)
	}
	req.Header.Set("Cookie", "sid=garbage")
	if got, ok := c.FromRequest(req, "sid"); !ok || got != id {
		t.Errorf("second call: got %q %v; want the first call's answer", got, ok)
	}
	fresh := httptest.NewRequest(http.MethodGet, "/", nil)
	fresh.Header.Set("Cookie", "sid=garbage")
	if _, ok := c.FromRequest(fresh, "sid"); ok {
		t.Error("garbage verified")
	}
}
