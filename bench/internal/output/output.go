// Package output renders a benchmark's results: tables as aligned text for
// the terminal and as markdown for the results file, ratios between two
// servers' figures, and the pair of files (JSON + markdown) a run leaves
// in its -out directory.
//
// Invariants: a ratio with a missing or non-positive side is "n/a", never
// a division by zero; files are named <prefix>-<UTC time>.{json,md}.
package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Ratio formats a/b as "1.23x", or "n/a" when either is not positive.
func Ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// Text writes rows (the first is the header) right-aligned in columns.
func Text(w io.Writer, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
}

// Markdown writes rows (the first is the header) as a markdown table.
func Markdown(w io.Writer, rows [][]string) {
	for i, row := range rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		if i == 0 {
			fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(row)))
		}
	}
}

// WriteFiles saves v as JSON and md's output as markdown in dir (created
// if needed) as <prefix>-<time>.json and .md, and returns their paths.
func WriteFiles(dir, prefix string, v any, md func(io.Writer)) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	base := filepath.Join(dir, prefix+"-"+time.Now().UTC().Format("20060102T150405Z"))
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(base+".json", append(js, '\n'), 0o644); err != nil {
		return nil, err
	}
	f, err := os.Create(base + ".md")
	if err != nil {
		return nil, err
	}
	md(f)
	if err := f.Close(); err != nil {
		return nil, err
	}
	return []string{base + ".json", base + ".md"}, nil
}

// ErrNotOnePair means ReadFiles did not find exactly one JSON and one
// markdown file of the prefix.
var ErrNotOnePair = errors.New("output: not exactly one pair of result files")

// ReadFiles decodes into v the JSON that WriteFiles left in dir, checking
// that exactly one pair of files of that prefix is there.
func ReadFiles(dir, prefix string, v any) error {
	js, _ := filepath.Glob(filepath.Join(dir, prefix+"-*.json"))
	md, _ := filepath.Glob(filepath.Join(dir, prefix+"-*.md"))
	if len(js) != 1 || len(md) != 1 {
		return fmt.Errorf("%w: %q %q", ErrNotOnePair, js, md)
	}
	b, err := os.ReadFile(js[0])
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Settings renders a run's settings as "k=v, k=v" in key order.
func Settings(m map[string]string) string {
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		kv = append(kv, k+"="+m[k])
	}
	return strings.Join(kv, ", ")
}
