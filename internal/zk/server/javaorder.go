package server

import (
	"sort"

	"github.com/wharf-project/wharf/internal/javafmt"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// javaHashSetOrder orders names as iterating a java.util.HashSet<String>
// holding them does, for replies ZooKeeper builds from such a set
// (getEphemerals). Iteration runs bucket by bucket: bucket = spread(hash) &
// (capacity-1), capacity the smallest power of two >= minCap that holds
// len(names) under the 0.75 load factor. Within a bucket Java keeps insertion
// order; the input's order stands in for it. Treeified buckets (8+ colliding
// entries) are not modelled.
func javaHashSetOrder(names []string, minCap int) []string {
	capacity := minCap
	for float64(len(names)) > 0.75*float64(capacity) {
		capacity *= 2
	}
	type entry struct {
		name   string
		bucket int
		pos    int
	}
	es := make([]entry, len(names))
	for i, n := range names {
		h := javafmt.StringHash(n)
		h ^= int32(uint32(h) >> 16)
		es[i] = entry{n, int(h) & (capacity - 1), i}
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].bucket < es[j].bucket })
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.name
	}
	return out
}

// javaIDSetOrder puts ids in the order ZooKeeper iterates a connection's
// identities: ServerCnxn.authInfo is a set backed by a ConcurrentHashMap
// (capacity 16, doubled once it holds 3/4 of that), so whoAmI lists them,
// and an auth ACL expands them, bin by bin: bin = spread(Id.hashCode()) &
// (capacity-1), in insertion order within a bin. ids must already be in that
// order but for a last, newly added, element; the sort is stable.
func javaIDSetOrder(ids []jute.Id) {
	capacity := 16
	for len(ids) >= capacity-capacity/4 {
		capacity *= 2
	}
	bin := func(id jute.Id) int32 {
		// The jute-generated Id.hashCode: 37*(37*17+scheme)+id.
		h := 37*(37*17+javafmt.StringHash(id.Scheme)) + javafmt.StringHash(id.ID)
		return (h ^ int32(uint32(h)>>16)) & 0x7fffffff & int32(capacity-1)
	}
	sort.SliceStable(ids, func(i, j int) bool { return bin(ids[i]) < bin(ids[j]) })
}
