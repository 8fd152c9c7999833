package vfs

import (
	"maps"
	"math/rand/v2"
	"slices"
)

// CrashableMem is an in-memory FS that remembers, for every file, its data at
// the last Sync and the writes since, and for every directory its entries at
// the last SyncDir and the changes since. CrashClone turns that into the
// filesystem a power loss would leave (the model is in the package comment).
// It keeps a copy of every write until the file's next Sync, so a test that
// never syncs holds its data twice.
type CrashableMem struct{ memFS }

// NewCrashableMem returns an empty crashable filesystem.
func NewCrashableMem() *CrashableMem {
	return &CrashableMem{memFS{root: newDir(), track: true}}
}

// CrashCloneCfg makes CrashCloneWith keep random parts of what was not synced,
// as a real disk might. The zero value keeps nothing (the strict model).
//
// A file changed since its last Sync is picked with probability
// UnsyncedDataPercent/100. For a picked file, of the n writes and truncations
// issued since its last Sync:
//   - a cut k is chosen uniformly in [0, n]; the first k operations reach the
//     disk in order (they fix the file's size), except that the k-th, if a
//     write, may be torn: a random prefix of its bytes (maybe none) lands;
//   - a write before the cut that did not extend the file when issued (an
//     overwrite) is lost with probability 1/2;
//   - a write after the cut lands with probability 1/2, cut to the file's
//     resulting size (pages are written back in no particular order).
//
// Every byte of the result is therefore a byte the file held at its last Sync
// or one written (or zero-filled by a truncation or a write past the end)
// since: nothing is invented.
//
// A directory changed since its last SyncDir is picked with probability
// UnsyncedDirPercent/100; a picked directory keeps a random prefix of its
// entry changes (creates, removes, renames) since then, as a journal would.
// A rename within one directory is one change; across directories it is two,
// one in each.
type CrashCloneCfg struct {
	UnsyncedDataPercent int
	UnsyncedDirPercent  int
	// RNG drives every choice; nil means a fixed seed. Choices are made in
	// path order, so a seeded RNG reproduces a clone exactly.
	RNG *rand.Rand
}

// CrashClone returns the filesystem as a power loss would leave it now under
// the strict model: only synced file data and synced directory entries.
// Open handles are not carried over. The clone is itself crashable, with
// everything in it durable, so a test can recover, write and crash again.
func (c *CrashableMem) CrashClone() *CrashableMem { return c.CrashCloneWith(CrashCloneCfg{}) }

// CrashCloneWith is CrashClone keeping random parts of the unsynced state as
// cfg says.
func (c *CrashableMem) CrashCloneWith(cfg CrashCloneCfg) *CrashableMem {
	if cfg.RNG == nil {
		cfg.RNG = rand.New(rand.NewPCG(1, 2))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := cloner{cfg: cfg, rng: cfg.RNG, done: map[*node]*node{}}
	out := NewCrashableMem()
	out.root = cl.clone(c.root)
	return out
}

// cloner builds the post-crash tree. done maps an original node to its clone,
// so a file reachable under two names after the crash (a cross-directory
// rename half made durable) stays one file.
type cloner struct {
	cfg  CrashCloneCfg
	rng  *rand.Rand
	done map[*node]*node
}

func (cl *cloner) chance(percent int) bool {
	return percent > 0 && cl.rng.IntN(100) < percent
}

func (cl *cloner) clone(n *node) *node {
	c := &node{isDir: n.isDir}
	cl.done[n] = c
	if !n.isDir {
		c.data = cl.contents(n)
		c.synced = slices.Clone(c.data)
		return c
	}
	c.children = cl.entries(n)
	for _, name := range slices.Sorted(maps.Keys(c.children)) {
		child := c.children[name]
		switch done := cl.done[child]; {
		case done == nil:
			c.children[name] = cl.clone(child)
		case child.isDir:
			// A directory has one parent: a second durable entry for it
			// (renames across directories, half synced) would make a
			// cycle or a hard link, which no filesystem shows.
			delete(c.children, name)
		default:
			c.children[name] = done
		}
	}
	c.syncedChildren = maps.Clone(c.children)
	return c
}

// entries returns a directory's entries after the crash.
func (cl *cloner) entries(n *node) map[string]*node {
	m := maps.Clone(n.syncedChildren)
	if m == nil {
		m = map[string]*node{}
	}
	if len(n.pendingDir) > 0 && cl.chance(cl.cfg.UnsyncedDirPercent) {
		for _, op := range n.pendingDir[:cl.rng.IntN(len(n.pendingDir)+1)] {
			op.apply(m)
		}
	}
	return m
}

// contents returns a file's data after the crash, following CrashCloneCfg.
func (cl *cloner) contents(n *node) []byte {
	b := slices.Clone(n.synced)
	if len(n.pending) == 0 || !cl.chance(cl.cfg.UnsyncedDataPercent) {
		return b
	}
	cut := cl.rng.IntN(len(n.pending) + 1)
	for i, op := range n.pending {
		switch {
		case i >= cut:
			if !op.trunc && cl.rng.IntN(2) == 0 && op.off < int64(len(b)) {
				b = writeBytes(b, op.data[:min(int64(len(op.data)), int64(len(b))-op.off)], op.off)
			}
		case op.trunc:
			b = op.apply(b)
		case i == cut-1:
			if keep := cl.rng.IntN(len(op.data) + 1); keep > 0 {
				b = writeBytes(b, op.data[:keep], op.off)
			}
		case op.grew || cl.rng.IntN(2) == 0:
			b = op.apply(b)
		}
	}
	return b
}
