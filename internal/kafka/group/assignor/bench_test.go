package assignor

import (
	"fmt"
	"testing"
)

// benchGroup is members members subscribed to partitions partitions,
// spread over topics of at most 100 partitions each.
func benchGroup(members, partitions int, typ SubscriptionType) (GroupSpec, Topics) {
	d := Topics{}
	var ts []TopicID
	for i := 0; partitions > 0; i++ {
		n := min(partitions, 100)
		id := TopicID{byte(i >> 8), byte(i)}
		d[id] = TopicMeta{Partitions: int32(n)}
		ts = append(ts, id)
		partitions -= n
	}
	g := GroupSpec{Members: make(map[string]MemberSpec, members), SubscriptionType: typ}
	for i := range members {
		g.Members[fmt.Sprintf("member-%05d", i)] = MemberSpec{Topics: ts}
	}
	return g, d
}

var benchSizes = []struct{ members, partitions int }{{10, 100}, {1000, 10000}}

// BenchmarkAssign is a group's first assignment (nothing assigned yet).
func BenchmarkAssign(b *testing.B) {
	for _, sz := range benchSizes {
		for _, c := range []struct {
			name string
			a    Assignor
			typ  SubscriptionType
		}{
			{"uniform-homogeneous", Uniform{}, Homogeneous},
			{"uniform-heterogeneous", Uniform{}, Heterogeneous},
			{"range", Range{}, Homogeneous},
		} {
			g, d := benchGroup(sz.members, sz.partitions, c.typ)
			b.Run(fmt.Sprintf("%s/%dx%d", c.name, sz.members, sz.partitions), func(b *testing.B) {
				for b.Loop() {
					if _, err := c.a.Assign(g, d); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkJoin is the target: a member joins a stable group and
// the coordinator computes the new target assignment (the joiner's
// partitions follow from it once the others revoke).
func BenchmarkJoin(b *testing.B) {
	for _, sz := range benchSizes {
		for _, typ := range []SubscriptionType{Homogeneous, Heterogeneous} {
			g, d := benchGroup(sz.members, sz.partitions, typ)
			stable, err := Uniform{}.Assign(g, d)
			if err != nil {
				b.Fatal(err)
			}
			g = withCurrent(g, stable)
			g.Members["joiner"] = MemberSpec{Topics: g.Members["member-00000"].Topics}
			b.Run(fmt.Sprintf("uniform-%s/%dx%d", typ, sz.members, sz.partitions), func(b *testing.B) {
				for b.Loop() {
					if _, err := (Uniform{}).Assign(g, d); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// stuckGroup is a heterogeneous rebalance where most members can take
// nothing and sort before the one that can: 500 members share topic X
// (2000 partitions, 4 each), and member "b", holding topic Z's 10
// partitions, newly shares topic Y's 1000 partitions with "a", who holds
// them all. Half of Y moves to "b" one partition at a time.
func stuckGroup() (GroupSpec, Topics) {
	x, y, z := TopicID{'x'}, TopicID{'y'}, TopicID{'z'}
	d := Topics{x: {Partitions: 2000}, y: {Partitions: 1000}, z: {Partitions: 10}}
	g := GroupSpec{Members: map[string]MemberSpec{}, SubscriptionType: Heterogeneous}
	for i := range 500 {
		ps := make([]int32, 4)
		for j := range ps {
			ps[j] = int32(i*4 + j)
		}
		g.Members[fmt.Sprintf("x%03d", i)] = MemberSpec{Topics: []TopicID{x}, Assignment: Assignment{x: ps}}
	}
	all := make([]int32, 1000)
	for i := range all {
		all[i] = int32(i)
	}
	g.Members["a"] = MemberSpec{Topics: []TopicID{y}, Assignment: Assignment{y: all}}
	g.Members["b"] = MemberSpec{Topics: []TopicID{y, z}, Assignment: Assignment{z: all[:10]}}
	return g, d
}

func BenchmarkHeterogeneousRebalance(b *testing.B) {
	g, d := stuckGroup()
	for b.Loop() {
		if _, err := (Uniform{}).Assign(g, d); err != nil {
			b.Fatal(err)
		}
	}
}
