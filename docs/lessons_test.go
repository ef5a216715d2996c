package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-sessions-course/echo-sessions/internal/tooling/lessonrun"
	"github.com/go-sessions-course/echo-sessions/internal/tooling/transcript"
)

// TestLessons runs every page (the README and each lesson) as a learner
// follows it: the programs it starts, as it starts them, and every shell
// command it shows, in reading order, first in bash, then again with a
// fresh program and a fresh folder in zsh -f. A transcript on a page must be
// what its commands print; a shell line must succeed unless the page marks
// it not runnable, with its reason. The programs run on a free port, and
// "localhost:3000" in the commands and their output is rewritten to it and
// back (see lessonrun.Runner.Run for that and the other masks).
//
// To record a page's transcripts after a change: go test ./docs -run Lessons -update
// (bash writes them; zsh then checks them).
//
// Every page takes a program's build and start, so all of them take minutes.
// They all run under COURSE_SWEEP=full (CI sets it), with -update, or when
// -run names a page (-run Lessons/05-stores); a plain `go test ./...` runs
// the first lesson only, in bash only, and says so.
func TestLessons(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed: the lessons' commands need it")
	}
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"README.md"}
	for _, f := range files {
		paths = append(paths, "docs/"+f)
	}
	slices.Sort(paths)
	whole := sweepWhole("Lessons/")
	if !whole {
		t.Logf("a sample: only %s of %d pages runs, in bash; "+
			"COURSE_SWEEP=full runs them all, in zsh too", samplePage, len(paths))
	}
	r := lessonrun.New(t, "..")
	for _, path := range paths {
		name := filepath.Base(path[:len(path)-len(filepath.Ext(path))])
		if !whole && name != samplePage {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Run("bash", func(t *testing.T) {
				r.Run(t, path, lessonrun.Bash, transcript.Updating())
			})
			if whole { // the sample runs in bash only
				t.Run("zsh", func(t *testing.T) {
					if _, err := exec.LookPath("zsh"); err != nil {
						t.Skip("zsh is not installed: every command must also run in zsh -f")
					}
					r.Run(t, path, lessonrun.Zsh, false)
				})
			}
			skipped, err := r.Skipped(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range skipped {
				t.Log("not run:", s)
			}
		})
	}
}

// samplePage is the page a plain `go test ./...` runs: the first lesson,
// which starts one small program and exercises the runner's every kind of block.
const samplePage = "01-cookies"

// sweepWhole reports whether a slow sweep runs whole rather than a sample:
// under COURSE_SWEEP=full (CI sets it), with -update, or when -run names
// one of its subtests (the pattern holds name, such as "Lessons/").
func sweepWhole(name string) bool {
	if os.Getenv("COURSE_SWEEP") == "full" || transcript.Updating() {
		return true
	}
	run := flag.Lookup("test.run")
	return run != nil && strings.Contains(run.Value.String(), name)
}
