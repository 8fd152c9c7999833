package group

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// SyncGroup serves a SyncGroup request (v0-v5). Followers wait (no reply in
// the Result) until the leader's assignment arrives.
func (s *Shard) SyncGroup(ctx OpContext, req *kmsg.SyncGroupRequest) Result {
	o := &op{now: ctx.NowMs}
	fail := func(err *kerr.Error) Result {
		o.reply(ctx.Responder, syncResponse(ctx.Version, err, nil))
		return o.out
	}
	if req.Group == "" {
		return fail(kerr.InvalidGroupID)
	}
	gr := s.groups[req.Group]
	if gr == nil || gr.IsEmpty() {
		return fail(kerr.UnknownMemberID)
	}
	g, ok := gr.(*classicGroup)
	if !ok {
		return fail(kerr.UnknownMemberID)
	}
	if err := validateSync(g, req); err != nil {
		return fail(err)
	}
	switch g.state {
	case statePreparingRebalance:
		return fail(kerr.RebalanceInProgress)
	case stateCompletingRebalance:
		m := g.member(req.MemberID)
		o.forget(m.awaitingSync) // a SyncGroup this one displaces
		m.awaitingSync = &parked{to: ctx.Responder, version: ctx.Version}
		s.removePendingSync(g, m.id)
		if g.isLeader(m.id) {
			s.storeAssignment(o, g, req.GroupAssignment)
		}
	case stateStable:
		s.removePendingSync(g, req.MemberID)
		r := syncResponse(ctx.Version, nil, g.member(req.MemberID).assignment)
		r.ProtocolType, r.Protocol = g.protocolType, g.protocolName
		o.reply(ctx.Responder, r)
	}
	return o.out
}

// syncResponse is a SyncGroup response with its error and the member's
// assignment (never null on the wire).
func syncResponse(version int16, err *kerr.Error, assignment []byte) *kmsg.SyncGroupResponse {
	r := kmsg.NewPtrSyncGroupResponse()
	r.Version = version
	r.ErrorCode = code(err)
	r.MemberAssignment = nonNil(assignment)
	return r
}

func validateSync(g *classicGroup, req *kmsg.SyncGroupRequest) *kerr.Error {
	if g.in(stateDead) {
		return kerr.CoordinatorNotAvailable
	}
	if err := g.validateMember(req.MemberID, req.InstanceID); err != nil {
		return err
	}
	if req.Generation != g.generation {
		return kerr.IllegalGeneration
	}
	if inconsistent(req.ProtocolType, g.protocolType) || inconsistent(req.Protocol, g.protocolName) {
		return kerr.InconsistentGroupProtocol
	}
	return nil
}

// inconsistent: both set and different (v5 sends them; older versions not).
func inconsistent(req, group *string) bool {
	return req != nil && group != nil && *req != *group
}

// storeAssignment takes the leader's assignment (members it left out get an
// empty one), persists it and answers every parked SyncGroup.
func (s *Shard) storeAssignment(o *op, g *classicGroup, assignments []kmsg.SyncGroupRequestGroupAssignment) {
	byMember := make(map[string][]byte, len(assignments))
	for _, a := range assignments {
		byMember[a.MemberID] = a.MemberAssignment
	}
	for _, m := range g.members() {
		m.assignment = byMember[m.id]
		if m.assignment == nil {
			m.assignment = []byte{}
		}
	}
	s.emit(o, groupMetadataRecord(g), false)
	g.transition(stateStable, o.now)
	s.propagateAssignment(o, g, nil)
	s.log.Info("group: assignment stored", "group", g.id, "generation", g.generation)
}

func (s *Shard) removePendingSync(g *classicGroup, memberID string) {
	delete(g.pendingSync, memberID)
	if len(g.pendingSync) == 0 || !(g.in(stateCompletingRebalance) || g.in(stateStable)) {
		s.timer.Cancel(syncKey(g.id))
	}
}

// Heartbeat serves a Heartbeat request (v0-v4).
func (s *Shard) Heartbeat(ctx OpContext, req *kmsg.HeartbeatRequest) Result {
	o := &op{now: ctx.NowMs}
	r := kmsg.NewPtrHeartbeatResponse()
	r.Version = ctx.Version
	r.ErrorCode = code(s.heartbeat(req))
	o.reply(ctx.Responder, r)
	return o.out
}

