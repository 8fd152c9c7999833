package procstat

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
// It is 100 on every Linux configuration Go supports.
const clockTicks = 100

// ErrFormat means a /proc file did not have the expected form.
var ErrFormat = errors.New("procstat: unexpected /proc format")

// CPU returns the CPU time (user + system) the process has used.
func CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return ParseStatCPU(b)
}

// ParseStatCPU reads utime and stime (fields 14 and 15) from a
// /proc/<pid>/stat line. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
func ParseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, ErrFormat
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, ErrFormat
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	const maxTicks = int64(math.MaxInt64 / (time.Second / clockTicks))
	if err1 != nil || err2 != nil || ut < 0 || st < 0 || ut > maxTicks-st {
		return 0, ErrFormat
	}
	return time.Duration(ut+st) * (time.Second / clockTicks), nil
}

// Mem returns VmRSS and VmHWM (peak RSS) of the process, in bytes.
func Mem(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	return ParseStatusMem(f)
}

// ParseStatusMem reads VmRSS and VmHWM, in bytes, from the text of a
// /proc/<pid>/status file.
func ParseStatusMem(r io.Reader) (rss, hwm int64, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, 0, ErrFormat
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, 0, ErrFormat
		}
		if k == "VmRSS" {
			rss = n << 10
		} else {
			hwm = n << 10
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if hwm == 0 {
		return 0, 0, ErrFormat
	}
	return rss, hwm, nil
}

// Sampler records the largest VmRSS seen while it runs: VmHWM is the peak
// over the process's whole life, this is the peak during one run.
type Sampler struct {
	pid  int
	stop chan struct{}
	done sync.WaitGroup
	peak int64
}

// StartSampler samples pid's VmRSS now and then every interval until Stop.
func StartSampler(pid int, every time.Duration) *Sampler {
	s := &Sampler{pid: pid, stop: make(chan struct{})}
	if pid == 0 {
		return s
	}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if rss, _, err := Mem(s.pid); err == nil {
				s.peak = max(s.peak, rss)
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the peak RSS seen in bytes (0 without a
// pid). It samples once more first, so a run shorter than the interval
// still sees its end.
func (s *Sampler) Stop() int64 {
	close(s.stop)
	s.done.Wait()
	if s.pid != 0 {
		if rss, _, err := Mem(s.pid); err == nil {
			s.peak = max(s.peak, rss)
		}
	}
	return s.peak
}
