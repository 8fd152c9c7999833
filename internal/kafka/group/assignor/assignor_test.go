package assignor

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

var (
	t1 = TopicID{1}
	t2 = TopicID{2}
	t3 = TopicID{3}
	t4 = TopicID{4}
)

// sub is a member subscribed to ts with current assignment cur.
func sub(cur Assignment, ts ...TopicID) MemberSpec {
	return MemberSpec{Topics: ts, Assignment: cur}
}

// static is a static member (group.instance.id) subscribed to ts.
func static(instance string, ts ...TopicID) MemberSpec {
	return MemberSpec{InstanceID: instance, Topics: ts}
}

func meta(kv ...any) Topics {
	out := Topics{}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(TopicID)] = TopicMeta{Partitions: int32(kv[i+1].(int))}
	}
	return out
}

// scenario is one table row: a group, its topics, and what the assignor
// must answer.
type scenario struct {
	name    string
	typ     SubscriptionType
	members map[string]MemberSpec
	topics  Topics
	want    GroupAssignment
	wantErr error
}

func runScenarios(t *testing.T, a Assignor, cases []scenario) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := GroupSpec{Members: c.members, SubscriptionType: c.typ}
			got, err := a.Assign(g, c.topics)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, g, c.topics, got)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("assignment\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

// checkValid asserts the invariants every assignor keeps: an entry per
// member, partitions ascending and non-empty per topic, each subscribed
// partition assigned exactly once and only to a subscriber.
func checkValid(t *testing.T, g GroupSpec, d Topics, got GroupAssignment) {
	t.Helper()
	if len(got) != len(g.Members) {
		t.Fatalf("%d entries for %d members", len(got), len(g.Members))
	}
	owners := map[TopicID][]int{}
	subscribed := map[TopicID]bool{}
	for id, m := range g.Members {
		for _, tp := range m.Topics {
			subscribed[tp] = true
		}
		a, ok := got[id]
		if !ok || a == nil {
			t.Fatalf("member %q has no entry", id)
		}
		for tp, ps := range a {
			if !slices.Contains(m.Topics, tp) {
				t.Fatalf("member %q got topic %v it does not subscribe to", id, tp)
			}
			if len(ps) == 0 || !slices.IsSorted(ps) {
				t.Fatalf("member %q topic %v partitions %v: empty or unsorted", id, tp, ps)
			}
			if owners[tp] == nil {
				owners[tp] = make([]int, d[tp].Partitions)
			}
			for _, p := range ps {
				if p < 0 || p >= d[tp].Partitions {
					t.Fatalf("member %q got partition %d of a %d-partition topic", id, p, d[tp].Partitions)
				}
				owners[tp][p]++
			}
		}
	}
	for tp := range subscribed {
		for p := range d[tp].Partitions {
			if n := ownersOf(owners, tp, p); n != 1 {
				t.Fatalf("topic %v partition %d assigned %d times", tp, p, n)
			}
		}
	}
}

func ownersOf(owners map[TopicID][]int, tp TopicID, p int32) int {
	if owners[tp] == nil {
		return 0
	}
	return owners[tp][p]
}

func size(a Assignment) int {
	n := 0
	for _, ps := range a {
		n += len(ps)
	}
	return n
}

func TestByName(t *testing.T) {
	for _, name := range Names() {
		a, ok := ByName(name)
		if !ok || a.Name() != name {
			t.Fatalf("ByName(%q) = %v, %v", name, a, ok)
		}
	}
	if Names()[0] != DefaultName {
		t.Fatalf("default %q is not listed first", DefaultName)
	}
	if _, ok := ByName("roundrobin"); ok {
		t.Fatal("ByName found a client-side assignor")
	}
}

func TestEmptyGroupHasEmptyAssignment(t *testing.T) {
	for _, name := range Names() {
		a, _ := ByName(name)
		got, err := a.Assign(GroupSpec{}, Topics{})
		if err != nil || len(got) != 0 || got == nil {
			t.Fatalf("%s: %v, %v", name, got, err)
		}
	}
}

// badDescriber reports a topic with a negative or huge partition count.
type badDescriber int32

func (b badDescriber) NumPartitions(TopicID) (int32, bool)     { return int32(b), true }
func (badDescriber) RacksForPartition(TopicID, int32) []string { return nil }

func TestImpossibleInputIsAnError(t *testing.T) {
	cases := []struct {
		name string
		g    GroupSpec
		d    TopicDescriber
		want error
	}{
		{"unknown topic homogeneous", GroupSpec{Members: map[string]MemberSpec{"A": sub(nil, t2)}}, meta(t1, 3), ErrUnknownTopic},
		{"unknown topic heterogeneous", GroupSpec{
			Members:          map[string]MemberSpec{"A": sub(nil, t3), "B": sub(nil, t2)},
			SubscriptionType: Heterogeneous,
		}, meta(t1, 3), ErrUnknownTopic},
		{"negative partition count", GroupSpec{Members: map[string]MemberSpec{"A": sub(nil, t1)}}, badDescriber(-1), ErrInvalidPartitionCount},
		{"too many partitions", GroupSpec{Members: map[string]MemberSpec{"A": sub(nil, t1, t2)}}, badDescriber(MaxPartitions), ErrTooManyPartitions},
	}
	for _, c := range cases {
		for _, name := range Names() {
			a, _ := ByName(name)
			if _, err := a.Assign(c.g, c.d); !errors.Is(err, c.want) {
				t.Errorf("%s/%s: err = %v, want %v", c.name, name, err, c.want)
			}
		}
	}
}

func TestTopicsDescriber(t *testing.T) {
	d := Topics{t1: {Partitions: 2, Racks: map[int32][]string{1: {"r1", "r2"}}}}
	if n, ok := d.NumPartitions(t1); n != 2 || !ok {
		t.Fatalf("NumPartitions(t1) = %d, %v", n, ok)
	}
	if _, ok := d.NumPartitions(t2); ok {
		t.Fatal("NumPartitions(t2) found a missing topic")
	}
	if r := d.RacksForPartition(t1, 1); !slices.Equal(r, []string{"r1", "r2"}) {
		t.Fatalf("racks %v", r)
	}
	if r := d.RacksForPartition(t2, 0); r != nil {
		t.Fatalf("racks of a missing topic %v", r)
	}
}

func TestSubscriptionTypeString(t *testing.T) {
	if Homogeneous.String() != "Homogeneous" || Heterogeneous.String() != "Heterogeneous" || SubscriptionType(7).String() != "SubscriptionType(7)" {
		t.Fatal("SubscriptionType names")
	}
}

func TestTopicIDFormatsAsKafkaUUID(t *testing.T) {
	// Kafka's Uuid.toString: URL-safe base64 without padding.
	if got := formatTopicID(TopicID{0xff, 0xfe}); got != "__4AAAAAAAAAAAAAAAAAAA" {
		t.Fatalf("got %q", got)
	}
}
