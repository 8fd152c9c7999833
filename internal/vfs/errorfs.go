package vfs

import (
	"errors"
	"os"
)

// WithErrors wraps fs so that operations inj picks fail before they run,
// leaving fs untouched, with an *os.PathError wrapping inj's error. Two
// exceptions: a PartialWrite lets a prefix through, and a failed Close still
// closes the underlying file (as close(2) releases the descriptor even when it
// reports an error), so handles never leak.
func WithErrors(fs FS, inj Injector) FS { return &errorFS{fs: fs, inj: inj} }

type errorFS struct {
	fs  FS
	inj Injector
}

func (e *errorFS) fail(op Op) error {
	if err := e.inj.MaybeError(op); err != nil {
		return &os.PathError{Op: op.Kind.String(), Path: op.Path, Err: err}
	}
	return nil
}

// guard runs do unless the injector fails the operation.
func guard[T any](e *errorFS, kind OpKind, name string, do func() (T, error)) (T, error) {
	if err := e.fail(Op{Kind: kind, Path: name}); err != nil {
		var zero T
		return zero, err
	}
	return do()
}

// run is guard for operations that return only an error.
func (e *errorFS) run(kind OpKind, name string, do func() error) error {
	_, err := guard(e, kind, name, func() (struct{}, error) { return struct{}{}, do() })
	return err
}

func (e *errorFS) Create(name string) (File, error) { return e.open(OpCreate, name, e.fs.Create) }
func (e *errorFS) Open(name string) (File, error)   { return e.open(OpOpen, name, e.fs.Open) }
func (e *errorFS) OpenReadWrite(name string) (File, error) {
	return e.open(OpOpenReadWrite, name, e.fs.OpenReadWrite)
}

func (e *errorFS) open(kind OpKind, name string, open func(string) (File, error)) (File, error) {
	return guard(e, kind, name, func() (File, error) {
		f, err := open(name)
		if err != nil {
			return nil, err
		}
		return &errorFile{File: f, fs: e, name: name}, nil
	})
}

func (e *errorFS) Remove(name string) error {
	return e.run(OpRemove, name, func() error { return e.fs.Remove(name) })
}

func (e *errorFS) RemoveAll(name string) error {
	return e.run(OpRemoveAll, name, func() error { return e.fs.RemoveAll(name) })
}

func (e *errorFS) Rename(oldname, newname string) error {
	if err := e.fail(Op{Kind: OpRename, Path: oldname, NewPath: newname}); err != nil {
		return err
	}
	return e.fs.Rename(oldname, newname)
}

func (e *errorFS) MkdirAll(dir string, perm os.FileMode) error {
	return e.run(OpMkdirAll, dir, func() error { return e.fs.MkdirAll(dir, perm) })
}

func (e *errorFS) List(dir string) ([]string, error) {
	return guard(e, OpList, dir, func() ([]string, error) { return e.fs.List(dir) })
}

func (e *errorFS) Stat(name string) (os.FileInfo, error) {
	return guard(e, OpStat, name, func() (os.FileInfo, error) { return e.fs.Stat(name) })
}

func (e *errorFS) SyncDir(dir string) error {
	return e.run(OpSyncDir, dir, func() error { return e.fs.SyncDir(dir) })
}

// errorFile embeds File only for Fd; every other method is wrapped.
type errorFile struct {
	File
	fs   *errorFS
	name string
}

func (f *errorFile) Read(p []byte) (int, error) {
	return guard(f.fs, OpFileRead, f.name, func() (int, error) { return f.File.Read(p) })
}

func (f *errorFile) ReadAt(p []byte, off int64) (int, error) {
	return guard(f.fs, OpFileReadAt, f.name, func() (int, error) { return f.File.ReadAt(p, off) })
}

func (f *errorFile) Write(p []byte) (int, error) {
	return f.write(OpFileWrite, p, f.File.Write)
}

func (f *errorFile) WriteAt(p []byte, off int64) (int, error) {
	return f.write(OpFileWriteAt, p, func(p []byte) (int, error) { return f.File.WriteAt(p, off) })
}

func (f *errorFile) write(kind OpKind, p []byte, write func([]byte) (int, error)) (int, error) {
	err := f.fs.fail(Op{Kind: kind, Path: f.name})
	if err == nil {
		return write(p)
	}
	var pw *PartialWrite
	if errors.As(err, &pw) && pw.N > 0 {
		n, werr := write(p[:min(pw.N, len(p))])
		if werr == nil {
			werr = err
		}
		return n, werr
	}
	return 0, err
}

func (f *errorFile) Seek(offset int64, whence int) (int64, error) {
	return guard(f.fs, OpFileSeek, f.name, func() (int64, error) { return f.File.Seek(offset, whence) })
}

func (f *errorFile) Close() error {
	err := f.fs.fail(Op{Kind: OpFileClose, Path: f.name})
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	return err
}

func (f *errorFile) Sync() error { return f.fs.run(OpFileSync, f.name, f.File.Sync) }

func (f *errorFile) Truncate(size int64) error {
	return f.fs.run(OpFileTruncate, f.name, func() error { return f.File.Truncate(size) })
}

func (f *errorFile) Preallocate(off, n int64) error {
	return f.fs.run(OpFilePreallocate, f.name, func() error { return f.File.Preallocate(off, n) })
}

func (f *errorFile) Stat() (os.FileInfo, error) {
	return guard(f.fs, OpFileStat, f.name, f.File.Stat)
}
