package main

import (
	"slices"
	"testing"
)

func TestSplitComma(t *testing.T) {
	for in, want := range map[string][]string{"": nil, "wharf": {"wharf"}, "wharf,kfake": {"wharf", "kfake"}, ",a,,b,": {"a", "b"}} {
		if got := splitComma(in); !slices.Equal(got, want) {
			t.Errorf("splitComma(%q) = %q, want %q", in, got, want)
		}
	}
}

// balanced wants every member to own partitions and every partition one
// owner; revocations and losses take partitions away.
func TestMembersBalanced(t *testing.T) {
	m := &members{owned: map[int]map[int32]bool{}, ch: make(chan struct{}, 1)}
	m.set(0, map[string][]int32{"t": {0, 1}}, nil)
	if m.balanced(2, 3) || !m.owns(0) || m.owns(1) {
		t.Fatal("one member of two owns two of three partitions: not balanced")
	}
	m.set(1, map[string][]int32{"t": {2}}, nil)
	if !m.balanced(2, 3) {
		t.Fatal("two members own three partitions once each: balanced")
	}
	m.set(1, map[string][]int32{"t": {1}}, nil)
	if m.balanced(2, 3) {
		t.Fatal("partition 1 owned twice: not balanced")
	}
	m.set(0, nil, map[string][]int32{"t": {1}})
	if !m.balanced(2, 3) {
		t.Fatal("after the revocation each partition has one owner: balanced")
	}
}
