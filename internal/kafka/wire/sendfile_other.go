//go:build !linux

package wire

import "syscall"

// sendfile is Linux-only here; elsewhere regions are copied.
func sendfile(syscall.RawConn, uintptr, int64, int64) (int64, bool, error) {
	return 0, false, nil
}
