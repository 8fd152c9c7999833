package server

import "sort"

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
		h := javaStringHash(n)
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

// javaStringHash is String.hashCode over UTF-16 code units.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}
