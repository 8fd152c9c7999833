package log

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"

	"github.com/wharf-project/wharf/internal/vfs"
)

// How a segment's .log is kept open.
//
// The active segment's .log is held open, read-write, by its log (as is a
// cleaned segment's by the cleaner until Seal): an idle partition holds that
// one descriptor and nothing else. Every other segment opens its .log
// read-only when read, and keeps it in the FileCache until evicted.
//
// A read pins the open handle (a reference count): eviction skips a pinned
// handle, and a handle replaced while pinned (an inactive segment made
// active again by a truncation is reopened read-write) is closed at its last
// release. A FileRegion carries its pin until Release. Only the end of the
// segment closes a pinned handle: its removal, file.delete.delay.ms after
// its deletion (the time readers get, as in Kafka), or the log's Close.
//
// A segment's files are opened by name: under a read lock of the log's
// directory (segmentDir, renamed under its write lock) and of the segment's
// suffix (Segment.nameMu, renamed under its write lock), so that an open
// never races with a rename.

// segmentDir is a log's directory, shared by its segments.
type segmentDir struct {
	mu   sync.RWMutex
	path string
}

// fileHandle is one open descriptor of a segment's .log.
type fileHandle struct {
	f        vfs.File
	writable bool
	refs     int  // pins (under segmentFile.mu)
	done     bool // closed, or handed to be closed (under segmentFile.mu)
}

// segmentFile is a segment's .log as the segment sees it: opened on demand.
// It is also the vfs.File that Segment.File returns (positioned reads, each
// pinning the file for its duration; writes reach the held read-write
// handle of the active segment only).
type segmentFile struct {
	seg   *Segment
	cache *clockList
	entry cacheEntry

	mu     sync.Mutex
	cur    *fileHandle   // the open handle, or nil
	old    []*fileHandle // handles replaced while pinned: closed at their last release
	held   bool          // the writer keeps cur open; it is not in the cache
	listed bool          // cur is counted in the cache
	closed bool          // the segment is gone or its log closed: never opened again
}

func newSegmentFile(s *Segment, cache *FileCache) *segmentFile {
	sf := &segmentFile{seg: s, cache: &cache.files}
	sf.entry.owner = sf
	return sf
}

// errClosed is what reads of a segment get once its files are closed for
// good.
func (sf *segmentFile) errClosed() error {
	return fmt.Errorf("%w: segment %d's file", ErrClosed, sf.seg.base)
}

// acquire pins the open handle, opening the file read-only if none is.
func (sf *segmentFile) acquire() (*fileHandle, error) {
	sf.mu.Lock()
	if sf.closed {
		sf.mu.Unlock()
		return nil, sf.errClosed()
	}
	h := sf.cur
	if h == nil {
		f, err := sf.seg.openFile(LogFileSuffix, sf.seg.fs.Open)
		if err != nil {
			sf.mu.Unlock()
			return nil, err
		}
		h = &fileHandle{f: f}
		sf.cur = h
	}
	h.refs++
	add := !sf.held && !sf.listed
	sf.listed = sf.listed || add
	sf.mu.Unlock()
	if add {
		sf.cache.add(&sf.entry, 1)
	} else {
		sf.cache.touch(&sf.entry)
	}
	return h, nil
}

// release unpins h.
func (sf *segmentFile) release(h *fileHandle) {
	sf.mu.Lock()
	h.refs--
	var toClose vfs.File
	if h.refs == 0 && h != sf.cur && !h.done {
		h.done = true
		toClose = h.f
		sf.old = dropHandle(sf.old, h)
	}
	sf.mu.Unlock()
	if toClose != nil {
		_ = toClose.Close()
	}
}

func dropHandle(hs []*fileHandle, h *fileHandle) []*fileHandle {
	for i, x := range hs {
		if x == h {
			hs[i] = hs[len(hs)-1]
			hs[len(hs)-1] = nil
			return hs[:len(hs)-1]
		}
	}
	return hs
}

// evict is the cache dropping the file: only when nothing pins it.
func (sf *segmentFile) evict() (keep bool, toClose io.Closer) {
	if !sf.mu.TryLock() {
		return true, nil
	}
	defer sf.mu.Unlock()
	if sf.cur != nil && !sf.held && !sf.closed {
		if sf.cur.refs > 0 {
			return true, nil
		}
		toClose = sf.cur.f
		sf.cur.done = true
		sf.cur = nil
	}
	sf.listed = false
	return false, toClose
}

