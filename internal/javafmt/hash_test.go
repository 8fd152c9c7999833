package javafmt

import (
	"slices"
	"testing"
)

// The expected values are Java's ("abc".hashCode() == 96354; the classic
// "polygenelubricants" hashes to Integer.MIN_VALUE).
func TestStringHash(t *testing.T) {
	for s, want := range map[string]int32{
		"": 0, "a": 97, "abc": 96354, "polygenelubricants": -2147483648,
		"é": 0xe9, "😀": 31*0xd83d + 0xde00, "\xff": 0xfffd,
	} {
		if got := StringHash(s); got != want {
			t.Errorf("StringHash(%q) = %d, want %d", s, got, want)
		}
	}
}

// In a table of 16: "a" (97) and "q" (113) share bucket 1, "b" (98) is in
// bucket 2; within a bucket insertion order holds: q, a, then b.
func TestHashOrder(t *testing.T) {
	got := HashOrder([]string{"b", "q", "a"}, StringHash, 16)
	if !slices.Equal(got, []string{"q", "a", "b"}) {
		t.Errorf("HashOrder = %q", got)
	}
}

func TestLen(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "é": 1, "😀": 2, "a😀b": 4} {
		if got := Len(s); got != want {
			t.Errorf("Len(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestHashCapacity(t *testing.T) {
	for _, tt := range []struct{ initial, n, want int }{
		{16, 0, 16}, {16, 12, 16}, {16, 13, 32}, {16, 25, 64}, {0, 0, 1}, {1, 1, 2},
		{3, 0, 4}, {17, 12, 32}, {int(float32(12)/0.75 + 1), 12, 32},
	} {
		if got := HashCapacity(tt.initial, tt.n); got != tt.want {
			t.Errorf("HashCapacity(%d, %d) = %d, want %d", tt.initial, tt.n, got, tt.want)
		}
	}
}

// An empty set iterates as an empty list, which the ZooKeeper server
// encodes as [] (a nil slice would go out as a null list).
func TestHashOrderEmptyIsNotNil(t *testing.T) {
	if got := HashOrder[string](nil, StringHash, 16); got == nil || len(got) != 0 {
		t.Errorf("HashOrder(nil) = %#v, want an empty slice", got)
	}
}
