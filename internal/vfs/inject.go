package vfs

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
)

// ErrInjected is the error the injectors here return; WithErrors hands it to
// the caller wrapped in an *os.PathError.
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
