package main

import (
	"context"
	"testing"

	"github.com/go-sessions-course/echo-sessions/internal/transcript"
)

// TestTranscripts records the conversation the lesson shows: the counter on
// the cookie store, whose cookie carries the (encrypted) count itself, with
// the configuration `go run ./step05-stores -store=cookie` reads.
func TestTranscripts(t *testing.T) {
	cfg, err := loadConfig([]string{"-store=cookie"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	b, err := openStore(context.Background(), cfg, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	transcript.Check(t, "cookie-store", transcript.Record(t, newServer(b, discard),
		transcript.Request{Path: "/", Jar: true},
		transcript.Request{Path: "/", Jar: true},
	))
}
