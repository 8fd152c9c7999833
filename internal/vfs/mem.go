package vfs

import (
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// memMaxSize bounds an in-memory file, so that a wild offset is an error
// (EFBIG) rather than an attempt to allocate it.
const memMaxSize = 1 << 32

// NewMem returns an empty in-memory filesystem. Sync and SyncDir do nothing;
// use NewCrashableMem to test durability.
func NewMem() FS { return newMemFS(false) }

// memFS is the in-memory filesystem shared by NewMem and CrashableMem. One
// mutex guards the tree, every node and every open handle.
type memFS struct {
	mu    sync.Mutex
	root  *node
	track bool // remember what is durable (CrashableMem)
}

func newMemFS(track bool) *memFS { return &memFS{root: newDir(), track: track} }

// node is an inode: a directory or a file. Names live only in the parent's
// children, so a handle keeps working after Rename or Remove of its name.
type node struct {
	isDir    bool
	children map[string]*node // directory entries
	data     []byte           // file contents

	// Durability bookkeeping, kept only when the FS tracks it.
	synced         []byte           // file: contents at the last Sync
	pending        []fileOp         // file: changes since the last Sync, in order
	syncedChildren map[string]*node // dir: entries at the last SyncDir
	pendingDir     []dirOp          // dir: entry changes since the last SyncDir
}

func newDir() *node { return &node{isDir: true, children: map[string]*node{}} }

// fileOp is one change to a file's contents: a write, or a truncation.
type fileOp struct {
	trunc bool
	off   int64  // write offset, or the new size of a truncation
	data  []byte // written bytes (a private copy)
	grew  bool   // the write extended the file when it was issued
}

func (op fileOp) apply(b []byte) []byte {
	if op.trunc {
		return resize(b, op.off)
	}
	return writeBytes(b, op.data, op.off)
}

// dirOp is one atomic change to a directory: del removes an entry, add sets
// one to node. A rename within one directory is a single dirOp.
type dirOp struct {
	del, add string
	node     *node
}

func (op dirOp) apply(m map[string]*node) {
	if op.del != "" {
		delete(m, op.del)
	}
	if op.add != "" {
		m[op.add] = op.node
	}
}

// resize sets len(b) to size; new bytes are zero.
func resize(b []byte, size int64) []byte {
	old := int64(len(b))
	if size <= old {
		return b[:size]
	}
	b = slices.Grow(b, int(size-old))[:size]
	clear(b[old:])
	return b
}

func writeBytes(b, p []byte, off int64) []byte {
	if end := off + int64(len(p)); end > int64(len(b)) {
		b = resize(b, end)
	}
	copy(b[off:], p)
	return b
}

// change records a change to a directory, for crash cloning, and applies it.
func (m *memFS) change(dir *node, op dirOp) {
	op.apply(dir.children)
	if m.track {
		dir.pendingDir = append(dir.pendingDir, op)
	}
}

func (m *memFS) write(n *node, p []byte, off int64) {
	if len(p) == 0 {
		return
	}
	grew := off+int64(len(p)) > int64(len(n.data))
	n.data = writeBytes(n.data, p, off)
	if m.track {
		n.pending = append(n.pending, fileOp{off: off, data: slices.Clone(p), grew: grew})
	}
}

func (m *memFS) truncate(n *node, size int64) {
	if size == int64(len(n.data)) {
		return
	}
	n.data = resize(n.data, size)
	if m.track {
		n.pending = append(n.pending, fileOp{trunc: true, off: size})
	}
}

// split cleans name into its components; the root has none.
func split(name string) []string {
	p := path.Clean("/" + filepath.ToSlash(name))
	if p == "/" {
		return nil
	}
	return strings.Split(p[1:], "/")
}

func (m *memFS) lookup(parts []string) (*node, error) {
	n := m.root
	for _, p := range parts {
		if !n.isDir {
			return nil, syscall.ENOTDIR
		}
		if n = n.children[p]; n == nil {
			return nil, syscall.ENOENT
		}
	}
	return n, nil
}

// parent returns the directory that holds name's entry, and the entry's name.
func (m *memFS) parent(name string) (*node, string, error) {
	parts := split(name)
	if len(parts) == 0 {
		return nil, "", syscall.EINVAL // the root has no entry
	}
	dir, err := m.lookup(parts[:len(parts)-1])
	if err == nil && !dir.isDir {
		err = syscall.ENOTDIR
	}
	if err != nil {
		return nil, "", err
	}
	return dir, parts[len(parts)-1], nil
}

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

func (m *memFS) Create(name string) (File, error) {
	return m.open("create", name, true, true, true)
}

func (m *memFS) Open(name string) (File, error) {
	return m.open("open", name, false, false, false)
}

func (m *memFS) OpenReadWrite(name string) (File, error) {
	return m.open("open", name, true, false, true)
}

func (m *memFS) open(op, name string, create, trunc, write bool) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, base, err := m.parent(name)
	if err != nil {
		return nil, pathErr(op, name, err)
	}
	n := dir.children[base]
	switch {
	case n == nil && !create:
		return nil, pathErr(op, name, syscall.ENOENT)
	case n == nil:
		n = &node{}
		m.change(dir, dirOp{add: base, node: n})
	case n.isDir:
		return nil, pathErr(op, name, syscall.EISDIR)
	case trunc:
		m.truncate(n, 0)
	}
	return &memFile{fs: m, n: n, name: name, writable: write}, nil
}

