// Package transcript records a conversation with a server as the output of
// `curl -i`, for the lessons, and checks it against a golden file.
//
// The lessons show real output: each step's tests run its server, record
// what curl would print, and compare it with testdata/NAME.txt. With
// -update they rewrite the file, and `go generate ./docs` copies it into the
// lesson. Values that change on every run (signed session cookies, dates)
// are masked so that the files only change when the behaviour does.
package transcript

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
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
}

// Record sends the requests to a server running h, in order, and returns
// what `curl -i` would print for each, with the command before it.
func Record(t *testing.T, h http.Handler, requests ...Request) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
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
		for _, c := range r.Cookies {
			req.AddCookie(c)
		}
		client := &http.Client{}
		if r.Jar {
			client.Jar = jar
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		respBody, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(format(resp, respBody))
	}
	return b.String()
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
			value = value[:12] + "..." // a long cookie, as the lesson describes it
		}
		parts = append(parts, fmt.Sprintf("-b '%s=%s'", c.Name, value))
	}
	if r.Form != nil {
		parts = append(parts, "-d '"+r.Form.Encode()+"'")
	} else if r.Method != "" && r.Method != http.MethodGet {
		parts = append(parts, "-X "+r.Method)
	}
	return strings.Join(append(parts, "http://localhost:3000"+r.Path), " ")
}

var (
	signedValue = regexp.MustCompile(`^([^=]+)=([A-Za-z0-9_\-]{40,}=*)`)
	expires     = regexp.MustCompile(`Expires=[^;]+`)
)

// format prints a response as curl -i does, without the headers that change
// on every run (Date) and with signed values and dates masked.
func format(resp *http.Response, body []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %s\n", resp.Status)
	names := make([]string, 0, len(resp.Header))
	for name := range resp.Header {
		if name != "Date" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range resp.Header[name] {
			if name == "Set-Cookie" {
				v = signedValue.ReplaceAllString(v, "$1=<signed value, different every time>")
				v = expires.ReplaceAllString(v, "Expires=<date>")
			}
			fmt.Fprintf(&b, "%s: %s\n", name, v)
		}
	}
	b.WriteString("\n")
	b.Write(body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		b.WriteString("\n")
	}
	return b.String()
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
		t.Fatalf("%v (run: go generate ./docs)", err)
	}
	if got != string(want) {
		t.Errorf("the server's answers no longer match %s, which the lesson shows.\ngot:\n%s\nwant:\n%s\nIf the change is intended, run: go generate ./docs", path, got, want)
	}
}
