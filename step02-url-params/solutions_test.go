package main

// The solutions to the lesson's "Try this yourself", as code that runs: the
// lesson shows the regions below, and these tests check them.

import (
	"net/http"
	"regexp"
	"testing"
)

// region fourtosix
// Four to six digits, and a message that says so.
var fourToSix = regexp.MustCompile(`^[0-9]{4,6}$`)

const idRule = "The id must be four to six digits, like /things/%s/12345 (got %q).\n"

// endregion fourtosix

func TestSolutionFourToSix(t *testing.T) {
	for id, want := range map[string]bool{"123": false, "1234": true, "123456": true, "1234567": false, "12a45": false} {
		if got := fourToSix.MatchString(id); got != want {
			t.Errorf("%q: matched %v, want %v", id, got, want)
		}
	}
}

// TestSolutionWhy404: /things/tutorials has one segment where the route
// wants two, so no route matches, and Echo answers 404 before any handler
// could check an id.
func TestSolutionWhy404(t *testing.T) {
	if rec := get(t, "/things/tutorials"); rec.Code != http.StatusNotFound {
		t.Errorf("got %d, want 404", rec.Code)
	}
}
