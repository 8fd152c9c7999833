package assignor

import "testing"

// Scenarios of upstream's OptimizedUniformAssignmentBuilderTest. Kafka
// walks topics in HashSet order; here topics go in id order (t1 < t2 <
// t3), so where the order matters the expected partitions differ from
// upstream's while the sizes and the kept partitions are the same.
func TestUniformHomogeneous(t *testing.T) {
	runScenarios(t, Uniform{}, []scenario{
		{
			name:    "one member, no subscription",
			members: map[string]MemberSpec{"A": sub(nil)},
			topics:  meta(t1, 3),
			want:    GroupAssignment{"A": {}},
		},
		{
			name:    "one member subscribed to a missing topic",
			members: map[string]MemberSpec{"A": sub(nil, t2)},
			topics:  meta(t1, 3),
			wantErr: ErrUnknownTopic,
		},
		{
			name:    "first assignment, two members, two topics",
			members: map[string]MemberSpec{"A": sub(nil, t1, t3), "B": sub(nil, t1, t3)},
			topics:  meta(t1, 3, t3, 2),
			want: GroupAssignment{
				"A": {t1: {0, 1, 2}},
				"B": {t3: {0, 1}},
			},
		},
		{
			name:    "more members than partitions",
			members: map[string]MemberSpec{"A": sub(nil, t3), "B": sub(nil, t3), "C": sub(nil, t3)},
			topics:  meta(t3, 2),
			want: GroupAssignment{
				"A": {t3: {0}},
				"B": {t3: {1}},
				"C": {},
			},
		},
		{
			name: "unbalanced previous assignment",
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0, 1}, t2: {0, 1}}, t1, t2),
				"B": sub(Assignment{t1: {2}, t2: {2}}, t1, t2),
			},
			topics: meta(t1, 3, t2, 3),
			want: GroupAssignment{
				"A": {t1: {0, 1}, t2: {0}},
				"B": {t1: {2}, t2: {1, 2}},
			},
		},
		{
			name: "partitions added",
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0, 2}, t2: {0}}, t1, t2),
				"B": sub(Assignment{t1: {1}, t2: {1, 2}}, t1, t2),
			},
			topics: meta(t1, 6, t2, 5),
			want: GroupAssignment{
				"A": {t1: {0, 2, 3, 4, 5}, t2: {0}},
				"B": {t1: {1}, t2: {1, 2, 3, 4}},
			},
		},
		{
			name: "member added",
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0, 2}, t2: {0}}, t1, t2),
				"B": sub(Assignment{t1: {1}, t2: {1, 2}}, t1, t2),
				"C": sub(nil, t1, t2),
			},
			topics: meta(t1, 3, t2, 3),
			want: GroupAssignment{
				"A": {t1: {0, 2}},
				"B": {t1: {1}, t2: {1}},
				"C": {t2: {0, 2}},
			},
		},
		{
			name: "member removed",
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0}, t2: {0}}, t1, t2),
				"B": sub(Assignment{t1: {1}, t2: {1}}, t1, t2),
			},
			topics: meta(t1, 3, t2, 3),
			want: GroupAssignment{
				"A": {t1: {0, 2}, t2: {0}},
				"B": {t1: {1}, t2: {1, 2}},
			},
		},
		{
			name: "subscription removed",
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0}, t2: {0}}, t2),
				"B": sub(Assignment{t1: {1}, t2: {1}}, t2),
			},
			topics: meta(t1, 2, t2, 2),
			want: GroupAssignment{
				"A": {t2: {0}},
				"B": {t2: {1}},
			},
		},
		{
			// Kafka 3.9 gives the extra partition to the first member
			// (the joiner A) and moves three; the least is two.
			name: "extra quota goes to a member that holds more",
			members: map[string]MemberSpec{
				"A": sub(nil, t1),
				"B": sub(Assignment{t1: {0, 1, 2, 3}}, t1),
				"C": sub(Assignment{t1: {4, 5, 6}}, t1),
			},
			topics: meta(t1, 7),
			want: GroupAssignment{
				"A": {t1: {3, 6}},
				"B": {t1: {0, 1, 2}},
				"C": {t1: {4, 5}},
			},
		},
		{
			name: "current assignments are sanitised",
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0, 1, 1, 9, -1}, t4: {0}}, t1),
				"B": sub(Assignment{t1: {1, 2}}, t1),
			},
			topics: meta(t1, 4, t4, 1),
			want: GroupAssignment{
				"A": {t1: {0, 1}},
				"B": {t1: {2, 3}},
			},
		},
		{
			name: "declared homogeneous with different subscriptions",
			members: map[string]MemberSpec{
				"A": sub(nil, t1),
				"B": sub(nil, t2),
			},
			topics: meta(t1, 2, t2, 2),
			want: GroupAssignment{
				"A": {t1: {0, 1}},
				"B": {t2: {0, 1}},
			},
		},
		{
			name: "duplicate subscriptions count once",
			members: map[string]MemberSpec{
				"A": sub(nil, t1, t1),
				"B": sub(nil, t1),
			},
			topics: meta(t1, 2),
			want: GroupAssignment{
				"A": {t1: {0}},
				"B": {t1: {1}},
			},
		},
	})
}

