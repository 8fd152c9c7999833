package zkdata

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// TopicPartition names one partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

func (tp TopicPartition) String() string { return tp.Topic + "-" + strconv.Itoa(int(tp.Partition)) }

// ReplicaAssignment is a partition's replicas, with the replicas being
// added and removed by a reassignment in progress (ReplicaAssignment).
type ReplicaAssignment struct {
	Replicas []int32
	Adding   []int32
	Removing []int32
}

// BeingReassigned reports whether a reassignment is in progress.
func (a ReplicaAssignment) BeingReassigned() bool { return len(a.Adding) > 0 || len(a.Removing) > 0 }

// TargetReplicas are the replicas once the reassignment completes.
func (a ReplicaAssignment) TargetReplicas() []int32 {
	return slices.DeleteFunc(slices.Clone(a.Replicas), func(r int32) bool { return slices.Contains(a.Removing, r) })
}

// TopicAssignment is /brokers/topics/<topic>: the topic id and each
// partition's replica assignment.
type TopicAssignment struct {
	Topic      string
	TopicID    UUID // ZeroUUID: the znode has no topic_id (pre-2.8 writers)
	Partitions map[int32]ReplicaAssignment
}

// PartitionIDs lists the partitions in ascending order.
func (t TopicAssignment) PartitionIDs() []int32 {
	ids := make([]int32, 0, len(t.Partitions))
	for p := range t.Partitions {
		ids = append(ids, p)
	}
	slices.Sort(ids)
	return ids
}

// EncodeTopic is TopicZNode.encode (version 3). With Scala212, partitions
// sharing a hash bucket are listed as if inserted in ascending order;
// Kafka inserts them in its own map's order, so such pairs may differ.
func (f Flavor) EncodeTopic(t TopicAssignment) []byte {
	ids := t.PartitionIDs()
	var names []string
	var adding, removing []string
	for _, p := range ids {
		s := strconv.Itoa(int(p))
		names = append(names, s)
		if len(t.Partitions[p].Adding) > 0 {
			adding = append(adding, s)
		}
		if len(t.Partitions[p].Removing) > 0 {
			removing = append(removing, s)
		}
	}
	replicasOf := func(which func(ReplicaAssignment) []int32) func(string) []int32 {
		return func(s string) []int32 {
			p, _ := strconv.Atoi(s)
			return which(t.Partitions[int32(p)])
		}
	}
	sub := func(keys []string, get func(string) []int32) func(*jsonWriter) {
		order := f.mutableMapOrder(keys, 0)
		return func(w *jsonWriter) { w.object(order, func(k string) { w.ints(get(k)) }) }
	}
	var o fields
	o.addInt("version", 3)
	o.add("partitions", sub(names, replicasOf(func(a ReplicaAssignment) []int32 { return a.Replicas })))
	o.add("adding_replicas", sub(adding, replicasOf(func(a ReplicaAssignment) []int32 { return a.Adding })))
	o.add("removing_replicas", sub(removing, replicasOf(func(a ReplicaAssignment) []int32 { return a.Removing })))
	if !t.TopicID.IsZero() {
		o.addStr("topic_id", t.TopicID.String())
	}
	var w jsonWriter
	w.fields(f.mutableMapOrder(o.keys, 4), &o)
	return w.b
}

// DecodeTopic is TopicZNode.decode; it reads versions 1 to 3.
func DecodeTopic(topic string, data []byte) (TopicAssignment, error) {
	t := TopicAssignment{Topic: topic, Partitions: map[int32]ReplicaAssignment{}}
	fail := func(err error) (TopicAssignment, error) {
		return TopicAssignment{}, decodeErr("topic "+topic, data, err)
	}
	o, err := parseObject(data)
	if err != nil {
		return fail(err)
	}
	if o.has("topic_id") {
		s, err := o.strField("topic_id")
		if err != nil {
			return fail(err)
		}
		if t.TopicID, err = ParseUUID(s); err != nil {
			return fail(err)
		}
	}
	parts, err := o.objField("partitions")
	if err != nil {
		return fail(err)
	}
	adding, err := o.objField("adding_replicas")
	if err != nil {
		return fail(err)
	}
	removing, err := o.objField("removing_replicas")
	if err != nil {
		return fail(err)
	}
	for key, raw := range parts {
		p, err := strconv.ParseInt(key, 10, 32)
		if err != nil {
			return fail(fmt.Errorf("bad partition %q", key))
		}
		var a ReplicaAssignment
		if a.Replicas, err = rawInts(raw); err != nil {
			return fail(err)
		}
		if r, ok := adding[key]; ok {
			if a.Adding, err = rawInts(r); err != nil {
				return fail(err)
			}
		}
		if r, ok := removing[key]; ok {
			if a.Removing, err = rawInts(r); err != nil {
				return fail(err)
			}
		}
		t.Partitions[int32(p)] = a
	}
	return t, nil
}

