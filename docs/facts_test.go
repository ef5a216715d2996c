package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/sessions"
	"golang.org/x/text/secure/precis"
)

// TestFactsAboutLibraries: what a lesson says a library does by default is
// what the release go.mod builds with does, so an upgrade that changes it
// fails here and sends you to the sentence.
func TestFactsAboutLibraries(t *testing.T) {
	texts := pages(t)
	say := func(page, sentence string) {
		t.Helper()
		if !strings.Contains(strings.Join(strings.Fields(texts[page]), " "), sentence) {
			t.Errorf("%s no longer says %q: change this test with it", page, sentence)
		}
	}

	say("05-stores.md", "gorilla's `NewCookieStore` (in v1.4.0, the release `go.mod` pins) "+
		"makes `Secure` cookies with `SameSite=None` unless told otherwise; "+
		"its `FilesystemStore` sets neither.")
	if v := listModule(t, "github.com/gorilla/sessions").Version; v != "v1.4.0" {
		t.Errorf("go.mod has gorilla/sessions %s; the lesson says v1.4.0: check its defaults", v)
	}
	o := sessions.NewCookieStore([]byte("k")).Options
	if !o.Secure || o.SameSite != http.SameSiteNoneMode {
		t.Errorf("NewCookieStore's options: Secure %v, SameSite %v", o.Secure, o.SameSite)
	}
	o = sessions.NewFilesystemStore(t.TempDir(), []byte("k")).Options
	if o.Secure || o.SameSite != 0 {
		t.Errorf("NewFilesystemStore's options: Secure %v, SameSite %v", o.Secure, o.SameSite)
	}

	say("06-login.md", "refuses spaces, control characters, and symbols beyond ASCII")
	for in, want := range map[string]string{
		"Ａda": "ada", "ADA": "ada", "<b>bold</b>": "<b>bold</b>", "a$b+c=d": "a$b+c=d",
		"a b": "", "a\tb": "", "☃": "", "a😀": "",
	} {
		got, err := precis.UsernameCaseMapped.String(in)
		if (err == nil) != (want != "") || got != want {
			t.Errorf("UsernameCaseMapped(%q) = %q, %v; the lesson expects %q", in, got, err, want)
		}
	}
}
