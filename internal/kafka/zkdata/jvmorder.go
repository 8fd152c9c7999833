package zkdata

import (
	"math/bits"
	"slices"

	"github.com/wharf-project/wharf/internal/javafmt"
)

// Kafka writes its znodes with Jackson over Scala and Java maps, so the
// order of a JSON object's fields is the iteration order of the map it came
// from: insertion order for Scala's Map1..Map4, hash order for Scala's
// HashMaps and Java's ConcurrentHashMap (inside java.util.Properties).
// This file reproduces those orders for the map shapes Kafka 2.8 builds.
//
// Two builds of Kafka 2.8 exist, on Scala 2.13 (the default, kafka_2.13)
// and on Scala 2.12 (kafka_2.12), and their hash maps iterate differently:
//
//   Scala 2.13 immutable.HashMap (CHAMP): 5-bit slices of improve(hash),
//     lowest first; a node yields its own entries in slice order, then its
//     sub-nodes in slice order.
//   Scala 2.12 immutable.HashMap (hash trie): same slices, entries and
//     sub-tries interleaved in slice order.
//   Scala 2.13 mutable.HashMap: buckets by (h ^ h>>>16) & (len-1),
//     ascending; a bucket is kept sorted by that hash (signed).
//   Scala 2.12 mutable.HashMap (HashTable): buckets by the top bits of
//     rotateRight(byteswap32(h), seed), iterated from the last bucket down;
//     a bucket lists the newest entry first.
//   Java 9+ ConcurrentHashMap: buckets by (h ^ h>>>16) & (len-1),
//     ascending, insertion order inside a bucket; a resize splits each bin
//     with Doug Lea's lastRun rule, which reverses the entries before it.

// Flavor selects the Scala build whose map orders the encoders reproduce.
type Flavor int

const (
	// Scala213 is kafka_2.13-2.8.x, Kafka's default build.
	Scala213 Flavor = iota
	// Scala212 is kafka_2.12-2.8.x.
	Scala212
)

// String names the flavor as Kafka's artifact suffix does.
func (f Flavor) String() string {
	if f == Scala212 {
		return "2.12"
	}
	return "2.13"
}

// scalaImprove is the hash spreader of Scala's immutable HashMaps (both
// 2.12 and 2.13).
func scalaImprove(hcode int32) int32 {
	h := hcode + ^(hcode << 9)
	h ^= int32(uint32(h) >> 14)
	h += h << 4
	return h ^ int32(uint32(h)>>10)
}

// spread16 is Java's HashMap/ConcurrentHashMap and Scala 2.13's
// mutable.HashMap hash improvement.
func spread16(h int32) int32 { return h ^ int32(uint32(h)>>16) }

// trieNode is one level of an immutable hash map, keyed by a 5-bit slice.
type trieNode struct {
	leaf map[int]string
	sub  map[int]*trieNode
}

func newTrieNode() *trieNode { return &trieNode{leaf: map[int]string{}, sub: map[int]*trieNode{}} }

func (n *trieNode) insert(key string, hash int32, shift int) {
	if shift >= 35 { // full-hash collision: Scala keeps a collision list
		n.leaf[len(n.leaf)+32] = key
		return
	}
	m := int(uint32(hash)>>shift) & 31
	if s, ok := n.sub[m]; ok {
		s.insert(key, hash, shift+5)
		return
	}
	if k, ok := n.leaf[m]; ok {
		delete(n.leaf, m)
		s := newTrieNode()
		s.insert(k, scalaImprove(javafmt.StringHash(k)), shift+5)
		s.insert(key, hash, shift+5)
		n.sub[m] = s
		return
	}
	n.leaf[m] = key
}

func sortedKeys[V any](m map[int]V) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// walk appends the keys in iteration order: CHAMP (entries, then nodes) or
// the 2.12 trie (entries and sub-tries interleaved by slice).
func (n *trieNode) walk(out []string, champ bool) []string {
	if champ {
		for _, k := range sortedKeys(n.leaf) {
			out = append(out, n.leaf[k])
		}
		for _, k := range sortedKeys(n.sub) {
			out = n.sub[k].walk(out, champ)
		}
		return out
	}
	idx := sortedKeys(n.leaf)
	idx = append(idx, sortedKeys(n.sub)...)
	slices.Sort(idx)
	for _, k := range idx {
		if s, ok := n.sub[k]; ok {
			out = s.walk(out, champ)
		} else {
			out = append(out, n.leaf[k])
		}
	}
	return out
}

// immutableMapOrder orders the keys of a Scala immutable Map built by
// inserting keys in the given order (Map(...), .toMap).
func (f Flavor) immutableMapOrder(keys []string) []string {
	if len(keys) <= 4 { // Map1..Map4 keep insertion order
		return keys
	}
	root := newTrieNode()
	for _, k := range keys {
		root.insert(k, scalaImprove(javafmt.StringHash(k)), 0)
	}
	return root.walk(make([]string, 0, len(keys)), f == Scala213)
}

