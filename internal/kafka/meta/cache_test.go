package meta

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

func liveBroker(id int32, listeners ...string) kmsg.UpdateMetadataRequestLiveBroker {
	b := kmsg.UpdateMetadataRequestLiveBroker{ID: id}
	for i, l := range listeners {
		b.Endpoints = append(b.Endpoints, kmsg.UpdateMetadataRequestLiveBrokerEndpoint{
			Host: fmt.Sprintf("h%d", id), Port: 9092 + int32(i), ListenerName: l, SecurityProtocol: 0})
	}
	return b
}

func pstate(p, leader int32, replicas, isr []int32) kmsg.UpdateMetadataRequestTopicPartition {
	return kmsg.UpdateMetadataRequestTopicPartition{Partition: p, ControllerEpoch: 1, Leader: leader, LeaderEpoch: 3, ISR: isr, ZKVersion: 2, Replicas: replicas}
}

func v7(controller int32, brokers []kmsg.UpdateMetadataRequestLiveBroker, topics ...kmsg.UpdateMetadataRequestTopicState) *kmsg.UpdateMetadataRequest {
	return &kmsg.UpdateMetadataRequest{Version: 7, ControllerID: controller, ControllerEpoch: 1, LiveBrokers: brokers, TopicStates: topics}
}

func topicState(name string, id zkdata.UUID, ps ...kmsg.UpdateMetadataRequestTopicPartition) kmsg.UpdateMetadataRequestTopicState {
	return kmsg.UpdateMetadataRequestTopicState{Topic: name, TopicID: id, PartitionStates: ps}
}

func TestUpdateMetadataAndLookups(t *testing.T) {
	c := New(1)
	id := zkdata.UUID{1, 2, 3}
	c.UpdateMetadata(v7(1, []kmsg.UpdateMetadataRequestLiveBroker{liveBroker(2, "PLAINTEXT"), liveBroker(1, "PLAINTEXT", "INTERNAL")},
		topicState("t", id, pstate(1, 2, []int32{2, 1}, []int32{2, 1}), pstate(0, 1, []int32{1, 2}, []int32{1})),
		topicState("__consumer_offsets", zkdata.UUID{9}, pstate(0, 1, []int32{1}, []int32{1}))))
	s := c.Snapshot()
	if s.ControllerID() != 1 || len(s.Brokers()) != 2 || s.Brokers()[0].ID != 1 {
		t.Fatalf("brokers %v controller %d", s.Brokers(), s.ControllerID())
	}
	if n := s.Nodes("INTERNAL"); len(n) != 1 || n[0].ID != 1 || n[0].Port != 9093 {
		t.Fatalf("INTERNAL nodes %v", n)
	}
	if !slices.Equal(s.TopicNames(), []string{"__consumer_offsets", "t"}) {
		t.Fatalf("names %v", s.TopicNames())
	}
	tp, ok := s.TopicByID(id)
	if !ok || tp.Name != "t" || len(tp.Partitions) != 2 || tp.Partitions[0].Partition != 0 {
		t.Fatalf("by id %+v", tp)
	}
	if n, ok := s.NumPartitions("t"); !ok || n != 2 {
		t.Fatal(n)
	}
	if leader, ok := s.PartitionLeaderEndpoint("t", 1, "PLAINTEXT"); !ok || leader.ID != 2 {
		t.Fatalf("leader %v", leader)
	}
	if leader, ok := s.PartitionLeaderEndpoint("t", 1, "INTERNAL"); !ok || leader != NoNode {
		t.Fatalf("leader on a listener broker 2 lacks: %v", leader)
	}
	if eps := s.PartitionReplicaEndpoints("t", 0, "INTERNAL"); len(eps) != 1 {
		t.Fatalf("replica endpoints %v", eps)
	}
	if got := s.NonExistingTopics([]string{"t", "x"}); !slices.Equal(got, []string{"x"}) {
		t.Fatal(got)
	}
	md := s.TopicMetadata([]string{"t", "x", "__consumer_offsets"}, "PLAINTEXT", false, true)
	if len(md) != 2 || *md[0].Topic != "t" || md[0].TopicID != id || md[0].IsInternal || !md[1].IsInternal {
		t.Fatalf("metadata %+v", md)
	}
	if p := md[0].Partitions[0]; p.ErrorCode != 0 || p.Leader != 1 || p.LeaderEpoch != 3 || !slices.Equal(p.ISR, []int32{1}) {
		t.Fatalf("partition %+v", p)
	}
	st := s.Stats(1)
	if st.Topics != 2 || st.Partitions != 3 || st.Leaders != 2 || st.UnderReplicated != 1 || st.Offline != 0 || st.PreferredImbalance != 0 {
		t.Fatalf("stats %+v", st)
	}

	// A partial update: broker 2 died, partition 1 lost its leader.
	c.UpdateMetadata(v7(1, []kmsg.UpdateMetadataRequestLiveBroker{liveBroker(1, "PLAINTEXT", "INTERNAL")},
		topicState("t", id, pstate(1, -1, []int32{2, 1}, []int32{2}))))
	s2 := c.Snapshot()
	if p, _ := s.Partition("t", 1); p.Leader != 2 {
		t.Fatal("the old snapshot changed")
	}
	if p, _ := s2.Partition("t", 1); p.Leader != -1 {
		t.Fatal("update not applied")
	}
	if p, _ := s2.Partition("t", 0); p.Leader != 1 {
		t.Fatal("untouched partition lost")
	}
	md = s2.TopicMetadata([]string{"t"}, "PLAINTEXT", false, true)
	if p := md[0].Partitions[1]; p.ErrorCode != kerr.LeaderNotAvailable.Code || p.Leader != -1 {
		t.Fatalf("offline partition %+v", p)
	}
	// v0 metadata drops replicas without the listener.
	md = s2.TopicMetadata([]string{"t"}, "PLAINTEXT", true, false)
	if p := md[0].Partitions[0]; p.ErrorCode != kerr.ReplicaNotAvailable.Code || !slices.Equal(p.Replicas, []int32{1}) {
		t.Fatalf("v0 partition %+v", p)
	}
	if n := s2.LeaderlessPartitions("t", []int32{0, 1, 5}); n != 2 {
		t.Fatalf("leaderless %d", n)
	}
	if st := s2.Stats(1); st.Offline != 1 {
		t.Fatalf("stats %+v", st)
	}

	// Deletion: LeaderDuringDelete removes partitions, then the topic.
	del := c.UpdateMetadata(v7(1, []kmsg.UpdateMetadataRequestLiveBroker{liveBroker(1, "PLAINTEXT")},
		topicState("t", id, pstate(0, zkdata.LeaderDuringDelete, []int32{1, 2}, []int32{1}), pstate(1, zkdata.LeaderDuringDelete, []int32{2, 1}, []int32{2}))))
	s3 := c.Snapshot()
	if len(del) != 2 || s3.Contains("t") || slices.Contains(s3.TopicNames(), "t") {
		t.Fatalf("deleted %v names %v", del, s3.TopicNames())
	}
	if _, ok := s3.TopicByID(id); ok {
		t.Fatal("deleted topic still found by id")
	}
}