// setHeld makes f, just created read-write, the held handle.
func (sf *segmentFile) setHeld(f vfs.File) {
	sf.mu.Lock()
	sf.cur = &fileHandle{f: f, writable: true}
	sf.held = true
	sf.mu.Unlock()
}

// hold opens the file (read-write if writable, replacing a read-only
// handle) and keeps it open until unhold: the writer's. The file must exist
// (OpenReadWrite would create it).
func (sf *segmentFile) hold(writable bool) error {
	sf.mu.Lock()
	if sf.closed {
		sf.mu.Unlock()
		return sf.errClosed()
	}
	var toClose vfs.File
	if sf.cur == nil || (writable && !sf.cur.writable) {
		open := sf.seg.fs.Open
		if writable {
			open = sf.seg.fs.OpenReadWrite
		}
		f, err := sf.seg.openFile(LogFileSuffix, open)
		if err != nil {
			sf.mu.Unlock()
			return err
		}
		if h := sf.cur; h != nil {
			if h.refs == 0 {
				h.done, toClose = true, h.f
			} else {
				sf.old = append(sf.old, h)
			}
		}
		sf.cur = &fileHandle{f: f, writable: writable}
	}
	sf.held = true
	sf.unlockUnlisted()
	if toClose != nil {
		_ = toClose.Close()
	}
	return nil
}

// unlockUnlisted takes the file out of the cache's count and unlocks it.
func (sf *segmentFile) unlockUnlisted() { sf.cache.unlockUnlisted(&sf.mu, &sf.listed, &sf.entry) }

// unhold hands the held file to the cache.
func (sf *segmentFile) unhold() {
	sf.mu.Lock()
	sf.held = false
	add := sf.cur != nil && !sf.listed && !sf.closed
	sf.listed = sf.listed || add
	sf.mu.Unlock()
	if add {
		sf.cache.add(&sf.entry, 1)
	}
}

// dropIdle closes the file now unless a reader pins it (then the cache
// closes it once unpinned): for a segment leaving the log.
func (sf *segmentFile) dropIdle() {
	sf.mu.Lock()
	sf.held = false
	var toClose vfs.File
	if h := sf.cur; h != nil && h.refs == 0 {
		h.done, toClose = true, h.f
		sf.cur = nil
	}
	remove := sf.listed && sf.cur == nil
	add := !sf.listed && sf.cur != nil && !sf.closed
	sf.listed = (sf.listed && !remove) || add
	sf.mu.Unlock()
	switch {
	case remove:
		sf.cache.remove(&sf.entry)
	case add:
		sf.cache.add(&sf.entry, 1)
	}
	if toClose != nil {
		_ = toClose.Close()
	}
}

// closeAll closes every handle, pinned or not, for good.
func (sf *segmentFile) closeAll() {
	sf.mu.Lock()
	sf.closed, sf.held = true, false
	var toClose []vfs.File
	for _, h := range append(sf.old, sf.cur) {
		if h != nil && !h.done {
			h.done = true
			toClose = append(toClose, h.f)
		}
	}
	sf.cur, sf.old = nil, nil
	sf.unlockUnlisted()
	for _, f := range toClose {
		_ = f.Close()
	}
}

// writer returns the held read-write file: the writer's own.
func (sf *segmentFile) writer() (vfs.File, error) {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if !sf.held || sf.cur == nil || !sf.cur.writable {
		return nil, fmt.Errorf("%w: segment %d is not open for writing", ErrInvalidArgument, sf.seg.base)
	}
	return sf.cur.f, nil
}

// with runs fn on the pinned file.
func (sf *segmentFile) with(fn func(f vfs.File) error) error {
	h, err := sf.acquire()
	if err != nil {
		return err
	}
	defer sf.release(h)
	return fn(h.f)
}

var errNotPositioned = fmt.Errorf("%w: segment files take positioned reads and writes only", errors.ErrUnsupported)

// ReadAt reads from the segment's file, opening it if needed.
func (sf *segmentFile) ReadAt(p []byte, off int64) (n int, err error) {
	err = sf.with(func(f vfs.File) error {
		n, err = f.ReadAt(p, off)
		return err
	})
	return n, err
}

