package group

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group/assignor"
	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

// Timer keys of consumer group members, as Kafka names them.
func sessionTimeoutKey(groupID, memberID string) string {
	return "session-timeout-" + groupID + "-" + memberID
}

func rebalanceTimeoutKey(groupID, memberID string) string {
	return "rebalance-timeout-" + groupID + "-" + memberID
}

// apiError is a protocol error with Kafka's message.
type apiError struct {
	code *kerr.Error
	msg  string
}

func errorf(code *kerr.Error, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// ConsumerGroupHeartbeat serves a ConsumerGroupHeartbeat request (v0-v1,
// KIP-848): a member joins (epoch 0), heartbeats (its epoch), leaves (-1)
// or, static, leaves for a while (-2). The reply carries the member's id
// and epoch, the heartbeat interval and, when it changed or the request
// was a full one, the member's assignment (topic ids and partitions).
//
// v0 is Kafka 3.9's: a joining member without an id gets one from the
// coordinator. v1 is Kafka 4.0's (KIP-1082, KIP-848 regexes): the client
// always sends its own member id, and may subscribe with an RE2 regex
// matched against whole topic names (alone or with topic names).
func (s *Shard) ConsumerGroupHeartbeat(ctx OpContext, req *kmsg.ConsumerGroupHeartbeatRequest) Result {
	o := &op{now: ctx.NowMs}
	var resp *kmsg.ConsumerGroupHeartbeatResponse
	err := s.validateConsumerHeartbeat(ctx.Version, req)
	if err == nil {
		if req.MemberEpoch == leaveEpoch || req.MemberEpoch == staticLeaveEpoch {
			resp, err = s.consumerLeave(o, req)
		} else {
			resp, err = s.consumerHeartbeat(o, ctx, req)
		}
	}
	if err != nil {
		resp = kmsg.NewPtrConsumerGroupHeartbeatResponse()
		resp.ErrorCode = err.code.Code
		resp.ErrorMessage = &err.msg
	}
	resp.Version = ctx.Version
	o.reply(ctx.Responder, resp)
	return o.out
}

// javaBlank is Java's s.trim().isEmpty(): only characters up to ' '.
func javaBlank(s string) bool {
	return strings.TrimLeft(s, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"+
		"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ") == ""
}

func blankPtr(s *string) bool { return s != nil && javaBlank(*s) }

// validateConsumerHeartbeat checks the request's fields as Kafka does
// before touching any group: INVALID_REQUEST, INVALID_REGULAR_EXPRESSION
// and UNSUPPORTED_ASSIGNOR.
func (s *Shard) validateConsumerHeartbeat(version int16, req *kmsg.ConsumerGroupHeartbeatRequest) *apiError {
	invalid := func(msg string) *apiError { return &apiError{code: kerr.InvalidRequest, msg: msg} }
	switch {
	case version >= 1 && javaBlank(req.MemberID):
		return invalid("MemberId can't be empty.")
	case javaBlank(req.Group):
		return invalid("GroupId can't be empty.")
	case blankPtr(req.InstanceID):
		return invalid("InstanceId can't be empty.")
	case blankPtr(req.RackID):
		return invalid("RackId can't be empty.")
	}
	switch e := req.MemberEpoch; {
	case e > 0 || e == leaveEpoch:
		if javaBlank(req.MemberID) {
			return invalid("MemberId can't be empty.")
		}
	case e == 0:
		switch {
		case req.RebalanceTimeoutMillis == -1:
			return invalid("RebalanceTimeoutMs must be provided in first request.")
		case req.Topics == nil || len(req.Topics) != 0:
			return invalid("TopicPartitions must be empty when (re-)joining.")
		case version == 0 && len(req.SubscribedTopicNames) == 0:
			return invalid("SubscribedTopicNames must be set in first request.")
		case version >= 1 && req.SubscribedTopicNames == nil && req.SubscribedTopicRegex == nil:
			return invalid("Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.")
		}
	case e == staticLeaveEpoch:
		if javaBlank(req.MemberID) {
			return invalid("MemberId can't be empty.")
		}
		if req.InstanceID == nil {
			return invalid("InstanceId can't be null.")
		}
	default:
		return invalid("MemberEpoch is invalid.")
	}
	if version >= 1 && req.SubscribedTopicRegex != nil && !validRegex(*req.SubscribedTopicRegex) {
		return errorf(kerr.InvalidRegularExpression, "SubscribedTopicRegex `%s` is not a valid regular expression.", *req.SubscribedTopicRegex)
	}
	if a := req.ServerAssignor; a != nil && !s.assignorEnabled(*a) {
		return errorf(kerr.UnsupportedAssignor, "ServerAssignor %s is not supported. Supported assignors: %s.",
			*a, strings.Join(s.cfg.ConsumerAssignors, ", "))
	}
	return nil
}

func (s *Shard) assignorEnabled(name string) bool {
	for _, a := range s.cfg.ConsumerAssignors {
		if a == name {
			return true
		}
	}
	return false
}

// newMemberID is a coordinator-generated member id: a random UUID printed
// as Kafka's Uuid.toString (base64url, no padding), never starting '-'.
func (s *Shard) newMemberID() string {
	var id string
	for range 8 {
		u := s.newUUID()
		if id = base64.RawURLEncoding.EncodeToString(u[:]); id[0] != '-' {
			break
		}
	}
	return id
}

// consumerGroupFor returns the consumer group to serve, a new detached one
// (its records create it) when create is set and the id is free or held by
// an empty classic group, whose tombstone is then added to recs.
func (s *Shard) consumerGroupFor(id string, create bool, recs *[]Record) (*consumerGroup, *apiError) {
	switch g := s.groups[id].(type) {
	case *consumerGroup:
		return g, nil
	case nil:
		if create {
			return newConsumerGroup(id), nil
		}
		return nil, errorf(kerr.GroupIDNotFound, "Consumer group %s not found.", id)
	default:
		if create && g.IsEmpty() {
			*recs = append(*recs, groupTombstones(g)...)
			return newConsumerGroup(id), nil
		}
		return nil, errorf(kerr.GroupIDNotFound, "Group %s is not a consumer group.", id)
	}
}

// checkMemberEpoch: a member may send its epoch, or its previous one with
// partitions it still owns (the reply bumping it may have been lost).
func checkMemberEpoch(m *consumerMember, epoch int32, owned []kmsg.ConsumerGroupHeartbeatRequestTopic) *apiError {
	switch {
	case epoch > m.epoch:
		return errorf(kerr.FencedMemberEpoch, "The consumer group member has a greater member epoch (%d) than the one known by the group coordinator (%d). The member must abandon all its partitions and rejoin.", epoch, m.epoch)
	case epoch < m.epoch && (epoch != m.prevEpoch || !ownedSubset(owned, m.assigned)):
		return errorf(kerr.FencedMemberEpoch, "The consumer group member has a smaller member epoch (%d) than the one known by the group coordinator (%d). The member must abandon all its partitions and rejoin.", epoch, m.epoch)
	}
	return nil
}

func ownedSubset(owned []kmsg.ConsumerGroupHeartbeatRequestTopic, set partitionSet) bool {
	if owned == nil {
		return false
	}
	for _, t := range owned {
		ps, ok := set[t.TopicID]
		if !ok {
			return false
		}
		for _, p := range t.Partitions {
			if !contains(ps, p) {
				return false
			}
		}
	}
	return true
}

// consumerMemberFor finds or creates the member a heartbeat is for. prev
// is the group member it updates or replaces (nil for a new member); a
// static member taking over a departed instance adds the records that
// move the instance to its new member id.
func (s *Shard) consumerMemberFor(g *consumerGroup, memberID string, req *kmsg.ConsumerGroupHeartbeatRequest,
	create bool, recs *[]Record,
) (member, prev *consumerMember, err *apiError) {
	if !create {
		if member, err = g.knownMember(memberID, req.InstanceID); err != nil {
			return nil, nil, err
		}
		return member, member, checkMemberEpoch(member, req.MemberEpoch, req.Topics)
	}
	if req.InstanceID == nil {
		if member = g.members[memberID]; member == nil {
			return newConsumerMember(memberID), nil, nil
		}
		return member, member, checkMemberEpoch(member, req.MemberEpoch, req.Topics)
	}
	existing := g.staticMember(req.InstanceID)
	if existing == nil {
		if m := g.members[memberID]; m != nil {
			return m, m, nil
		}
		return newConsumerMember(memberID), nil, nil
	}
	if existing.epoch != staticLeaveEpoch {
		return nil, nil, errorf(kerr.UnreleasedInstanceID, "Static member %s with instance id %s cannot join the group because the instance id is owned by %s member.", memberID, *req.InstanceID, existing.id)
	}
	member = existing.clone()
	member.id, member.epoch, member.prevEpoch = memberID, 0, 0
	*recs = append(*recs, memberTombstones(g.id, existing.id)...)
	*recs = append(*recs,
		memberSubscriptionRecord(g.id, member),
		targetAssignmentRecord(g.id, member.id, g.target[existing.id]),
		currentAssignmentRecord(g.id, member))
	return member, existing, nil
}

// consumerHeartbeat serves a join or heartbeat (Kafka's
// consumerGroupHeartbeat): update the member, bump the group epoch if its
// subscription or the subscribed topics changed, recompute the target
// assignment if the group epoch moved past it, and reconcile the member.
// Nothing is applied until no error can occur: then the records are
// written and replayed.
func (s *Shard) consumerHeartbeat(o *op, ctx OpContext, req *kmsg.ConsumerGroupHeartbeatRequest) (*kmsg.ConsumerGroupHeartbeatResponse, *apiError) {
	var recs []Record
	create := req.MemberEpoch == 0
	g, err := s.consumerGroupFor(req.Group, create, &recs)
	if err != nil {
		return nil, err
	}
	if int32(len(g.members)) >= s.cfg.ConsumerMaxSize && (req.MemberID == "" || g.members[req.MemberID] == nil) {
		return nil, errorf(kerr.GroupMaxSizeReached, "The consumer group has reached its maximum capacity of %d members.", s.cfg.ConsumerMaxSize)
	}
	memberID := req.MemberID
	if memberID == "" {
		memberID = s.newMemberID()
	}
	member, prev, err := s.consumerMemberFor(g, memberID, req, create, &recs)
	if err != nil {
		return nil, err
	}

	// 1. The member's subscription; the group epoch moves when it changed
	// or when the subscribed topics' metadata did.
	updated := member.clone()
	if req.InstanceID != nil {
		updated.instanceID = req.InstanceID
	}
	if req.RackID != nil {
		updated.rackID = req.RackID
	}
	if req.RebalanceTimeoutMillis != -1 {
		updated.rebalanceTimeoutMs = req.RebalanceTimeoutMillis
	}
	if req.ServerAssignor != nil {
		updated.assignor = req.ServerAssignor
	}
	if req.SubscribedTopicNames != nil {
		updated.topicNames = sortedNames(req.SubscribedTopicNames)
	}
	if ctx.Version >= 1 && req.SubscribedTopicRegex != nil {
		updated.regex = req.SubscribedTopicRegex
		if *updated.regex == "" {
			updated.regex = nil
		}
	}
	updated.clientID, updated.clientHost, updated.classic = ctx.ClientID, ctx.ClientHost, nil
	bump := false
	if prev == nil || !updated.sameSubscription(member) {
		recs = append(recs, memberSubscriptionRecord(g.id, updated))
		bump = prev == nil || !slices.Equal(updated.topicNames, member.topicNames) || !eqPtr(updated.regex, member.regex)
	}
	groupEpoch, metadata := g.epoch, g.metadata
	refresh := bump || g.metadataExpired(o.now)
	if refresh {
		metadata = s.computeMetadata(s.subscribedTopics(g, prev, updated))
		if !maps.Equal(metadata, g.metadata) {
			bump = true
			recs = append(recs, subscriptionMetadataRecord(g.id, metadata))
		}
		if bump {
			groupEpoch++
			recs = append(recs, records.NewGroupEpoch(g.id, groupEpoch))
		}
	}

	// 2. A new target assignment when the group epoch is past it.
	targetEpoch, target := g.assignmentEpoch, g.targetOf(updated.id, updated.instanceID)
	if groupEpoch > g.assignmentEpoch {
		var err *apiError
		if target, err = s.computeTarget(g, groupEpoch, prev, updated, metadata, &recs); err != nil {
			return nil, err
		}
		targetEpoch = groupEpoch
	}

	// 3. One reconciliation step towards it.
	if !updated.isReconciledTo(targetEpoch) {
		next, kerrc := reconcile(updated, targetEpoch, target, g.partitionEpoch, req.Topics)
		if kerrc != nil {
			return nil, &apiError{code: kerrc, msg: "The consumer group member is in a unknown state. The member must abandon all its partitions and rejoin."}
		}
		if !next.sameAssignment(updated) {
			recs = append(recs, currentAssignmentRecord(g.id, next))
			if next.state == records.MemberUnrevokedPartitions {
				s.scheduleRebalanceTimeout(g.id, next.id, next.epoch, next.rebalanceTimeoutMs)
			} else {
				s.timer.Cancel(rebalanceTimeoutKey(g.id, next.id))
			}
		}
		updated = next
	}

	s.emitAll(o, recs...)
	if refresh {
		if live := s.consumer(g.id); live != nil {
			live.refreshDeadline = o.now + s.cfg.ConsumerMetadataRefreshIntervalMs
			live.refreshEpoch = groupEpoch
		}
	}
	s.scheduleSessionTimeout(g.id, updated.id)

	resp := kmsg.NewPtrConsumerGroupHeartbeatResponse()
	resp.MemberID = &updated.id
	resp.MemberEpoch = updated.epoch
	resp.HeartbeatIntervalMillis = s.cfg.ConsumerHeartbeatIntervalMs
	full := req.MemberEpoch == 0 || req.RebalanceTimeoutMillis != -1 &&
		(req.SubscribedTopicNames != nil || ctx.Version >= 1 && req.SubscribedTopicRegex != nil) && req.Topics != nil
	if full || !equalSets(member.assigned, updated.assigned) {
		resp.Assignment = heartbeatAssignment(updated.assigned)
	}
	return resp, nil
}

func heartbeatAssignment(set partitionSet) *kmsg.ConsumerGroupHeartbeatResponseAssignment {
	a := &kmsg.ConsumerGroupHeartbeatResponseAssignment{Topics: []kmsg.ConsumerGroupHeartbeatResponseAssignmentTopic{}}
	for _, tp := range records.TopicPartitionsOf(set) {
		a.Topics = append(a.Topics, kmsg.ConsumerGroupHeartbeatResponseAssignmentTopic{TopicID: tp.TopicID, Partitions: tp.Partitions})
	}
	return a
}

// computeTarget runs the group's assignor over its members, updated
// replacing prev, and adds the records of every target that changed and
// of the new target assignment epoch. It returns updated's target.
func (s *Shard) computeTarget(g *consumerGroup, epoch int32, prev, updated *consumerMember,
	metadata map[string]topicMeta, recs *[]Record,
) (partitionSet, *apiError) {
	name := g.preferredAssignor(prev, updated)
	if name == "" {
		name = s.cfg.ConsumerAssignors[0]
	}
	a, ok := assignor.ByName(name)
	if !ok {
		return nil, errorf(kerr.UnknownServerError, "Failed to compute a new target assignment for epoch %d: unknown assignor %s", epoch, name)
	}
	describer := assignor.Topics{}
	for _, t := range metadata {
		describer[t.id] = assignor.TopicMeta{Partitions: t.partitions}
	}
	spec := assignor.GroupSpec{Members: map[string]assignor.MemberSpec{}, SubscriptionType: assignor.Heterogeneous}
	if s.subscriptionHomogeneous(g, prev, updated) {
		spec.SubscriptionType = assignor.Homogeneous
	}
	add := func(m *consumerMember, current partitionSet) {
		ms := assignor.MemberSpec{InstanceID: deref(m.instanceID), RackID: deref(m.rackID), Assignment: current}
		for t := range s.memberTopics(m) {
			if md, ok := metadata[t]; ok {
				ms.Topics = append(ms.Topics, md.id)
			}
		}
		spec.Members[m.id] = ms
	}
	for id, m := range g.members {
		if prev == nil || id != prev.id {
			add(m, g.target[id])
		}
	}
	current := g.target[updated.id]
	if prev != nil && prev.id != updated.id {
		current = g.target[prev.id]
	}
	add(updated, current)
	result, err := a.Assign(spec, describer)
	if err != nil {
		return nil, errorf(kerr.UnknownServerError, "Failed to compute a new target assignment for epoch %d: %v", epoch, err)
	}
	for _, id := range slices.Sorted(maps.Keys(spec.Members)) {
		next := result[id]
		if old, ok := g.target[id]; !ok || !equalSets(old, next) {
			*recs = append(*recs, targetAssignmentRecord(g.id, id, next))
		}
	}
	*recs = append(*recs, records.NewTargetAssignmentEpoch(g.id, epoch))
	return result[updated.id], nil
}
