package main

import (
	"bufio"
	"strings"
	"testing"
)

// TestReadResponse: the client reads responses back to back on one
// connection, takes the cookie only when asked, and refuses anything but a
// 200 with a Content-Length.
func TestReadResponse(t *testing.T) {
	stream := "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: sid=abc; Path=/; HttpOnly\r\n\r\nhello" +
		"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok" +
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nSet-Cookie: sid=xyz; Path=/\r\n\r\nbye"
	r := bufio.NewReader(strings.NewReader(stream))
	for i, tc := range []struct {
		wantCookie bool
		want       string
	}{{true, "sid=abc"}, {true, ""}, {false, ""}} {
		got, err := readResponse(r, tc.wantCookie, false)
		if err != nil || got != tc.want {
			t.Fatalf("response %d: got %q, %v; want %q", i+1, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
	} {
		if _, err := readResponse(bufio.NewReader(strings.NewReader(bad)), false, false); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestRequest(t *testing.T) {
	if got, want := string(request("")), "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := string(request("sid=abc")), "GET / HTTP/1.1\r\nHost: localhost\r\nCookie: sid=abc\r\n\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
