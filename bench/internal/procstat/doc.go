// Package procstat reads what a benchmark reports about a server process
// from Linux's /proc: its CPU time (utime + stime from /proc/<pid>/stat),
// its resident set (VmRSS) and its peak resident set (VmHWM from
// /proc/<pid>/status), and samples VmRSS during a run to find the peak of
// that run alone.
//
// Invariants: parsing never panics on malformed input (it returns
// ErrFormat); a Sampler for pid 0 (an unknown process) samples nothing and
// reports 0.
package procstat
