package controller

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

func plainBrokers(ids ...int32) []BrokerMetadata {
	out := make([]BrokerMetadata, len(ids))
	for i, id := range ids {
		out[i] = BrokerMetadata{ID: id}
	}
	return out
}

func rackBrokers(m map[int32]string) []BrokerMetadata {
	var out []BrokerMetadata
	for id, r := range m {
		out = append(out, BrokerMetadata{ID: id, Rack: &r})
	}
	slices.SortFunc(out, func(a, b BrokerMetadata) int { return int(a.ID - b.ID) })
	return out
}

func noRand(int) int { panic("rand used with a fixed start index") }

// From AdminRackAwareTest.testReplicaAssignment (Kafka 2.8).
func TestAssignReplicasRackUnaware(t *testing.T) {
	got, err := AssignReplicas(plainBrokers(0, 1, 2, 3, 4), 10, 3, 0, -1, noRand)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32][]int32{0: {0, 1, 2}, 1: {1, 2, 3}, 2: {2, 3, 4}, 3: {3, 4, 0}, 4: {4, 0, 1},
		5: {0, 2, 3}, 6: {1, 3, 4}, 7: {2, 4, 0}, 8: {3, 0, 1}, 9: {4, 1, 2}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	for _, tc := range []struct {
		n, rf int32
		code  int16
		msg   string
	}{
		{10, 0, kerr.InvalidReplicationFactor.Code, "Replication factor must be larger than 0."},
		{10, 6, kerr.InvalidReplicationFactor.Code, "Replication factor: 6 larger than available brokers: 5."},
		{0, 1, kerr.InvalidPartitions.Code, "Number of partitions must be larger than 0."},
	} {
		_, err := AssignReplicas(plainBrokers(0, 1, 2, 3, 4), tc.n, tc.rf, -1, -1, rand.IntN)
		var ae *AssignError
		if !errors.As(err, &ae) || ae.Code != tc.code || ae.Message != tc.msg {
			t.Errorf("n=%d rf=%d: %v", tc.n, tc.rf, err)
		}
	}
}

// From AdminRackAwareTest.testGetRackAlternatedBrokerListAndAssignReplicasToBrokers.
func TestAssignReplicasRackAware(t *testing.T) {
	racks := map[int32]string{0: "rack1", 1: "rack3", 2: "rack3", 3: "rack2", 4: "rack2", 5: "rack1"}
	if got := RackAlternatedBrokers(rackBrokers(racks)); !slices.Equal(got, []int32{0, 3, 1, 5, 4, 2}) {
		t.Fatalf("alternated %v", got)
	}
	got, err := AssignReplicas(rackBrokers(racks), 7, 3, 0, 0, noRand)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32][]int32{0: {0, 3, 1}, 1: {3, 1, 5}, 2: {1, 5, 4}, 3: {5, 4, 2}, 4: {4, 2, 0}, 5: {2, 0, 3}, 6: {0, 4, 2}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	// Every partition spans min(rf, racks) racks, whatever the random start.
	for i := 0; i < 20; i++ {
		got, err := AssignReplicas(rackBrokers(racks), 12, 3, -1, -1, rand.IntN)
		if err != nil {
			t.Fatal(err)
		}
		for p, rs := range got {
			seen := map[string]bool{}
			for _, r := range rs {
				seen[racks[r]] = true
			}
			if len(seen) != 3 || len(rs) != 3 {
				t.Fatalf("partition %d: %v", p, rs)
			}
		}
	}
	mixed := append(plainBrokers(7), rackBrokers(map[int32]string{8: "a"})...)
	if _, err := AssignReplicas(mixed, 1, 1, -1, -1, rand.IntN); err == nil || !strings.Contains(err.Error(), "Not all brokers have rack information") {
		t.Fatalf("mixed racks: %v", err)
	}
}

// Adding partitions continues the pattern (AdminZkClient.createNewPartitionsAssignment).
func TestAssignReplicasExpansion(t *testing.T) {
	all, _ := AssignReplicas(plainBrokers(0, 1, 2), 6, 2, 0, -1, noRand)
	more, _ := AssignReplicas(plainBrokers(0, 1, 2), 3, 2, 0, 3, noRand)
	for p := int32(3); p < 6; p++ {
		if !slices.Equal(all[p], more[p]) {
			t.Fatalf("partition %d: %v vs %v", p, all[p], more[p])
		}
	}
}

