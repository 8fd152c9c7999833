package machine

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	dir := t.TempDir()
	m := Describe(dir)
	if m.CPUs != runtime.NumCPU() || m.Go != runtime.Version() || m.Dir != dir || m.Time == "" {
		t.Errorf("Describe = %+v", m)
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		info Info
		want []string
	}{
		{Info{CPUs: 2, LoadAvg: "0.20 0.1 0.1 1/100 7", FsType: "ext4"}, nil},
		{Info{CPUs: 2, LoadAvg: "1.50 0.1 0.1 1/100 7", FsType: "ext4"}, []string{"busy"}},
		{Info{CPUs: 2, LoadAvg: "unknown", FsType: "tmpfs"}, []string{"tmpfs"}},
	}
	for _, tc := range tests {
		got := tc.info.Warnings()
		if len(got) != len(tc.want) {
			t.Errorf("%+v: warnings %q, want %q", tc.info, got, tc.want)
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], tc.want[i]) {
				t.Errorf("%+v: warning %q lacks %q", tc.info, got[i], tc.want[i])
			}
		}
	}
}

func TestMeasureFsync(t *testing.T) {
	dir := t.TempDir()
	res, err := MeasureFsync(dir, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Count != 5 || res[1].P50us <= 0 || res[0].MaxRate <= 0 {
		t.Errorf("MeasureFsync = %+v", res)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("probe left %d files", len(left))
	}
	var text, md strings.Builder
	PrintFsync(&text, res)
	MarkdownFsync(&md, res)
	if strings.Count(text.String(), "serial syncs/s") != 2 || !strings.Contains(md.String(), "- 4 KiB prealloc+fdatasync: p50 ") {
		t.Errorf("text:\n%s\nmarkdown:\n%s", text.String(), md.String())
	}
}

func TestWorkDir(t *testing.T) {
	parent := t.TempDir()
	given := filepath.Join(parent, "a", "b")
	for _, tc := range []struct {
		dir  string
		keep bool
	}{{"", false}, {given, false}, {given, true}} {
		path, done, err := WorkDir(tc.dir, "machinetest", tc.keep)
		if err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(path); err != nil || !st.IsDir() || !filepath.IsAbs(path) {
			t.Fatalf("WorkDir(%q) = %q: %v", tc.dir, path, err)
		}
		if tc.dir != "" && path != given {
			t.Errorf("WorkDir(%q) = %q", tc.dir, path)
		}
		done()
		if _, err := os.Stat(path); tc.keep != (err == nil) {
			t.Errorf("WorkDir(%q, keep %v): after done, stat err %v", tc.dir, tc.keep, err)
		}
	}
}
