package group

import (
	"fmt"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

// Record is one __consumer_offsets record.
type Record = records.Record

func offsetCommitRecord(group, topic string, partition int32, om offsetAndMetadata) Record {
	return records.NewOffsetCommit(group, topic, partition, records.OffsetAndMetadata{
		Offset:          om.offset,
		LeaderEpoch:     om.leaderEpoch,
		Metadata:        om.metadata,
		CommitTimestamp: om.commitMs,
		ExpireTimestamp: om.expireMs,
	})
}

func offsetTombstone(group, topic string, partition int32) Record {
	return records.NewOffsetCommitTombstone(group, topic, partition)
}

func groupMetadataTombstone(group string) Record {
	return records.NewGroupMetadataTombstone(group)
}

// emptyGroupMetadataRecord is Kafka's record for a just-created group (no
// protocol type, generation 0, no members), whatever it holds by now.
func emptyGroupMetadataRecord(g *classicGroup) Record {
	return records.NewEmptyGroupMetadata(g.id, g.stateTimestamp)
}

// groupMetadataRecord persists a classic group: its generation, protocol,
// leader and members with their subscription for the selected protocol and
// their assignment.
func groupMetadataRecord(g *classicGroup) Record {
	v := records.GroupMetadataValue{
		ProtocolType:          g.protocolTypeOr(),
		Generation:            g.generation,
		Protocol:              g.protocolName,
		CurrentStateTimestamp: g.stateTimestamp,
		Members:               []records.GroupMember{},
	}
	if g.leader != "" {
		v.Leader = ptr(g.leader)
	}
	for _, m := range g.members() {
		v.Members = append(v.Members, records.GroupMember{
			MemberID:               m.id,
			InstanceID:             m.instanceID,
			ClientID:               m.clientID,
			ClientHost:             m.clientHost,
			RebalanceTimeoutMillis: m.rebalanceTimeoutMs,
			SessionTimeoutMillis:   m.sessionTimeoutMs,
			Subscription:           nonNil(m.metadata(g.protocolNameOr())),
			Assignment:             nonNil(m.assignment),
		})
	}
	return records.NewGroupMetadata(g.id, v)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Replay applies a record to the shard: the load path (the runtime replays
// the partition into a new shard, then calls OnLoaded) and how operations
// apply the offsets, tombstones and consumer group records they write. A
// record the shard cannot apply (a key of unknown type, a value of another
// kind than its key, a consumer group record for a group id a non-empty
// classic group holds) returns an error wrapping ErrUnsupportedRecord; the
// loader skips it.
func (s *Shard) Replay(rec Record) error {
	switch k := rec.Key.(type) {
	case records.OffsetCommitKey:
		if rec.Value == nil {
			s.offsets.remove(k.Group, k.Topic, k.Partition)
			return nil
		}
		v, ok := rec.Value.(records.OffsetCommitValue)
		if !ok {
			return fmt.Errorf("%w: %T under an offset commit key", ErrUnsupportedRecord, rec.Value)
		}
		if s.groups[k.Group] == nil {
			// Offsets of a consumer that assigns itself partitions: an
			// empty group with no protocol type holds them.
			s.groups[k.Group] = newClassicGroup(k.Group, -1)
		}
		om := offsetAndMetadata{
			offset: v.Offset, leaderEpoch: v.LeaderEpoch, metadata: v.Metadata,
			commitMs: v.CommitTimestamp, expireMs: v.ExpireTimestamp,
		}
		if v.Version < 3 || om.leaderEpoch < 0 {
			// Only v3+ values store the epoch (a v1 value is written for a
			// commit with an expire timestamp, and loses it).
			om.leaderEpoch = -1
		}
		if v.Version != records.OffsetCommitValueVersionExpire || om.expireMs < 0 {
			om.expireMs = -1
		}
		s.offsets.put(k.Group, k.Topic, k.Partition, om)
		return nil
	case records.GroupMetadataKey:
		if rec.Value == nil {
			if _, ok := s.groups[k.Group].(*classicGroup); ok {
				delete(s.groups, k.Group)
			}
			return nil
		}
		v, ok := rec.Value.(records.GroupMetadataValue)
		if !ok {
			return fmt.Errorf("%w: %T under a group metadata key", ErrUnsupportedRecord, rec.Value)
		}
		s.groups[k.Group] = classicFromRecord(k.Group, v)
		return nil
	case records.ConsumerGroupMetadataKey, records.ConsumerGroupPartitionMetadataKey,
		records.ConsumerGroupMemberMetadataKey, records.ConsumerGroupTargetAssignmentMetadataKey,
		records.ConsumerGroupTargetAssignmentMemberKey, records.ConsumerGroupCurrentMemberAssignmentKey:
		if !rec.ValueMatchesKey() {
			return fmt.Errorf("%w: %T under a %s", ErrUnsupportedRecord, rec.Value, rec.Key.Type())
		}
		if !s.replayConsumer(rec) {
			return fmt.Errorf("%w: %s for a group id a classic group holds", ErrUnsupportedRecord, rec.Key.Type())
		}
		return nil
	default:
		return fmt.Errorf("%w: key %T", ErrUnsupportedRecord, rec.Key)
	}
}

// classicFromRecord rebuilds a classic group from its metadata: Stable with
// its members, or Empty. Each member supports only the selected protocol.
func classicFromRecord(id string, v records.GroupMetadataValue) *classicGroup {
	g := newClassicGroup(id, v.CurrentStateTimestamp)
	g.generation = v.Generation
	if v.ProtocolType != "" {
		g.protocolType = ptr(v.ProtocolType)
	}
	g.protocolName = v.Protocol
	g.leader = deref(v.Leader)
	for _, mm := range v.Members {
		if g.byID[mm.MemberID] != nil {
			continue // a duplicate member id: keep the first, as a map would
		}
		rebalance := mm.RebalanceTimeoutMillis
		if rebalance == -1 {
			rebalance = mm.SessionTimeoutMillis
		}
		g.add(&classicMember{
			id:                 mm.MemberID,
			instanceID:         mm.InstanceID,
			clientID:           mm.ClientID,
			clientHost:         mm.ClientHost,
			rebalanceTimeoutMs: rebalance,
			sessionTimeoutMs:   mm.SessionTimeoutMillis,
			protocolType:       v.ProtocolType,
			protocols:          []protocol{{name: deref(v.Protocol), metadata: mm.Subscription}},
			assignment:         mm.Assignment,
		}, nil)
	}
	if g.numMembers() > 0 {
		g.state = stateStable
		if g.byID[g.leader] == nil {
			g.leader = g.order[0]
		}
	}
	g.computeSubscribed()
	return g
}
