package site

import (
	"fmt"
	"html"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
)

// This file writes the HTML of code: excerpts, whole source files,
// transcripts and diffs. Chroma finds the tokens; the markup is written
// here, one element per line, so that a line can carry its number from the
// real file, an anchor, a mark or a diff's background.

// lexerFor returns chroma's lexer for a language name ("go", "sh") or a
// file name ("server.go", "go.mod"), remembered: chroma finds a file's
// lexer by trying every lexer's patterns, a third of a source page's time.
func lexerFor(lang string) chroma.Lexer {
	lang = path.Base(lang) // chroma matches a file by its name alone
	lexerCache.Lock()
	defer lexerCache.Unlock()
	if l, ok := lexerCache.m[lang]; ok {
		return l
	}
	l := lexers.Get(lang)
	if l == nil {
		l = lexers.Match(lang)
	}
	if l == nil {
		l = lexers.Fallback
	}
	if lexerCache.m == nil || len(lexerCache.m) > 500 {
		lexerCache.m = map[string]chroma.Lexer{}
	}
	lexerCache.m[lang] = chroma.Coalesce(l)
	return lexerCache.m[lang]
}

var lexerCache struct {
	sync.Mutex
	m map[string]chroma.Lexer // lang -> its lexer
}

// tokenLines returns src's tokens, line by line, without the newlines.
func tokenLines(lang, src string) [][]chroma.Token {
	it, err := lexerFor(lang).Tokenise(nil, src)
	if err != nil { // chroma's lexers do not fail on text; plain text if one does
		it = chroma.Literator(chroma.Token{Type: chroma.Text, Value: src})
	}
	lines := chroma.SplitTokensIntoLines(it.Tokens())
	for i, l := range lines {
		if n := len(l); n > 0 {
			l[n-1].Value = strings.TrimSuffix(l[n-1].Value, "\n")
		}
		lines[i] = l
	}
	// Keep exactly one entry per line of src.
	want := strings.Count(strings.TrimSuffix(src, "\n"), "\n") + 1
	for len(lines) < want {
		lines = append(lines, nil)
	}
	return lines[:want]
}

// tokenCache keeps the source pages' tokens: a file's page is asked for
// once per excerpt (?lines=...), and lexing a long test file takes a
// noticeable part of a second. It is keyed by the file's text, so an
// edited file is lexed again.
var tokenCache struct {
	sync.Mutex
	m map[string][][]chroma.Token // lang + "\x00" + src -> its lines
}

// cachedTokenLines is tokenLines, remembered.
func cachedTokenLines(lang, src string) [][]chroma.Token {
	key := lang + "\x00" + src
	tokenCache.Lock()
	defer tokenCache.Unlock()
	if lines, ok := tokenCache.m[key]; ok {
		return lines
	}
	if tokenCache.m == nil || len(tokenCache.m) > 500 {
		tokenCache.m = map[string][][]chroma.Token{}
	}
	lines := tokenLines(lang, src)
	tokenCache.m[key] = lines
	return lines
}

// class is the CSS class chroma's stylesheet gives a token type.
func class(t chroma.TokenType) string {
	for ; t != 0; t = t.Parent() {
		if cls, ok := chroma.StandardTypes[t]; ok {
			return cls
		}
	}
	return ""
}

// writeTokens writes a line's tokens as spans. The bytes from lo to hi of
// the line (hi <= lo for none) are wrapped in <span class="chg">: the part
// of a line a diff changed.
func writeTokens(b *strings.Builder, toks []chroma.Token, lo, hi int) {
	pos := 0
	for _, t := range toks {
		v := t.Value
		cls := class(t.Type)
		// Cut the token where the changed part starts or ends.
		for len(v) > 0 {
			n := len(v)
			inside := pos >= lo && pos < hi
			switch {
			case inside && hi-pos < n:
				n = hi - pos
			case !inside && pos < lo && lo-pos < n && hi > lo:
				n = lo - pos
			}
			part := v[:n]
			if inside {
				b.WriteString(`<span class="chg">`)
			}
			if cls != "" {
				fmt.Fprintf(b, `<span class="%s">%s</span>`, cls, html.EscapeString(part))
			} else {
				b.WriteString(html.EscapeString(part))
			}
			if inside {
				b.WriteString(`</span>`)
			}
			v, pos = v[n:], pos+n
		}
	}
}

