package controller

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// Request versions a Kafka 2.8 controller (inter.broker.protocol.version
// 2.8) sends.
const (
	LeaderAndIsrVersion   = 5
	UpdateMetadataVersion = 7
	StopReplicaVersion    = 3
)

type stopState struct {
	leaderEpoch int32
	delete      bool
}

// requestBatch collects the control requests of one state change and
// builds them per broker (ControllerBrokerRequestBatch). It is pure: the
// caller sends what build returns.
type requestBatch struct {
	cc                  *controllerContext
	controllerID        int32
	interBrokerListener string

	leaderAndIsr map[int32]map[TopicPartition]kmsg.LeaderAndISRRequestTopicPartition
	stopReplica  map[int32]map[TopicPartition]stopState
	umBrokers    map[int32]bool
	umPartitions map[TopicPartition]kmsg.UpdateMetadataRequestTopicPartition
}

func newBatch(cc *controllerContext, controllerID int32, listener string) *requestBatch {
	b := &requestBatch{cc: cc, controllerID: controllerID, interBrokerListener: listener}
	b.clear()
	return b
}

func (b *requestBatch) clear() {
	b.leaderAndIsr = map[int32]map[TopicPartition]kmsg.LeaderAndISRRequestTopicPartition{}
	b.stopReplica = map[int32]map[TopicPartition]stopState{}
	b.umBrokers = map[int32]bool{}
	b.umPartitions = map[TopicPartition]kmsg.UpdateMetadataRequestTopicPartition{}
}

func (b *requestBatch) empty() bool {
	return len(b.leaderAndIsr) == 0 && len(b.stopReplica) == 0 && len(b.umBrokers) == 0
}

// addLeaderAndIsr is addLeaderAndIsrRequestForBrokers; it also queues the
// partition's metadata for every live broker.
func (b *requestBatch) addLeaderAndIsr(brokers []int32, tp TopicPartition, st zkdata.PartitionState, a zkdata.ReplicaAssignment, isNew bool) {
	for _, id := range brokers {
		if id < 0 {
			continue
		}
		m := b.leaderAndIsr[id]
		if m == nil {
			m = map[TopicPartition]kmsg.LeaderAndISRRequestTopicPartition{}
			b.leaderAndIsr[id] = m
		}
		alreadyNew := m[tp].IsNew
		p := kmsg.NewLeaderAndISRRequestTopicPartition()
		p.Topic = tp.Topic
		p.Partition = tp.Partition
		p.ControllerEpoch = st.ControllerEpoch
		p.Leader = st.Leader
		p.LeaderEpoch = st.LeaderEpoch
		p.ISR = slices.Clone(st.ISR)
		p.ZKVersion = st.ZkVersion
		p.Replicas = slices.Clone(a.Replicas)
		p.AddingReplicas = nonNil(a.Adding)
		p.RemovingReplicas = nonNil(a.Removing)
		p.IsNew = isNew || alreadyNew
		m[tp] = p
	}
	b.addUpdateMetadata(b.cc.liveOrShuttingDownBrokerIDs(), []TopicPartition{tp})
}

func nonNil(s []int32) []int32 {
	if s == nil {
		return []int32{}
	}
	return slices.Clone(s)
}

// addStopReplica is addStopReplicaRequestForBrokers.
func (b *requestBatch) addStopReplica(brokers []int32, tp TopicPartition, deletePartition bool) {
	epoch := zkdata.NoEpoch
	if b.cc.isTopicQueuedForDeletion(tp.Topic) {
		epoch = zkdata.EpochDuringDelete
	} else if l, ok := b.cc.leadership[tp]; ok {
		epoch = l.LeaderEpoch
	}
	for _, id := range brokers {
		if id < 0 {
			continue
		}
		m := b.stopReplica[id]
		if m == nil {
			m = map[TopicPartition]stopState{}
			b.stopReplica[id] = m
		}
		m[tp] = stopState{leaderEpoch: epoch, delete: m[tp].delete || deletePartition}
	}
}

// addUpdateMetadata is addUpdateMetadataRequestForBrokers: partitions of a
// topic being deleted are sent with leader -2 so that brokers drop them.
func (b *requestBatch) addUpdateMetadata(brokers []int32, tps []TopicPartition) {
	for _, id := range brokers {
		if id >= 0 {
			b.umBrokers[id] = true
		}
	}
	for _, tp := range tps {
		l, ok := b.cc.leadership[tp]
		if !ok {
			continue // leader not yet assigned
		}
		replicas := b.cc.replicas(tp)
		offline := []int32{}
		for _, r := range replicas {
			if !b.cc.isReplicaOnline(r, tp) {
				offline = append(offline, r)
			}
		}
		p := kmsg.NewUpdateMetadataRequestTopicPartition()
		p.Topic = tp.Topic
		p.Partition = tp.Partition
		p.ControllerEpoch = l.ControllerEpoch
		p.Leader = l.Leader
		p.LeaderEpoch = l.LeaderEpoch
		p.ZKVersion = l.ZkVersion
		if b.cc.topicsToBeDeleted[tp.Topic] {
			p.Leader = zkdata.LeaderDuringDelete // LeaderAndIsr.duringDelete
			p.LeaderEpoch = zkdata.InitialLeaderEpoch
			p.ZKVersion = 0
		}
		p.ISR = slices.Clone(l.ISR)
		p.Replicas = slices.Clone(replicas)
		p.OfflineReplicas = offline
		b.umPartitions[tp] = p
	}
}

// outgoing is one request for one broker.
type outgoing struct {
	broker int32
	req    kmsg.Request
}

