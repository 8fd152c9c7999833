package group

import (
	"maps"
	"slices"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

// The records a consumer group writes, as Kafka 3.9's
// CoordinatorRecordHelpers builds them. Unlike a classic group's, every one
// of them is replayed into the live shard: the shard changes only by
// replaying what it writes, so a shard loaded from the log equals it.

func memberSubscriptionRecord(group string, m *consumerMember) Record {
	return records.NewMemberSubscription(group, m.id, records.ConsumerGroupMemberMetadataValue{
		InstanceID:            m.instanceID,
		RackID:                m.rackID,
		ClientID:              m.clientID,
		ClientHost:            m.clientHost,
		SubscribedTopicNames:  nonNilStrings(m.topicNames),
		SubscribedTopicRegex:  m.regex,
		RebalanceTimeoutMs:    m.rebalanceTimeoutMs,
		ServerAssignor:        m.assignor,
		ClassicMemberMetadata: m.classic,
	})
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func currentAssignmentRecord(group string, m *consumerMember) Record {
	return records.NewCurrentAssignment(group, m.id, records.ConsumerGroupCurrentMemberAssignmentValue{
		MemberEpoch:                 m.epoch,
		PreviousMemberEpoch:         m.prevEpoch,
		State:                       m.state,
		AssignedPartitions:          nonNilTPs(records.TopicPartitionsOf(m.assigned)),
		PartitionsPendingRevocation: nonNilTPs(records.TopicPartitionsOf(m.revoking)),
	})
}

func nonNilTPs(tps []records.TopicPartitions) []records.TopicPartitions {
	if tps == nil {
		return []records.TopicPartitions{}
	}
	return tps
}

func targetAssignmentRecord(group, member string, a partitionSet) Record {
	r := records.NewTargetAssignment(group, member, a)
	v := r.Value.(records.ConsumerGroupTargetAssignmentMemberValue)
	v.TopicPartitions = nonNilTPs(v.TopicPartitions)
	r.Value = v
	return r
}

func subscriptionMetadataRecord(group string, md map[string]topicMeta) Record {
	topics := make([]records.TopicMetadata, 0, len(md))
	for _, name := range slices.Sorted(maps.Keys(md)) {
		t := md[name]
		topics = append(topics, records.TopicMetadata{
			TopicID: t.id, TopicName: name, NumPartitions: t.partitions,
			PartitionMetadata: []records.PartitionMetadata{},
		})
	}
	return records.NewGroupSubscriptionMetadata(group, topics)
}

// memberTombstones remove a member, in Kafka's order: the current
// assignment (which marks it as leaving), its target, its subscription.
func memberTombstones(group, member string) []Record {
	return []Record{
		records.NewCurrentAssignmentTombstone(group, member),
		records.NewTargetAssignmentTombstone(group, member),
		records.NewMemberSubscriptionTombstone(group, member),
	}
}

// consumerGroupTombstones delete a consumer group (ConsumerGroup's
// createGroupTombstoneRecords).
func consumerGroupTombstones(g *consumerGroup) []Record {
	ids := g.memberIDs()
	var out []Record
	for _, id := range ids {
		out = append(out, records.NewCurrentAssignmentTombstone(g.id, id))
	}
	for _, id := range ids {
		out = append(out, records.NewTargetAssignmentTombstone(g.id, id))
	}
	out = append(out, records.NewTargetAssignmentEpochTombstone(g.id))
	for _, id := range ids {
		out = append(out, records.NewMemberSubscriptionTombstone(g.id, id))
	}
	return append(out,
		records.NewGroupSubscriptionMetadataTombstone(g.id),
		records.NewGroupEpochTombstone(g.id))
}

// groupTombstones are the records that delete a group of either type.
func groupTombstones(g Group) []Record {
	if cg, ok := g.(*consumerGroup); ok {
		return consumerGroupTombstones(cg)
	}
	return []Record{groupMetadataTombstone(g.ID())}
}

// replayConsumerGroup returns the consumer group a record applies to,
// creating it when create is set. A placeholder classic group (empty: the
// one offset commits create) gives way to it; a live classic group does
// not, and the record is refused (nil).
func (s *Shard) replayConsumerGroup(id string, create bool) *consumerGroup {
	switch g := s.groups[id].(type) {
	case *consumerGroup:
		return g
	case nil:
	case *classicGroup:
		if !g.IsEmpty() {
			return nil
		}
	default:
		return nil
	}
	if !create {
		return nil
	}
	g := newConsumerGroup(id)
	s.groups[id] = g
	return g
}

// replayConsumer applies one KIP-848 record, whose value (if any) Replay
// has checked is of its key's kind. Kafka asserts the order its own writes
// follow (a member's current assignment after its subscription,
// tombstones after the member left); a log that compaction rewrote need
// not keep it, so this creates what a record refers to and ignores
// tombstones of what it does not hold. ok is false for a record about a
// group id a live classic group holds.
func (s *Shard) replayConsumer(rec Record) (ok bool) {
	isValue := rec.Value != nil
	g := s.replayConsumerGroup(consumerGroupID(rec.Key), isValue)
	if g == nil {
		return !isValue
	}
	switch k := rec.Key.(type) {
	case records.ConsumerGroupMetadataKey:
		if v, isValue := rec.Value.(records.ConsumerGroupMetadataValue); isValue {
			g.setEpoch(v.Epoch)
		} else {
			delete(s.groups, k.GroupID)
		}
	case records.ConsumerGroupPartitionMetadataKey:
		v, _ := rec.Value.(records.ConsumerGroupPartitionMetadataValue)
		g.metadata = map[string]topicMeta{}
		for _, t := range v.Topics {
			g.metadata[t.TopicName] = topicMeta{id: t.TopicID, partitions: t.NumPartitions}
		}
	case records.ConsumerGroupMemberMetadataKey:
		v, isValue := rec.Value.(records.ConsumerGroupMemberMetadataValue)
		if !isValue {
			g.removeMember(k.MemberID)
			return true
		}
		m := g.members[k.MemberID]
		if m == nil {
			m = newConsumerMember(k.MemberID)
		} else {
			m = m.clone()
		}
		if old := m.instanceID; old != nil && g.static[*old] == m.id && !eqPtr(old, v.InstanceID) {
			delete(g.static, *old)
		}
		m.instanceID, m.rackID = v.InstanceID, v.RackID
		m.clientID, m.clientHost = v.ClientID, v.ClientHost
		m.topicNames = sortedNames(v.SubscribedTopicNames)
		m.regex = v.SubscribedTopicRegex
		m.rebalanceTimeoutMs = v.RebalanceTimeoutMs
		m.assignor = v.ServerAssignor
		m.classic = v.ClassicMemberMetadata
		g.putMember(m)
	case records.ConsumerGroupTargetAssignmentMetadataKey:
		if v, isValue := rec.Value.(records.ConsumerGroupTargetAssignmentMetadataValue); isValue {
			g.setAssignmentEpoch(v.AssignmentEpoch)
		} else {
			g.setAssignmentEpoch(-1)
		}
	case records.ConsumerGroupTargetAssignmentMemberKey:
		if v, isValue := rec.Value.(records.ConsumerGroupTargetAssignmentMemberValue); isValue {
			g.setTarget(k.MemberID, setOf(v.TopicPartitions))
		} else {
			delete(g.target, k.MemberID)
		}
	case records.ConsumerGroupCurrentMemberAssignmentKey:
		v, isValue := rec.Value.(records.ConsumerGroupCurrentMemberAssignmentValue)
		m := g.members[k.MemberID]
		if m == nil {
			if !isValue {
				return true
			}
			m = newConsumerMember(k.MemberID)
		} else {
			m = m.clone()
		}
		if isValue {
			m.epoch, m.prevEpoch, m.state = v.MemberEpoch, v.PreviousMemberEpoch, v.State
			if m.state != records.MemberStable && m.state != records.MemberUnrevokedPartitions &&
				m.state != records.MemberUnreleasedPartitions {
				m.state = records.MemberUnknown
			}
			m.assigned, m.revoking = setOf(v.AssignedPartitions), setOf(v.PartitionsPendingRevocation)
		} else {
			// The member is leaving: it holds nothing any more.
			m.epoch, m.prevEpoch = leaveEpoch, leaveEpoch
			m.assigned, m.revoking = partitionSet{}, partitionSet{}
		}
		g.putMember(m)
	}
	return true
}

// consumerGroupID is the group id of a KIP-848 record key.
func consumerGroupID(k records.Key) string {
	switch k := k.(type) {
	case records.ConsumerGroupMetadataKey:
		return k.GroupID
	case records.ConsumerGroupPartitionMetadataKey:
		return k.GroupID
	case records.ConsumerGroupMemberMetadataKey:
		return k.GroupID
	case records.ConsumerGroupTargetAssignmentMetadataKey:
		return k.GroupID
	case records.ConsumerGroupTargetAssignmentMemberKey:
		return k.GroupID
	case records.ConsumerGroupCurrentMemberAssignmentKey:
		return k.GroupID
	}
	return ""
}

// setOf reads a record's partitions: sorted, duplicates and empty topics
// dropped.
func setOf(tps []records.TopicPartitions) partitionSet {
	out := partitionSet{}
	for _, tp := range tps {
		ps := append(slices.Clone(out[tp.TopicID]), tp.Partitions...)
		slices.Sort(ps)
		ps = slices.Compact(ps)
		putNonEmpty(out, tp.TopicID, ps)
	}
	return out
}

func sortedNames(names []string) []string {
	if names == nil {
		return nil
	}
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}
