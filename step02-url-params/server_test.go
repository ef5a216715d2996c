package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

const firstVisit = "Welcome to this page for the first time!"

func get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	newServer(slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestThing(t *testing.T) {
	tests := []struct {
		name, path string
		wantStatus int
		wantBody   string
	}{
		{"good", "/things/tutorials/12345", 200, `You asked for the thing named "tutorials" with id 12345.` + "\n"},
		{"leading zeros", "/things/gophers/00042", 200, `You asked for the thing named "gophers" with id 00042.` + "\n"},
		{"letters", "/things/tutorials/abc", 400, `The id must be exactly five digits, like /things/tutorials/12345 (got "abc").` + "\n"},
		{"six digits", "/things/tutorials/123456", 400, `The id must be exactly five digits`},
		{"four digits", "/things/tutorials/1234", 400, `The id must be exactly five digits`},
		{"negative", "/things/tutorials/-1234", 400, `The id must be exactly five digits`},
		{"long name", "/things/" + strings.Repeat("n", 65) + "/12345", 400, "The name can be at most 64 characters long."},
		{"missing id", "/things/tutorials", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, tt.path)
			if rec.Code != tt.wantStatus || !strings.HasPrefix(rec.Body.String(), tt.wantBody) {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

var linkRE = regexp.MustCompile(`<a href="(/\?views=\d+)">`)

func TestQueryCounter(t *testing.T) {
	tests := []struct {
		path, wantMessage, wantLink string
	}{
		{"/", firstVisit, "/?views=1"},
		{"/?views=0", firstVisit, "/?views=1"},
		{"/?views=1", "You visited this page 2 times", "/?views=2"},
		{"/?views=41", "You visited this page 42 times", "/?views=42"},
		// Just as forgeable as the cookie: the server believes the URL.
		{"/?views=1000", "You visited this page 1001 times", "/?views=1001"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, tt.path)
			body := rec.Body.String()
			if rec.Code != http.StatusOK || !strings.Contains(body, "<p>"+tt.wantMessage+"</p>") {
				t.Errorf("got %d %q, want 200 with %q", rec.Code, body, tt.wantMessage)
			}
			if m := linkRE.FindStringSubmatch(body); m == nil || m[1] != tt.wantLink {
				t.Errorf("got link %v, want %q", m, tt.wantLink)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=UTF-8" {
				t.Errorf("got Content-Type %q", ct)
			}
		})
	}
}

func TestBadViews(t *testing.T) {
	for _, v := range []string{"abc", "-1", "1.5", "1000000001", "99999999999999999999", "%00"} {
		t.Run(v, func(t *testing.T) {
			rec := get(t, "/?views="+v)
			if rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Body.String(), "views must be a whole number from 0 to 1000000000") {
				t.Errorf("got %d %q, want 400 explaining views", rec.Code, rec.Body)
			}
		})
	}
}

// TestFollowTheLink clicks "Visit again" three times, as a browser would.
func TestFollowTheLink(t *testing.T) {
	srv := httptest.NewServer(newServer(slog.New(slog.DiscardHandler)))
	defer srv.Close()
	path := "/"
	for _, want := range []string{firstVisit, "You visited this page 2 times", "You visited this page 3 times"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), want) {
			t.Fatalf("GET %s: got %q, want %q", path, body, want)
		}
		path = linkRE.FindStringSubmatch(string(body))[1]
	}
}

// TestHead: every page answers HEAD with GET's status, without a body.
func TestHead(t *testing.T) {
	srv := httptest.NewServer(newServer(slog.New(slog.DiscardHandler)))
	defer srv.Close()
	for _, path := range []string{"/", "/?views=3", "/things/echo/12345", "/things/echo/12"} {
		want := get(t, path).Code
		resp, err := http.Head(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || len(body) != 0 {
			t.Errorf("HEAD %s: got %d and %d bytes, want %d and none", path, resp.StatusCode, len(body), want)
		}
	}
}
