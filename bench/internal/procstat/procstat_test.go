package procstat

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		line string
		want time.Duration
		bad  bool
	}{
		{line: "1234 (java) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 30 0 100 0 0", want: 3 * time.Second},
		{line: "99 (a) b) (c) R 1 2 3 4 5 6 7 8 9 10 7 3 0 0", want: 100 * time.Millisecond},
		{line: "no parenthesis", bad: true},
		{line: "1 (x) S 1 2", bad: true},
		{line: "1 (x) S 1 2 3 4 5 6 7 8 9 10 u s", bad: true},
		{line: "1 (x) S 1 2 3 4 5 6 7 8 9 10 -1 0", bad: true},
		{line: "1 (x) S 1 2 3 4 5 6 7 8 9 10 92233720368547758 1", bad: true},
	}
	for _, tc := range tests {
		got, err := ParseStatCPU([]byte(tc.line))
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseStatCPU(%q) = %v, %v; want %v (error %v)", tc.line, got, err, tc.want, tc.bad)
		}
	}
}

func TestParseStatusMem(t *testing.T) {
	rss, hwm, err := ParseStatusMem(strings.NewReader("Name:\tjava\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t40\n"))
	if err != nil || rss != 100<<20 || hwm != 200<<20 {
		t.Errorf("got rss %d hwm %d err %v", rss, hwm, err)
	}
	for _, bad := range []string{"Name:\tkthread\n", "VmHWM:\t12 MB\n", "VmHWM:\tx kB\n", "VmHWM:\t1 2 kB\n"} {
		if _, _, err := ParseStatusMem(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseStatusMem(%q) accepted", bad)
		}
	}
}

func FuzzParseStatCPU(f *testing.F) {
	f.Add([]byte("1 (x) S 1 2 3 4 5 6 7 8 9 10 7 3 0 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := ParseStatCPU(b); err == nil && d < 0 {
			t.Errorf("negative CPU time %v from %q", d, b)
		}
	})
}

func TestProcOfSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if _, err := CPU(os.Getpid()); err != nil {
		t.Error(err)
	}
	rss, hwm, err := Mem(os.Getpid())
	if err != nil || rss <= 0 || hwm < rss {
		t.Errorf("rss %d hwm %d err %v", rss, hwm, err)
	}
	s := StartSampler(os.Getpid(), time.Hour)
	if peak := s.Stop(); peak <= 0 {
		t.Errorf("sampler saw peak %d", peak)
	}
	if peak := StartSampler(0, time.Millisecond).Stop(); peak != 0 {
		t.Errorf("sampler without a pid saw %d", peak)
	}
}

func FuzzParseStatusMem(f *testing.F) {
	f.Add("VmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n")
	f.Add("VmRSS: 1 kB\nVmHWM: x kB\n")
	f.Fuzz(func(t *testing.T, s string) {
		rss, hwm, err := ParseStatusMem(strings.NewReader(s))
		if err == nil && hwm == 0 {
			t.Errorf("accepted %q without a peak", s)
		}
		if err != nil && (rss != 0 || hwm != 0) {
			t.Errorf("error %v with values %d %d", err, rss, hwm)
		}
	})
}
