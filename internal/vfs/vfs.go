package vfs

import (
	"io"
	"os"
)

// File is an open file.
type File interface {
	io.Reader
	io.ReaderAt
	io.Writer
	io.WriterAt
	io.Seeker
	io.Closer
	// Sync makes the file's data durable.
	Sync() error
	// Truncate changes the file's size.
	Truncate(size int64) error
	// Stat returns the file's metadata (Size is what matters).
	Stat() (os.FileInfo, error)
	// Preallocate reserves space for [off, off+n) without changing the
	// file's size: reads past the written end still return io.EOF. It is a
	// hint; where the filesystem cannot reserve space it does nothing.
	Preallocate(off, n int64) error
	// Fd returns the OS file descriptor, or ^uintptr(0) when there is none
	// (in-memory files); used for sendfile.
	Fd() uintptr
}

// FS is a filesystem.
type FS interface {
	// Create creates or truncates a file for reading and writing.
	Create(name string) (File, error)
	// Open opens a file read-only.
	Open(name string) (File, error)
	// OpenReadWrite opens an existing file for reading and writing, creating
	// it empty if it does not exist.
	OpenReadWrite(name string) (File, error)
	// Remove removes a file or an empty directory.
	Remove(name string) error
	// RemoveAll removes a path and everything under it.
	RemoveAll(name string) error
	// Rename atomically replaces newname with oldname.
	Rename(oldname, newname string) error
	// MkdirAll creates a directory and its parents.
	MkdirAll(dir string, perm os.FileMode) error
	// List returns the names (not paths) of a directory's entries, sorted.
	List(dir string) ([]string, error)
	// Stat returns a path's metadata.
	Stat(name string) (os.FileInfo, error)
	// SyncDir makes the directory's entries (creates, renames, removes) durable.
	SyncDir(dir string) error
}
