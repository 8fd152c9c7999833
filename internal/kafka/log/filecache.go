package log

import (
	"io"
	"sync"
	"sync/atomic"
)

// FileCache bounds what the inactive segments of many logs keep between
// reads: open .log files and index entries loaded into memory. A log's
// active segment is outside it (the log holds its .log open and its index
// entries in memory), so with n logs open a process holds n descriptors plus
// at most the cache's files (plus those pinned by regions still in use:
// see FileRegion.Release).
//
// One cache is meant to serve every log of the process: give the same one to
// every Open (Options.FileCache); logs given none share a default one of
// DefaultFileCacheFiles files and DefaultFileCacheIndexBytes bytes. It is
// safe for concurrent use.
//
// Eviction is CLOCK (second chance): a hit only marks the entry used, so a
// read takes no cache-wide lock unless it opens a file or loads an index. A
// pinned file (a region not yet released) is never closed by eviction: the
// cache skips it, and may stay above its bound while everything in it is
// pinned.
type FileCache struct {
	files   clockList // open .log files of inactive segments, cost 1 each
	indexes clockList // loaded entries of inactive indexes, cost their bytes
}

// The default cache's bounds.
const (
	DefaultFileCacheFiles      = 512
	DefaultFileCacheIndexBytes = 32 << 20
)

// NewFileCache returns a cache keeping at most maxOpenFiles inactive
// segment files open (at least 1) and maxIndexBytes of inactive index
// entries in memory (a single index larger than that is still loaded for
// the lookup that needs it, then dropped at the next load).
func NewFileCache(maxOpenFiles int, maxIndexBytes int64) *FileCache {
	c := &FileCache{}
	c.files.init(int64(max(maxOpenFiles, 1)))
	c.indexes.init(max(maxIndexBytes, 0))
	return c
}

var defaultFileCache = NewFileCache(DefaultFileCacheFiles, DefaultFileCacheIndexBytes)

// FileCacheStats is what a FileCache holds now.
type FileCacheStats struct {
	OpenFiles  int   // inactive segment files open (pinned ones included)
	IndexBytes int64 // inactive index entries in memory
}

// Stats returns what the cache holds now.
func (c *FileCache) Stats() FileCacheStats {
	files, _ := c.files.usage()
	_, bytes := c.indexes.usage()
	return FileCacheStats{OpenFiles: files, IndexBytes: bytes}
}

// evictable is what a clockList holds: a segment's .log handle or an index.
type evictable interface {
	// evict is called under the list's lock: it drops what the entry holds
	// and returns a file to close once the lock is released, or reports
	// keep when the entry is in use (pinned, or its lock is busy). An entry
	// that no longer holds anything is dropped without keep.
	evict() (keep bool, toClose io.Closer)
}

// cacheEntry is a clockList's link, embedded in what it caches.
type cacheEntry struct {
	prev, next *cacheEntry
	owner      evictable
	cost       int64
	used       atomic.Bool
	listed     bool // in the list (under the list's lock)
}

// clockList is a second-chance list with a cost bound. Owners call add when
// they start holding something, touch on every use, and remove when they
// drop it themselves. The list takes an owner's lock (through evict, with
// TryLock) while holding its own; owners never call the list while holding
// theirs.
type clockList struct {
	mu    sync.Mutex
	root  cacheEntry
	n     int
	total int64
	limit int64
}

func (c *clockList) init(limit int64) {
	c.root.prev, c.root.next = &c.root, &c.root
	c.limit = limit
}

func (c *clockList) usage() (n int, total int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.total
}

func (c *clockList) unlinkLocked(e *cacheEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next, e.listed = nil, nil, false
	c.n--
	c.total -= e.cost
}

func (c *clockList) pushLocked(e *cacheEntry) {
	e.prev, e.next = c.root.prev, &c.root
	c.root.prev.next = e
	c.root.prev = e
}

// add puts e (costing cost) in the list, unless it is there, and evicts
// other entries while the list is over its bound.
func (c *clockList) add(e *cacheEntry, cost int64) {
	var closers [4]io.Closer
	toClose := closers[:0]
	c.mu.Lock()
	if !e.listed {
		e.cost, e.listed = cost, true
		e.used.Store(false)
		c.pushLocked(e)
		c.n++
		c.total += cost
	}
	// Each entry is looked at at most twice: once to clear its used bit,
	// once to evict it (pinned entries go round again until the budget
	// runs out).
	for visits := 2 * c.n; c.total > c.limit && visits > 0; visits-- {
		v := c.root.next
		if v == &c.root {
			break
		}
		v.prev.next, v.next.prev = v.next, v.prev // off the head; back at the tail unless evicted
		switch {
		case v == e: // never the entry being added: it is about to be used
		case v.used.Load():
			v.used.Store(false)
		default:
			keep, cl := v.owner.evict()
			if keep {
				break
			}
			v.prev, v.next, v.listed = nil, nil, false
			c.n--
			c.total -= v.cost
			if cl != nil {
				toClose = append(toClose, cl)
			}
			continue
		}
		c.pushLocked(v)
	}
	c.mu.Unlock()
	for _, cl := range toClose {
		_ = cl.Close()
	}
}

// touch marks e used (no lock: a read's only cost on a hit).
func (c *clockList) touch(e *cacheEntry) {
	if !e.used.Load() {
		e.used.Store(true)
	}
}

// remove takes e out of the list, if it is there.
func (c *clockList) remove(e *cacheEntry) {
	c.mu.Lock()
	if e.listed {
		c.unlinkLocked(e)
	}
	c.mu.Unlock()
}

// unlockUnlisted is how an owner stops being counted: it clears the owner's
// listed flag (guarded by mu, held), releases mu, then takes e out of the
// list (never under the owner's lock).
func (c *clockList) unlockUnlisted(mu sync.Locker, listed *bool, e *cacheEntry) {
	was := *listed
	*listed = false
	mu.Unlock()
	if was {
		c.remove(e)
	}
}
