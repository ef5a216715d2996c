package site

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The stores lesson quotes a benchmark run: `go run ./docs -bench` runs
// step05's BenchmarkStores five times (-count 5) and saves its output as it
// is in docs/bench/stores.txt. The lesson's table and the chart in
// docs/images/stores-bench.svg are generated from that file, never typed:
// each row's median, and the fastest and the slowest run beside it, so
// that the page says how far one figure can be trusted.

const (
	BenchFile  = "docs/bench/stores.txt"
	benchChart = "docs/images/stores-bench.svg"
)

// RunBenchmarks runs the store benchmarks from root and saves the output.
func RunBenchmarks(root string) error {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "Stores", "-benchmem", "-count", strconv.Itoa(benchCount), "./step05-stores")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go test -bench: %w\n%s", err, out)
	}
	if !strings.Contains(string(out), "redis/returning") {
		// Keep the saved figures rather than publish a table without Redis.
		fmt.Fprintf(os.Stderr, "docs: the Redis benchmarks did not run (is redis-server installed?); keeping %s\n", BenchFile)
		return nil
	}
	return os.WriteFile(filepath.Join(root, BenchFile), out, 0o644)
}

// benchCount is how many times RunBenchmarks runs each benchmark.
const benchCount = 5

// benchRow is one benchmark of `go test -bench -benchmem` output: the
// medians of its runs, and the fastest and slowest run's time.
type benchRow struct {
	Store, Visit     string
	NsPerOp, BytesOp float64
	AllocsOp         float64
	MinNs, MaxNs     float64
	Runs             int
}

// parseBench reads BenchmarkStores lines and the machine's description,
// one row per benchmark however many times it ran, in their first order.
func parseBench(text string) ([]benchRow, string) {
	var order []string
	runs := map[string][][3]float64{}
	var machine []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		for _, key := range []string{"goos:", "goarch:", "cpu:"} {
			if strings.HasPrefix(line, key) {
				machine = append(machine, strings.TrimSpace(strings.TrimPrefix(line, key)))
			}
		}
		f := strings.Fields(line)
		if len(f) < 8 || !strings.HasPrefix(f[0], "BenchmarkStores/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkStores/")
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		var run [3]float64
		for i, field := range []string{f[2], f[4], f[6]} {
			run[i], _ = strconv.ParseFloat(field, 64)
		}
		if _, seen := runs[name]; !seen {
			order = append(order, name)
		}
		runs[name] = append(runs[name], run)
	}
	var rows []benchRow
	for _, name := range order {
		store, visit, _ := strings.Cut(name, "/")
		r := benchRow{Store: store, Visit: visit, Runs: len(runs[name])}
		column := func(i int) []float64 {
			var v []float64
			for _, run := range runs[name] {
				v = append(v, run[i])
			}
			slices.Sort(v)
			return v
		}
		ns := column(0)
		r.NsPerOp, r.MinNs, r.MaxNs = median(ns), ns[0], ns[len(ns)-1]
		r.BytesOp, r.AllocsOp = median(column(1)), median(column(2))
		rows = append(rows, r)
	}
	return rows, strings.Join(machine, ", ")
}

// median is the middle of sorted values (the mean of the two middle ones).
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// benchTable renders the rows as an aligned text table: the median time,
// the fastest and the slowest run, and the median bytes and allocations.
func benchTable(text string) string {
	rows, machine := parseBench(text)
	var b strings.Builder
	fmt.Fprintf(&b, "%-11s %-10s %14s %22s %8s %7s\n", "store", "visit", "time/request", "fastest-slowest", "bytes", "allocs")
	runs := 0
	for _, r := range rows {
		visit := r.Visit
		if visit == "" {
			visit = "-"
		}
		spread := "-" // one run: no spread to show
		if r.Runs > 1 {
			spread = duration(r.MinNs) + "-" + duration(r.MaxNs)
		}
		fmt.Fprintf(&b, "%-11s %-10s %14s %22s %8.0f %7.0f\n", r.Store, visit, duration(r.NsPerOp), spread, r.BytesOp, r.AllocsOp)
		runs = max(runs, r.Runs)
	}
	if runs > 1 {
		fmt.Fprintf(&b, "(%s; the median of %d runs of each)\n", machine, runs)
	} else {
		fmt.Fprintf(&b, "(%s; one run of each)\n", machine)
	}
	return b.String()
}

func duration(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

// benchSVG draws the time per request as horizontal bars on a logarithmic
// scale (the stores differ by a factor of several hundred).
func benchSVG(text string) string {
	rows, machine := parseBench(text)
	const (
		left, top, barH, gap = 190.0, 40.0, 22.0, 8.0
		width                = 760.0
		plotW                = width - left - 90
	)
	lo, hi := 2.0, 6.0 // log10 of 100 ns .. 1 ms
	x := func(ns float64) float64 {
		v := math.Log10(max(ns, 100))
		return left + (v-lo)/(hi-lo)*plotW
	}
	height := top + float64(len(rows))*(barH+gap) + 50
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" font-family="system-ui, sans-serif" font-size="13">`+"\n", width, height)
	b.WriteString("  <title>Time per request through the whole Echo stack, by session store</title>\n")
	fmt.Fprintf(&b, `  <rect width="%.0f" height="%.0f" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `  <text x="%.0f" y="22" font-weight="700">Time per request (log scale): the median, and a line from the fastest run to the slowest</text>`+"\n", 16.0)
	for _, tick := range []struct {
		ns    float64
		label string
	}{{100, "100 ns"}, {1e3, "1 µs"}, {1e4, "10 µs"}, {1e5, "100 µs"}, {1e6, "1 ms"}} {
		fmt.Fprintf(&b, `  <line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#d1d9e0"/>`+"\n", x(tick.ns), top-6, x(tick.ns), height-40)
		fmt.Fprintf(&b, `  <text x="%.1f" y="%.0f" text-anchor="middle" fill="#59636e">%s</text>`+"\n", x(tick.ns), height-24, tick.label)
	}
	// One colour per store, each with a contrast of 3:1 or more on white
	// (GitHub's palette); a store without one would draw a black bar.
	colours := map[string]string{
		"bare": "#6e7781", "memory": "#1a7f37", "cookie": "#0969da",
		"sqlite": "#9a6700", "postgres": "#8250df", "redis": "#cf222e",
	}
	for i, r := range rows {
		y := top + float64(i)*(barH+gap)
		label := r.Store
		if r.Visit != "" {
			label += ", " + r.Visit
		}
		fmt.Fprintf(&b, `  <text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-8, y+barH*0.7, label)
		fmt.Fprintf(&b, `  <rect x="%.0f" y="%.1f" width="%.1f" height="%.0f" fill="%s"/>`+"\n", left, y, x(r.NsPerOp)-left, barH, colours[r.Store])
		if r.Runs > 1 { // the fastest to the slowest run, across the bar's end
			fmt.Fprintf(&b, `  <line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#1f2328" stroke-width="2"/>`+"\n",
				x(r.MinNs), y+barH/2, x(r.MaxNs), y+barH/2)
		}
		fmt.Fprintf(&b, `  <text x="%.1f" y="%.1f">%s</text>`+"\n", max(x(r.NsPerOp), x(r.MaxNs))+6, y+barH*0.7, duration(r.NsPerOp))
	}
	fmt.Fprintf(&b, `  <text x="%.0f" y="%.0f" fill="#59636e">%s</text>`+"\n", left, height-6, machine)
	b.WriteString("</svg>\n")
	return b.String()
}
