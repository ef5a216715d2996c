package main

import (
	"log/slog"
	"testing"

	"github.com/go-sessions-course/echo-sessions/internal/transcript"
)

// TestTranscripts records the conversations the lesson shows.
func TestTranscripts(t *testing.T) {
	h := newServer(slog.New(slog.DiscardHandler))
	transcript.Check(t, "things", transcript.Record(t, h,
		transcript.Request{Path: "/things/tutorials/12345"},
		transcript.Request{Path: "/things/tutorials/abc"},
	))
	transcript.Check(t, "counter", transcript.Record(t, h,
		transcript.Request{Path: "/"},
		transcript.Request{Path: "/?views=1"},
		transcript.Request{Path: "/?views=1000"},
		transcript.Request{Path: "/?views=lots"},
	))
}