// Stat returns the file's metadata.
func (sf *segmentFile) Stat() (fi os.FileInfo, err error) {
	err = sf.with(func(f vfs.File) error {
		fi, err = f.Stat()
		return err
	})
	return fi, err
}

// Sync makes the file durable.
func (sf *segmentFile) Sync() error { return sf.with(vfs.File.Sync) }

// WriteAt, Truncate and Preallocate act on the active (or cleaned) segment's
// held read-write file, and fail on any other.
func (sf *segmentFile) WriteAt(p []byte, off int64) (int, error) {
	f, err := sf.writer()
	if err != nil {
		return 0, err
	}
	return f.WriteAt(p, off)
}

func (sf *segmentFile) Truncate(size int64) error {
	f, err := sf.writer()
	if err != nil {
		return err
	}
	return f.Truncate(size)
}

func (sf *segmentFile) Preallocate(off, n int64) error {
	f, err := sf.writer()
	if err != nil {
		return err
	}
	return f.Preallocate(off, n)
}

// Read, Write and Seek would share an offset between every reader: not
// supported.
func (sf *segmentFile) Read([]byte) (int, error)       { return 0, errNotPositioned }
func (sf *segmentFile) Write([]byte) (int, error)      { return 0, errNotPositioned }
func (sf *segmentFile) Seek(int64, int) (int64, error) { return 0, errNotPositioned }
func (sf *segmentFile) Close() error                   { return nil } // the segment owns its file
func (sf *segmentFile) String() string                 { return sf.seg.LogPath() }
func (sf *segmentFile) name() string                   { return sf.seg.LogPath() }
func (sf *segmentFile) pathError(op string, e error) error {
	return &fs.PathError{Op: op, Path: sf.name(), Err: e}
}

// Fd returns the descriptor of the file as open now, opening it if needed.
// It stays valid only while something pins it: a FileRegion's File (see
// Read) is the way to get a descriptor for sendfile.
func (sf *segmentFile) Fd() uintptr {
	h, err := sf.acquire()
	if err != nil {
		return ^uintptr(0)
	}
	defer sf.release(h)
	return h.f.Fd()
}

// regionFile is the File of a FileRegion: a pin on one open handle, dropped
// by FileRegion.Release (or Close). Reads after that fail.
type regionFile struct {
	sf   *segmentFile
	h    *fileHandle
	done atomic.Bool
}

func (r *regionFile) release() {
	if r.done.CompareAndSwap(false, true) {
		r.sf.release(r.h)
	}
}

func (r *regionFile) file() (vfs.File, error) {
	if r.done.Load() {
		return nil, r.sf.pathError("read", fs.ErrClosed)
	}
	return r.h.f, nil
}

func (r *regionFile) ReadAt(p []byte, off int64) (int, error) {
	f, err := r.file()
	if err != nil {
		return 0, err
	}
	return f.ReadAt(p, off)
}

func (r *regionFile) Stat() (os.FileInfo, error) {
	f, err := r.file()
	if err != nil {
		return nil, err
	}
	return f.Stat()
}

func (r *regionFile) Sync() error {
	f, err := r.file()
	if err != nil {
		return err
	}
	return f.Sync()
}

// Fd is the descriptor, valid until the region is released.
func (r *regionFile) Fd() uintptr {
	f, err := r.file()
	if err != nil {
		return ^uintptr(0)
	}
	return f.Fd()
}

// Close releases the region.
func (r *regionFile) Close() error { r.release(); return nil }

func (r *regionFile) Read([]byte) (int, error)  { return 0, errNotPositioned }
func (r *regionFile) Write([]byte) (int, error) { return 0, errNotPositioned }
func (r *regionFile) WriteAt([]byte, int64) (int, error) {
	return 0, r.sf.pathError("write", errReadOnlyRegion)
}
func (r *regionFile) Seek(int64, int) (int64, error) { return 0, errNotPositioned }
func (r *regionFile) Truncate(int64) error           { return r.sf.pathError("truncate", errReadOnlyRegion) }
func (r *regionFile) Preallocate(int64, int64) error {
	return r.sf.pathError("preallocate", errReadOnlyRegion)
}
func (r *regionFile) String() string { return r.sf.name() }

var errReadOnlyRegion = errors.New("log: a file region is read-only")
