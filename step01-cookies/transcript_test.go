package main

import (
	"net/http"
	"testing"

	"github.com/go-sessions-course/echo-sessions/internal/transcript"
)

// TestTranscripts records the conversations the lesson shows.
func TestTranscripts(t *testing.T) {
	h := newTestServer(false)
	transcript.Check(t, "cookies", transcript.Record(t, h,
		transcript.Request{Path: "/cookies/set", Jar: true},
		transcript.Request{Path: "/cookies/expiring", Jar: true},
		transcript.Request{Path: "/cookies", Jar: true},
		transcript.Request{Path: "/cookies/clear", Jar: true},
		transcript.Request{Path: "/cookies", Jar: true},
	))
	transcript.Check(t, "counter", transcript.Record(t, h,
		transcript.Request{Path: "/", Jar: true},
		transcript.Request{Path: "/", Jar: true},
		transcript.Request{Path: "/", Cookies: []*http.Cookie{{Name: "page_views", Value: "1000"}}},
	))
}
