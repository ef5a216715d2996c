package sessionstore

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"
)

// TestRecordIsText: a session of plain values is stored as lines of text
// that a learner can read in the store (redis-cli --raw GET, sqlite3): the
// form, the three times in Unix milliseconds, then each key and its value.
func TestRecordIsText(t *testing.T) {
	start := time.Unix(1764633600, 0) // 2025-12-02 00:00 UTC
	rec := record{start: start, expiry: start.Add(24 * time.Hour), sent: start,
		values: map[any]any{"page_views": 3}}
	data, err := rec.encode()
	if err != nil {
		t.Fatal(err)
	}
	const want = "p\n1764633600000\n1764720000000\n1764633600000\n\"page_views\"\n3\n"
	if string(data) != want {
		t.Errorf("got %q, want %q", data, want)
	}
	var back record
	if err := back.decode(data); err != nil || !back.start.Equal(rec.start) ||
		!back.expiry.Equal(rec.expiry) || back.values["page_views"] != 3 {
		t.Errorf("decoded %+v (%v), want %+v", back, err, rec)
	}
	// A session's own options ride on the form's line, as a Set-Cookie writes them.
	own := sessions.Options{Path: "/", MaxAge: 30 * 86400, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	rec.opts = &own
	data, _ = rec.encode()
	const wantOwn = "p; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax\n1764633600000\n"
	if back = (record{}); !strings.HasPrefix(string(data), wantOwn) || back.decode(data) != nil ||
		back.opts == nil || *back.opts != own {
		t.Errorf("got %q, decoded as %+v; want it to start %q and decode to %+v", data, back.opts, wantOwn, own)
	}
	rec.values = map[any]any{"user": "ada\nlovelace"} // a newline stays inside its quotes
	if data, _ := rec.encode(); !strings.HasSuffix(string(data), "\n\"user\"\n\"ada\\nlovelace\"\n") {
		t.Errorf("got %q, want the string quoted on one line", data)
	}
}
