package vfs

import (
	"os"
	"syscall"
)

// Default is the operating system's filesystem.
var Default FS = osFS{}

type osFS struct{}

func (osFS) Create(name string) (File, error) {
	return osOpen(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC)
}

func (osFS) Open(name string) (File, error) { return osOpen(name, os.O_RDONLY) }

func (osFS) OpenReadWrite(name string) (File, error) {
	return osOpen(name, os.O_RDWR|os.O_CREATE)
}

func osOpen(name string, flag int) (File, error) {
	f, err := os.OpenFile(name, flag, 0o666)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Remove(name string) error                    { return os.Remove(name) }
func (osFS) RemoveAll(name string) error                 { return os.RemoveAll(name) }
func (osFS) Rename(oldname, newname string) error        { return os.Rename(oldname, newname) }
func (osFS) MkdirAll(dir string, perm os.FileMode) error { return os.MkdirAll(dir, perm) }
func (osFS) Stat(name string) (os.FileInfo, error)       { return os.Stat(name) }

// List returns the entry names; os.ReadDir already sorts them.
func (osFS) List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// osFile adds Preallocate to *os.File, which has every other File method
// (Fd included).
type osFile struct{ *os.File }

func (f osFile) Preallocate(off, n int64) error {
	if off < 0 || n < 0 {
		return &os.PathError{Op: "preallocate", Path: f.Name(), Err: syscall.EINVAL}
	}
	if n == 0 {
		return nil
	}
	return preallocate(f.File, off, n)
}
