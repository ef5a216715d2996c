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
// They run under COURSE_SWEEP=full (CI sets it), with -update, or when -run
// names them (-run Lessons/05-stores: one page); a plain `go test ./...`
// skips them, and says so.
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
	if !sweepWhole("Lessons") {
		t.Skipf("the %d pages' commands run under COURSE_SWEEP=full (CI sets it), "+
			"-update, or -run Lessons/PAGE", len(paths))
	}
	r := lessonrun.New(t, "..")
	for _, path := range paths {
		name := filepath.Base(path[:len(path)-len(filepath.Ext(path))])
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Run("bash", func(t *testing.T) {
				r.Run(t, path, lessonrun.Bash, transcript.Updating())
			})
			t.Run("zsh", func(t *testing.T) {
				if _, err := exec.LookPath("zsh"); err != nil {
					t.Skip("zsh is not installed: every command must also run in zsh -f")
				}
				r.Run(t, path, lessonrun.Zsh, false)
			})
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

// sweepWhole reports whether a slow sweep runs: under COURSE_SWEEP=full
// (CI sets it), with -update, or when the -run pattern holds name.
func sweepWhole(name string) bool {
	if os.Getenv("COURSE_SWEEP") == "full" || transcript.Updating() {
		return true
	}
	run := flag.Lookup("test.run")
	return run != nil && strings.Contains(run.Value.String(), name)
}
