// Package machine describes the machine a benchmark runs on, for the
// report (host, CPUs, kernel, Go version, commit, load average, the data
// directory's filesystem), and measures its physical limits that a
// durable server cannot beat: the latency of making one small write
// durable (fsync, fdatasync).
//
// Invariants: nothing here fails the benchmark for want of information: an
// unreadable fact is "unknown". The fsync probe cleans up its file.
package machine