func (m *memFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, base, err := m.parent(name)
	if err == nil {
		switch n := dir.children[base]; {
		case n == nil:
			err = syscall.ENOENT
		case n.isDir && len(n.children) > 0:
			err = syscall.ENOTEMPTY
		default:
			m.change(dir, dirOp{del: base})
			return nil
		}
	}
	return pathErr("remove", name, err)
}

// RemoveAll unlinks the subtree at name; like os.RemoveAll, a missing name is
// not an error. Open handles below it keep working.
func (m *memFS) RemoveAll(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, base, err := m.parent(name)
	switch {
	case err == syscall.ENOENT:
		return nil
	case err != nil:
		return pathErr("removeall", name, err)
	case dir.children[base] != nil:
		m.change(dir, dirOp{del: base})
	}
	return nil
}

// Rename follows rename(2): a file may replace a file, a directory may replace
// an empty directory, and a directory may not move below itself.
func (m *memFS) Rename(oldname, newname string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.rename(oldname, newname); err != nil {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: err}
	}
	return nil
}

func (m *memFS) rename(oldname, newname string) error {
	od, ob, err := m.parent(oldname)
	if err != nil {
		return err
	}
	nd, nb, err := m.parent(newname)
	if err != nil {
		return err
	}
	src, dst := od.children[ob], nd.children[nb]
	switch {
	case src == nil:
		return syscall.ENOENT
	case src == dst:
		return nil
	case dst != nil && dst.isDir && !src.isDir:
		return syscall.EISDIR
	case dst != nil && dst.isDir && len(dst.children) > 0:
		return syscall.ENOTEMPTY
	case dst != nil && !dst.isDir && src.isDir:
		return syscall.ENOTDIR
	}
	if op, np := split(oldname), split(newname); src.isDir && len(np) > len(op) && slices.Equal(np[:len(op)], op) {
		return syscall.EINVAL
	}
	if od == nd {
		m.change(od, dirOp{del: ob, add: nb, node: src})
		return nil
	}
	m.change(od, dirOp{del: ob})
	m.change(nd, dirOp{add: nb, node: src})
	return nil
}

func (m *memFS) MkdirAll(dir string, _ os.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.root
	for _, p := range split(dir) {
		c := n.children[p]
		if c == nil {
			c = newDir()
			m.change(n, dirOp{add: p, node: c})
		} else if !c.isDir {
			return pathErr("mkdir", dir, syscall.ENOTDIR)
		}
		n = c
	}
	return nil
}

// dir returns the directory at name.
func (m *memFS) dir(op, name string) (*node, error) {
	n, err := m.lookup(split(name))
	if err == nil && !n.isDir {
		err = syscall.ENOTDIR
	}
	if err != nil {
		return nil, pathErr(op, name, err)
	}
	return n, nil
}

func (m *memFS) List(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.dir("readdir", dir)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(n.children)), nil
}

func (m *memFS) Stat(name string) (os.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(split(name))
	if err != nil {
		return nil, pathErr("stat", name, err)
	}
	return n.info(name), nil
}

func (m *memFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.dir("sync", dir)
	if err != nil {
		return err
	}
	if m.track {
		n.syncedChildren = maps.Clone(n.children)
		n.pendingDir = nil
	}
	return nil
}

