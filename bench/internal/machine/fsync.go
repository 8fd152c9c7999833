package machine

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/wharf-project/wharf/bench/internal/latency"
)

// FsyncResult is the latency of making one 4 KiB write durable on the data
// disk: the floor under a server that fsyncs every write, and (as its
// inverse) the most writes per second one serial fsync stream can do.
type FsyncResult struct {
	Mode    string  `json:"mode"`
	Count   int     `json:"count"`
	P50us   float64 `json:"p50_us"`
	P99us   float64 `json:"p99_us"`
	MaxRate float64 `json:"serial_ops_per_s"` // 1 / mean latency
}

// MeasureFsync times n rounds of write-4KiB-then-sync in dir, two ways:
// appending to a growing file and fsync (size changes: metadata is
// written too), and overwriting a preallocated file and fdatasync (what
// ZooKeeper's txn log does: it preallocates 64 MB and calls force(false)).
func MeasureFsync(dir string, n int) ([]FsyncResult, error) {
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(i)
	}
	var out []FsyncResult
	for _, mode := range []string{"append+fsync", "prealloc+fdatasync"} {
		lat, err := fsyncRounds(filepath.Join(dir, "fsync-probe"), buf, n, mode == "prealloc+fdatasync")
		if err != nil {
			return nil, err
		}
		s := latency.Summarize(lat)
		out = append(out, FsyncResult{Mode: mode, Count: n, P50us: latency.US(s.P50), P99us: latency.US(s.P99),
			MaxRate: float64(time.Second) / float64(s.Mean)})
	}
	return out, nil
}

func fsyncRounds(path string, buf []byte, n int, prealloc bool) (lat []time.Duration, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if prealloc {
		zeros := make([]byte, 1<<20)
		for off := int64(0); off < int64(n)*int64(len(buf)); off += int64(len(zeros)) {
			if _, err := f.WriteAt(zeros, off); err != nil {
				return nil, err
			}
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
	}
	lat = make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		if _, err := f.WriteAt(buf, int64(i)*int64(len(buf))); err != nil {
			return nil, err
		}
		if prealloc {
			err = fdatasync(f)
		} else {
			err = f.Sync()
		}
		if err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(start))
	}
	return lat, nil
}

// PrintFsync writes the probe's results as the "physical limit" lines of a
// benchmark's terminal output.
func PrintFsync(w io.Writer, rs []FsyncResult) {
	fmt.Fprintln(w, "\nphysical limit: one 4 KiB write made durable on the data disk")
	for _, f := range rs {
		fmt.Fprintf(w, "  %-19s p50 %6.0fµs  p99 %6.0fµs  → at most %5.0f serial syncs/s\n", f.Mode, f.P50us, f.P99us, f.MaxRate)
	}
}

// MarkdownFsync writes the probe's results as a markdown list.
func MarkdownFsync(w io.Writer, rs []FsyncResult) {
	for _, f := range rs {
		fmt.Fprintf(w, "- 4 KiB %s: p50 %.0f µs, p99 %.0f µs (at most %.0f serial syncs/s)\n", f.Mode, f.P50us, f.P99us, f.MaxRate)
	}
}