func (s *Shard) heartbeat(req *kmsg.HeartbeatRequest) *kerr.Error {
	if req.Group == "" {
		return kerr.InvalidGroupID
	}
	g := s.classic(req.Group)
	switch {
	case g == nil:
		return kerr.UnknownMemberID
	case g.in(stateDead):
		return kerr.CoordinatorNotAvailable
	}
	if err := g.validateMember(req.MemberID, req.InstanceID); err != nil {
		return err
	}
	if req.Generation != g.generation {
		return kerr.IllegalGeneration
	}
	m := g.member(req.MemberID)
	switch g.state {
	case statePreparingRebalance:
		s.scheduleHeartbeat(g, m, int64(m.sessionTimeoutMs))
		return kerr.RebalanceInProgress
	case stateCompletingRebalance, stateStable:
		// Members may heartbeat between their JoinGroup and SyncGroup.
		s.scheduleHeartbeat(g, m, int64(m.sessionTimeoutMs))
		return nil
	default:
		return kerr.UnknownMemberID
	}
}

// LeaveGroup serves a LeaveGroup request: one member (v0-v2) or a batch,
// by member id or, for an admin removing static members, by instance id
// alone (v3-v5).
func (s *Shard) LeaveGroup(ctx OpContext, req *kmsg.LeaveGroupRequest) Result {
	o := &op{now: ctx.NowMs}
	resp := kmsg.NewPtrLeaveGroupResponse()
	resp.Version = ctx.Version
	s.leaveGroup(o, ctx.Version, req, resp)
	o.reply(ctx.Responder, resp)
	return o.out
}

func (s *Shard) leaveGroup(o *op, version int16, req *kmsg.LeaveGroupRequest, resp *kmsg.LeaveGroupResponse) {
	members := req.Members
	if version < 3 {
		members = []kmsg.LeaveGroupRequestMember{{MemberID: req.MemberID}}
	}
	var top *kerr.Error
	g := s.classic(req.Group)
	switch {
	case req.Group == "":
		top = kerr.InvalidGroupID
	case g == nil && s.consumer(req.Group) != nil:
		s.leaveConsumerGroupClassic(version, s.consumer(req.Group), members, resp)
		return
	case g == nil:
		top = kerr.UnknownMemberID
	case g.in(stateDead):
		top = kerr.CoordinatorNotAvailable
	}
	if top != nil {
		resp.ErrorCode = code(top)
		return
	}

	left := 0
	for _, lm := range members {
		var err *kerr.Error
		switch {
		case lm.MemberID == "":
			if lm.InstanceID != nil && g.static[*lm.InstanceID] != "" {
				s.removeLeavingMember(o, g, g.static[*lm.InstanceID])
			} else {
				err = kerr.UnknownMemberID
			}
		case g.pendingJoin[lm.MemberID]:
			g.remove(o, lm.MemberID)
			s.timer.Cancel(heartbeatKey(g.id, lm.MemberID))
		default:
			if err = g.validateMember(lm.MemberID, lm.InstanceID); err == nil {
				s.removeLeavingMember(o, g, lm.MemberID)
			}
		}
		if err == nil {
			left++
		}
		resp.Members = append(resp.Members, kmsg.LeaveGroupResponseMember{
			MemberID: lm.MemberID, InstanceID: lm.InstanceID, ErrorCode: code(err),
		})
	}
	if version < 3 {
		// One member, its error at the top level.
		resp.ErrorCode = resp.Members[0].ErrorCode
		resp.Members = nil
	}
	if left > 0 {
		switch g.state {
		case stateStable, stateCompletingRebalance:
			s.maybePrepareRebalanceOrCompleteJoin(o, g, "members left")
		case statePreparingRebalance:
			s.maybeCompleteJoinPhase(o, g)
		}
	}
}

func (s *Shard) removeLeavingMember(o *op, g *classicGroup, memberID string) {
	m := g.member(memberID)
	s.timer.Cancel(heartbeatKey(g.id, memberID))
	g.completeJoin(o, m, func(v int16) *kmsg.JoinGroupResponse { return joinError(v, "", kerr.UnknownMemberID) })
	g.remove(o, memberID)
}
