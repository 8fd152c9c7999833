package tree

import (
	"encoding/binary"
	"sort"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// OpenACLIndex is the ACL cache index of a null ACL list: it reads back as
// OpenACL (ReferenceCountedACLCache.OPEN_UNSAFE_ACL_ID).
const OpenACLIndex int64 = -1

var (
	// OpenACL is ZooDefs.Ids.OPEN_ACL_UNSAFE: world:anyone with every permission.
	OpenACL = []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	// ReadACL is ZooDefs.Ids.READ_ACL_UNSAFE, the ACL of /zookeeper/config.
	ReadACL = []jute.ACL{{Perms: jute.PermRead, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	// denyACL is returned for a node whose ACL index is missing from the
	// cache (only a corrupt or fuzzy snapshot can do that). ZooKeeper throws
	// on such a read; a list granting nothing fails closed instead, since an
	// empty list would read as "open".
	denyACL = []jute.ACL{{Perms: 0, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
)

type aclEntry struct {
	acls []jute.ACL
	key  string
	refs int64
}

// aclCache interns ACL lists to int64 indexes with reference counts, as
// ReferenceCountedACLCache does. Indexes are never reused: next only grows.
type aclCache struct {
	byIndex map[int64]*aclEntry
	byKey   map[string]int64
	next    int64 // the last index handed out (aclIndex)
	scratch []byte
}

func newACLCache() aclCache {
	return aclCache{byIndex: map[int64]*aclEntry{}, byKey: map[string]int64{}}
}

// appendACLKey appends a canonical encoding of an ACL list: equal lists (in
// order, as java.util.List.equals) have equal keys.
func appendACLKey(b []byte, acls []jute.ACL) []byte {
	for i := range acls {
		b = binary.BigEndian.AppendUint32(b, uint32(acls[i].Perms))
		b = binary.BigEndian.AppendUint32(b, uint32(len(acls[i].ID.Scheme)))
		b = append(b, acls[i].ID.Scheme...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(acls[i].ID.ID)))
		b = append(b, acls[i].ID.ID...)
	}
	return b
}

// convert interns acls and counts one more use of its index.
func (c *aclCache) convert(acls []jute.ACL) int64 {
	if acls == nil {
		return OpenACLIndex
	}
	c.scratch = appendACLKey(c.scratch[:0], acls)
	idx, ok := c.byKey[string(c.scratch)]
	if !ok {
		c.next++
		idx = c.next
		key := string(c.scratch)
		c.byIndex[idx] = &aclEntry{acls: append([]jute.ACL{}, acls...), key: key}
		c.byKey[key] = idx
	}
	c.addUsage(idx)
	return idx
}

// get returns the ACL list of an index; the slice is shared and must not be
// modified.
func (c *aclCache) get(idx int64) []jute.ACL {
	if idx == OpenACLIndex {
		return OpenACL
	}
	if e := c.byIndex[idx]; e != nil {
		return e.acls
	}
	return denyACL
}

func (c *aclCache) addUsage(idx int64) {
	if e := c.byIndex[idx]; e != nil {
		e.refs++
	}
}

func (c *aclCache) removeUsage(idx int64) {
	e := c.byIndex[idx]
	if e == nil {
		return
	}
	e.refs--
	if e.refs <= 0 {
		c.drop(idx, e)
	}
}

func (c *aclCache) drop(idx int64, e *aclEntry) {
	delete(c.byIndex, idx)
	if c.byKey[e.key] == idx {
		delete(c.byKey, e.key)
	}
}

// purgeUnused drops the entries no node uses (after loading a snapshot).
func (c *aclCache) purgeUnused() {
	for idx, e := range c.byIndex {
		if e.refs <= 0 {
			c.drop(idx, e)
		}
	}
}

// load replaces the cache with a snapshot's entries, all with zero uses.
// The index counter keeps its value when higher: a DataTree has always
// interned the config node's ACL (index 1) before it reads a snapshot.
func (c *aclCache) load(entries []jute.ACLCacheEntry) {
	c.byIndex = make(map[int64]*aclEntry, len(entries))
	c.byKey = make(map[string]int64, len(entries))
	for _, en := range entries {
		if en.Index > c.next {
			c.next = en.Index
		}
		acls := en.ACLs
		if acls == nil {
			acls = []jute.ACL{}
		}
		key := string(appendACLKey(nil, acls))
		c.byIndex[en.Index] = &aclEntry{acls: acls, key: key}
		c.byKey[key] = en.Index
	}
}

// entries returns the cache content ordered by index, sharing the lists.
func (c *aclCache) entries() []jute.ACLCacheEntry {
	out := make([]jute.ACLCacheEntry, 0, len(c.byIndex))
	for idx, e := range c.byIndex {
		out = append(out, jute.ACLCacheEntry{Index: idx, ACLs: e.acls})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}
