package idcookie

import (
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/go-sessions-course/echo-sessions/internal/testcookie"
)

var (
	secretA = []byte("idcookie-secret-A-0123456789abcdefghij")
	secretB = []byte("idcookie-secret-B-0123456789abcdefghij")
)

func mustCodec(t testing.TB, secrets ...[]byte) *Codec {
	t.Helper()
	c, err := New(secrets, 3600, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTripAndRotation(t *testing.T) {
	id, err := NewID()
	if err != nil || len(id) != 32 {
		t.Fatalf("NewID: %q, %v", id, err)
	}
	other, _ := NewID()
	if id == other {
		t.Fatal("two NewID calls returned the same ID")
	}
	old := mustCodec(t, secretA)
	v, err := old.Encode("sid", id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(v, id) {
		t.Error("the cookie value shows the hex ID as is")
	}
	rotated := mustCodec(t, secretB, secretA)
	if got, err := rotated.Decode("sid", v); err != nil || got != id {
		t.Errorf("rotated codec: got %q, %v; want %q", got, err, id)
	}
	if _, err := mustCodec(t, secretB).Decode("sid", v); !errors.Is(err, ErrNoID) {
		t.Errorf("dropped secret: got %v, want ErrNoID", err)
	}
	if _, err := old.Decode("other-name", v); !errors.Is(err, ErrNoID) {
		t.Errorf("a value for another cookie name was accepted: %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	c := mustCodec(t, secretA)
	id, _ := NewID()
	good, _ := c.Encode("sid", id)
	for name, value := range map[string]string{
		"tampered":  testcookie.Tamper(good),
		"garbage":   "garbage",
		"empty":     "",
		"oversized": strings.Repeat("a", 64<<10),
	} {
		if _, err := c.Decode("sid", value); !errors.Is(err, ErrNoID) {
			t.Errorf("%s: got %v, want ErrNoID", name, err)
		}
	}
	for _, bad := range []string{"not-hex", "", id[:30], id + "ab", id + "abcd", strings.ToUpper(id[:31]) + "g"} {
		if _, err := c.Encode("sid", bad); err == nil {
			t.Errorf("Encode accepted %q, an ID that NewID could not have made", bad)
		}
	}
}

func TestFromRequest(t *testing.T) {
	c := mustCodec(t, secretA)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if _, err := c.FromRequest(req, "sid"); !errors.Is(err, ErrNoID) {
		t.Errorf("no cookie: got %v, want ErrNoID", err)
	}
	id, _ := NewID()
	v, _ := c.Encode("sid", id)
	req.AddCookie(&http.Cookie{Name: "sid", Value: v})
	if got, err := c.FromRequest(req, "sid"); err != nil || got != id {
		t.Errorf("got %q, %v; want %q", got, err, id)
	}
}

func TestIssuedAt(t *testing.T) {
	c := mustCodec(t, secretA)
	id, _ := NewID()
	v, _ := c.Encode("sid", id)
	at, ok := IssuedAt(v)
	if !ok || time.Since(at) > time.Minute || time.Since(at) < -time.Minute {
		t.Errorf("got %v, %v; want about now", at, ok)
	}
	if _, ok := IssuedAt("garbage"); ok {
		t.Error("garbage has a timestamp")
	}
}

// TestCachedValuesStillExpire: a value that verified once and sits in the
// cache is refused once it is older than maxAge, as securecookie would.
func TestCachedValuesStillExpire(t *testing.T) {
	c, err := New([][]byte{secretA}, 60, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := NewID()
	v, _ := c.Encode("sid", id)
	if got, err := c.Decode("sid", v); err != nil || got != id {
		t.Fatalf("fresh value: %q, %v", got, err)
	}
	if _, err := c.Decode("other", v); !errors.Is(err, ErrNoID) {
		t.Error("a cached value was accepted under another cookie name")
	}
	c.now = func() time.Time { return time.Now().Add(61 * time.Second) }
	if _, err := c.Decode("sid", v); !errors.Is(err, ErrNoID) {
		t.Errorf("a cached value older than maxAge: got %v, want ErrNoID", err)
	}
}

func TestCacheIsBounded(t *testing.T) {
	c := mustCodec(t, secretA)
	for range cacheSize + 10 {
		id, _ := NewID()
		v, _ := c.Encode("sid", id)
		if _, err := c.Decode("sid", v); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	c.cache.Range(func(any, any) bool { n++; return true })
	if n > cacheSize {
		t.Errorf("the cache holds %d values, more than %d", n, cacheSize)
	}
}

func TestCookieValue(t *testing.T) {
	tests := []struct {
		header, want string
		ok           bool
	}{
		{"sid=abc", "abc", true},
		{"a=1; sid=abc; b=2", "abc", true},
		{"a=1;sid=abc", "abc", true},
		{`sid="abc"`, "abc", true},
		{"sidx=abc; sid=def", "def", true},
		{"xsid=abc", "", false},
		{"sid=first; sid=second", "first", true},
		{"other=1", "", false},
		{"sid=", "", true},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Cookie", tt.header)
		got, ok := CookieValue(req, "sid")
		if got != tt.want || ok != tt.ok {
			t.Errorf("%q: got %q %v, want %q %v", tt.header, got, ok, tt.want, tt.ok)
		}
		if c, err := req.Cookie("sid"); (err == nil) != tt.ok || (err == nil && c.Value != got) {
			t.Errorf("%q: net/http says %v, %v", tt.header, c, err)
		}
	}
}

// TestStale: a store re-sends the cookie for a new or foreign ID, and for
// its own ID once the refresh period has passed, not before.
func TestStale(t *testing.T) {
	now := time.Now()
	c, err := New([][]byte{secretA}, 3600, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	id, _ := NewID()
	other, _ := NewID()
	v, _ := c.Encode("sid", id)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if !c.Stale(req, "sid", id) {
		t.Error("no cookie: not stale")
	}
	req.AddCookie(&http.Cookie{Name: "sid", Value: v})
	if c.Stale(req, "sid", id) {
		t.Error("a fresh cookie for this ID is stale")
	}
	if !c.Stale(req, "sid", other) {
		t.Error("a cookie for another ID is not stale")
	}
	now = now.Add(61 * time.Second) // the period: a minute (a tenth of 3600s is more)
	if !c.Stale(req, "sid", id) {
		t.Error("a cookie older than the refresh period is not stale")
	}
	short, _ := New([][]byte{secretA}, 20, func() time.Time { return now })
	if short.refresh != 2*time.Second {
		t.Errorf("refresh period for maxAge 20s: got %v, want 2s", short.refresh)
	}
}

func TestNewRejectsShortSecrets(t *testing.T) {
	if _, err := New(nil, 60, nil); err == nil {
		t.Error("no secrets accepted")
	}
	if _, err := New([][]byte{[]byte("short")}, 60, nil); err == nil {
		t.Error("a short secret accepted")
	}
}

// FuzzDecode: whatever a client puts in the cookie, Decode returns an ID it
// signed or ErrNoID, and never panics.
func FuzzDecode(f *testing.F) {
	c := mustCodec(f, secretA)
	// A fixed ID: every fuzzing worker runs this setup again, and all must
	// agree on what the seed corpus carries.
	const id = "00112233445566778899aabbccddeeff"
	good, _ := c.Encode("sid", id)
	for _, seed := range []string{good, "", "garbage", "%%%", good + "x", strings.Repeat("A", 5000), "MTIzfDQ1Nnw3ODk="} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		got, err := c.Decode("sid", value)
		if err != nil {
			if !errors.Is(err, ErrNoID) {
				t.Fatalf("error %v is not ErrNoID", err)
			}
			return
		}
		// Only the ID we signed can come out (base64 allows a few spellings
		// of the same bytes, so the value itself may differ).
		if got != id {
			t.Fatalf("accepted %q as ID %q", value, got)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	c := mustCodec(b, secretA)
	id, _ := NewID()
	v, _ := c.Encode("sid", id)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode("sid", v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	c := mustCodec(b, secretA)
	id, _ := NewID()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode("sid", id); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEncodeMatchesSecurecookie: Encode writes, byte for byte, what
// securecookie's own Encode writes for the same ID in the same second, so
// that securecookie can verify it.
func TestEncodeMatchesSecurecookie(t *testing.T) {
	c := mustCodec(t, secretA, secretB)
	sc := securecookie.New(secretA, nil)
	sc.SetSerializer(securecookie.NopEncoder{})
	for _, name := range []string{"sid", "a-much-longer-cookie-name-" + strings.Repeat("x", 200)} {
		id, _ := NewID()
		raw, _ := hex.DecodeString(id)
		for attempt := 0; ; attempt++ {
			ours, err := c.Encode(name, id)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := sc.Encode(name, raw)
			if err != nil {
				t.Fatal(err)
			}
			if ours == theirs {
				break
			}
			if attempt == 2 { // the clock can tick between the two calls, but not three times
				t.Fatalf("name %.10q: Encode wrote\n%s\nsecurecookie wrote\n%s", name, ours, theirs)
			}
		}
	}
}

// TestEncodeAllocations: a first visit's cookie costs one allocation for the
// result (and one for the hex ID's bytes), however many are signed.
func TestEncodeAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	c := mustCodec(t, secretA)
	id, _ := NewID()
	if n := testing.AllocsPerRun(1000, func() { _, _ = c.Encode("sid", id) }); n > 2 {
		t.Errorf("Encode made %v allocations, want at most 2", n)
	}
}
