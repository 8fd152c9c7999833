package javafmt

import "sort"

// Len is Java's String.length(): the length in UTF-16 code units (a
// character outside the BMP counts two).
func Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// StringHash is Java's String.hashCode: s[0]*31^(n-1) + … + s[n-1] over
// the UTF-16 code units, in int32 arithmetic that wraps. A Go string that
// is not valid UTF-8 counts each bad byte as U+FFFD, as Java decodes it.
func StringHash(s string) int32 {
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

// HashCapacity is the table size of a java.util.HashMap (or HashSet)
// created with initialCapacity once n keys were put into it: the power of
// two at or above initialCapacity (HashMap.tableSizeFor, at least 1),
// doubled while the keys fill more than 3/4 of it (the load factor 0.75).
// A default HashMap is HashCapacity(16, n).
func HashCapacity(initialCapacity, n int) int {
	c := 1
	for c < initialCapacity {
		c *= 2
	}
	for n > c*3/4 {
		c *= 2
	}
	return c
}

// HashOrder is the order in which a java.util.HashMap (or HashSet) with
// a table of the given capacity (a power of two), filled with keys in the
// given order, iterates them: by bucket index (the hash spread as
// HashMap.hash does), then by insertion, which a resize keeps within a
// bucket. Tools whose output iterates such a map print in this order. The
// result is a new slice, empty (not nil) for no keys.
func HashOrder[T any](keys []T, hash func(T) int32, capacity int) []T {
	out := make([]T, len(keys)) // never nil: an empty Java list is no null
	copy(out, keys)
	bucket := func(k T) uint32 {
		h := uint32(hash(k))
		return (h ^ h>>16) & uint32(capacity-1)
	}
	sort.SliceStable(out, func(i, j int) bool { return bucket(out[i]) < bucket(out[j]) })
	return out
}
