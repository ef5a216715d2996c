package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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

	// The lesson says a session cookie is a long, signed, opaque value.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/name", strings.NewReader("name=Ada"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	if v := sidCookie(t, rec).Value; len(v) < 60 || strings.Contains(v, "Ada") {
		t.Errorf("cookie value %q: want a long signed ID without the data", v)
	}
}
