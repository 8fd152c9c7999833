package server

import (
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
	return javafmt.HashOrder(names, javafmt.StringHash, javafmt.HashCapacity(minCap, len(names)))
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
	// The jute-generated Id.hashCode: 37*(37*17+scheme)+id. (The map's
	// spread also clears the sign bit, which no bucket index reaches.)
	idHash := func(id jute.Id) int32 {
		return 37*(37*17+javafmt.StringHash(id.Scheme)) + javafmt.StringHash(id.ID)
	}
	copy(ids, javafmt.HashOrder(ids, idHash, capacity))
}
