package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRatio(t *testing.T) {
	for _, tc := range []struct {
		a, b float64
		want string
	}{{3, 2, "1.50x"}, {0, 2, "n/a"}, {2, 0, "n/a"}, {-1, 2, "n/a"}, {1, 3, "0.33x"}} {
		if got := Ratio(tc.a, tc.b); got != tc.want {
			t.Errorf("Ratio(%v, %v) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestTables(t *testing.T) {
	rows := [][]string{{"server", "ops/s"}, {"wharf", "12345"}, {"kfake", "9"}}
	var text, md strings.Builder
	Text(&text, rows)
	lines := strings.Split(strings.TrimRight(text.String(), "\n"), "\n")
	if len(lines) != 3 || len(lines[0]) != len(lines[1]) || !strings.HasSuffix(strings.TrimRight(lines[2], " "), " 9") {
		t.Errorf("text table:\n%s", text.String())
	}
	Markdown(&md, rows)
	want := "| server | ops/s |\n|---|---|\n| wharf | 12345 |\n| kfake | 9 |\n"
	if md.String() != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", md.String(), want)
	}
}

func TestWriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	paths, err := WriteFiles(dir, "xbench", map[string]int{"a": 1}, func(w io.Writer) { fmt.Fprint(w, "# x\n") })
	if err != nil || len(paths) != 2 {
		t.Fatalf("WriteFiles: %v %v", paths, err)
	}
	var v map[string]int
	b, _ := os.ReadFile(paths[0])
	if err := json.Unmarshal(b, &v); err != nil || v["a"] != 1 || !strings.HasPrefix(filepath.Base(paths[0]), "xbench-") {
		t.Errorf("json %s: %v %v", paths[0], v, err)
	}
	if b, _ := os.ReadFile(paths[1]); string(b) != "# x\n" {
		t.Errorf("markdown %q", b)
	}
	var back map[string]int
	if err := ReadFiles(dir, "xbench", &back); err != nil || back["a"] != 1 {
		t.Errorf("ReadFiles: %v %v", back, err)
	}
	if err := ReadFiles(dir, "other", &back); !errors.Is(err, ErrNotOnePair) {
		t.Errorf("ReadFiles of a missing prefix: %v", err)
	}
}

func TestSettings(t *testing.T) {
	if got := Settings(map[string]string{"b": "2", "a": "1"}); got != "a=1, b=2" {
		t.Errorf("Settings = %q", got)
	}
	if got := Settings(nil); got != "" {
		t.Errorf("Settings(nil) = %q", got)
	}
}
