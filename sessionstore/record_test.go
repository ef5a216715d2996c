package sessionstore

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"
)

var testKey = []byte("a test key for records, 32 bytes")

// TestRecordIsText: a session of plain values is stored as lines of text
// that a learner can read in the store (redis-cli --raw GET, sqlite3): the
// form, the three times in Unix milliseconds, then each key and its value.
func TestRecordIsText(t *testing.T) {
	start := time.Unix(1764633600, 0) // 2025-12-02 00:00 UTC
	rec := record{start: start, expiry: start.Add(24 * time.Hour), sent: start,
		values: map[any]any{"page_views": 3}}
	data, err := rec.encode(testKey)
	if err != nil {
		t.Fatal(err)
	}
	const want = "p\n1764633600000\n1764720000000\n1764633600000\n\"page_views\"\n3\n"
	if string(data) != want {
		t.Errorf("got %q, want %q", data, want)
	}
	var back record
	if err := back.decode(data, [][]byte{testKey}); err != nil || !back.start.Equal(rec.start) ||
		!back.expiry.Equal(rec.expiry) || back.values["page_views"] != 3 {
		t.Errorf("decoded %+v (%v), want %+v", back, err, rec)
	}
	// A session's own options ride on the form's line, as a Set-Cookie writes them.
	own := sessions.Options{Path: "/", MaxAge: 30 * 86400, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	rec.opts = &own
	data, _ = rec.encode(testKey)
	const wantOwn = "p; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax\n1764633600000\n"
	if back = (record{}); !strings.HasPrefix(string(data), wantOwn) || back.decode(data, [][]byte{testKey}) != nil ||
		back.opts == nil || *back.opts != own {
		t.Errorf("got %q, decoded as %+v; want it to start %q and decode to %+v", data, back.opts, wantOwn, own)
	}
	rec.values = map[any]any{"user": "ada\nlovelace"} // a newline stays inside its quotes
	if data, _ := rec.encode(testKey); !strings.HasSuffix(string(data), "\n\"user\"\n\"ada\\nlovelace\"\n") {
		t.Errorf("got %q, want the string quoted on one line", data)
	}
}

// FuzzDecode: whatever bytes a storage hands back, decode returns a record
// or an error, and never panics or runs out of memory. The corpus in
// testdata/fuzz/FuzzDecode holds a gob record whose map claims four
// billion entries: gob would allocate gigabytes for it before reading one.
func FuzzDecode(f *testing.F) {
	start := time.Unix(1764633600, 0)
	own := &sessions.Options{Path: "/", MaxAge: 60, HttpOnly: true}
	for _, values := range []map[any]any{{"page_views": 3}, {"tags": []string{"a"}}, {"s": "x", 1: 2}} {
		for _, opts := range []*sessions.Options{nil, own} {
			rec := record{start: start, expiry: start.Add(time.Hour), sent: start, values: values, opts: opts}
			data, err := rec.encode(testKey)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var rec record
		if err := rec.decode(data, [][]byte{testKey}); err == nil && len(data) > maxRecord {
			t.Errorf("a record of %d bytes was decoded, over the %d allowed", len(data), maxRecord)
		}
	})
}

// TestGobNeedsItsHMAC: a gob record decodes under the key that signed it,
// or another key given with it (rotation), and not once a byte changed
// or its key is dropped.
func TestGobNeedsItsHMAC(t *testing.T) {
	start := time.Unix(1764633600, 0)
	rec := record{start: start, expiry: start, sent: start, values: map[any]any{"tags": []string{"a"}}}
	data, err := rec.encode(testKey)
	if err != nil {
		t.Fatal(err)
	}
	other := []byte("another key for records 32 bytes")
	tampered := bytes.Clone(data)
	tampered[len(tampered)/2] ^= 1
	for _, tt := range []struct {
		name string
		data []byte
		keys [][]byte
		ok   bool
	}{
		{"its key", data, [][]byte{testKey}, true},
		{"rotated", data, [][]byte{other, testKey}, true},
		{"key dropped", data, [][]byte{other}, false},
		{"a bit changed", tampered, [][]byte{testKey}, false},
		{"too short", data[:40], [][]byte{testKey}, false},
	} {
		var back record
		if err := back.decode(tt.data, tt.keys); (err == nil) != tt.ok {
			t.Errorf("%s: got error %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	rec.values = map[any]any{"big": strings.Repeat("x", maxRecord)}
	if _, err := rec.encode(testKey); err == nil {
		t.Error("a record over maxRecord was encoded, want an error")
	}
}