// Leader and epoch sentinels (kafka.api.LeaderAndIsr).
const (
	NoLeader           int32 = -1
	NoEpoch            int32 = -1
	LeaderDuringDelete int32 = -2
	EpochDuringDelete  int32 = -2
	InitialLeaderEpoch int32 = 0
)

// LeaderAndIsr is a partition's leader, leader epoch and ISR, with the
// zkVersion of the state znode it was read from or written to.
type LeaderAndIsr struct {
	Leader      int32
	LeaderEpoch int32
	ISR         []int32
	ZkVersion   int32
}

// NewLeaderAndIsr is LeaderAndIsr.newLeaderAndIsr: the next leader epoch.
func (l LeaderAndIsr) NewLeaderAndIsr(leader int32, isr []int32) LeaderAndIsr {
	return LeaderAndIsr{Leader: leader, LeaderEpoch: l.LeaderEpoch + 1, ISR: isr, ZkVersion: l.ZkVersion}
}

// PartitionState is /brokers/topics/<t>/partitions/<p>/state
// (LeaderIsrAndControllerEpoch).
type PartitionState struct {
	LeaderAndIsr
	ControllerEpoch int32
}

// EncodePartitionState is TopicPartitionStateZNode.encode.
func (f Flavor) EncodePartitionState(s PartitionState) []byte {
	var o fields
	o.addInt("version", 1)
	o.addInt("leader", int64(s.Leader))
	o.addInt("leader_epoch", int64(s.LeaderEpoch))
	o.addInt("controller_epoch", int64(s.ControllerEpoch))
	isr := s.ISR
	o.add("isr", func(w *jsonWriter) { w.ints(isr) })
	var w jsonWriter
	w.fields(f.immutableMapOrder(o.keys), &o)
	return w.b
}

// DecodePartitionState is TopicPartitionStateZNode.decode; zkVersion is the
// znode's Stat version.
func DecodePartitionState(data []byte, zkVersion int32) (PartitionState, error) {
	fail := func(err error) (PartitionState, error) {
		return PartitionState{}, decodeErr("partition state", data, err)
	}
	o, err := parseObject(data)
	if err != nil {
		return fail(err)
	}
	var s PartitionState
	s.ZkVersion = zkVersion
	if s.Leader, err = o.intField("leader"); err != nil {
		return fail(err)
	}
	if s.LeaderEpoch, err = o.intField("leader_epoch"); err != nil {
		return fail(err)
	}
	if s.ControllerEpoch, err = o.intField("controller_epoch"); err != nil {
		return fail(err)
	}
	raw, ok := o["isr"]
	if !ok {
		return fail(fmt.Errorf("no isr"))
	}
	if s.ISR, err = rawInts(raw); err != nil {
		return fail(err)
	}
	return s, nil
}

// partitionsJSON writes [{"topic":t,"partition":p},...], the list
// notifications and preferred elections carry.
func partitionsJSON(w *jsonWriter, parts []TopicPartition) {
	w.b = append(w.b, '[')
	for i, tp := range parts {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.object([]string{"topic", "partition"}, func(k string) {
			if k == "topic" {
				w.str(tp.Topic)
			} else {
				w.int(int64(tp.Partition))
			}
		})
	}
	w.b = append(w.b, ']')
}

// decodePartitionList reads {"partitions":[{"topic":..,"partition":..}]}.
func decodePartitionList(what string, data []byte) ([]TopicPartition, error) {
	o, err := parseObject(data)
	if err != nil {
		return nil, decodeErr(what, data, err)
	}
	var list []struct {
		Topic     *string      `json:"topic"`
		Partition *json.Number `json:"partition"`
	}
	if err := json.Unmarshal(o["partitions"], &list); err != nil {
		return nil, decodeErr(what, data, err)
	}
	out := make([]TopicPartition, 0, len(list))
	for _, e := range list {
		if e.Topic == nil || e.Partition == nil {
			return nil, decodeErr(what, data, fmt.Errorf("missing topic or partition"))
		}
		p, err := strconv.ParseInt(e.Partition.String(), 10, 32)
		if err != nil {
			return nil, decodeErr(what, data, err)
		}
		out = append(out, TopicPartition{*e.Topic, int32(p)})
	}
	return out, nil
}