// build turns the batch into requests, LeaderAndIsr first, then
// UpdateMetadata, then StopReplica (sendRequestsToBrokers), for live
// brokers only, and empties the batch.
func (b *requestBatch) build() []outgoing {
	defer b.clear()
	var out []outgoing
	live := b.cc.liveBrokers
	for _, id := range sortedKeys(b.leaderAndIsr) {
		lb, ok := live[id]
		if !ok {
			continue
		}
		states := b.leaderAndIsr[id]
		req := kmsg.NewPtrLeaderAndISRRequest()
		req.Version = LeaderAndIsrVersion
		req.ControllerID = b.controllerID
		req.ControllerEpoch = b.cc.epoch
		req.BrokerEpoch = lb.epoch
		leaders := map[int32]bool{}
		byTopic := map[string]*kmsg.LeaderAndISRRequestTopicState{}
		var topics []string
		for _, tp := range sortTPs(mapKeys(states)) {
			p := states[tp]
			leaders[p.Leader] = true
			ts := byTopic[tp.Topic]
			if ts == nil {
				t := kmsg.NewLeaderAndISRRequestTopicState()
				t.Topic = tp.Topic
				t.TopicID = b.cc.topicIDs[tp.Topic]
				ts = &t
				byTopic[tp.Topic] = ts
				topics = append(topics, tp.Topic)
			}
			ts.PartitionStates = append(ts.PartitionStates, p)
		}
		for _, t := range topics {
			req.TopicStates = append(req.TopicStates, *byTopic[t])
		}
		for _, lid := range sortedKeys(leaders) {
			if l, ok := live[lid]; ok {
				e := b.endpoint(l.info)
				ll := kmsg.NewLeaderAndISRRequestLiveLeader()
				ll.BrokerID, ll.Host, ll.Port = lid, e.Host, e.Port
				req.LiveLeaders = append(req.LiveLeaders, ll)
			}
		}
		out = append(out, outgoing{id, req})
	}
	if len(b.umBrokers) > 0 {
		var liveBrokers []kmsg.UpdateMetadataRequestLiveBroker
		for _, id := range b.cc.liveOrShuttingDownBrokerIDs() {
			info := live[id].info
			lb := kmsg.NewUpdateMetadataRequestLiveBroker()
			lb.ID = id
			lb.Rack = info.Rack
			for _, e := range info.EndPoints {
				ep := kmsg.NewUpdateMetadataRequestLiveBrokerEndpoint()
				ep.Host, ep.Port, ep.ListenerName = e.Host, e.Port, e.Listener
				ep.SecurityProtocol = zkdata.SecurityProtocolID(e.SecurityProtocol)
				lb.Endpoints = append(lb.Endpoints, ep)
			}
			liveBrokers = append(liveBrokers, lb)
		}
		byTopic := map[string]*kmsg.UpdateMetadataRequestTopicState{}
		var topics []string
		for _, tp := range sortTPs(mapKeys(b.umPartitions)) {
			ts := byTopic[tp.Topic]
			if ts == nil {
				t := kmsg.NewUpdateMetadataRequestTopicState()
				t.Topic = tp.Topic
				t.TopicID = b.cc.topicIDs[tp.Topic]
				ts = &t
				byTopic[tp.Topic] = ts
				topics = append(topics, tp.Topic)
			}
			ts.PartitionStates = append(ts.PartitionStates, b.umPartitions[tp])
		}
		for _, id := range sortedKeys(b.umBrokers) {
			lb, ok := live[id]
			if !ok {
				continue
			}
			req := kmsg.NewPtrUpdateMetadataRequest()
			req.Version = UpdateMetadataVersion
			req.ControllerID = b.controllerID
			req.ControllerEpoch = b.cc.epoch
			req.BrokerEpoch = lb.epoch
			req.LiveBrokers = liveBrokers
			for _, t := range topics {
				req.TopicStates = append(req.TopicStates, *byTopic[t])
			}
			out = append(out, outgoing{id, req})
		}
	}
	for _, id := range sortedKeys(b.stopReplica) {
		lb, ok := live[id]
		if !ok {
			continue
		}
		req := kmsg.NewPtrStopReplicaRequest()
		req.Version = StopReplicaVersion
		req.ControllerID = b.controllerID
		req.ControllerEpoch = b.cc.epoch
		req.BrokerEpoch = lb.epoch
		states := b.stopReplica[id]
		idx := map[string]int{}
		for _, tp := range sortTPs(mapKeys(states)) {
			i, ok := idx[tp.Topic]
			if !ok {
				t := kmsg.NewStopReplicaRequestTopic()
				t.Topic = tp.Topic
				req.Topics = append(req.Topics, t)
				i = len(req.Topics) - 1
				idx[tp.Topic] = i
			}
			s := kmsg.NewStopReplicaRequestTopicPartitionState()
			s.Partition, s.LeaderEpoch, s.Delete = tp.Partition, states[tp].leaderEpoch, states[tp].delete
			req.Topics[i].PartitionStates = append(req.Topics[i].PartitionStates, s)
		}
		out = append(out, outgoing{id, req})
	}
	return out
}

// endpoint is the broker's endpoint on the inter-broker listener (its
// first one if it has none by that name).
func (b *requestBatch) endpoint(info zkdata.BrokerInfo) zkdata.EndPoint {
	if e, ok := info.EndPoint(b.interBrokerListener); ok {
		return e
	}
	if len(info.EndPoints) > 0 {
		return info.EndPoints[0]
	}
	return zkdata.EndPoint{Port: -1}
}

func mapKeys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sortedKeys[V any](m map[int32]V) []int32 {
	out := mapKeys(m)
	slices.Sort(out)
	return out
}
