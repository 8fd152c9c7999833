package assignor

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// randomGroup builds a group of up to maxMembers members over up to six
// topics. Homogeneous groups share one subscription; current assignments
// hold garbage (out-of-range partitions, unsubscribed and unknown topics,
// partitions claimed twice) so sanitising is exercised too.
func randomGroup(r *rand.Rand, maxMembers int, homogeneous bool) (GroupSpec, Topics) {
	d := Topics{}
	nt := 1 + r.IntN(6)
	var all []TopicID
	for i := range nt {
		id := TopicID{byte(r.IntN(256)), byte(i)}
		d[id] = TopicMeta{Partitions: int32(r.IntN(30))}
		all = append(all, id)
	}
	pick := func() []TopicID {
		var ts []TopicID
		for _, id := range all {
			if r.IntN(2) == 0 {
				ts = append(ts, id)
			}
		}
		return ts
	}
	shared := pick()
	g := GroupSpec{Members: map[string]MemberSpec{}, SubscriptionType: Heterogeneous}
	if homogeneous {
		g.SubscriptionType = Homogeneous
	}
	nm := 1 + r.IntN(maxMembers)
	for i := range nm {
		ts := shared
		if !homogeneous {
			ts = pick()
		}
		cur := Assignment{}
		for _, id := range append(slices.Clone(all), TopicID{0xee}) {
			if r.IntN(3) == 0 {
				for range r.IntN(8) {
					cur[id] = append(cur[id], int32(r.IntN(34))-2)
				}
			}
		}
		g.Members[fmt.Sprintf("m%03d", i)] = MemberSpec{Topics: ts, Assignment: cur}
	}
	return g, d
}

// checkUniformBalance asserts uniform's balance: within one partition when
// subscriptions are equal; otherwise Kafka's isBalanced, no member can
// take a partition of its topics from an owner with two or more than it.
func checkUniformBalance(t *testing.T, g GroupSpec, got GroupAssignment, homogeneous bool) {
	t.Helper()
	owner := map[TopicID]map[int32]string{}
	for id, a := range got {
		for tp, ps := range a {
			if owner[tp] == nil {
				owner[tp] = map[int32]string{}
			}
			for _, p := range ps {
				owner[tp][p] = id
			}
		}
	}
	lo, hi := -1, -1
	for id, m := range g.Members {
		n := size(got[id])
		if lo < 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
		if homogeneous {
			continue
		}
		for _, tp := range m.Topics {
			for _, o := range owner[tp] {
				if o != id && size(got[o]) >= n+2 {
					t.Fatalf("member %s (%d) could take a partition of %v from %s (%d)", id, n, tp, o, size(got[o]))
				}
			}
		}
	}
	if homogeneous && hi-lo > 1 {
		t.Fatalf("sizes range %d..%d", lo, hi)
	}
}

// held is what each member may keep of its current assignment, as the
// assignors sanitise it: subscribed, in range, first claimant by id.
func held(g GroupSpec, d Topics) map[string]map[TopicID]map[int32]bool {
	ids := make([]string, 0, len(g.Members))
	for id := range g.Members {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	claimed := map[TopicID]map[int32]bool{}
	out := map[string]map[TopicID]map[int32]bool{}
	for _, id := range ids {
		m := g.Members[id]
		out[id] = map[TopicID]map[int32]bool{}
		for tp, ps := range m.Assignment {
			if !slices.Contains(m.Topics, tp) {
				continue
			}
			for _, p := range ps {
				if p < 0 || p >= d[tp].Partitions || claimed[tp][p] {
					continue
				}
				if claimed[tp] == nil {
					claimed[tp] = map[int32]bool{}
				}
				claimed[tp][p] = true
				if out[id][tp] == nil {
					out[id][tp] = map[int32]bool{}
				}
				out[id][tp][p] = true
			}
		}
	}
	return out
}

func TestUniformProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		homogeneous := i%2 == 0
		g, d := randomGroup(r, 25, homogeneous)
		checkUniform(t, g, d, homogeneous)
	}
}

func TestRangeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 400 {
		g, d := randomGroup(r, 25, i%2 == 0)
		checkRange(t, g, d)
	}
}

// FuzzAssignors runs both assignors' property checks on random groups.
func FuzzAssignors(f *testing.F) {
	f.Add(uint64(1), uint64(2), true)
	f.Add(uint64(3), uint64(4), false)
	f.Fuzz(func(t *testing.T, s1, s2 uint64, homogeneous bool) {
		g, d := randomGroup(rand.New(rand.NewPCG(s1, s2)), 40, homogeneous)
		checkUniform(t, g, d, homogeneous)
		checkRange(t, g, d)
	})
}

// checkUniform: valid, balanced, sticky (homogeneous: each member keeps as
// much of what it held as its new size allows), and a fixed point.
func checkUniform(t *testing.T, g GroupSpec, d Topics, homogeneous bool) {
	t.Helper()
	got, err := Uniform{}.Assign(g, d)
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, g, d, got)
	checkUniformBalance(t, g, got, homogeneous)
	if homogeneous {
		for id, h := range held(g, d) {
			kept, had := 0, 0
			for tp, ps := range h {
				had += len(ps)
				for _, p := range got[id][tp] {
					if ps[p] {
						kept++
					}
				}
			}
			if want := min(had, size(got[id])); kept != want {
				t.Fatalf("member %s kept %d of %d, want %d", id, kept, had, want)
			}
		}
	}
	next, err := Uniform{}.Assign(withCurrent(g, got), d)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(next, got) {
		t.Fatalf("reassignment of a target moved partitions:\n%v\n%v", got, next)
	}
}

