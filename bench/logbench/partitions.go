package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// partitionsRSS runs this program as a child that opens c.partitions logs
// (each with one small batch) and reports its RSS while holding them.
func partitionsRSS(c config) (rss, hwm float64, err error) {
	dir := filepath.Join(c.dir, "partitions")
	self, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	out, err := exec.Command(self, "-child", dir, "-partitions", strconv.Itoa(c.partitions)).CombinedOutput()
	defer os.RemoveAll(dir)
	if err != nil {
		return 0, 0, fmt.Errorf("child: %v: %s", err, out)
	}
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "rss %f hwm %f", &rss, &hwm); err != nil {
		return 0, 0, fmt.Errorf("child said %q", out)
	}
	return rss, hwm, nil
}

// holdPartitions is the child: it creates and opens n partitions, appends
// one batch to each, and prints its RSS with all of them open. A log keeps a
// few files open, so it raises its descriptor limit first (Kafka needs the
// same: its docs ask for 100,000+).
func holdPartitions(dir string, n int) error {
	lim := syscall.Rlimit{Cur: uint64(4*n + 1024), Max: uint64(4*n + 1024)}
	var cur syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &cur) == nil && cur.Max < lim.Max {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("raising the descriptor limit to %d: %v (run as root or raise ulimit -n)", lim.Max, err)
		}
	} else if cur.Cur < lim.Cur {
		lim.Max = cur.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	b := record.NewBuilder(0, record.CompressionNone)
	if err := b.Append(time.Now().UnixMilli(), []byte("k"), make([]byte, 100)); err != nil {
		return err
	}
	tmpl, err := b.Build()
	if err != nil {
		return err
	}
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
	rss, hwm := procMem()
	for _, l := range logs {
		l.Close()
	}
	fmt.Printf("rss %.1f hwm %.1f\n", rss, hwm)
	return nil
}

// procMem reads VmRSS and VmHWM (MiB) from /proc/self/status.
func procMem() (rss, hwm float64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1, -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}
