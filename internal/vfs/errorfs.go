package vfs

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
)

// ErrInjected is the error WithErrors injects (wrapped in an *os.PathError).
var ErrInjected = errors.New("vfs: injected error")

// OpKind classifies an operation for injectors.
type OpKind int

// The operations WithErrors can fail: one per FS and File method (Fd cannot fail).
const (
	OpCreate OpKind = iota
	OpOpen
	OpOpenReadWrite
	OpRemove
	OpRemoveAll
	OpRename
	OpMkdirAll
	OpList
	OpStat
	OpSyncDir
	OpFileRead
	OpFileReadAt
	OpFileWrite
	OpFileWriteAt
	OpFileSync
	OpFileTruncate
	OpFilePreallocate
	OpFileClose
	OpFileStat
	OpFileSeek
	numOpKinds
)

var opNames = [numOpKinds]string{
	"create", "open", "openreadwrite", "remove", "removeall", "rename", "mkdirall",
	"list", "stat", "syncdir", "read", "readat", "write", "writeat", "sync",
	"truncate", "preallocate", "close", "fstat", "seek",
}

func (k OpKind) String() string {
	if k < 0 || k >= numOpKinds {
		return fmt.Sprintf("OpKind(%d)", int(k))
	}
	return opNames[k]
}

// Op is one operation about to run.
type Op struct {
	Kind    OpKind
	Path    string // the FS path, or the path the file was opened with
	NewPath string // Rename's target
}

// Injector decides whether an operation fails. It is called before the
// operation runs, from any goroutine; a non-nil error fails the operation.
type Injector interface {
	MaybeError(op Op) error
}

// InjectorFunc adapts a function to an Injector.
type InjectorFunc func(Op) error

// MaybeError calls f.
func (f InjectorFunc) MaybeError(op Op) error { return f(op) }

// Filter selects operations.
type Filter func(Op) bool

// Kinds selects operations of the given kinds.
func Kinds(kinds ...OpKind) Filter {
	return func(op Op) bool { return slices.Contains(kinds, op.Kind) }
}

// Mutating selects the operations that can change what is on disk, which
// are the interesting ones to fail in a crash-safety test.
func Mutating(op Op) bool {
	switch op.Kind {
	case OpCreate, OpOpenReadWrite, OpRemove, OpRemoveAll, OpRename, OpMkdirAll,
		OpSyncDir, OpFileWrite, OpFileWriteAt, OpFileSync, OpFileTruncate, OpFilePreallocate:
		return true
	}
	return false
}

func matchAll(filters []Filter, op Op) bool {
	for _, f := range filters {
		if !f(op) {
			return false
		}
	}
	return true
}

// IndexInjector fails one operation, chosen by its index.
type IndexInjector struct {
	n       int64
	filters []Filter
	seen    atomic.Int64
}

// OnIndex fails the n-th operation (counted from 0) among those every filter
// selects, and no other. With a Counter holding the same filters, a test can
// fail each operation of a workload in turn.
func OnIndex(n int64, filters ...Filter) *IndexInjector {
	return &IndexInjector{n: n, filters: filters}
}

// MaybeError counts op if selected and fails it if it is the n-th.
func (i *IndexInjector) MaybeError(op Op) error {
	if matchAll(i.filters, op) && i.seen.Add(1)-1 == i.n {
		return ErrInjected
	}
	return nil
}

// Fired reports whether the n-th operation has happened (and so failed).
func (i *IndexInjector) Fired() bool { return i.seen.Load() > i.n }

// OnOp fails every operation of the given kinds.
func OnOp(kinds ...OpKind) Injector {
	match := Kinds(kinds...)
	return InjectorFunc(func(op Op) error {
		if match(op) {
			return ErrInjected
		}
		return nil
	})
}

// Toggle passes operations to its Injector only while on. It starts off.
type Toggle struct {
	Injector
	on atomic.Bool
}

// NewToggle returns an off Toggle around inj.
func NewToggle(inj Injector) *Toggle { return &Toggle{Injector: inj} }

// On enables injection.
func (t *Toggle) On() { t.on.Store(true) }

// Off disables injection.
func (t *Toggle) Off() { t.on.Store(false) }

// MaybeError consults the Injector if the toggle is on.
func (t *Toggle) MaybeError(op Op) error {
	if !t.on.Load() {
		return nil
	}
	return t.Injector.MaybeError(op)
}

// Any fails an operation if any injector does. Every injector sees every
// operation, so counting injectors stay in step; the first error wins.
func Any(injs ...Injector) Injector {
	return InjectorFunc(func(op Op) error {
		var first error
		for _, inj := range injs {
			if err := inj.MaybeError(op); err != nil && first == nil {
				first = err
			}
		}
		return first
	})
}

// Counter counts the operations its Filter selects (all, if nil) and fails
// none. The zero value is ready to use.
type Counter struct {
	Filter Filter
	n      atomic.Int64
}

// MaybeError counts op.
func (c *Counter) MaybeError(op Op) error {
	if c.Filter == nil || c.Filter(op) {
		c.n.Add(1)
	}
	return nil
}

// Count returns how many operations were counted.
func (c *Counter) Count() int64 { return c.n.Load() }

// PartialWrite, returned by an Injector for a write, lets the first N bytes
// through before the write fails. It wraps ErrInjected.
type PartialWrite struct{ N int }

func (e *PartialWrite) Error() string { return fmt.Sprintf("%v after %d bytes", ErrInjected, e.N) }

// Unwrap returns ErrInjected.
func (e *PartialWrite) Unwrap() error { return ErrInjected }

// WritePrefix makes the writes inj fails write their first n bytes first
// (a torn write); other operations fail as inj says.
func WritePrefix(n int, inj Injector) Injector {
	return InjectorFunc(func(op Op) error {
		err := inj.MaybeError(op)
		if err != nil && (op.Kind == OpFileWrite || op.Kind == OpFileWriteAt) {
			return &PartialWrite{N: n}
		}
		return err
	})
}

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