func TestUpdateMetadataOldVersions(t *testing.T) {
	c := New(0)
	req := &kmsg.UpdateMetadataRequest{Version: 4, ControllerID: 0, LiveBrokers: []kmsg.UpdateMetadataRequestLiveBroker{{ID: 0,
		Endpoints: []kmsg.UpdateMetadataRequestLiveBrokerEndpoint{{Host: "h", Port: 9092, ListenerName: "CLIENT", SecurityProtocol: 1}}}},
		PartitionStates: []kmsg.UpdateMetadataRequestTopicPartition{{Topic: "a", Partition: 0, Leader: 0, Replicas: []int32{0}, ISR: []int32{0}}}}
	c.UpdateMetadata(req)
	if s := c.Snapshot(); !s.Contains("a") || len(s.Nodes("CLIENT")) != 1 {
		t.Fatal("v4 not applied")
	}
	req = &kmsg.UpdateMetadataRequest{Version: 1, ControllerID: -1, LiveBrokers: []kmsg.UpdateMetadataRequestLiveBroker{{ID: 0,
		Endpoints: []kmsg.UpdateMetadataRequestLiveBrokerEndpoint{{Host: "h", Port: 9093, SecurityProtocol: 1}}}}}
	c.UpdateMetadata(req)
	s := c.Snapshot()
	if s.ControllerID() != -1 || len(s.Nodes("SSL")) != 1 || !s.Contains("a") {
		t.Fatalf("v1: controller %d nodes %v", s.ControllerID(), s.Nodes("SSL"))
	}
	c.SetClusterID("cid")
	if c.Snapshot().ClusterID() != "cid" || !c.Snapshot().Contains("a") {
		t.Fatal("cluster id")
	}
}

// Readers run against a stream of updates (go test -race).
func TestConcurrentReaders(t *testing.T) {
	c := New(0)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := c.Snapshot()
				for _, n := range s.TopicNames() {
					tp, ok := s.Topic(n)
					if !ok {
						t.Error("name without topic")
						return
					}
					_ = s.TopicMetadata([]string{n}, "PLAINTEXT", false, false)
					_ = tp
				}
				_ = s.Stats(0)
			}
		}()
	}
	for i := 0; i < 300; i++ {
		name := fmt.Sprintf("t%d", i%20)
		leader := int32(i % 3)
		if i%7 == 0 {
			leader = zkdata.LeaderDuringDelete
		}
		c.UpdateMetadata(v7(0, []kmsg.UpdateMetadataRequestLiveBroker{liveBroker(0, "PLAINTEXT"), liveBroker(1, "PLAINTEXT")},
			topicState(name, zkdata.UUID{byte(i % 20), 1}, pstate(int32(i%4), leader, []int32{0, 1}, []int32{0}))))
	}
	close(stop)
	wg.Wait()
}
