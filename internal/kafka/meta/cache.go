package meta

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// Endpoint is one listener of a live broker.
type Endpoint struct {
	Listener         string
	Host             string
	Port             int32
	SecurityProtocol int16
}

// Broker is a live broker as the controller last described it.
type Broker struct {
	ID        int32
	Rack      *string
	Endpoints []Endpoint
}

// Endpoint returns the broker's endpoint for a listener.
func (b *Broker) Endpoint(listener string) (Endpoint, bool) {
	for _, e := range b.Endpoints {
		if e.Listener == listener {
			return e, true
		}
	}
	return Endpoint{}, false
}

// Partition is one partition's state (UpdateMetadataPartitionState).
type Partition struct {
	Topic           string
	Partition       int32
	ControllerEpoch int32
	Leader          int32 // zkdata.NoLeader (-1) when offline
	LeaderEpoch     int32
	ISR             []int32
	ZkVersion       int32
	Replicas        []int32
	OfflineReplicas []int32
}

// Topic is a topic and its partitions, by ascending partition id.
type Topic struct {
	Name       string
	ID         zkdata.UUID // zero when the controller sent none
	Internal   bool
	Partitions []*Partition
}

// Partition returns partition p of the topic.
func (t *Topic) Partition(p int32) (*Partition, bool) {
	i, ok := slices.BinarySearchFunc(t.Partitions, p, func(x *Partition, p int32) int { return int(x.Partition) - int(p) })
	if !ok {
		return nil, false
	}
	return t.Partitions[i], true
}

// Internal topic names (org.apache.kafka.common.internals.Topic).
const (
	GroupMetadataTopic    = "__consumer_offsets"
	TransactionStateTopic = "__transaction_state"
)

// IsInternal is Topic.isInternal.
func IsInternal(topic string) bool {
	return topic == GroupMetadataTopic || topic == TransactionStateTopic
}

// Snapshot is one immutable state of the cache. Everything reachable from
// it is read-only: callers must not modify brokers, topics or partitions.
type Snapshot struct {
	clusterID    string
	controllerID int32
	brokers      map[int32]*Broker
	brokerIDs    []int32 // ascending
	topics       map[string]*Topic
	topicIDs     map[zkdata.UUID]*Topic
	names        []string // ascending
}

var emptySnapshot = &Snapshot{controllerID: -1, brokers: map[int32]*Broker{}, topics: map[string]*Topic{}, topicIDs: map[zkdata.UUID]*Topic{}}

// Cache is the broker's metadata cache (Kafka's ZkMetadataCache), fed by
// the controller's UpdateMetadata requests. Readers take a Snapshot (one
// atomic load) and read it without locks; UpdateMetadata builds the next
// snapshot, sharing every topic it does not touch, and publishes it.
type Cache struct {
	brokerID int32
	mu       sync.Mutex // serializes writers
	snap     atomic.Pointer[Snapshot]
}

// New returns an empty cache for the broker brokerID.
func New(brokerID int32) *Cache {
	c := &Cache{brokerID: brokerID}
	c.snap.Store(emptySnapshot)
	return c
}

// Snapshot returns the current state. Hold on to it for the whole of a
// request, so that every answer comes from the same state.
func (c *Cache) Snapshot() *Snapshot { return c.snap.Load() }

// SetClusterID records the cluster id (from /cluster/id), which
// UpdateMetadata does not carry.
func (c *Cache) SetClusterID(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := *c.snap.Load()
	s.clusterID = id
	c.snap.Store(&s)
}