func TestElection(t *testing.T) {
	live := func(ids ...int32) func(int32) bool { return func(r int32) bool { return slices.Contains(ids, r) } }
	cur := LeaderAndIsr{Leader: 1, LeaderEpoch: 4, ISR: []int32{1, 2, 3}, ZkVersion: 7}
	tests := []struct {
		name    string
		assign  []int32
		cur     LeaderAndIsr
		live    func(int32) bool
		unclean bool
		want    LeaderAndIsr
		ok      bool
	}{
		{"preferred live", []int32{1, 2, 3}, cur, live(1, 2, 3), false, LeaderAndIsr{Leader: 1, LeaderEpoch: 5, ISR: []int32{1, 2, 3}, ZkVersion: 7}, true},
		{"leader died", []int32{1, 2, 3}, cur, live(2, 3), false, LeaderAndIsr{Leader: 2, LeaderEpoch: 5, ISR: []int32{2, 3}, ZkVersion: 7}, true},
		{"assignment order wins", []int32{3, 2, 1}, cur, live(2, 3), false, LeaderAndIsr{Leader: 3, LeaderEpoch: 5, ISR: []int32{2, 3}, ZkVersion: 7}, true},
		{"no live isr, clean", []int32{1, 2, 3, 4}, cur, live(4), false, LeaderAndIsr{}, false},
		{"no live isr, unclean", []int32{1, 2, 3, 4}, cur, live(4), true, LeaderAndIsr{Leader: 4, LeaderEpoch: 5, ISR: []int32{4}, ZkVersion: 7}, true},
		{"nothing live", []int32{1, 2, 3}, cur, live(), true, LeaderAndIsr{}, false},
	}
	for _, tc := range tests {
		got, ok := ElectOffline(tc.assign, tc.cur, tc.live, tc.unclean)
		if ok != tc.ok || ok && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v %v", tc.name, got, ok)
		}
	}
	if l, ok := PreferredLeader([]int32{2, 1}, []int32{1, 2}, live(1, 2)); !ok || l != 2 {
		t.Fatal("preferred")
	}
	if _, ok := PreferredLeader([]int32{2, 1}, []int32{1}, live(1, 2)); ok {
		t.Fatal("preferred outside the ISR")
	}
	if l, ok := ControlledShutdownLeader([]int32{1, 2}, []int32{1, 2}, live(1, 2), func(r int32) bool { return r == 1 }); !ok || l != 2 {
		t.Fatal("controlled shutdown")
	}
}

func TestRemoveReplicaFromISR(t *testing.T) {
	got, changed := RemoveReplicaFromISR(LeaderAndIsr{Leader: 1, LeaderEpoch: 2, ISR: []int32{1, 2}}, 1)
	if !changed || got.Leader != -1 || got.LeaderEpoch != 3 || !slices.Equal(got.ISR, []int32{2}) {
		t.Fatalf("leader leaves: %+v", got)
	}
	got, changed = RemoveReplicaFromISR(LeaderAndIsr{Leader: 1, LeaderEpoch: 2, ISR: []int32{1, 2}}, 2)
	if !changed || got.Leader != 1 || !slices.Equal(got.ISR, []int32{1}) {
		t.Fatalf("follower leaves: %+v", got)
	}
	// The last ISR member stays: the partition goes offline, leader -1.
	got, changed = RemoveReplicaFromISR(LeaderAndIsr{Leader: 0, LeaderEpoch: 0, ISR: []int32{0}}, 0)
	if !changed || got.Leader != -1 || got.LeaderEpoch != 1 || !slices.Equal(got.ISR, []int32{0}) {
		t.Fatalf("last member: %+v", got)
	}
	if _, changed := RemoveReplicaFromISR(LeaderAndIsr{Leader: 0, ISR: []int32{0}}, 5); changed {
		t.Fatal("not a member")
	}
}

func TestTopicNameValidation(t *testing.T) {
	for name, want := range map[string]string{
		"ok.topic_1-x":           "",
		"":                       "Topic name is illegal, it can't be empty",
		".":                      `Topic name cannot be "." or ".."`,
		"..":                     `Topic name cannot be "." or ".."`,
		strings.Repeat("a", 249): "",
		strings.Repeat("a", 250): "Topic name is illegal, it can't be longer than 249 characters, topic name: " + strings.Repeat("a", 250),
		"bad/name":               `Topic name "bad/name" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
		"é":                      `Topic name "é" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
	} {
		if got := ValidateTopicName(name); got != want {
			t.Errorf("%q: %q", name, got)
		}
	}
	if !HasCollisionChars("a.b") || !HasCollisionChars("a_b") || HasCollisionChars("ab") {
		t.Fatal("collision chars")
	}
	if !HasCollision("a.b", "a_b") || HasCollision("a.b", "a-b") {
		t.Fatal("collision")
	}
}

