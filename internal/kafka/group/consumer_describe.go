package group

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

// consumerProtocolType is the protocol type ListGroups gives a consumer
// group (ConsumerProtocol.PROTOCOL_TYPE).
const consumerProtocolType = "consumer"

// memberTypeConsumer is ConsumerGroupDescribe v1's MemberType of a member
// speaking the consumer protocol (KIP-1099; 0 is a classic member).
const memberTypeConsumer = 1

// ConsumerGroupDescribe answers the groups of a ConsumerGroupDescribe
// request (v0-v1) that belong to this shard, in order: a group this shard
// does not hold, or a classic one, gets GROUP_ID_NOT_FOUND. Members are
// sorted by id; assignments name their topics through the TopicsView
// (topics it no longer knows are left out, as Kafka leaves them).
// AuthorizedOperations is left to the caller (kmsg's default, "not
// requested").
func (s *Shard) ConsumerGroupDescribe(ids []string) []kmsg.ConsumerGroupDescribeResponseGroup {
	out := make([]kmsg.ConsumerGroupDescribeResponseGroup, 0, len(ids))
	for _, id := range ids {
		d := kmsg.NewConsumerGroupDescribeResponseGroup()
		d.Group = id
		g := s.consumer(id)
		if g == nil {
			d.ErrorCode = kerr.GroupIDNotFound.Code
			out = append(out, d)
			continue
		}
		d.State = g.StateName()
		d.Epoch = g.epoch
		d.AssignmentEpoch = g.assignmentEpoch
		if d.AssignorName = g.preferredAssignor(nil, nil); d.AssignorName == "" {
			d.AssignorName = s.cfg.ConsumerAssignors[0]
		}
		d.Members = []kmsg.ConsumerGroupDescribeResponseGroupMember{}
		for _, mid := range g.memberIDs() {
			m := g.members[mid]
			dm := kmsg.NewConsumerGroupDescribeResponseGroupMember()
			dm.MemberID = m.id
			dm.InstanceID, dm.RackID = m.instanceID, m.rackID
			dm.MemberEpoch = m.epoch
			dm.ClientID, dm.ClientHost = m.clientID, m.clientHost
			dm.SubscribedTopics = nonNilStrings(m.topicNames)
			dm.SubscribedTopicRegex = m.regex
			dm.Assignment = s.describedAssignment(m.assigned)
			dm.TargetAssignment = s.describedAssignment(g.target[m.id])
			dm.MemberType = memberTypeConsumer
			d.Members = append(d.Members, dm)
		}
		out = append(out, d)
	}
	return out
}

func (s *Shard) describedAssignment(set partitionSet) kmsg.Assignment {
	a := kmsg.NewAssignment()
	a.TopicPartitions = []kmsg.AssignmentTopicPartition{}
	for _, tp := range records.TopicPartitionsOf(set) {
		name, ok := s.topicName(tp.TopicID)
		if !ok {
			continue
		}
		a.TopicPartitions = append(a.TopicPartitions, kmsg.AssignmentTopicPartition{
			TopicID: tp.TopicID, Topic: name, Partitions: tp.Partitions,
		})
	}
	return a
}

// validateOffsetCommit is ConsumerGroup.validateOffsetCommit: a commit
// without a member epoch is accepted only while the group has no members;
// otherwise the member must exist, commit with OffsetCommit v9+ (older
// versions cannot carry a member epoch), at its current epoch.
func (g *consumerGroup) validateOffsetCommit(version int16, req *kmsg.OffsetCommitRequest) *kerr.Error {
	if req.Generation < 0 && len(g.members) == 0 {
		return nil
	}
	m := g.members[req.MemberID]
	switch {
	case m == nil:
		return kerr.UnknownMemberID
	case m.classic == nil && version < 9:
		return kerr.UnsupportedVersion
	case req.Generation != m.epoch:
		if m.classic != nil {
			return kerr.IllegalGeneration
		}
		return kerr.StaleMemberEpoch
	}
	return nil
}

// validateOffsetFetch is ConsumerGroup.validateOffsetFetch: a fetch without
// a member id (admin clients, OffsetFetch before v9) is accepted; otherwise
// the member must exist at that epoch. Kafka accepts only a null member id
// with a negative epoch; this accepts any epoch with a null id, so that a
// group built by hand from an older request (epoch left 0, not kmsg's
// default -1) is not refused.
func (g *consumerGroup) validateOffsetFetch(memberID *string, epoch int32) *kerr.Error {
	if memberID == nil {
		return nil
	}
	m := g.members[*memberID]
	switch {
	case m == nil:
		return kerr.UnknownMemberID
	case epoch != m.epoch:
		if m.classic != nil {
			return kerr.IllegalGeneration
		}
		return kerr.StaleMemberEpoch
	}
	return nil
}

// joinGroupOverConsumerGroup prepares a JoinGroup for a group id a
// consumer group may hold. An empty consumer group is deleted (its
// tombstones written) so that a classic group can take the id, as Kafka
// does; a non-empty one refuses the classic member (false): Wharf does not
// let classic-protocol members join consumer groups (Kafka 3.9 does, and
// converts groups between the protocols when group.consumer.migration.policy
// allows it; the policy's default, disabled, converts none).
func (s *Shard) joinGroupOverConsumerGroup(o *op, id string) bool {
	g := s.consumer(id)
	if g == nil {
		return true
	}
	if !g.IsEmpty() {
		return false
	}
	s.emitAll(o, consumerGroupTombstones(g)...)
	return true
}