// codeLines writes code as lines. numbers holds each line's number in its
// file (nil: none shown); anchors makes every line a link target (the
// source pages); hlFrom..hlTo (1-based, inclusive) are lines to highlight.
// On a source page the lessons' region markers are shown dimmed, so that
// the numbers run on as an editor's do.
func codeLines(lang, src string, numbers []int, anchors bool, hlFrom, hlTo int) string {
	var b strings.Builder
	lines := tokenLines
	if anchors {
		lines = cachedTokenLines // a source page: asked for again and again
	}
	for i, toks := range lines(lang, src) {
		n := 0
		if numbers != nil && i < len(numbers) {
			n = numbers[i]
		}
		text := tokensText(toks)
		cls := "line"
		switch {
		case anchors && isMarker(text):
			cls += " marker"
		case n > 0 && n >= hlFrom && n <= hlTo:
			cls += " hl"
		}
		if anchors && n > 0 {
			fmt.Fprintf(&b, `<span class="%s" id="L%d"><a class="ln" href="#L%d" tabindex="-1" aria-hidden="true">%d</a>`, cls, n, n, n)
		} else if n > 0 {
			fmt.Fprintf(&b, `<span class="%s"><span class="ln" aria-hidden="true">%d</span>`, cls, n)
		} else {
			fmt.Fprintf(&b, `<span class="%s">`, cls)
		}
		b.WriteString(`<span class="cl"` + indentStyle(text) + `>`)
		writeTokens(&b, toks, 0, 0)
		b.WriteString("\n</span></span>")
	}
	return b.String()
}

// tokensText is a line's text.
func tokensText(toks []chroma.Token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.Value)
	}
	return b.String()
}

// indentStyle gives a line its indent in columns (a tab is 4), and where
// its wrapped rows start (two columns further in, rounded up to a tab), so
// that the stylesheet can wrap a long line under its own start, not the
// margin: code wraps instead of scrolling sideways.
func indentStyle(line string) string {
	cols := 0
	for _, r := range line {
		switch r {
		case '\t':
			cols += 4 - cols%4
		case ' ':
			cols++
		default:
			if cols == 0 {
				return ""
			}
			// Tab stops count from the box's padding edge, and the first row
			// is pulled back by the padding: a padding of whole tabs keeps
			// them where an editor has them.
			return fmt.Sprintf(` style="--i:%d;--p:%d"`, cols, (cols+2+3)/4*4)
		}
	}
	return ""
}

// sourceLines is a whole file for its source page: every line numbered as
// in the file and anchored (#L12), the lessons' region markers dimmed.
func sourceLines(name, src string, hlFrom, hlTo int) string {
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	numbers := make([]int, len(lines))
	for i := range lines {
		numbers[i] = i + 1
	}
	return codeLines(name, strings.Join(lines, "\n")+"\n", numbers, true, hlFrom, hlTo)
}

// isMarker reports whether a line is a region marker (see blocks.go).
func isMarker(line string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, "// region ") || strings.HasPrefix(t, "// endregion ")
}

// regionLines returns the numbers (1-based) of the lines of src an excerpt
// shows: the region's (or the file's) lines without markers.
func regionLines(src, region string) []int {
	lines := strings.Split(strings.TrimRight(src, "\n"), "\n")
	start, end, ok := regionBounds(lines, region)
	if !ok {
		return nil
	}
	// Blank lines at the end are left out, as the lesson's block leaves
	// them out (see syncLesson).
	for end > start && (strings.TrimSpace(lines[end-1]) == "" || isMarker(lines[end-1])) {
		end--
	}
	var numbers []int
	for i := start; i < end; i++ {
		if !isMarker(lines[i]) {
			numbers = append(numbers, i+1)
		}
	}
	return numbers
}

