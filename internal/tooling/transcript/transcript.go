// Package transcript holds what the course's recorded output shares: the
// -update flag that tells tests to rewrite what they record (the lessons'
// transcripts, the screenshots), and the masks that hide what changes on
// every run, so that a recording only changes when the behaviour does.
//
// The lessons' transcripts are the output of the commands each page shows,
// run by internal/tooling/lessonrun. This package stands in for output typed by
// hand, which nobody re-runs.
package transcript

import (
	"flag"
	"regexp"
)

var update = flag.Bool("update", false,
	"rewrite the recorded transcripts and screenshots from the running programs")

// Updating reports whether the test runs with -update: generated files
// (transcripts, screenshots) are to be rewritten rather than checked.
func Updating() bool { return *update }

var (
	signedValue = regexp.MustCompile(`(?m)^(Set-Cookie: [^=]+)=([A-Za-z0-9_\-]{40,}=*)`)
	expires     = regexp.MustCompile(`Expires=[^;\n]+`)
	date        = regexp.MustCompile(`(?m)^Date: .*$`)
)

// Mask hides what changes on every run of `curl -i`: the Date header, the
// Expires of cookies, and signed cookie values (40 or more characters of
// base64, as securecookie writes them).
func Mask(raw string) string {
	raw = date.ReplaceAllString(raw, "Date: <date>")
	raw = signedValue.ReplaceAllString(raw, "$1=<signed value, different every time>")
	return expires.ReplaceAllString(raw, "Expires=<date>")
}
