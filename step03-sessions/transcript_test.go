package main

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/go-sessions-course/echo-sessions/internal/transcript"
)

// TestTranscripts records the conversation the lesson shows.
func TestTranscripts(t *testing.T) {
	h := newTestServer(t)
	got := transcript.Record(t, h,
		transcript.Request{Path: "/", Jar: true},
		transcript.Request{Method: http.MethodPost, Path: "/name", Form: url.Values{"name": {"Ada"}}, Jar: true},
		transcript.Request{Path: "/", Jar: true},
		transcript.Request{Path: "/", Cookies: []*http.Cookie{{Name: sessionName, Value: "forged-or-garbage"}}},
		transcript.Request{Method: http.MethodPost, Path: "/forget", Jar: true},
		transcript.Request{Path: "/", Jar: true},
	)
	transcript.Check(t, "session", got)
}