func (m *memFS) sync(n *node) {
	if !m.track {
		return
	}
	for _, op := range n.pending {
		n.synced = op.apply(n.synced)
	}
	n.pending = nil
}

func (n *node) info(name string) os.FileInfo {
	return memInfo{name: path.Base(path.Clean("/" + filepath.ToSlash(name))), size: int64(len(n.data)), dir: n.isDir}
}

// memInfo is a node's metadata. ModTime is always the zero time: nothing in
// Wharf may depend on file times.
type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}

// memFile is an open handle: a node and an offset.
type memFile struct {
	fs       *memFS
	n        *node
	name     string
	off      int64
	writable bool
	closed   bool
}

// do runs fn under the FS lock if the handle may do op.
func do[T any](f *memFile, op string, write bool, fn func() (T, error)) (T, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	var zero T
	switch {
	case f.closed:
		return zero, pathErr(op, f.name, os.ErrClosed)
	case write && !f.writable:
		return zero, pathErr(op, f.name, syscall.EBADF)
	}
	return fn()
}

// run is do for methods that return only an error.
func (f *memFile) run(op string, write bool, fn func() error) error {
	_, err := do(f, op, write, func() (struct{}, error) { return struct{}{}, fn() })
	return err
}

func (f *memFile) Read(p []byte) (int, error) {
	return do(f, "read", false, func() (int, error) {
		n, err := f.readAt(p, f.off)
		f.off += int64(n)
		if n > 0 {
			err = nil // a short read is not an error; the next one reports EOF
		}
		return n, err
	})
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	return do(f, "read", false, func() (int, error) { return f.readAt(p, off) })
}

func (f *memFile) readAt(p []byte, off int64) (int, error) {
	switch {
	case off < 0:
		return 0, pathErr("read", f.name, syscall.EINVAL)
	case len(p) == 0:
		return 0, nil
	case off >= int64(len(f.n.data)):
		return 0, io.EOF
	}
	if n := copy(p, f.n.data[off:]); n < len(p) {
		return n, io.EOF
	}
	return len(p), nil
}

func (f *memFile) Write(p []byte) (int, error) {
	return do(f, "write", true, func() (int, error) {
		n, err := f.writeAt(p, f.off)
		f.off += int64(n)
		return n, err
	})
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	return do(f, "write", true, func() (int, error) { return f.writeAt(p, off) })
}

func (f *memFile) writeAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, pathErr("write", f.name, syscall.EINVAL)
	}
	if off+int64(len(p)) > memMaxSize {
		return 0, pathErr("write", f.name, syscall.EFBIG)
	}
	f.fs.write(f.n, p, off)
	return len(p), nil
}

func (f *memFile) Seek(offset int64, whence int) (int64, error) {
	return do(f, "seek", false, func() (int64, error) {
		switch whence {
		case io.SeekCurrent:
			offset += f.off
		case io.SeekEnd:
			offset += int64(len(f.n.data))
		case io.SeekStart:
		default:
			return 0, pathErr("seek", f.name, syscall.EINVAL)
		}
		if offset < 0 {
			return 0, pathErr("seek", f.name, syscall.EINVAL)
		}
		f.off = offset
		return offset, nil
	})
}

func (f *memFile) Close() error {
	return f.run("close", false, func() error { f.closed = true; return nil })
}

func (f *memFile) Sync() error {
	return f.run("sync", false, func() error { f.fs.sync(f.n); return nil })
}

func (f *memFile) Truncate(size int64) error {
	return f.run("truncate", true, func() error {
		if size < 0 || size > memMaxSize {
			return pathErr("truncate", f.name, syscall.EINVAL)
		}
		f.fs.truncate(f.n, size)
		return nil
	})
}

func (f *memFile) Stat() (os.FileInfo, error) {
	return do(f, "stat", false, func() (os.FileInfo, error) { return f.n.info(f.name), nil })
}

// Preallocate only checks its arguments: memory needs no reservation, and the
// size must not change.
func (f *memFile) Preallocate(off, n int64) error {
	return f.run("preallocate", true, func() error {
		if off < 0 || n < 0 {
			return pathErr("preallocate", f.name, syscall.EINVAL)
		}
		return nil
	})
}

func (f *memFile) Fd() uintptr { return ^uintptr(0) }