// The batch builds Kafka 2.8's request versions, one LeaderAndIsr per
// broker grouped by topic, UpdateMetadata with every live broker, and
// StopReplica with the deletion's leader epoch.
func TestRequestBatch(t *testing.T) {
	cc := newContext()
	cc.epoch = 3
	rack := "r1"
	for _, id := range []int32{1, 2} {
		cc.liveBrokers[id] = liveBroker{epoch: int64(100 + id), info: zkdata.BrokerInfo{ID: id, Rack: &rack,
			EndPoints: []zkdata.EndPoint{{Listener: "PLAINTEXT", Host: "h", Port: 9090 + id, SecurityProtocol: "PLAINTEXT"}}}}
	}
	tp := TopicPartition{Topic: "t", Partition: 0}
	cc.setAssignment(tp, zkdata.ReplicaAssignment{Replicas: []int32{1, 2, 3}})
	cc.topicIDs["t"] = zkdata.UUID{7}
	st := zkdata.PartitionState{LeaderAndIsr: LeaderAndIsr{Leader: 1, LeaderEpoch: 2, ISR: []int32{1, 2}, ZkVersion: 5}, ControllerEpoch: 3}
	cc.leadership[tp] = st
	b := newBatch(cc, 9, "PLAINTEXT")
	b.addLeaderAndIsr([]int32{1, 2, 3}, tp, st, cc.assignment(tp), true)
	b.addStopReplica([]int32{2}, TopicPartition{Topic: "t", Partition: 0}, false)
	out := b.build()
	if !b.empty() {
		t.Fatal("batch not cleared")
	}
	var kinds []string
	for _, o := range out {
		kinds = append(kinds, kmsg.NameForKey(o.req.Key())+"@"+string(rune('0'+o.broker)))
	}
	// Broker 3 is not live: nothing is sent to it.
	want := []string{"LeaderAndISR@1", "LeaderAndISR@2", "UpdateMetadata@1", "UpdateMetadata@2", "StopReplica@2"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("requests %v", kinds)
	}
	la := out[0].req.(*kmsg.LeaderAndISRRequest)
	if la.Version != 5 || la.ControllerID != 9 || la.ControllerEpoch != 3 || la.BrokerEpoch != 101 || len(la.TopicStates) != 1 ||
		la.TopicStates[0].TopicID != (zkdata.UUID{7}) || !la.TopicStates[0].PartitionStates[0].IsNew || len(la.LiveLeaders) != 1 || la.LiveLeaders[0].Port != 9091 {
		t.Fatalf("LeaderAndIsr %+v", la)
	}
	um := out[2].req.(*kmsg.UpdateMetadataRequest)
	if um.Version != 7 || len(um.LiveBrokers) != 2 || *um.LiveBrokers[0].Rack != "r1" || len(um.TopicStates) != 1 ||
		!slices.Equal(um.TopicStates[0].PartitionStates[0].OfflineReplicas, []int32{3}) {
		t.Fatalf("UpdateMetadata %+v", um)
	}
	sr := out[4].req.(*kmsg.StopReplicaRequest)
	if sr.Version != 3 || sr.Topics[0].PartitionStates[0].LeaderEpoch != 2 || sr.Topics[0].PartitionStates[0].Delete {
		t.Fatalf("StopReplica %+v", sr)
	}
	// A topic being deleted: UpdateMetadata says leader -2.
	cc.topicsToBeDeleted["t"] = true
	b.addUpdateMetadata([]int32{1}, []TopicPartition{tp})
	b.addStopReplica([]int32{1}, tp, true)
	out = b.build()
	um = out[0].req.(*kmsg.UpdateMetadataRequest)
	sr = out[1].req.(*kmsg.StopReplicaRequest)
	if um.TopicStates[0].PartitionStates[0].Leader != zkdata.LeaderDuringDelete || sr.Topics[0].PartitionStates[0].LeaderEpoch != -2 || !sr.Topics[0].PartitionStates[0].Delete {
		t.Fatalf("deletion requests %+v %+v", um, sr)
	}
}

func TestLocalChannel(t *testing.T) {
	var got kmsg.Request
	ch := NewLocalChannel(0, func(_ context.Context, req kmsg.Request) (kmsg.Response, error) {
		got = req
		return req.ResponseKind(), nil
	})
	req := kmsg.NewPtrUpdateMetadataRequest()
	if resp, err := ch.Send(context.Background(), 0, req); err != nil || got != req || resp.Key() != req.Key() {
		t.Fatalf("local send: %v %v", resp, err)
	}
	if _, err := ch.Send(context.Background(), 1, req); !errors.Is(err, ErrBrokerUnreachable) {
		t.Fatalf("other broker: %v", err)
	}
	ch.Unregister(0)
	if _, err := ch.Send(context.Background(), 0, req); !errors.Is(err, ErrBrokerUnreachable) {
		t.Fatalf("unregistered: %v", err)
	}
}