// transcriptLines writes a recorded terminal session: each command (a line
// starting with "$ ", and the lines it continues with a trailing "\") set
// apart from the output, the prompt left out of a copy, header names
// apart from their values, and the lines that start with one of marks
// (case does not matter) marked as the ones the lesson is about.
func transcriptLines(src string, marks []string) string {
	var b strings.Builder
	inCommand := false
	for _, line := range strings.Split(strings.TrimSuffix(src, "\n"), "\n") {
		cls := "line"
		var body string
		switch {
		case strings.HasPrefix(line, "$ ") || inCommand:
			cls += " cmd"
			if rest, ok := strings.CutPrefix(line, "$ "); ok {
				body = `<span class="prompt" aria-hidden="true">$ </span>` + html.EscapeString(rest)
			} else {
				body = html.EscapeString(line)
			}
			inCommand = strings.HasSuffix(line, `\`)
		case isStatusLine(line):
			cls += " status"
			body = html.EscapeString(line)
		default:
			if name, value, ok := headerLine(line); ok {
				body = `<span class="hn">` + html.EscapeString(name) + `</span>` + html.EscapeString(value)
			} else {
				body = html.EscapeString(line)
			}
		}
		for _, m := range marks {
			if len(line) >= len(m) && strings.EqualFold(line[:len(m)], m) {
				cls += " mark"
				break
			}
		}
		fmt.Fprintf(&b, `<span class="%s">%s`+"\n</span>", cls, body)
	}
	return b.String()
}

func isStatusLine(line string) bool {
	return strings.HasPrefix(line, "HTTP/1.") || strings.HasPrefix(line, "HTTP/2")
}

// headerLine splits "Name: value" where Name looks like an HTTP header.
func headerLine(line string) (string, string, bool) {
	name, _, ok := strings.Cut(line, ": ")
	if !ok || name == "" {
		return "", "", false
	}
	for _, r := range name {
		if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "", "", false
		}
	}
	return name + ":", line[len(name)+1:], true
}

// diffLines writes a unified diff (as blocks.go's unifiedDiff writes it):
// whole lines on a red or green background, the hunk headers apart, the
// code highlighted as the language of its file, and, where a line was
// changed rather than replaced, the changed part of it marked. The
// "---"/"+++" header is left to the caption.
func diffLines(lang, src string) string {
	type row struct {
		kind   byte // ' ', '-', '+', '@'
		text   string
		toks   []chroma.Token
		lo, hi int
	}
	var rows []row
	var oldText, newText []string
	for _, l := range strings.Split(strings.TrimSuffix(src, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "--- "), strings.HasPrefix(l, "+++ "):
			continue
		case strings.HasPrefix(l, "@@"):
			rows = append(rows, row{kind: '@', text: l})
		case l == "":
			rows = append(rows, row{kind: ' '})
		default:
			rows = append(rows, row{kind: l[0], text: l[1:]})
		}
	}
	// Highlight each side as one text, so that a token spanning lines (a
	// comment, a raw string) is read right; hunks are joined, a small
	// price for one pass.
	for _, r := range rows {
		if r.kind == ' ' || r.kind == '-' {
			oldText = append(oldText, r.text)
		}
		if r.kind == ' ' || r.kind == '+' {
			newText = append(newText, r.text)
		}
	}
	oldToks := tokenLines(lang, strings.Join(oldText, "\n")+"\n")
	newToks := tokenLines(lang, strings.Join(newText, "\n")+"\n")
	oi, ni := 0, 0
	for i := range rows {
		switch rows[i].kind {
		case ' ':
			rows[i].toks = newToks[ni]
			oi, ni = oi+1, ni+1
		case '-':
			rows[i].toks = oldToks[oi]
			oi++
		case '+':
			rows[i].toks = newToks[ni]
			ni++
		}
	}
	// Within-line changes: a run of removed lines followed by as many
	// added ones pairs them up.
	for i := 0; i < len(rows); {
		if rows[i].kind != '-' {
			i++
			continue
		}
		j := i
		for j < len(rows) && rows[j].kind == '-' {
			j++
		}
		k := j
		for k < len(rows) && rows[k].kind == '+' {
			k++
		}
		if k-j == j-i {
			for d := range j - i {
				a, b := &rows[i+d], &rows[j+d]
				a.lo, a.hi, b.lo, b.hi = changedPart(a.text, b.text)
			}
		}
		i = k
	}
	var b strings.Builder
	for _, r := range rows {
		switch r.kind {
		case '@':
			fmt.Fprintf(&b, `<span class="line hunk">%s`+"\n</span>", html.EscapeString(r.text))
			continue
		case '-':
			b.WriteString(`<span class="line del"><span class="sign" aria-hidden="true">-</span><del class="cl"` + indentStyle(r.text) + `>`)
		case '+':
			b.WriteString(`<span class="line add"><span class="sign" aria-hidden="true">+</span><ins class="cl"` + indentStyle(r.text) + `>`)
		default:
			b.WriteString(`<span class="line"><span class="sign" aria-hidden="true"> </span><span class="cl"` + indentStyle(r.text) + `>`)
		}
		writeTokens(&b, r.toks, r.lo, r.hi)
		switch r.kind {
		case '-':
			b.WriteString("\n</del></span>")
		case '+':
			b.WriteString("\n</ins></span>")
		default:
			b.WriteString("\n</span></span>")
		}
	}
	return b.String()
}

// changedPart returns the byte ranges of a and b that differ, between their
// common start and common end, or empty ranges when the lines have too
// little in common for a mark to help (the whole line changed).
func changedPart(a, b string) (alo, ahi, blo, bhi int) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	// Do not cut a UTF-8 character in two.
	for p > 0 && p < len(a) && a[p]&0xC0 == 0x80 {
		p--
	}
	for s > 0 && len(a)-s < len(a) && a[len(a)-s]&0xC0 == 0x80 {
		s--
	}
	common := p + s
	if common*2 < max(len(a), len(b)) { // mostly new: mark nothing
		return 0, 0, 0, 0
	}
	return p, len(a) - s, p, len(b) - s
}

// lineRange formats a range of line numbers for a caption: "line 7",
// "lines 12–40".
func lineRange(numbers []int) string {
	if len(numbers) == 0 {
		return ""
	}
	first, last := numbers[0], numbers[len(numbers)-1]
	if first == last {
		return "line " + strconv.Itoa(first)
	}
	return "lines " + strconv.Itoa(first) + "–" + strconv.Itoa(last)
}
