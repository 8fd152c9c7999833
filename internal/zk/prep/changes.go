package prep

import "github.com/wharf-project/wharf/internal/zk/jute"

// change is ZooKeeperServer.ChangeRecord: a path as an outstanding txn leaves
// it. stat.NumChildren is the child count.
type change struct {
	zxid    int64 // -1 for a record read from the committed tree
	path    string
	deleted bool // ChangeRecord.stat == null
	stat    jute.Stat
	acl     []jute.ACL
}

// undo restores one index entry when a failed multi is rolled back.
type undo struct {
	path string
	seq  uint64
	had  bool
}

// changes is the outstanding-change list and its per-path index. Records are
// numbered by a sequence that only grows; records [base, base+len(recs)) are
// held, oldest first.
type changes struct {
	recs   []change
	head   int    // recs[:head] are dropped
	base   uint64 // sequence number of recs[0]
	byPath map[string]uint64

	logUndo bool // inside a multi: record index entries replaced
	undo    []undo
}

func (c *changes) init() { c.byPath = make(map[string]uint64) }

// get is getRecordForPath: the latest outstanding change for path, or the
// committed node. ok is false if neither exists or the change is a deletion.
func (c *changes) get(v View, path string) (change, bool) {
	if seq, ok := c.byPath[path]; ok {
		r := c.recs[seq-c.base]
		return r, !r.deleted
	}
	stat, acl, ok := v.Node(path)
	if !ok {
		return change{}, false
	}
	// The View gives the Stat clients see (DataNode.copyStat), where
	// cversion is 2·cversion − numChildren; ZooKeeper prepares from the
	// persisted cversion, which counts child creates only.
	stat.Cversion = (stat.Cversion + stat.NumChildren) >> 1
	return change{zxid: -1, path: path, stat: stat, acl: acl}, true
}

// add is addChangeRecord.
func (c *changes) add(r change) {
	seq := c.base + uint64(len(c.recs))
	if c.logUndo {
		prev, had := c.byPath[r.path]
		c.undo = append(c.undo, undo{path: r.path, seq: prev, had: had})
	}
	c.recs = append(c.recs, r)
	c.byPath[r.path] = seq
}

// mark returns the position to roll back to.
func (c *changes) mark() int { return len(c.recs) }

// rollback is rollbackPendingChanges: it drops the records added since mark
// and puts back the index entries they replaced.
func (c *changes) rollback(mark int) {
	clear(c.recs[mark:])
	c.recs = c.recs[:mark]
	for i := len(c.undo) - 1; i >= 0; i-- {
		u := c.undo[i]
		if u.had {
			c.byPath[u.path] = u.seq
		} else {
			delete(c.byPath, u.path)
		}
	}
	c.undo = c.undo[:0]
}

// applied drops the records with zxid <= zxid from the front, as
// FinalRequestProcessor does once a txn is applied.
func (c *changes) applied(zxid int64) {
	for c.head < len(c.recs) && c.recs[c.head].zxid <= zxid {
		r := &c.recs[c.head]
		if seq, ok := c.byPath[r.path]; ok && seq == c.base+uint64(c.head) {
			delete(c.byPath, r.path)
		}
		*r = change{}
		c.head++
	}
	switch {
	case c.head == len(c.recs):
		c.base += uint64(c.head)
		c.recs = c.recs[:0]
		c.head = 0
	case c.head >= 64 && c.head >= len(c.recs)/2:
		n := copy(c.recs, c.recs[c.head:])
		clear(c.recs[n:])
		c.recs = c.recs[:n]
		c.base += uint64(c.head)
		c.head = 0
	}
}

func (c *changes) reset() {
	c.base += uint64(len(c.recs))
	clear(c.recs)
	c.recs = c.recs[:0]
	c.head = 0
	clear(c.byPath)
	c.undo = c.undo[:0]
	c.logUndo = false
}

func (c *changes) len() int { return len(c.recs) - c.head }

// live calls fn for every held record, oldest first.
func (c *changes) live(fn func(r *change)) {
	for i := c.head; i < len(c.recs); i++ {
		fn(&c.recs[i])
	}
}
