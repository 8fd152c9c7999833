package meta

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// ClusterID is the cluster id set with SetClusterID.
func (s *Snapshot) ClusterID() string { return s.clusterID }

// ControllerID is the active controller's broker id, -1 if unknown.
func (s *Snapshot) ControllerID() int32 { return s.controllerID }

// Brokers lists the live brokers by ascending id.
func (s *Snapshot) Brokers() []*Broker {
	out := make([]*Broker, len(s.brokerIDs))
	for i, id := range s.brokerIDs {
		out[i] = s.brokers[id]
	}
	return out
}

// Broker returns a live broker.
func (s *Snapshot) Broker(id int32) (*Broker, bool) {
	b, ok := s.brokers[id]
	return b, ok
}

// Node is a broker's address on one listener (org.apache.kafka.common.Node);
// ID -1 is Node.noNode.
type Node struct {
	ID   int32
	Host string
	Port int32
	Rack *string
}

// NoNode is Node.noNode().
var NoNode = Node{ID: -1, Port: -1}

// Nodes lists the live brokers that have the listener, by id: the brokers
// of a Metadata or DescribeCluster response.
func (s *Snapshot) Nodes(listener string) []Node {
	out := make([]Node, 0, len(s.brokerIDs))
	for _, id := range s.brokerIDs {
		b := s.brokers[id]
		if e, ok := b.Endpoint(listener); ok {
			out = append(out, Node{ID: id, Host: e.Host, Port: e.Port, Rack: b.Rack})
		}
	}
	return out
}

// aliveNode is the node of a live broker on a listener.
func (s *Snapshot) aliveNode(id int32, listener string) (Node, bool) {
	b, ok := s.brokers[id]
	if !ok {
		return Node{}, false
	}
	e, ok := b.Endpoint(listener)
	if !ok {
		return Node{}, false
	}
	return Node{ID: id, Host: e.Host, Port: e.Port, Rack: b.Rack}, true
}

// TopicNames lists the topics by name.
func (s *Snapshot) TopicNames() []string { return s.names }

// Topic returns a topic by name.
func (s *Snapshot) Topic(name string) (*Topic, bool) {
	t, ok := s.topics[name]
	return t, ok
}

// TopicByID returns a topic by its id.
func (s *Snapshot) TopicByID(id zkdata.UUID) (*Topic, bool) {
	t, ok := s.topicIDs[id]
	return t, ok
}

// Contains reports whether the topic exists.
func (s *Snapshot) Contains(topic string) bool {
	_, ok := s.topics[topic]
	return ok
}

// Partition returns one partition's state.
func (s *Snapshot) Partition(topic string, p int32) (*Partition, bool) {
	t, ok := s.topics[topic]
	if !ok {
		return nil, false
	}
	return t.Partition(p)
}

// NumPartitions is the topic's partition count (ok false if unknown).
func (s *Snapshot) NumPartitions(topic string) (int, bool) {
	t, ok := s.topics[topic]
	if !ok {
		return 0, false
	}
	return len(t.Partitions), true
}

