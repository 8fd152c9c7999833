package machine

import (
	"os"
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
}
