package assignor

import (
	"fmt"
	"slices"
	"testing"
)

// Which of the donor's partitions moves: one the receiver held before,
// else one that moved already, else the donor's highest.
func TestPickPartitionPrefersFreeMoves(t *testing.T) {
	g := GroupSpec{Members: map[string]MemberSpec{
		"r": sub(nil, t1), "d": sub(nil, t1), "x": sub(nil, t1),
	}}
	s, err := newSpec(g, meta(t1, 4))
	if err != nil {
		t.Fatal(err)
	}
	const d, r, x = 0, 1, 2 // index order follows ids "d" < "r" < "x"
	owner := []int32{d, d, d, d}
	for _, c := range []struct {
		prev []int32
		want int
	}{
		{[]int32{d, x, r, d}, 2}, // r's own partition comes back
		{[]int32{d, x, d, d}, 1}, // x's partition had moved anyway
		{[]int32{d, d, d, d}, 3}, // the donor's highest
	} {
		if got := pickPartition(s, owner, c.prev, r, d); got != c.want {
			t.Errorf("prev %v: picked %d, want %d", c.prev, got, c.want)
		}
	}
}

func TestBySizeKeepsOrder(t *testing.T) {
	size := []int{3, 1, 2, 1}
	b := newBySize(size)
	if want := []int32{1, 3, 2, 0}; !slices.Equal(b.s, want) {
		t.Fatalf("order %v, want %v", b.s, want)
	}
	b.resize(0, 0)
	b.resize(3, 5)
	if want := []int32{0, 1, 2, 3}; !slices.Equal(b.s, want) {
		t.Fatalf("order %v, want %v", b.s, want)
	}
	if size[0] != 0 || size[3] != 5 {
		t.Fatalf("sizes %v", size)
	}
}

func TestHeterogeneousRebalanceSkipsStuckMembers(t *testing.T) {
	g, d := stuckGroup()
	got, err := Uniform{}.Assign(g, d)
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, g, d, got)
	if a, b := size(got["a"]), size(got["b"]); a != 505 || b != 505 {
		t.Fatalf("a has %d, b has %d; want 505 each", a, b)
	}
	for i := range 500 {
		if id := fmt.Sprintf("x%03d", i); size(got[id]) != 4 {
			t.Fatalf("%s moved", id)
		}
	}
}