// UpdateMetadata applies an UpdateMetadata request of any version
// (MetadataCache.updateMetadata): the live brokers and the controller are
// replaced; partition states are upserted, and a state whose leader is
// zkdata.LeaderDuringDelete removes its partition (and the topic with its
// last partition). It returns the partitions removed.
func (c *Cache) UpdateMetadata(req *kmsg.UpdateMetadataRequest) []zkdata.TopicPartition {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.snap.Load()
	next := &Snapshot{
		clusterID:    old.clusterID,
		controllerID: -1,
		brokers:      make(map[int32]*Broker, len(req.LiveBrokers)),
		topics:       old.topics,
		topicIDs:     old.topicIDs,
		names:        old.names,
	}
	if req.ControllerID >= 0 {
		next.controllerID = req.ControllerID
	}
	for _, lb := range req.LiveBrokers {
		b := &Broker{ID: lb.ID, Rack: lb.Rack}
		if req.Version == 0 {
			b.Endpoints = []Endpoint{{Listener: "PLAINTEXT", Host: lb.Host, Port: lb.Port, SecurityProtocol: 0}}
		}
		for _, e := range lb.Endpoints {
			listener := e.ListenerName
			if req.Version < 3 { // before v3 the listener is named after its protocol
				listener = zkdata.SecurityProtocolName(e.SecurityProtocol)
			}
			b.Endpoints = append(b.Endpoints, Endpoint{Listener: listener, Host: e.Host, Port: e.Port, SecurityProtocol: e.SecurityProtocol})
		}
		next.brokers[b.ID] = b
		next.brokerIDs = append(next.brokerIDs, b.ID)
	}
	slices.Sort(next.brokerIDs)

	// Group the partition states by topic, with each topic's id.
	type change struct {
		id     zkdata.UUID
		states []kmsg.UpdateMetadataRequestTopicPartition
	}
	changes := map[string]*change{}
	var order []string
	add := func(topic string, id zkdata.UUID, ps ...kmsg.UpdateMetadataRequestTopicPartition) {
		ch := changes[topic]
		if ch == nil {
			ch = &change{}
			changes[topic] = ch
			order = append(order, topic)
		}
		if id != zkdata.ZeroUUID {
			ch.id = id
		}
		ch.states = append(ch.states, ps...)
	}
	for _, p := range req.PartitionStates { // v0-v4
		add(p.Topic, zkdata.ZeroUUID, p)
	}
	for _, ts := range req.TopicStates { // v5+
		add(ts.Topic, zkdata.UUID(ts.TopicID), ts.PartitionStates...)
	}
	if len(order) == 0 {
		c.snap.Store(next)
		return nil
	}

	next.topics = make(map[string]*Topic, len(old.topics)+len(order))
	for k, v := range old.topics {
		next.topics[k] = v
	}
	var deleted []zkdata.TopicPartition
	namesChanged := false
	for _, name := range order {
		ch := changes[name]
		prev := next.topics[name]
		t := &Topic{Name: name, Internal: IsInternal(name)}
		if prev != nil {
			t.ID = prev.ID
			t.Partitions = slices.Clone(prev.Partitions)
		}
		if ch.id != zkdata.ZeroUUID {
			t.ID = ch.id
		}
		for _, st := range ch.states {
			i, found := slices.BinarySearchFunc(t.Partitions, st.Partition, func(x *Partition, p int32) int { return int(x.Partition) - int(p) })
			if st.Leader == zkdata.LeaderDuringDelete {
				if found {
					t.Partitions = slices.Delete(t.Partitions, i, i+1)
				}
				deleted = append(deleted, zkdata.TopicPartition{Topic: name, Partition: st.Partition})
				continue
			}
			p := &Partition{Topic: name, Partition: st.Partition, ControllerEpoch: st.ControllerEpoch, Leader: st.Leader,
				LeaderEpoch: st.LeaderEpoch, ISR: st.ISR, ZkVersion: st.ZKVersion, Replicas: st.Replicas, OfflineReplicas: st.OfflineReplicas}
			if found {
				t.Partitions[i] = p
			} else {
				t.Partitions = slices.Insert(t.Partitions, i, p)
			}
		}
		if len(t.Partitions) == 0 {
			if prev != nil {
				delete(next.topics, name)
				namesChanged = true
			}
			continue
		}
		if prev == nil {
			namesChanged = true
		}
		next.topics[name] = t
	}
	if namesChanged {
		next.names = make([]string, 0, len(next.topics))
		for n := range next.topics {
			next.names = append(next.names, n)
		}
		slices.Sort(next.names)
	}
	next.topicIDs = make(map[zkdata.UUID]*Topic, len(next.topics))
	for _, t := range next.topics {
		if !t.ID.IsZero() {
			next.topicIDs[t.ID] = t
		}
	}
	c.snap.Store(next)
	return deleted
}
