//go:build !unix

package logmanager

import "errors"

var errLockHeld = errors.New("logmanager: lock held by another process")

// tryLockFd does nothing where fcntl locks do not exist: only the
// in-process registry applies.
func tryLockFd(uintptr) error { return nil }
