package main

import (
	"net/http"
	"testing"

	"github.com/go-sessions-course/echo-sessions/internal/sessionstore"
	"github.com/go-sessions-course/echo-sessions/internal/transcript"
)

// TestTranscripts records the conversations the lesson shows.
func TestTranscripts(t *testing.T) {
	h := newTestServer(t, sessionstore.Config{})
	transcript.Check(t, "counter", transcript.Record(t, h,
		transcript.Request{Path: "/", Jar: true},
		transcript.Request{Path: "/", Jar: true},
		transcript.Request{Path: "/", Jar: true},
	))
	transcript.Check(t, "forged", transcript.Record(t, h,
		transcript.Request{Path: "/", Cookies: []*http.Cookie{{Name: "page_views", Value: "1000"}}},
	))
}
