package group

import (
	"maps"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

// consumerLeave serves a heartbeat with epoch -1 (the member leaves: it is
// fenced) or -2 (a static member leaves for a while: it keeps its
// partitions, at epoch -2, until it rejoins under a new member id or its
// session times out).
func (s *Shard) consumerLeave(o *op, req *kmsg.ConsumerGroupHeartbeatRequest) (*kmsg.ConsumerGroupHeartbeatResponse, *apiError) {
	g, err := s.existingConsumerGroup(req.Group)
	if err != nil {
		return nil, err
	}
	resp := kmsg.NewPtrConsumerGroupHeartbeatResponse()
	resp.MemberID = &req.MemberID
	resp.MemberEpoch = req.MemberEpoch
	m, err := g.knownMember(req.MemberID, req.InstanceID)
	if err != nil {
		return nil, err
	}
	if req.InstanceID != nil && req.MemberEpoch == staticLeaveEpoch {
		left := m.clone()
		left.epoch, left.revoking = staticLeaveEpoch, partitionSet{}
		s.emit(o, currentAssignmentRecord(g.id, left), true)
		resp.MemberID = &m.id
		return resp, nil
	}
	s.fenceConsumerMember(o, g, m)
	return resp, nil
}

// knownMember is the member a request of an existing member is for: by
// member id or, for a static member, by instance id, which must still map
// to that member id (else FENCED_INSTANCE_ID).
func (g *consumerGroup) knownMember(memberID string, instanceID *string) (*consumerMember, *apiError) {
	if instanceID == nil {
		if m := g.members[memberID]; m != nil {
			return m, nil
		}
		return nil, errorf(kerr.UnknownMemberID, "Member %s is not a member of group %s.", memberID, g.id)
	}
	m := g.staticMember(instanceID)
	switch {
	case m == nil:
		return nil, errorf(kerr.UnknownMemberID, "Instance id %s is unknown.", *instanceID)
	case m.id != memberID:
		return nil, errorf(kerr.FencedInstanceID, "Static member %s with instance id %s was fenced by member %s.", memberID, *instanceID, m.id)
	}
	return m, nil
}

// existingConsumerGroup is the consumer group with the id, or
// GROUP_ID_NOT_FOUND.
func (s *Shard) existingConsumerGroup(id string) (*consumerGroup, *apiError) {
	switch g := s.groups[id].(type) {
	case *consumerGroup:
		return g, nil
	case nil:
		return nil, errorf(kerr.GroupIDNotFound, "Consumer group %s not found.", id)
	default:
		return nil, errorf(kerr.GroupIDNotFound, "Group %s is not a consumer group.", id)
	}
}

// fenceConsumerMember removes a member: its tombstones, the subscription
// metadata without it if that changes, and a group epoch bump (the next
// heartbeat computes the target assignment without it).
func (s *Shard) fenceConsumerMember(o *op, g *consumerGroup, m *consumerMember) {
	recs := memberTombstones(g.id, m.id)
	if md := s.computeMetadata(s.subscribedTopics(g, m, nil)); !maps.Equal(md, g.metadata) {
		recs = append(recs, subscriptionMetadataRecord(g.id, md))
	}
	recs = append(recs, records.NewGroupEpoch(g.id, g.epoch+1))
	s.cancelConsumerTimers(g.id, m.id)
	s.emitAll(o, recs...)
}

func (s *Shard) cancelConsumerTimers(groupID, memberID string) {
	s.timer.Cancel(sessionTimeoutKey(groupID, memberID))
	s.timer.Cancel(rebalanceTimeoutKey(groupID, memberID))
}

// scheduleSessionTimeout (re)arms a member's session: a member silent for
// group.consumer.session.timeout.ms is fenced.
func (s *Shard) scheduleSessionTimeout(groupID, memberID string) {
	s.timer.Schedule(sessionTimeoutKey(groupID, memberID), int64(s.cfg.ConsumerSessionTimeoutMs), func(now int64) Result {
		o := &op{now: now}
		if g := s.consumer(groupID); g != nil {
			if m := g.members[memberID]; m != nil {
				s.log.Info("group: consumer group member fenced: session expired", "group", groupID, "member", memberID)
				s.fenceConsumerMember(o, g, m)
			}
		}
		return o.out
	})
}

// scheduleRebalanceTimeout arms the revocation deadline of a member asked
// to revoke partitions at epoch: if it is still at that epoch when its
// rebalance timeout runs out, it is fenced.
func (s *Shard) scheduleRebalanceTimeout(groupID, memberID string, epoch, timeoutMs int32) {
	s.timer.Schedule(rebalanceTimeoutKey(groupID, memberID), int64(timeoutMs), func(now int64) Result {
		o := &op{now: now}
		if g := s.consumer(groupID); g != nil {
			if m := g.members[memberID]; m != nil && m.epoch == epoch {
				s.log.Info("group: consumer group member fenced: partitions not revoked in time",
					"group", groupID, "member", memberID, "epoch", epoch, "timeoutMs", timeoutMs)
				s.fenceConsumerMember(o, g, m)
			}
		}
		return o.out
	})
}

// onLoadedConsumer starts the timers of a loaded consumer group's members.
func (s *Shard) onLoadedConsumer(g *consumerGroup) {
	for _, id := range g.memberIDs() {
		m := g.members[id]
		s.scheduleSessionTimeout(g.id, id)
		if m.state == records.MemberUnrevokedPartitions {
			s.scheduleRebalanceTimeout(g.id, id, m.epoch, m.rebalanceTimeoutMs)
		}
	}
}

// unloadConsumer stops a consumer group's timers.
func (s *Shard) unloadConsumer(g *consumerGroup) {
	for _, id := range g.memberIDs() {
		s.cancelConsumerTimers(g.id, id)
	}
}

// leaveConsumerGroupClassic answers a LeaveGroup for a consumer group
// (Kafka's classicGroupLeaveToConsumerGroup). Only members speaking the
// classic protocol may leave through it, and this shard has none: every
// member gets UNKNOWN_MEMBER_ID, or FENCED_INSTANCE_ID for an instance id
// held under another member id. Nothing changes.
func (s *Shard) leaveConsumerGroupClassic(version int16, g *consumerGroup, members []kmsg.LeaveGroupRequestMember, resp *kmsg.LeaveGroupResponse) {
	for _, lm := range members {
		err := kerr.UnknownMemberID
		if lm.InstanceID != nil {
			if m := g.staticMember(lm.InstanceID); m != nil && lm.MemberID != "" && m.id != lm.MemberID {
				err = kerr.FencedInstanceID
			}
		}
		resp.Members = append(resp.Members, kmsg.LeaveGroupResponseMember{
			MemberID: lm.MemberID, InstanceID: lm.InstanceID, ErrorCode: err.Code,
		})
	}
	if version < 3 {
		resp.ErrorCode = resp.Members[0].ErrorCode
		resp.Members = nil
	}
}
