// Command logbench measures Wharf's partition log (internal/kafka/log)
// against the disk it runs on, in one run: the raw sequential write
// bandwidth of a plain write+fsync loop, the log's append throughput for
// 100 B and 1 KiB records in 16 KiB and 1 MiB batches (with group-commit
// fsync and without), read throughput from the page cache, recovery time of a
// log with a torn tail, and the RSS of a process holding 10,000 partitions
// open. It prints each figure with its ratio to the physical limit and the
// targets: large-batch append >= 80% of raw bandwidth, reads >= 2 GB/s,
// 10,000 open partitions <= 300 MB RSS.
//
//	go run ./bench/logbench                     # about a minute; 1 GiB per run
//	go run ./bench/logbench -total 256MiB -partitions 2000
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

type config struct {
	dir        string
	total      int64
	partitions int
	appenders  int
	keep       bool
	child      string // internal: run as the partition-holding child
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

func main() {
	var c config
	var total string
	fs := flag.NewFlagSet("logbench", flag.ContinueOnError)
	fs.StringVar(&c.dir, "dir", "", "directory for the data (default: a new dir under $TMPDIR); must be a real disk")
	fs.StringVar(&total, "total", "1GiB", "bytes written per append run and in the recovery log")
	fs.IntVar(&c.partitions, "partitions", 10000, "partitions held open for the RSS measurement")
	fs.IntVar(&c.appenders, "appenders", 8, "concurrent appenders in the group-commit runs")
	fs.BoolVar(&c.keep, "keep", false, "keep the data directory")
	fs.StringVar(&c.child, "child", "", "internal: hold partitions open under this dir and report RSS")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	if c.child != "" {
		if err := holdPartitions(c.child, c.partitions); err != nil {
			fmt.Fprintln(os.Stderr, "logbench child:", err)
			os.Exit(1)
		}
		return
	}
	var err error
	if c.total, err = parseSize(total); err != nil {
		fmt.Fprintln(os.Stderr, "logbench:", err)
		os.Exit(2)
	}
	if c.dir == "" {
		if c.dir, err = os.MkdirTemp("", "logbench-"); err != nil {
			fmt.Fprintln(os.Stderr, "logbench:", err)
			os.Exit(1)
		}
	} else if c.dir, err = filepath.Abs(c.dir); err != nil {
		fmt.Fprintln(os.Stderr, "logbench:", err)
		os.Exit(1)
	}
	if !c.keep {
		defer os.RemoveAll(c.dir)
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "logbench:", err)
		os.Exit(1)
	}
}
