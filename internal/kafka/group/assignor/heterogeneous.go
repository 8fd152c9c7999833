package assignor

import (
	"cmp"
	"fmt"
	"slices"
)

// assignHeterogeneous is Kafka's UniformHeterogeneousAssignmentBuilder,
// for members subscribed to different topics. Three steps:
//
//  1. Sticky: every member keeps all its current partitions of topics it
//     still subscribes to.
//  2. The unassigned partitions, ordered as Kafka orders them (topics with
//     the most partitions per subscriber first, then fewer subscribers
//     first, then by partition number), each go to the least-loaded
//     subscriber with room (member id breaks ties).
//  3. Balance: while some member could take a partition of one of its
//     topics from an owner holding at least two more than it, the
//     least-loaded such member takes one from the most-loaded such owner,
//     preferring a partition it held before, then one that had already
//     moved, and only then one the owner held before.
//
// Step 3 replaces Kafka 3.9's pass over the partitions in step-2 order,
// which moved each partition to the least-loaded subscriber whenever some
// subscriber had two fewer than its owner: that pass drains one owner
// well below its fair share before touching the next (a member joining a
// stable group of M members took half of the first owner's partitions,
// then moved others back), and its partition-movement bookkeeping throws
// when a partition moves twice. Step 3 ends in the state Kafka's
// isBalanced accepts, with each move taking a partition from a
// most-loaded owner, so a joining member costs about its share of moves.
// Every move lowers the sum of squared member sizes, so it terminates.
func assignHeterogeneous(s *spec) ([]int32, error) {
	owner := s.claim()
	prev := slices.Clone(owner)
	nm := len(s.members)
	size := make([]int, nm)
	maxSize := make([]int, nm)
	for m, sub := range s.subs {
		for _, t := range sub {
			maxSize[m] += int(s.parts[t])
		}
	}
	for _, o := range owner {
		if o >= 0 {
			size[o]++
		}
	}

	if err := assignUnowned(s, owner, size, maxSize); err != nil {
		return nil, err
	}
	balance(s, owner, prev, size, maxSize)
	return owner, nil
}

// assignUnowned is step 2.
func assignUnowned(s *spec, owner []int32, size, maxSize []int) error {
	topicOf := make([]int32, len(owner))
	var unowned []int
	for t := range s.topics {
		for f := s.base[t]; f < s.base[t+1]; f++ {
			topicOf[f] = int32(t)
			if owner[f] < 0 {
				unowned = append(unowned, f)
			}
		}
	}
	slices.SortFunc(unowned, func(a, b int) int {
		ta, tb := topicOf[a], topicOf[b]
		if ta != tb {
			// parts/subscribers descending, compared without division.
			na, nb := int64(s.parts[ta]), int64(s.parts[tb])
			sa, sb := int64(len(s.subscribers[ta])), int64(len(s.subscribers[tb]))
			if c := cmp.Compare(nb*sa, na*sb); c != 0 {
				return c
			}
			if c := cmp.Compare(sa, sb); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(a-s.base[ta], b-s.base[tb]); c != 0 {
			return c
		}
		return cmp.Compare(ta, tb)
	})
	for _, f := range unowned {
		best := int32(-1)
		for _, m := range s.subscribers[topicOf[f]] {
			if size[m] < maxSize[m] && (best < 0 || size[m] < size[best]) {
				best = m
			}
		}
		if best < 0 {
			return fmt.Errorf("%w: partition %d of topic %s left unassigned",
				ErrInternal, f-s.base[topicOf[f]], formatTopicID(s.topics[topicOf[f]]))
		}
		owner[f] = best
		size[best]++
	}
	return nil
}

// balance is step 3. topicMax[t] bounds from above the size of the
// largest owner of a partition of t, so a member none of whose topics can
// hold an owner two larger than it is skipped without a scan; a scan
// makes its topics' bounds exact again, and a receiver raises the bounds
// of its topics.
func balance(s *spec, owner, prev []int32, size, maxSize []int) {
	order := newBySize(size)
	topicMax := make([]int, len(s.topics))
	for t := range s.topics {
		for f := s.base[t]; f < s.base[t+1]; f++ {
			topicMax[t] = max(topicMax[t], size[owner[f]])
		}
	}
	for {
		moved := false
		largest := size[order.s[len(order.s)-1]]
		for _, r := range order.s {
			if largest < size[r]+2 {
				break // nobody has two more than r or anyone after r
			}
			if size[r] >= maxSize[r] || !mayReceive(s, topicMax, r, size[r]+2) {
				continue
			}
			donor := mostLoadedOwner(s, owner, size, topicMax, r)
			if donor < 0 {
				continue
			}
			f := pickPartition(s, owner, prev, r, donor)
			owner[f] = r
			order.resize(donor, size[donor]-1)
			order.resize(r, size[r]+1)
			for _, t := range s.subs[r] {
				topicMax[t] = max(topicMax[t], size[r])
			}
			moved = true
			break
		}
		if !moved {
			return
		}
	}
}

// mayReceive reports whether some topic of r may have an owner of at
// least want partitions.
func mayReceive(s *spec, topicMax []int, r int32, want int) bool {
	for _, t := range s.subs[r] {
		if topicMax[t] >= want {
			return true
		}
	}
	return false
}

// mostLoadedOwner is the member owning a partition of r's topics with the
// most partitions, at least two more than r (smallest index on ties), or
// -1. It sets topicMax exactly for r's topics.
func mostLoadedOwner(s *spec, owner []int32, size, topicMax []int, r int32) int32 {
	best := int32(-1)
	for _, t := range s.subs[r] {
		topicMax[t] = 0
		for f := s.base[t]; f < s.base[t+1]; f++ {
			o := owner[f]
			topicMax[t] = max(topicMax[t], size[o])
			if o == r || size[o] < size[r]+2 {
				continue
			}
			if best < 0 || size[o] > size[best] || size[o] == size[best] && o < best {
				best = o
			}
		}
	}
	return best
}

// pickPartition chooses which of donor's partitions in r's topics moves to
// r: one r held before (moving it back undoes a move), else one donor did
// not hold before (it moves anyway), else the highest-numbered one donor
// held (so members keep their lowest partitions, as the homogeneous
// builder does).
func pickPartition(s *spec, owner, prev []int32, r, donor int32) int {
	moved, held := -1, -1
	for _, t := range s.subs[r] {
		for f := s.base[t]; f < s.base[t+1]; f++ {
			if owner[f] != donor {
				continue
			}
			switch prev[f] {
			case r:
				return f
			case donor:
				held = f
			default:
				if moved < 0 {
					moved = f
				}
			}
		}
	}
	if moved >= 0 {
		return moved
	}
	return held
}

// bySize keeps member indexes ordered by (size, index), updated as sizes
// change.
type bySize struct {
	s    []int32
	size []int
}

func newBySize(size []int) *bySize {
	b := &bySize{s: make([]int32, len(size)), size: size}
	for i := range b.s {
		b.s[i] = int32(i)
	}
	slices.SortFunc(b.s, b.compare)
	return b
}

func (b *bySize) compare(x, y int32) int {
	if c := cmp.Compare(b.size[x], b.size[y]); c != 0 {
		return c
	}
	return cmp.Compare(x, y)
}

// resize sets m's size, keeping the order.
func (b *bySize) resize(m int32, n int) {
	i, _ := slices.BinarySearchFunc(b.s, m, b.compare)
	b.s = slices.Delete(b.s, i, i+1)
	b.size[m] = n
	i, _ = slices.BinarySearchFunc(b.s, m, b.compare)
	b.s = slices.Insert(b.s, i, m)
}
