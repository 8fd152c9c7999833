package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wharf-project/wharf/bench/internal/procstat"
	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// partitionsRSS runs this program as a child that opens c.partitions logs
// (each with one small batch) and reports its RSS while holding them, and
// the descriptors the logs hold.
func partitionsRSS(c config) (rss, hwm float64, fds int, err error) {
	dir := filepath.Join(c.dir, "partitions")
	self, err := os.Executable()
	if err != nil {
		return 0, 0, 0, err
	}
	out, err := exec.Command(self, "-child", dir, "-partitions", strconv.Itoa(c.partitions)).CombinedOutput()
	defer os.RemoveAll(dir)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("child: %v: %s", err, out)
	}
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "rss %f hwm %f fds %d", &rss, &hwm, &fds); err != nil {
		return 0, 0, 0, fmt.Errorf("child said %q", out)
	}
	return rss, hwm, fds, nil
}

// holdPartitions is the child: it creates and opens n partitions, appends
// one batch to each, and prints its RSS and open descriptors with all of
// them open. An idle log keeps one file open (its active segment's .log), so
// the child only raises its soft descriptor limit to the hard limit, which
// needs no privilege; opening fails (EMFILE) if that cannot hold them.
func holdPartitions(dir string, n int) error {
	if err := raiseSoftFileLimit(); err != nil {
		return err
	}
	b := record.NewBuilder(0, record.CompressionNone)
	if err := b.Append(time.Now().UnixMilli(), []byte("k"), make([]byte, 100)); err != nil {
		return err
	}
	tmpl, err := b.Build()
	if err != nil {
		return err
	}
	// The runtime's poller opens its own descriptors with the first file:
	// open one before counting.
	if f, err := os.Open(os.DevNull); err == nil {
		f.Close()
	}
	fdsBefore := openFiles()
	logs := make([]*log.Log, 0, n)
	buf := make([]byte, len(tmpl))
	for i := range n {
		pdir := filepath.Join(dir, fmt.Sprintf("topic-%d", i))
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return err
		}
		l, err := log.Open(vfs.Default, pdir, log.DefaultConfig(), log.Options{HadCleanShutdown: true})
		if err != nil {
			return err
		}
		copy(buf, tmpl)
		if _, err := l.AppendAsLeader(buf, 0, log.OriginClient); err != nil {
			return err
		}
		logs = append(logs, l)
	}
	rssB, hwmB, err := procstat.Mem(os.Getpid())
	if err != nil {
		return err
	}
	rss, hwm := float64(rssB)/(1<<20), float64(hwmB)/(1<<20)
	fds := openFiles() - fdsBefore
	for _, l := range logs {
		l.Close()
	}
	fmt.Printf("rss %.1f hwm %.1f fds %d\n", rss, hwm, fds)
	return nil
}

// raiseSoftFileLimit sets RLIMIT_NOFILE's soft limit to its hard limit.
func raiseSoftFileLimit() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("raising the soft descriptor limit to %d: %v", lim.Max, err)
		}
	}
	return nil
}

// openFiles counts the process's open descriptors (-1 if unknown).
func openFiles() int {
	names, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(names)
}
