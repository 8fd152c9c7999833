//go:build unix

package logmanager

import (
	"errors"
	"syscall"
)

var errLockHeld = errors.New("logmanager: lock held by another process")

// tryLockFd takes a non-blocking fcntl write lock on the whole file.
func tryLockFd(fd uintptr) error {
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	for {
		err := syscall.FcntlFlock(fd, syscall.F_SETLK, &lk)
		switch err {
		case nil:
			return nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN, syscall.EACCES:
			return errLockHeld
		}
		return err
	}
}