// checkRange: valid; per topic, subscribers' counts differ by at most one
// and each holds one contiguous range.
func checkRange(t *testing.T, g GroupSpec, d Topics) {
	t.Helper()
	got, err := Range{}.Assign(g, d)
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, g, d, got)
	for tp := range d {
		lo, hi := -1, -1
		for id, m := range g.Members {
			if !slices.Contains(m.Topics, tp) {
				continue
			}
			ps := got[id][tp]
			if len(ps) > 0 && int(ps[len(ps)-1]-ps[0]) != len(ps)-1 {
				t.Fatalf("%s got a non-contiguous range %v", id, ps)
			}
			if lo < 0 || len(ps) < lo {
				lo = len(ps)
			}
			hi = max(hi, len(ps))
		}
		if hi-lo > 1 {
			t.Fatalf("topic %v counts range %d..%d", tp, lo, hi)
		}
	}
}

func TestRangeCoPartitions(t *testing.T) {
	d := meta(t1, 7, t2, 7, t3, 7)
	g := GroupSpec{Members: map[string]MemberSpec{}}
	for i := range 3 {
		g.Members[fmt.Sprint(i)] = sub(nil, t3, t1, t2)
	}
	got, err := Range{}.Assign(g, d)
	if err != nil {
		t.Fatal(err)
	}
	for id, a := range got {
		if !slices.Equal(a[t1], a[t2]) || !slices.Equal(a[t1], a[t3]) {
			t.Fatalf("member %s is not co-partitioned: %v", id, a)
		}
	}
}

// Map iteration order must not leak into the result.
func TestDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 50 {
		g, d := randomGroup(r, 20, i%2 == 0)
		for _, name := range Names() {
			a, _ := ByName(name)
			first, err := a.Assign(g, d)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				again, _ := a.Assign(rebuilt(g), d)
				if !reflect.DeepEqual(first, again) {
					t.Fatalf("%s case %d: two runs differ", name, i)
				}
			}
		}
	}
}

// TestJoinMovesOnlyWhatBalanceNeeds adds one member to a stable group:
// every moved partition goes to the joiner, and the joiner gets
// floor(P/(M+1)), the least any balanced assignment gives it.
func TestJoinMovesOnlyWhatBalanceNeeds(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 200 {
		typ := []SubscriptionType{Homogeneous, Heterogeneous}[i%2]
		nm := 1 + r.IntN(20)
		d := Topics{}
		var ts []TopicID
		total := 0
		for j := range 1 + r.IntN(4) {
			id := TopicID{byte(j + 1)}
			n := r.IntN(40)
			d[id] = TopicMeta{Partitions: int32(n)}
			ts = append(ts, id)
			total += n
		}
		g := GroupSpec{Members: map[string]MemberSpec{}, SubscriptionType: typ}
		for j := range nm {
			g.Members[fmt.Sprintf("m%02d", j)] = MemberSpec{Topics: ts}
		}
		stable, err := Uniform{}.Assign(g, d)
		if err != nil {
			t.Fatal(err)
		}
		g = withCurrent(g, stable)
		joiner := fmt.Sprintf("m%02d", r.IntN(nm+1)) + "j" // anywhere in id order
		g.Members[joiner] = MemberSpec{Topics: ts}
		got, err := Uniform{}.Assign(g, d)
		if err != nil {
			t.Fatal(err)
		}
		checkValid(t, g, d, got)
		moved := 0
		for id, a := range stable {
			for tp, ps := range a {
				for _, p := range ps {
					if !slices.Contains(got[id][tp], p) {
						moved++
					}
				}
			}
		}
		share := total / (nm + 1)
		if n := size(got[joiner]); moved != n || n != share {
			t.Fatalf("case %d (%v, %d members, %d partitions): moved %d, joiner got %d, share %d",
				i, typ, nm, total, moved, n, share)
		}
	}
}

// withCurrent returns g with every member's current assignment set to a.
func withCurrent(g GroupSpec, a GroupAssignment) GroupSpec {
	out := GroupSpec{Members: map[string]MemberSpec{}, SubscriptionType: g.SubscriptionType}
	for id, m := range g.Members {
		m.Assignment = a[id]
		out.Members[id] = m
	}
	return out
}

// rebuilt copies g into fresh maps, inserted in reverse id order.
func rebuilt(g GroupSpec) GroupSpec {
	ids := make([]string, 0, len(g.Members))
	for id := range g.Members {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	out := GroupSpec{Members: map[string]MemberSpec{}, SubscriptionType: g.SubscriptionType}
	for _, id := range ids {
		m := g.Members[id]
		cur := Assignment{}
		for tp, ps := range m.Assignment {
			cur[tp] = slices.Clone(ps)
		}
		m.Assignment = cur
		out.Members[id] = m
	}
	return out
}
