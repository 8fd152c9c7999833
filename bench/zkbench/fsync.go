package main

import (
	"os"
	"path/filepath"
	"time"
)

// fsyncResult is the latency of making one 4 KiB write durable on the data
// disk: the floor under a server that fsyncs every write, and (as its
// inverse) the most writes per second one serial fsync stream can do.
type fsyncResult struct {
	Mode    string  `json:"mode"`
	Count   int     `json:"count"`
	P50us   float64 `json:"p50_us"`
	P99us   float64 `json:"p99_us"`
	MaxRate float64 `json:"serial_ops_per_s"` // 1 / mean latency
}

// measureFsync times n rounds of write-4KiB-then-sync in dir, two ways:
// appending to a growing file and fsync (size changes: metadata is
// written too), and overwriting a preallocated file and fdatasync (what
// ZooKeeper's txn log does: it preallocates 64 MB and calls force(false)).
func measureFsync(dir string, n int) ([]fsyncResult, error) {
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(i)
	}
	var out []fsyncResult
	for _, mode := range []string{"append+fsync", "prealloc+fdatasync"} {
		path := filepath.Join(dir, "fsync-probe")
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return nil, err
		}
		prealloc := mode == "prealloc+fdatasync"
		if prealloc {
			zeros := make([]byte, 1<<20)
			for off := int64(0); off < int64(n)*4096; off += int64(len(zeros)) {
				if _, err := f.WriteAt(zeros, off); err != nil {
					f.Close()
					return nil, err
				}
			}
			if err := f.Sync(); err != nil {
				f.Close()
				return nil, err
			}
		}
		lat := make([]time.Duration, 0, n)
		for i := range n {
			start := time.Now()
			if _, err := f.WriteAt(buf, int64(i)*4096); err != nil {
				f.Close()
				return nil, err
			}
			if prealloc {
				err = fdatasync(f)
			} else {
				err = f.Sync()
			}
			if err != nil {
				f.Close()
				return nil, err
			}
			lat = append(lat, time.Since(start))
		}
		f.Close()
		os.Remove(path)
		s := summarize(lat)
		out = append(out, fsyncResult{Mode: mode, Count: n, P50us: us(s.p50), P99us: us(s.p99), MaxRate: float64(time.Second) / float64(s.mean)})
	}
	return out, nil
}
