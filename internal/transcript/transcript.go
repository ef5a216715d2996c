// Package transcript records a conversation with a server as the output of
// `curl -i`, for the lessons, and checks it against a golden file.
//
// The lessons show real output: each step's tests run its server, record
// what curl would print, and compare it with testdata/NAME.txt. With
// -update they rewrite the file, and `go generate ./docs` copies it into the
// lesson. Headers appear as the server sent them, in its order; values that
// change on every run (signed session cookies, dates) are masked so that
// the files only change when the behaviour does. It stands in for output
// typed by hand, which nobody re-runs.
package transcript

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the transcripts in testdata/ from the running server")

// Updating reports whether the test runs with -update: generated files
// (transcripts, screenshots) are to be rewritten rather than checked.
func Updating() bool { return *update }

// Request is one curl command of a conversation.
type Request struct {
	Method string     // GET if empty
	Path   string     // with its query string
	Form   url.Values // sent as a form (curl -d) when not nil
	// Cookies are sent as they are, as `curl -b 'name=value'` would.
	Cookies []*http.Cookie
	// Jar uses the conversation's cookie jar (curl -b jar -c jar): the
	// cookies earlier responses set come back.
	Jar bool
	// Header is sent as well, one curl -H each.
	Header map[string]string
}

// Record sends the requests to a server running h, in order, and returns
// what `curl -i` would print for each, with the command before it: the
// status line and headers exactly as the server wrote them, in its order,
// then the body. Dates and signed cookie values are masked.
//
// Cookies for -b jar.txt are kept as curl keeps them, and sent in curl's
// order: longer names first, and for names of one length the newest first.
func Record(t *testing.T, h http.Handler, requests ...Request) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	var jar []*http.Cookie // the cookie jar, oldest first
	var b strings.Builder
	for i, r := range requests {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(command(r) + "\n")
		method := r.Method
		if method == "" {
			method = http.MethodGet
		}
		var body io.Reader
		if r.Form != nil {
			body = strings.NewReader(r.Form.Encode())
		}
		req, err := http.NewRequest(method, srv.URL+r.Path, body)
		if err != nil {
			t.Fatal(err)
		}
		if r.Form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if r.Jar {
			for _, c := range curlOrder(jar) {
				req.AddCookie(c)
			}
		}
		for _, c := range r.Cookies {
			req.AddCookie(c)
		}
		for k, v := range r.Header {
			req.Header.Set(k, v)
		}
		raw, resp := roundTrip(t, srv.Listener.Addr().String(), req)
		if r.Jar {
			jar = keep(jar, resp.Cookies())
		}
		b.WriteString(Mask(raw))
		if !strings.HasSuffix(raw, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// roundTrip sends req over a connection of its own and returns the bytes
// the server wrote, and the response parsed from them.
func roundTrip(t *testing.T, addr string, req *http.Request) (string, *http.Response) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer // every byte read from the connection
	resp, err := http.ReadResponse(bufio.NewReader(io.TeeReader(conn, &raw)), req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return strings.ReplaceAll(raw.String(), "\r\n", "\n"), resp
}

// keep updates the jar with the cookies a response set, as curl does: a
// cookie with a name already there replaces it; Max-Age < 0 removes it.
func keep(jar []*http.Cookie, set []*http.Cookie) []*http.Cookie {
	for _, c := range set {
		jar = slices.DeleteFunc(jar, func(old *http.Cookie) bool { return old.Name == c.Name })
		if c.MaxAge >= 0 && (c.Expires.IsZero() || c.Expires.After(time.Now())) {
			jar = append(jar, &http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return jar
}

// curlOrder returns the jar's cookies in the order curl sends them.
func curlOrder(jar []*http.Cookie) []*http.Cookie {
	sorted := slices.Clone(jar)
	slices.Reverse(sorted) // newest first...
	slices.SortStableFunc(sorted, func(a, b *http.Cookie) int {
		return len(b.Name) - len(a.Name) // ...after longer names first
	})
	return sorted
}

// command is the curl command that sends r to a server on port 3000.
func command(r Request) string {
	parts := []string{"$ curl -i"}
	if r.Jar {
		parts = append(parts, "-b jar.txt -c jar.txt")
	}
	for _, c := range r.Cookies {
		value := c.Value
		if len(value) > 40 {
			value = "<the copied value>" // a signed cookie: different every run
		}
		parts = append(parts, fmt.Sprintf("-b '%s=%s'", c.Name, value))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		parts = append(parts, fmt.Sprintf("-H '%s: %s'", k, r.Header[k]))
	}
	if r.Form != nil {
		parts = append(parts, "-d '"+r.Form.Encode()+"'")
	} else if r.Method != "" && r.Method != http.MethodGet {
		parts = append(parts, "-X "+r.Method)
	}
	url := "http://localhost:3000" + r.Path
	if strings.ContainsAny(url, "?&*[]") {
		url = "'" + url + "'" // zsh and bash would take ? and & for their own
	}
	return strings.Join(append(parts, url), " ")
}

var (
	signedValue = regexp.MustCompile(`(?m)^(Set-Cookie: [^=]+)=([A-Za-z0-9_\-]{40,}=*)`)
	expires     = regexp.MustCompile(`Expires=[^;\n]+`)
	date        = regexp.MustCompile(`(?m)^Date: .*$`)
)

// Mask hides what changes on every run: the Date header, the Expires of
// cookies, and signed cookie values. The lessons' runner
// (internal/lessonrun) masks curl's output with it too.
func Mask(raw string) string {
	raw = date.ReplaceAllString(raw, "Date: <date>")
	raw = signedValue.ReplaceAllString(raw, "$1=<signed value, different every time>")
	return expires.ReplaceAllString(raw, "Expires=<date>")
}

// Check compares got with testdata/name.txt, or writes the file when the
// test runs with -update.
func Check(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".txt")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (record it: go test . -run Transcripts -update, then go run ./docs -update)", err)
	}
	if got != string(want) {
		t.Errorf("the server's answers no longer match %s, which the lesson shows.\ngot:\n%s\nwant:\n%s\nIf the change is intended, record it in this step's folder with go test . -run Transcripts -update, then run go run ./docs -update from the root", path, got, want)
	}
}
