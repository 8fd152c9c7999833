package assignor

import (
	"reflect"
	"testing"
)

// Scenarios of upstream's RangeAssignorTest; the range assignor ignores
// the current assignment, so each row's outcome is upstream's exactly.
func TestRange(t *testing.T) {
	both := func(cur Assignment) MemberSpec { return sub(cur, t1, t2) }
	runScenarios(t, Range{}, []scenario{
		{
			name:    "one member, no topic",
			members: map[string]MemberSpec{"A": sub(nil)},
			topics:  meta(t1, 3),
			want:    GroupAssignment{"A": {}},
		},
		{
			name:    "subscribed to a missing topic",
			members: map[string]MemberSpec{"A": sub(nil, t2)},
			topics:  meta(t1, 3),
			wantErr: ErrUnknownTopic,
		},
		{
			name:    "first assignment, same subscriptions",
			members: map[string]MemberSpec{"A": sub(nil, t1, t3), "B": sub(nil, t1, t3)},
			topics:  meta(t1, 3, t3, 2),
			want: GroupAssignment{
				"A": {t1: {0, 1}, t3: {0}},
				"B": {t1: {2}, t3: {1}},
			},
		},
		{
			name: "first assignment, different subscriptions",
			typ:  Heterogeneous,
			members: map[string]MemberSpec{
				"A": sub(nil, t1, t2),
				"B": sub(nil, t3),
				"C": sub(nil, t2, t3),
			},
			topics: meta(t1, 3, t2, 3, t3, 2),
			want: GroupAssignment{
				"A": {t1: {0, 1, 2}, t2: {0, 1}},
				"B": {t3: {0}},
				"C": {t2: {2}, t3: {1}},
			},
		},
		{
			name: "more members than partitions",
			members: map[string]MemberSpec{
				"A": sub(nil, t1, t3), "B": sub(nil, t1, t3), "C": sub(nil, t1, t3),
			},
			topics: meta(t1, 3, t3, 2),
			want: GroupAssignment{
				"A": {t1: {0}, t3: {0}},
				"B": {t1: {1}, t3: {1}},
				"C": {t1: {2}},
			},
		},
		{
			name: "member added to more members than partitions",
			members: map[string]MemberSpec{
				"A": both(Assignment{t1: {0}, t2: {0}}),
				"B": both(Assignment{t1: {1}, t2: {1}}),
				"C": both(nil),
			},
			topics: meta(t1, 2, t2, 2),
			want: GroupAssignment{
				"A": {t1: {0}, t2: {0}},
				"B": {t1: {1}, t2: {1}},
				"C": {},
			},
		},
		{
			name: "partition added",
			members: map[string]MemberSpec{
				"A": both(Assignment{t1: {0, 1}, t2: {0, 1}}),
				"B": both(Assignment{t1: {2}, t2: {2}}),
			},
			topics: meta(t1, 4, t2, 4),
			want: GroupAssignment{
				"A": {t1: {0, 1}, t2: {0, 1}},
				"B": {t1: {2, 3}, t2: {2, 3}},
			},
		},
		{
			name: "member added",
			members: map[string]MemberSpec{
				"A": both(Assignment{t1: {0, 1}, t2: {0, 1}}),
				"B": both(Assignment{t1: {2}, t2: {2}}),
				"C": both(nil),
			},
			topics: meta(t1, 3, t2, 3),
			want: GroupAssignment{
				"A": {t1: {0}, t2: {0}},
				"B": {t1: {1}, t2: {1}},
				"C": {t1: {2}, t2: {2}},
			},
		},
		{
			name: "member and partition added",
			typ:  Heterogeneous,
			members: map[string]MemberSpec{
				"A": both(Assignment{t1: {0, 1}, t2: {0, 1}}),
				"B": both(Assignment{t1: {2}, t2: {2}}),
				"C": sub(nil, t1),
			},
			topics: meta(t1, 4, t2, 3),
			want: GroupAssignment{
				"A": {t1: {0, 1}, t2: {0, 1}},
				"B": {t1: {2}, t2: {2}},
				"C": {t1: {3}},
			},
		},
		{
			name:    "member removed",
			members: map[string]MemberSpec{"B": both(Assignment{t1: {2}, t2: {2}})},
			topics:  meta(t1, 3, t2, 3),
			want:    GroupAssignment{"B": {t1: {0, 1, 2}, t2: {0, 1, 2}}},
		},
		{
			name: "subscriptions changed",
			typ:  Heterogeneous,
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0, 1, 2}, t2: {0}}, t1),
				"B": sub(Assignment{t2: {1}}, t1, t2, t3),
				"C": sub(Assignment{t2: {2}, t3: {0, 1}}, t2),
			},
			topics: meta(t1, 3, t2, 3, t3, 2),
			want: GroupAssignment{
				"A": {t1: {0, 1}},
				"B": {t1: {2}, t2: {0, 1}, t3: {0, 1}},
				"C": {t2: {2}},
			},
		},
		{
			name: "static members first, by instance id",
			members: map[string]MemberSpec{
				"A": static("i2", t1),
				"B": sub(nil, t1),
				"C": static("i1", t1),
			},
			topics: meta(t1, 5),
			want: GroupAssignment{
				"C": {t1: {0, 1}},
				"A": {t1: {2, 3}},
				"B": {t1: {4}},
			},
		},
	})
}

// A static member that rejoins under a new member id gets its ranges back
// (upstream's testStaticMembership and testMixedStaticMembership).
func TestRangeStaticMemberKeepsItsRanges(t *testing.T) {
	topics := meta(t1, 5)
	before := map[string]MemberSpec{
		"A": static("instanceA", t1),
		"C": static("instanceC", t1),
		"B": sub(nil, t1),
	}
	first, err := Range{}.Assign(GroupSpec{Members: before}, topics)
	if err != nil {
		t.Fatal(err)
	}
	after := map[string]MemberSpec{
		"memberA1": static("instanceA", t1),
		"C":        static("instanceC", t1),
		"B":        sub(nil, t1),
	}
	second, err := Range{}.Assign(GroupSpec{Members: after}, topics)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first["A"], second["memberA1"]) ||
		!reflect.DeepEqual(first["B"], second["B"]) ||
		!reflect.DeepEqual(first["C"], second["C"]) {
		t.Fatalf("assignment changed across a static member's restart:\n%v\n%v", first, second)
	}
	if want := (Assignment{t1: {0, 1}}); !reflect.DeepEqual(first["A"], want) {
		t.Fatalf("A got %v, want %v", first["A"], want)
	}
}
