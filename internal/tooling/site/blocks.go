package site

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// A lesson never holds code or output typed by hand. Each generated block
// is a fenced block right after a marker comment that says where it comes
// from (comments do not show, on a code host or on this site):
//
//	<!-- code: step04-counter/server.go#counter -->      a region of a file
//	<!-- code: step04-counter/main.go -->                a whole file
//	<!-- transcript: docs/bench/loadtest.txt -->         a file's recorded output
//	<!-- diff: step03-sessions/server.go#routes step04-counter/server.go#routes -->
//	<!-- bench: docs/bench/stores.txt -->                a benchmark run, as a table
//
// A transcript of commands the lesson shows has a marker without a file,
// `<!-- transcript -->`: its output is written by running the commands
// (internal/tooling/lessonrun, `go test ./docs -run Lessons -update`), not here.
//
// A region is the lines between `// region NAME` and `// endregion NAME`.
// A transcript may have, on the line before its marker, the starts of the
// lines the lesson is about, which the site marks (see render.go):
//
//	<!-- mark: Set-Cookie | HTTP/1.1 403 -->
//
// `go run ./docs -update` rewrites every block from its source; a test
// fails while any block differs from what it would write.
var marker = regexp.MustCompile(`^<!-- (code|transcript|diff|bench): (.+?) -->$`)

// syncLesson returns md with every generated block rewritten from the files
// under root, and the markers it found.
func syncLesson(root string, md []byte) ([]byte, []string, error) {
	lines := strings.Split(string(md), "\n")
	var out []string
	var found []string
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		m := marker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		found = append(found, m[0])
		content, lang, err := generate(root, m[1], strings.Fields(m[2]))
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %s: %w", i+1, m[0], err)
		}
		// Skip the old block, if there is one, and write the new one.
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "```") {
			j := i + 2
			for j < len(lines) && lines[j] != "```" {
				j++
			}
			if j == len(lines) {
				return nil, nil, fmt.Errorf("line %d: the block after %s is not closed", i+1, m[0])
			}
			i = j
		}
		out = append(out, "```"+lang)
		out = append(out, strings.Split(strings.TrimRight(content, "\n"), "\n")...)
		out = append(out, "```")
	}
	return []byte(strings.Join(out, "\n")), found, nil
}

// generate returns a block's content and its language.
func generate(root, kind string, args []string) (string, string, error) {
	switch kind {
	case "code":
		if len(args) != 1 {
			return "", "", fmt.Errorf("code takes one PATH[#REGION]")
		}
		text, err := excerpt(root, args[0])
		path, _, _ := strings.Cut(args[0], "#")
		if filepath.Ext(path) == ".js" { // step 9's front end
			return text, "js", err
		}
		return text, "go", err
	case "transcript":
		if len(args) != 1 {
			return "", "", fmt.Errorf("transcript takes one PATH")
		}
		b, err := os.ReadFile(filepath.Join(root, args[0]))
		return string(b), "text", err
	case "bench":
		if len(args) != 1 {
			return "", "", fmt.Errorf("bench takes one PATH")
		}
		b, err := os.ReadFile(filepath.Join(root, args[0]))
		return benchTable(string(b)), "text", err
	case "diff":
		if len(args) != 2 {
			return "", "", fmt.Errorf("diff takes two PATH[#REGION]s")
		}
		a, err := excerpt(root, args[0])
		if err != nil {
			return "", "", err
		}
		b, err := excerpt(root, args[1])
		if err != nil {
			return "", "", err
		}
		return unifiedDiff(args[0], args[1], a, b, excerptLines(root, args[0]), excerptLines(root, args[1])), "diff", nil
	}
	return "", "", fmt.Errorf("unknown block kind %q", kind)
}

// excerpt returns a file, or the region of it that ref names after '#',
// without the region markers and with the common indentation removed.
func excerpt(root, ref string) (string, error) {
	path, region, _ := strings.Cut(ref, "#")
	src, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimRight(string(src), "\n"), "\n")
	start, end, ok := regionBounds(lines, region)
	if !ok {
		return "", fmt.Errorf("%s has no region %q (// region %s ... // endregion %s)", path, region, region, region)
	}
	var kept []string
	for _, l := range lines[start:end] {
		if !isMarker(l) { // markers of other regions inside this one
			kept = append(kept, l)
		}
	}
	return dedent(kept), nil
}

// excerptLines returns the numbers, in its file, of the lines an excerpt
// shows (see regionLines), or nil when the file cannot be read.
func excerptLines(root, ref string) []int {
	path, region, _ := strings.Cut(ref, "#")
	src, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		return nil
	}
	return regionLines(string(src), region)
}

// regionBounds returns where the lines of region start and end (the whole
// file for ""), and false when the file has no such region.
func regionBounds(lines []string, region string) (start, end int, ok bool) {
	if region == "" {
		return 0, len(lines), true
	}
	start, end = -1, -1
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case "// region " + region:
			start = i + 1
		case "// endregion " + region:
			end = i
		}
	}
	return start, end, start >= 0 && end >= start
}

// dedent removes the leading tabs that every non-blank line shares.
func dedent(lines []string) string {
	common := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if common < 0 || n < common {
			common = n
		}
	}
	var b bytes.Buffer
	for _, l := range lines {
		if len(l) >= common && common > 0 {
			l = l[common:]
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

// Update rewrites the generated blocks of every lesson in root/docs and of
// the README, and the benchmark chart.
func Update(root string) error {
	if results, err := os.ReadFile(filepath.Join(root, BenchFile)); err == nil {
		if err := os.WriteFile(filepath.Join(root, benchChart), []byte(benchSVG(string(results))), 0o644); err != nil {
			return err
		}
	}
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return err
	}
	for _, f := range append(files, filepath.Join(root, "README.md")) {
		old, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		updated, _, err := syncLesson(root, old)
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		if string(updated) != string(old) {
			if err := os.WriteFile(f, updated, 0o644); err != nil {
				return err
			}
			fmt.Println("updated", filepath.Base(f))
		}
	}
	return nil
}