// mutableMapOrder orders the keys of a Scala mutable.HashMap built by
// mutable.Map(first keys...) (applied = how many keys the apply call
// carried; 0 for mutable.Map()) and then += of the rest, in order.
func (f Flavor) mutableMapOrder(keys []string, applied int) []string {
	if f == Scala212 {
		return hashTable212Order(keys)
	}
	// HashMap.from: capacity (k+1)/0.75, table size the next power of two
	// above it (at least 8); 16 when the apply had no elements.
	length := 16
	if applied > 0 {
		length = scalaTableSizeFor(int(float64(applied+1) / 0.75))
	}
	for n := 1; n <= len(keys); n++ { // put0 grows before inserting the n-th key
		if n >= int(float64(length)*0.75) {
			length *= 2
		}
	}
	type entry struct {
		key  string
		hash int32
	}
	es := make([]entry, len(keys))
	for i, k := range keys {
		es[i] = entry{k, spread16(javafmt.StringHash(k))}
	}
	mask := int32(length - 1)
	slices.SortStableFunc(es, func(a, b entry) int {
		if ba, bb := a.hash&mask, b.hash&mask; ba != bb {
			return int(ba - bb)
		}
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return 0
	})
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.key
	}
	return out
}

func scalaTableSizeFor(capacity int) int {
	c := max(capacity-1, 4)
	return min((1<<(bits.Len(uint(c))-1))*2, 1<<30)
}

// byteswap32 is scala.util.hashing.byteswap32.
func byteswap32(v int32) int32 {
	const k = int32(-1640532531) // 0x9e3775cd
	hc := v * k
	hc = int32(bits.ReverseBytes32(uint32(hc)))
	return hc * k
}

// hashTable212Order is Scala 2.12's mutable.HashMap: 16 buckets at first,
// the seed fixed at construction, resize when size exceeds 3/4 of them.
func hashTable212Order(keys []string) []string {
	const seed = 4 // bitCount(16 - 1), never updated on resize
	length := 16
	table := make([][]string, length)
	index := func(k string, length int) int {
		ones := uint32(length - 1)
		imp := bits.RotateLeft32(uint32(byteswap32(javafmt.StringHash(k))), -seed)
		return int((imp >> bits.LeadingZeros32(ones)) & ones)
	}
	size := 0
	for _, k := range keys {
		i := index(k, length)
		table[i] = append([]string{k}, table[i]...)
		size++
		if size > length*750/1000 {
			old := table
			length *= 2
			table = make([][]string, length)
			for i := len(old) - 1; i >= 0; i-- {
				for _, k := range old[i] {
					j := index(k, length)
					table[j] = append([]string{k}, table[j]...)
				}
			}
		}
	}
	out := make([]string, 0, len(keys))
	for i := length - 1; i >= 0; i-- {
		out = append(out, table[i]...)
	}
	return out
}

// propertiesOrder orders the keys of a java.util.Properties filled by
// setProperty in the given order (duplicates ignored), as a Java 9+ JVM
// iterates it: its backing ConcurrentHashMap starts with 16 bins and
// doubles when it holds 3/4 of them. Bins of 8 or more (which would make
// Java presize or treeify) do not occur with config-sized maps.
func propertiesOrder(keys []string) []string {
	type node struct {
		key  string
		hash int32
	}
	n := 16
	bins := make([][]node, n)
	count := 0
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		h := spread16(javafmt.StringHash(k)) & 0x7fffffff
		i := int(h) & (n - 1)
		bins[i] = append(bins[i], node{k, h})
		count++
		if count >= n-n/4 { // addCount: s >= sizeCtl
			next := make([][]node, 2*n)
			for i, bin := range bins {
				if len(bin) == 0 {
					continue
				}
				// lastRun: the longest tail whose entries all go the same way.
				last := 0
				runBit := bin[0].hash & int32(n)
				for j := 1; j < len(bin); j++ {
					if b := bin[j].hash & int32(n); b != runBit {
						runBit, last = b, j
					}
				}
				var lo, hi []node
				if runBit == 0 {
					lo = append(lo, bin[last:]...)
				} else {
					hi = append(hi, bin[last:]...)
				}
				for j := 0; j < last; j++ { // prepended one by one
					if bin[j].hash&int32(n) == 0 {
						lo = append([]node{bin[j]}, lo...)
					} else {
						hi = append([]node{bin[j]}, hi...)
					}
				}
				next[i], next[i+n] = lo, hi
			}
			bins, n = next, 2*n
		}
	}
	out := make([]string, 0, count)
	for _, bin := range bins {
		for _, e := range bin {
			out = append(out, e.key)
		}
	}
	return out
}

// javaHashMapOrder orders the keys of a java.util.HashMap filled in the
// given order: 16 buckets at first, doubled past 3/4 full; a resize keeps
// the relative order inside each bucket.
func javaHashMapOrder(keys []string) []string {
	return javafmt.HashOrder(keys, javafmt.StringHash, javafmt.HashCapacity(16, len(keys)))
}

func sortedStrings(ss []string) []string {
	slices.Sort(ss)
	return ss
}
