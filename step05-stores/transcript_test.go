package main

import (
	"testing"

	"github.com/go-sessions-course/echo-sessions/internal/transcript"
)

// TestTranscripts records the conversation the lesson shows: the counter on
// the cookie store, whose cookie carries the (encrypted) count itself.
func TestTranscripts(t *testing.T) {
	h := newHarness(t, "cookie")
	transcript.Check(t, "cookie-store", transcript.Record(t, newServer(h.open(t), discard),
		transcript.Request{Path: "/", Jar: true},
		transcript.Request{Path: "/", Jar: true},
	))
}
