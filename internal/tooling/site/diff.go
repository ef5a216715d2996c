package site

import (
	"fmt"
	"strings"
)

// unifiedDiff returns the changes from a to b in unified format with two
// lines of context, as `diff -u` prints them. The files are lessons' code,
// a few hundred lines at most, so a plain longest-common-subsequence table
// is fast enough and easy to check.
//
// numA and numB are the line numbers, in their files, of a's and b's lines
// (see regionLines), so that a hunk's header says where in the file it is,
// as git's does; nil numbers the lines from 1.
func unifiedDiff(nameA, nameB, a, b string, numA, numB []int) string {
	x := strings.Split(strings.TrimRight(a, "\n"), "\n")
	y := strings.Split(strings.TrimRight(b, "\n"), "\n")
	// lcs[i][j] is the length of the longest common subsequence of x[i:]
	// and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte // ' ', '-', '+'
		text string
		ai   int // line numbers (0-based) in a and b before this op
		bi   int
	}
	var ops []op
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			ops = append(ops, op{' ', x[i], i, j})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, op{'-', x[i], i, j}) // deletions first, as diff -u
			i++
		default:
			ops = append(ops, op{'+', y[j], i, j})
			j++
		}
	}

	const context = 2
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		// A hunk: from context lines before this change to context lines
		// after the last change that is near enough to join it.
		start := max(0, k-context)
		end := k
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(len(ops), end+context)
				break
			}
			end = run
		}
		aCount, bCount := 0, 0
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				aCount++
			}
			if o.kind != '-' {
				bCount++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n",
			fileLine(numA, ops[start].ai), aCount, fileLine(numB, ops[start].bi), bCount)
		for _, o := range ops[start:end] {
			out.WriteString(string(o.kind) + o.text + "\n")
		}
		k = end
	}
	return out.String()
}

// fileLine is the number in its file of an excerpt's line i (0-based): the
// i-th of numbers, or, past their end or without them, counted on.
func fileLine(numbers []int, i int) int {
	switch {
	case i < len(numbers):
		return numbers[i]
	case len(numbers) > 0:
		return numbers[len(numbers)-1] + i - len(numbers) + 1
	}
	return i + 1
}