// Scenarios of upstream's UniformHeterogeneousAssignmentBuilderTest. The
// first assignments match upstream's; where a rebalance moves partitions,
// this builder moves fewer (see assignHeterogeneous) and the expectation
// says so.
func TestUniformHeterogeneous(t *testing.T) {
	cases := []scenario{
		{
			name:    "two members, no subscription",
			members: map[string]MemberSpec{"A": sub(nil), "B": sub(nil)},
			topics:  meta(t1, 3),
			want:    GroupAssignment{"A": {}, "B": {}},
		},
		{
			name:    "subscribed to missing topics",
			members: map[string]MemberSpec{"A": sub(nil, t3), "B": sub(nil, t2)},
			topics:  meta(t1, 3),
			wantErr: ErrUnknownTopic,
		},
		{
			name:    "first assignment, two members, two topics",
			members: map[string]MemberSpec{"A": sub(nil, t1, t3), "B": sub(nil, t3)},
			topics:  meta(t1, 3, t3, 6),
			want: GroupAssignment{
				"A": {t1: {0, 1, 2}, t3: {3, 5}},
				"B": {t3: {0, 1, 2, 4}},
			},
		},
		{
			name:    "more members than partitions",
			members: map[string]MemberSpec{"A": sub(nil, t3), "B": sub(nil, t3), "C": sub(nil, t1)},
			topics:  meta(t3, 1, t1, 2),
			want: GroupAssignment{
				"A": {t3: {0}},
				"B": {},
				"C": {t1: {0, 1}},
			},
		},
		{
			// Upstream moves five partitions (A: t1 0-4, B: t2 0-3,
			// C: t1 5 + t3); four moves reach the same sizes.
			name: "unbalanced previous assignment, three topics",
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0, 1, 2}}, t1),
				"B": sub(Assignment{t1: {3}, t2: {0}}, t1, t2),
				"C": sub(Assignment{t1: {4, 5}, t2: {1, 2, 3}, t3: {0, 1, 2, 3}}, t1, t2, t3),
			},
			topics: meta(t1, 6, t2, 4, t3, 4),
			want: GroupAssignment{
				"A": {t1: {0, 1, 2, 4, 5}},
				"B": {t1: {3}, t2: {0, 2, 3}},
				"C": {t2: {1}, t3: {0, 1, 2, 3}},
			},
		},
		{
			name: "partitions added",
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0, 1, 2, 3}, t3: {0, 1}}, t1, t3),
				"B": sub(Assignment{t2: {0, 1, 2}, t4: {0, 1, 2}}, t1, t2, t3, t4),
			},
			topics: meta(t1, 6, t2, 5, t3, 3, t4, 3),
			want: GroupAssignment{
				"A": {t1: {0, 1, 2, 3, 4, 5}, t3: {0, 1, 2}},
				"B": {t2: {0, 1, 2, 3, 4}, t4: {0, 1, 2}},
			},
		},
		{
			name: "member added and partitions added",
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0, 2}, t2: {0}}, t1),
				"B": sub(Assignment{t1: {1}, t2: {1, 2}}, t1, t2),
				"C": sub(nil, t1, t2),
			},
			topics: meta(t1, 6, t2, 7),
			want: GroupAssignment{
				"A": {t1: {0, 2, 3, 4, 5}},
				"B": {t1: {1}, t2: {1, 2, 5}},
				"C": {t2: {0, 3, 4, 6}},
			},
		},
		{
			name: "member removed, three topics",
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0, 1, 2}, t3: {0, 1}}, t1, t3),
				"B": sub(Assignment{t2: {3, 4, 5, 6}}, t2),
			},
			topics: meta(t1, 3, t2, 8, t3, 3),
			want: GroupAssignment{
				"A": {t1: {0, 1, 2}, t3: {0, 1, 2}},
				"B": {t2: {0, 1, 2, 3, 4, 5, 6, 7}},
			},
		},
		{
			name: "subscription removed",
			members: map[string]MemberSpec{
				"A": sub(Assignment{t1: {0, 2}, t2: {1, 3}}, t1),
				"B": sub(Assignment{t1: {1}, t2: {0, 2, 4}}, t1, t2),
			},
			topics: meta(t1, 3, t2, 5),
			want: GroupAssignment{
				"A": {t1: {0, 1, 2}},
				"B": {t2: {0, 1, 2, 3, 4}},
			},
		},
		{
			name:    "one member without subscriptions",
			members: map[string]MemberSpec{"A": sub(nil, t1), "B": sub(nil)},
			topics:  meta(t1, 3),
			want: GroupAssignment{
				"A": {t1: {0, 1, 2}},
				"B": {},
			},
		},
	}
	for i := range cases {
		cases[i].typ = Heterogeneous
	}
	runScenarios(t, Uniform{}, cases)
}
