//go:build unix

package admin

import (
	"os"
	"syscall"
)

// FileDescriptors returns the process's open file descriptors and its
// RLIMIT_NOFILE soft limit, as OSMXBean reports them; -1 when unknown.
func FileDescriptors() (open, max int64) {
	open, max = -1, -1
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		if entries, err := os.ReadDir(dir); err == nil {
			// The listing held one descriptor of its own.
			open = int64(len(entries)) - 1
			break
		}
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		max = int64(lim.Cur)
	}
	return open, max
}
