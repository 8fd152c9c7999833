package vfs

import (
	"os"
	"syscall"
)

// fallocKeepSize is FALLOC_FL_KEEP_SIZE: reserve blocks without changing the
// file's size, so readers still see the written end.
const fallocKeepSize = 1

// preallocate reserves [off, off+n) with fallocate. Filesystems that cannot
// (tmpfs on old kernels, some network filesystems) get nothing: preallocation
// is only a hint against fragmentation and ENOSPC mid-write.
func preallocate(f *os.File, off, n int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = syscall.Fallocate(int(fd), fallocKeepSize, off, n)
			if ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	switch ferr {
	case nil, syscall.EOPNOTSUPP, syscall.ENOSYS:
		return nil
	}
	return &os.PathError{Op: "fallocate", Path: f.Name(), Err: ferr}
}
