// Package lessonrun runs a lesson page as a learner would: it starts the
// program the page names, as the page starts it, types every shell command
// the page shows, in reading order, in bash and in zsh, and checks that what
// the page says those commands print is what they print. It stands in for
// transcripts recorded by tests in their own way (a fresh server for each
// block, a helper app, a cookie filled in by the test), which let a page
// show commands that nobody could type; no published package does this for
// markdown pages.
//
// A page says how it runs with HTML comments, which neither a code host nor
// the course's site shows:
//
//	<!-- server: go run ./step06-login -->
//
// starts the program (stopping the one before, if any): the commands after
// it talk to it. The command must appear on the page as the learner sees it
// (in a shell block or in the text); writing the directive again is
// "restart the program": a fresh process, with nothing remembered.
//
//	<!-- norun: it needs a Redis server on localhost:6379 -->
//
// before a fenced block: its commands are not run, for the reason given.
//
//	<!-- transcript -->
//
// before a fenced block of `$ command` lines and their output: the commands
// are run and the output between them is what they printed, masked (see
// transcript.Mask). Every other line of a shell block (```sh) is run too and must
// succeed; a line that is a server directive's command is run as that
// server. A line of `$ ` in any other block needs one of the two markers.
package lessonrun

import (
	"fmt"
	"regexp"
	"strings"
)

// kind is what a part of a page asks of the runner.
type kind int

const (
	serverPart     kind = iota // start (or restart) a program
	shellPart                  // a ```sh block: every line runs and succeeds
	transcriptPart             // a recorded block: commands and their output
)

// part is one thing the page asks for, in reading order.
type part struct {
	kind     kind
	line     int      // the page's line (1-based) of the directive or block
	command  string   // serverPart: the command that starts the program
	commands []string // shellPart, transcriptPart: each command as shown
	body     string   // transcriptPart: the block as the page has it
	start    int      // transcriptPart: index in the page's lines of the block's first line
	end      int      // transcriptPart: index of its closing ```
}

// skipped is a shell line the page marks as not runnable.
type skipped struct {
	command, reason string
}

// page is a lesson as the runner reads it.
type page struct {
	parts   []part
	skipped []skipped
	visible string // the page without its HTML comments
}

var (
	serverDirective     = regexp.MustCompile(`^<!-- server: (.+?) -->$`)
	norunDirective      = regexp.MustCompile(`^<!-- norun: (.+?) -->$`)
	transcriptDirective = regexp.MustCompile(`^<!-- transcript -->$`)
	comment             = regexp.MustCompile(`(?s)<!--.*?-->`)
)

// shellLanguages are the fences whose every line is a command.
var shellLanguages = map[string]bool{"sh": true, "bash": true, "shell": true, "zsh": true}

// outputLanguages are the fences whose lines that start with "$ " are
// commands, and the rest their output.
var outputLanguages = map[string]bool{"text": true, "console": true, "": true}

// parse reads a page's directives and blocks.
func parse(md string) (*page, error) {
	lines := strings.Split(md, "\n")
	p := &page{visible: comment.ReplaceAllString(md, "")}
	var norun string // the reason for the next block, if any
	transcript := false
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := serverDirective.FindStringSubmatch(line); m != nil {
			p.parts = append(p.parts, part{kind: serverPart, line: i + 1, command: m[1]})
			continue
		}
		if m := norunDirective.FindStringSubmatch(line); m != nil {
			norun = m[1]
			continue
		}
		if transcriptDirective.MatchString(line) {
			transcript = true
			continue
		}
		lang, isFence := strings.CutPrefix(line, "```")
		if !isFence {
			continue
		}
		start := i + 1
		end := start
		for end < len(lines) && lines[end] != "```" {
			end++
		}
		if end == len(lines) {
			return nil, fmt.Errorf("line %d: the block is not closed", i+1)
		}
		body := lines[start:end]
		i = end
		var commands []string
		if shellLanguages[lang] {
			commands = joinContinued(body)
		} else if outputLanguages[lang] {
			commands = dollarCommands(body)
		}
		reason := norun
		marked := transcript
		norun, transcript = "", false
		switch {
		case marked && reason != "":
			return nil, fmt.Errorf("line %d: a block cannot be both a transcript and not runnable", i+1)
		case marked:
			if len(commands) == 0 {
				return nil, fmt.Errorf("line %d: the transcript shows no `$ ` command", start)
			}
			p.parts = append(p.parts, part{kind: transcriptPart, line: start, commands: commands,
				body: strings.Join(body, "\n"), start: start, end: end})
		case len(commands) == 0:
		case reason != "":
			for _, c := range commands {
				p.skipped = append(p.skipped, skipped{c, reason})
			}
		case shellLanguages[lang]:
			p.parts = append(p.parts, part{kind: shellPart, line: start, commands: commands})
		default:
			return nil, fmt.Errorf("line %d: a block shows `$ %s` but is neither run nor marked: "+
				"put <!-- transcript --> or <!-- norun: why --> before it", start, commands[0])
		}
	}
	if norun != "" || transcript {
		return nil, fmt.Errorf("a directive at the end of the page has no block after it")
	}
	return p, nil
}

// joinContinued returns a shell block's commands: its lines, with a line
// that ends in a backslash joined to the next, blank lines left out.
func joinContinued(lines []string) []string {
	var commands []string
	var current []string
	for _, l := range lines {
		if len(current) == 0 && strings.TrimSpace(l) == "" {
			continue
		}
		current = append(current, l)
		if !strings.HasSuffix(l, `\`) {
			commands = append(commands, strings.Join(current, "\n"))
			current = nil
		}
	}
	if len(current) > 0 {
		commands = append(commands, strings.Join(current, "\n"))
	}
	return commands
}

// dollarCommands returns the commands of a transcript: each line that
// starts with "$ ", without it, and the lines it continues with a backslash.
func dollarCommands(lines []string) []string {
	var commands []string
	for i := 0; i < len(lines); i++ {
		rest, ok := strings.CutPrefix(lines[i], "$ ")
		if !ok {
			continue
		}
		current := []string{rest}
		for strings.HasSuffix(current[len(current)-1], `\`) && i+1 < len(lines) {
			i++
			current = append(current, lines[i])
		}
		commands = append(commands, strings.Join(current, "\n"))
	}
	return commands
}

// interactiveTrap returns what in command an interactive shell would take
// otherwise than the test's shells do, or "": a comment (a # that starts a
// word, outside quotes), which interactive zsh runs as words, or a ! outside
// single quotes, which interactive bash and zsh expand from their history.
// A backslash outside single quotes takes the next character as it is.
func interactiveTrap(command string) string {
	var quote rune
	prev, escaped := ' ', false
	for i, r := range command {
		switch {
		case escaped:
			escaped = false
		case quote == '\'':
			if r == quote {
				quote = 0
			}
		case r == '\\':
			escaped = true
		case r == '!' && i+1 < len(command) && !strings.ContainsRune(" \t\n=(", rune(command[i+1])):
			return "a ! (history expansion) at " + command[i:]
		case quote == '"':
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t' || prev == '\n'):
			return "a comment, " + command[i:] + ", which interactive zsh runs as words"
		}
		prev = r
	}
	return ""
}
