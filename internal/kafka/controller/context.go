package controller

import (
	"slices"
	"strings"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// partitionState is a partition's state in the controller's partition
// state machine.
type partitionState int8

const (
	nonExistentPartition partitionState = iota
	newPartition
	onlinePartition
	offlinePartition
)

var partitionStateNames = [...]string{"NonExistentPartition", "NewPartition", "OnlinePartition", "OfflinePartition"}

func (s partitionState) String() string { return partitionStateNames[s] }

// validPrevious lists the states a partition may move to s from.
func (s partitionState) validPrevious(from partitionState) bool {
	switch s {
	case newPartition:
		return from == nonExistentPartition
	case onlinePartition, offlinePartition:
		return from == newPartition || from == onlinePartition || from == offlinePartition
	case nonExistentPartition:
		return from == offlinePartition
	}
	return false
}

// replicaState is a replica's state in the replica state machine.
type replicaState int8

const (
	nonExistentReplica replicaState = iota
	newReplica
	onlineReplica
	offlineReplica
	replicaDeletionStarted
	replicaDeletionSuccessful
	replicaDeletionIneligible
)

var replicaStateNames = [...]string{"NonExistentReplica", "NewReplica", "OnlineReplica", "OfflineReplica",
	"ReplicaDeletionStarted", "ReplicaDeletionSuccessful", "ReplicaDeletionIneligible"}

func (s replicaState) String() string { return replicaStateNames[s] }

func (s replicaState) validPrevious(from replicaState) bool {
	switch s {
	case newReplica:
		return from == nonExistentReplica
	case onlineReplica, offlineReplica:
		return from == newReplica || from == onlineReplica || from == offlineReplica || from == replicaDeletionIneligible
	case replicaDeletionStarted:
		return from == offlineReplica
	case replicaDeletionSuccessful:
		return from == replicaDeletionStarted
	case replicaDeletionIneligible:
		return from == offlineReplica || from == replicaDeletionStarted
	case nonExistentReplica:
		return from == replicaDeletionSuccessful
	}
	return false
}

// partitionReplica is one replica of one partition.
type partitionReplica struct {
	TopicPartition
	Replica int32
}

type liveBroker struct {
	info  zkdata.BrokerInfo
	epoch int64 // czxid of its registration
}

// controllerContext is the controller's view of the cluster
// (kafka.controller.ControllerContext). It is owned by the event loop.
type controllerContext struct {
	epoch          int32
	epochZkVersion int32

	liveBrokers  map[int32]liveBroker
	shuttingDown map[int32]bool

	allTopics   map[string]bool
	topicIDs    map[string]zkdata.UUID
	assignments map[string]map[int32]zkdata.ReplicaAssignment
	leadership  map[TopicPartition]zkdata.PartitionState

	partitionStates map[TopicPartition]partitionState
	replicaStates   map[partitionReplica]replicaState
	offlineDirs     map[int32]map[TopicPartition]bool

	topicsToBeDeleted           map[string]bool
	topicsWithDeletionStarted   map[string]bool
	topicsIneligibleForDeletion map[string]bool
}

func newContext() *controllerContext {
	c := &controllerContext{}
	c.reset()
	return c
}

func (c *controllerContext) reset() {
	*c = controllerContext{
		liveBrokers:                 map[int32]liveBroker{},
		shuttingDown:                map[int32]bool{},
		allTopics:                   map[string]bool{},
		topicIDs:                    map[string]zkdata.UUID{},
		assignments:                 map[string]map[int32]zkdata.ReplicaAssignment{},
		leadership:                  map[TopicPartition]zkdata.PartitionState{},
		partitionStates:             map[TopicPartition]partitionState{},
		replicaStates:               map[partitionReplica]replicaState{},
		offlineDirs:                 map[int32]map[TopicPartition]bool{},
		topicsToBeDeleted:           map[string]bool{},
		topicsWithDeletionStarted:   map[string]bool{},
		topicsIneligibleForDeletion: map[string]bool{},
	}
}

// ---- brokers ----

func (c *controllerContext) liveBrokerIDs() []int32 {
	ids := make([]int32, 0, len(c.liveBrokers))
	for id := range c.liveBrokers {
		if !c.shuttingDown[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (c *controllerContext) liveOrShuttingDownBrokerIDs() []int32 {
	ids := make([]int32, 0, len(c.liveBrokers))
	for id := range c.liveBrokers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (c *controllerContext) isLive(id int32) bool {
	_, ok := c.liveBrokers[id]
	return ok && !c.shuttingDown[id]
}

// isReplicaOnline is ControllerContext.isReplicaOnline.
func (c *controllerContext) isReplicaOnline(broker int32, tp TopicPartition) bool {
	return c.isLive(broker) && !c.offlineDirs[broker][tp]
}

// ---- topics and partitions ----

func sortedTopics(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for t := range m {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

func sortTPs(tps []TopicPartition) []TopicPartition {
	slices.SortFunc(tps, func(a, b TopicPartition) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return int(a.Partition) - int(b.Partition)
	})
	return tps
}

func (c *controllerContext) assignment(tp TopicPartition) zkdata.ReplicaAssignment {
	return c.assignments[tp.Topic][tp.Partition]
}

func (c *controllerContext) replicas(tp TopicPartition) []int32 { return c.assignment(tp).Replicas }

func (c *controllerContext) setAssignment(tp TopicPartition, a zkdata.ReplicaAssignment) {
	m := c.assignments[tp.Topic]
	if m == nil {
		m = map[int32]zkdata.ReplicaAssignment{}
		c.assignments[tp.Topic] = m
	}
	m[tp.Partition] = a
}

func (c *controllerContext) partitionsForTopic(topic string) []TopicPartition {
	out := make([]TopicPartition, 0, len(c.assignments[topic]))
	for p := range c.assignments[topic] {
		out = append(out, TopicPartition{Topic: topic, Partition: p})
	}
	return sortTPs(out)
}

func (c *controllerContext) allPartitions() []TopicPartition {
	var out []TopicPartition
	for t, ps := range c.assignments {
		for p := range ps {
			out = append(out, TopicPartition{Topic: t, Partition: p})
		}
	}
	return sortTPs(out)
}

func (c *controllerContext) replicasForPartitions(tps []TopicPartition) []partitionReplica {
	var out []partitionReplica
	for _, tp := range tps {
		for _, r := range c.replicas(tp) {
			out = append(out, partitionReplica{tp, r})
		}
	}
	return out
}

func (c *controllerContext) replicasForTopic(topic string) []partitionReplica {
	return c.replicasForPartitions(c.partitionsForTopic(topic))
}

func (c *controllerContext) replicasOnBrokers(brokers []int32) []partitionReplica {
	var out []partitionReplica
	for _, tp := range c.allPartitions() {
		for _, r := range c.replicas(tp) {
			if slices.Contains(brokers, r) {
				out = append(out, partitionReplica{tp, r})
			}
		}
	}
	return out
}

func (c *controllerContext) removeTopic(topic string) {
	for _, tp := range c.partitionsForTopic(topic) {
		delete(c.leadership, tp)
		delete(c.partitionStates, tp)
		for _, r := range c.replicas(tp) {
			delete(c.replicaStates, partitionReplica{tp, r})
		}
	}
	delete(c.assignments, topic)
	delete(c.allTopics, topic)
	delete(c.topicIDs, topic)
	delete(c.topicsToBeDeleted, topic)
	delete(c.topicsWithDeletionStarted, topic)
	delete(c.topicsIneligibleForDeletion, topic)
}

func (c *controllerContext) isTopicQueuedForDeletion(topic string) bool {
	return c.topicsToBeDeleted[topic]
}

// partitionsWithOfflineLeader are the partitions not being deleted whose
// leader is not online.
func (c *controllerContext) partitionsWithOfflineLeader() []TopicPartition {
	var out []TopicPartition
	for tp, l := range c.leadership {
		if !c.isReplicaOnline(l.Leader, tp) && !c.isTopicQueuedForDeletion(tp.Topic) {
			out = append(out, tp)
		}
	}
	return sortTPs(out)
}

// partitionsWithLeaders are the partitions with a state znode, less those
// of topics being deleted.
func (c *controllerContext) partitionsWithLeaders() []TopicPartition {
	var out []TopicPartition
	for tp := range c.leadership {
		if !c.isTopicQueuedForDeletion(tp.Topic) {
			out = append(out, tp)
		}
	}
	return sortTPs(out)
}

func (c *controllerContext) partitionsInStates(states ...partitionState) []TopicPartition {
	var out []TopicPartition
	for tp, s := range c.partitionStates {
		if slices.Contains(states, s) {
			out = append(out, tp)
		}
	}
	return sortTPs(out)
}

func (c *controllerContext) replicasInState(topic string, s replicaState) []partitionReplica {
	var out []partitionReplica
	for _, r := range c.replicasForTopic(topic) {
		if c.replicaStates[r] == s {
			out = append(out, r)
		}
	}
	return out
}

func (c *controllerContext) areAllReplicasInState(topic string, s replicaState) bool {
	for _, r := range c.replicasForTopic(topic) {
		if c.replicaStates[r] != s {
			return false
		}
	}
	return true
}

func (c *controllerContext) isAnyReplicaInState(topic string, s replicaState) bool {
	for _, r := range c.replicasForTopic(topic) {
		if c.replicaStates[r] == s {
			return true
		}
	}
	return false
}

// Stats are the controller's gauges (kafka.controller:type=KafkaController).
type Stats struct {
	Active                     bool
	OfflinePartitions          int
	PreferredReplicaImbalance  int
	GlobalTopics               int
	GlobalPartitions           int
	TopicsToDelete             int
	ReplicasToDelete           int
	TopicsIneligibleToDelete   int
	ReplicasIneligibleToDelete int
}

func (c *controllerContext) stats() Stats {
	s := Stats{Active: true, GlobalTopics: len(c.allTopics), GlobalPartitions: len(c.leadership),
		TopicsToDelete: len(c.topicsToBeDeleted), TopicsIneligibleToDelete: len(c.topicsIneligibleForDeletion)}
	for tp, st := range c.partitionStates {
		if st == offlinePartition && !c.topicsWithDeletionStarted[tp.Topic] {
			s.OfflinePartitions++
		}
	}
	for tp, l := range c.leadership {
		if c.isTopicQueuedForDeletion(tp.Topic) {
			continue
		}
		if a := c.assignment(tp); len(a.Replicas) > 0 && l.Leader != a.Replicas[0] {
			s.PreferredReplicaImbalance++
		}
	}
	for t := range c.topicsToBeDeleted {
		for _, r := range c.replicasForTopic(t) {
			switch c.replicaStates[r] {
			case replicaDeletionSuccessful:
			case replicaDeletionIneligible:
				s.ReplicasIneligibleToDelete++
				s.ReplicasToDelete++
			default:
				s.ReplicasToDelete++
			}
		}
	}
	return s
}