// NonExistingTopics returns the names that are not topics, in order.
func (s *Snapshot) NonExistingTopics(names []string) []string {
	var out []string
	for _, n := range names {
		if _, ok := s.topics[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}

// LeaderlessPartitions counts the partitions of topic among ids that the
// cache does not know or knows without a leader: what CreateTopics and
// CreatePartitions wait on (DelayedCreatePartitions.missingLeaderCount).
func (s *Snapshot) LeaderlessPartitions(topic string, ids []int32) int {
	n := 0
	for _, p := range ids {
		if part, ok := s.Partition(topic, p); !ok || part.Leader == zkdata.NoLeader {
			n++
		}
	}
	return n
}

// PartitionLeaderEndpoint is MetadataCache.getPartitionLeaderEndpoint: ok
// is false if the partition is unknown; the node is NoNode when the leader
// is not alive or lacks the listener.
func (s *Snapshot) PartitionLeaderEndpoint(topic string, p int32, listener string) (Node, bool) {
	part, ok := s.Partition(topic, p)
	if !ok {
		return Node{}, false
	}
	if n, ok := s.aliveNode(part.Leader, listener); ok {
		return n, true
	}
	return NoNode, true
}

// PartitionReplicaEndpoints is MetadataCache.getPartitionReplicaEndpoints:
// the live replicas' nodes on a listener.
func (s *Snapshot) PartitionReplicaEndpoints(topic string, p int32, listener string) map[int32]Node {
	out := map[int32]Node{}
	part, ok := s.Partition(topic, p)
	if !ok {
		return out
	}
	for _, r := range part.Replicas {
		if n, ok := s.aliveNode(r, listener); ok {
			out[r] = n
		}
	}
	return out
}

// TopicMetadata is MetadataCache.getTopicMetadata: the Metadata response
// entries of the named topics that exist (unknown names are left out; the
// handler decides what to answer for them), partitions by id. With
// errorUnavailableEndpoints (Metadata v0) replicas and ISR members without
// the listener are left out and flagged REPLICA_NOT_AVAILABLE; a leader
// without the listener is LISTENER_NOT_FOUND with errorUnavailableListeners
// (v6+), LEADER_NOT_AVAILABLE otherwise.
func (s *Snapshot) TopicMetadata(names []string, listener string, errorUnavailableEndpoints, errorUnavailableListeners bool) []kmsg.MetadataResponseTopic {
	out := make([]kmsg.MetadataResponseTopic, 0, len(names))
	for _, name := range names {
		t, ok := s.topics[name]
		if !ok {
			continue
		}
		mt := kmsg.NewMetadataResponseTopic()
		topic := t.Name
		mt.Topic = &topic
		mt.TopicID = t.ID
		mt.IsInternal = t.Internal
		mt.Partitions = make([]kmsg.MetadataResponseTopicPartition, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			mt.Partitions = append(mt.Partitions, s.partitionMetadata(p, listener, errorUnavailableEndpoints, errorUnavailableListeners))
		}
		out = append(out, mt)
	}
	return out
}

func (s *Snapshot) filterAlive(ids []int32, listener string, filter bool) []int32 {
	if !filter {
		return ids
	}
	out := make([]int32, 0, len(ids))
	for _, id := range ids {
		if _, ok := s.aliveNode(id, listener); ok {
			out = append(out, id)
		}
	}
	return out
}

func (s *Snapshot) partitionMetadata(p *Partition, listener string, errorUnavailableEndpoints, errorUnavailableListeners bool) kmsg.MetadataResponseTopicPartition {
	mp := kmsg.NewMetadataResponseTopicPartition()
	mp.Partition = p.Partition
	mp.LeaderEpoch = p.LeaderEpoch
	mp.Replicas = s.filterAlive(p.Replicas, listener, errorUnavailableEndpoints)
	mp.ISR = s.filterAlive(p.ISR, listener, errorUnavailableEndpoints)
	mp.OfflineReplicas = p.OfflineReplicas
	if mp.OfflineReplicas == nil {
		mp.OfflineReplicas = []int32{}
	}
	if _, ok := s.aliveNode(p.Leader, listener); !ok {
		mp.Leader = -1
		mp.ErrorCode = kerr.LeaderNotAvailable.Code
		if _, alive := s.brokers[p.Leader]; alive && errorUnavailableListeners {
			mp.ErrorCode = kerr.ListenerNotFound.Code
		}
		return mp
	}
	mp.Leader = p.Leader
	if len(mp.Replicas) < len(p.Replicas) || len(mp.ISR) < len(p.ISR) {
		mp.ErrorCode = kerr.ReplicaNotAvailable.Code
	}
	return mp
}

// Stats are the counts the broker's metrics report.
type Stats struct {
	Topics     int
	Partitions int
	// Offline partitions have no live leader (kafka.controller
	// OfflinePartitionsCount, as a broker sees it).
	Offline int
	// Leaders is the number of partitions brokerID leads (LeaderCount).
	Leaders int
	// UnderReplicated counts partitions brokerID leads whose ISR is
	// smaller than their replica set (UnderReplicatedPartitions).
	UnderReplicated int
	// PreferredImbalance counts partitions whose leader is not their
	// first replica (PreferredReplicaImbalanceCount).
	PreferredImbalance int
}

// Stats counts partitions for the metrics of broker brokerID.
func (s *Snapshot) Stats(brokerID int32) Stats {
	st := Stats{Topics: len(s.topics)}
	for _, t := range s.topics {
		for _, p := range t.Partitions {
			st.Partitions++
			if _, alive := s.brokers[p.Leader]; !alive {
				st.Offline++
			}
			if len(p.Replicas) > 0 && p.Leader != p.Replicas[0] {
				st.PreferredImbalance++
			}
			if p.Leader == brokerID {
				st.Leaders++
				if len(p.ISR) < len(p.Replicas) {
					st.UnderReplicated++
				}
			}
		}
	}
	return st
}
