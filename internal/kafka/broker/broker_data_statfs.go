//go:build unix

package broker

import "syscall"

// diskSpace is a directory's filesystem's total and usable bytes
// (FileStore.getTotalSpace, getUsableSpace: blocks available to an
// unprivileged user), -1 each when they cannot be read.
func diskSpace(dir string) (total, usable int64) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1, -1
	}
	bs := uint64(st.Bsize)
	return clampInt64(uint64(st.Blocks) * bs), clampInt64(uint64(st.Bavail) * bs)
}

// clampInt64 is adjustForLargeFileSystems: a size beyond a long is Long.MAX_VALUE.
func clampInt64(n uint64) int64 {
	if n > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(n)
}
