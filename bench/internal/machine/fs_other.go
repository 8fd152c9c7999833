//go:build !linux

package machine

import "os"

func fdatasync(f *os.File) error { return f.Sync() }

// FsType is "unknown" outside Linux.
func FsType(string) string { return "unknown" }
