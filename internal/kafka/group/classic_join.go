package group

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Timer keys, as Kafka names them.
func heartbeatKey(groupID, memberID string) string { return "heartbeat-" + groupID + "-" + memberID }
func joinKey(groupID string) string                { return "join-" + groupID }
func syncKey(groupID string) string                { return "sync-" + groupID }

// JoinGroup serves a JoinGroup request (v0-v9). The reply to ctx.Responder
// may be in this Result or, when the member must wait for the rest of the
// group, in the Result of a later operation.
func (s *Shard) JoinGroup(ctx OpContext, req *kmsg.JoinGroupRequest) Result {
	o := &op{now: ctx.NowMs}
	v := ctx.Version
	fail := func(memberID string, err *kerr.Error) Result {
		o.reply(ctx.Responder, joinError(v, memberID, err))
		return o.out
	}
	if req.Group == "" {
		return fail(req.MemberID, kerr.InvalidGroupID)
	}
	if req.SessionTimeoutMillis < s.cfg.MinSessionTimeoutMs || req.SessionTimeoutMillis > s.cfg.MaxSessionTimeoutMs {
		return fail(req.MemberID, kerr.InvalidSessionTimeout)
	}
	j := joinReq{ctx: ctx, req: req, protocols: protocolsOf(req.Protocols), rebalanceMs: req.RebalanceTimeoutMillis}
	if v == 0 || j.rebalanceMs == -1 {
		// v0 has no rebalance timeout: the session timeout serves as both.
		// So it does for -1, which is how the group's record says "none"
		// and how a loaded shard would read it back.
		j.rebalanceMs = req.SessionTimeoutMillis
	}
	if !s.joinGroupOverConsumerGroup(o, req.Group) {
		return fail(req.MemberID, kerr.InconsistentGroupProtocol)
	}
	deleted := len(o.out.Records)
	unknown := req.MemberID == ""
	_, existed := s.groups[req.Group]
	var g *classicGroup
	if unknown {
		var ok bool
		if g, ok = s.classicOrCreate(req.Group, o.now); !ok {
			return fail(req.MemberID, kerr.GroupIDNotFound)
		}
	} else if g = s.classic(req.Group); g == nil {
		if existed {
			return fail(req.MemberID, kerr.GroupIDNotFound)
		}
		return fail(req.MemberID, kerr.UnknownMemberID)
	}

	switch {
	case !s.acceptJoiningMember(g, req.MemberID):
		g.remove(o, req.MemberID)
		o.reply(ctx.Responder, joinError(v, "", kerr.GroupMaxSizeReached))
	case unknown:
		s.joinNewMember(o, g, j)
	default:
		s.joinExistingMember(o, g, j)
	}
	if !existed && len(o.out.Records) == deleted {
		// A new group is persisted at once, even before its first rebalance.
		s.emit(o, emptyGroupMetadataRecord(g), false)
	}
	return o.out
}

// joinReq is a JoinGroup request with its context and the fields Kafka
// derives from it.
type joinReq struct {
	ctx         OpContext
	req         *kmsg.JoinGroupRequest
	protocols   []protocol
	rebalanceMs int32
}

func (j joinReq) parked() *parked { return &parked{to: j.ctx.Responder, version: j.ctx.Version} }

func (j joinReq) fail(o *op, memberID string, err *kerr.Error) {
	o.reply(j.ctx.Responder, joinError(j.ctx.Version, memberID, err))
}

func (s *Shard) acceptJoiningMember(g *classicGroup, memberID string) bool {
	switch g.state {
	case statePreparingRebalance:
		// Counting the members awaiting a join (not all members) turns away
		// the last ones to rejoin when the group is over the limit.
		if m := g.member(memberID); m != nil && m.awaitingJoin != nil {
			return true
		}
		return int32(g.numAwaitingJoin) < s.cfg.MaxSize
	case stateCompletingRebalance, stateStable:
		return g.hasMember(memberID) || int32(g.numMembers()) < s.cfg.MaxSize
	default:
		return true
	}
}

func (s *Shard) joinNewMember(o *op, g *classicGroup, j joinReq) {
	switch {
	case g.in(stateDead):
		j.fail(o, "", kerr.CoordinatorNotAvailable)
	case !g.supportsProtocols(j.req.ProtocolType, j.protocols):
		j.fail(o, "", kerr.InconsistentGroupProtocol)
	case j.req.InstanceID != nil:
		newID := *j.req.InstanceID + "-" + uuidString(s.newUUID())
		if old, ok := g.static[*j.req.InstanceID]; ok {
			s.replaceStaticThenRebalanceOrCompleteJoin(o, g, j, old, newID)
		} else {
			s.addMemberThenRebalanceOrCompleteJoin(o, g, j, newID)
		}
	case j.ctx.Version >= 4:
		// KIP-394: hand out a member id and have the client join again with
		// it, so that a client retrying a timed-out join is not a new member.
		newID := j.ctx.ClientID + "-" + uuidString(s.newUUID())
		g.pendingJoin[newID] = true
		s.scheduleHeartbeatByID(g.id, newID, int64(j.req.SessionTimeoutMillis))
		j.fail(o, newID, kerr.MemberIDRequired)
	default:
		s.addMemberThenRebalanceOrCompleteJoin(o, g, j, j.ctx.ClientID+"-"+uuidString(s.newUUID()))
	}
}

func (s *Shard) joinExistingMember(o *op, g *classicGroup, j joinReq) {
	id := j.req.MemberID
	switch {
	case g.in(stateDead):
		j.fail(o, id, kerr.CoordinatorNotAvailable)
		return
	case !g.supportsProtocols(j.req.ProtocolType, j.protocols):
		j.fail(o, id, kerr.InconsistentGroupProtocol)
		return
	case g.pendingJoin[id]:
		if j.req.InstanceID != nil {
			// Pending ids are only handed to dynamic members (Kafka fails
			// the request with an internal error).
			j.fail(o, id, kerr.UnknownServerError)
			return
		}
		s.addMemberThenRebalanceOrCompleteJoin(o, g, j, id)
		return
	}
	if err := g.validateMember(id, j.req.InstanceID); err != nil {
		j.fail(o, id, err)
		return
	}
	m := g.member(id)
	switch g.state {
	case statePreparingRebalance:
		s.updateMemberThenRebalanceOrCompleteJoin(o, g, m, j)
	case stateCompletingRebalance:
		if m.matches(j.protocols) {
			// The member lost its JoinGroup response: send it again.
			o.reply(j.ctx.Responder, g.joinResponse(j.ctx.Version, id, g.isLeader(id)))
		} else {
			s.updateMemberThenRebalanceOrCompleteJoin(o, g, m, j)
		}
	case stateStable:
		if g.isLeader(id) || !m.matches(j.protocols) {
			// A rejoining leader forces a rebalance: that is how it reacts to
			// changes the members' metadata does not show (new partitions).
			s.updateMemberThenRebalanceOrCompleteJoin(o, g, m, j)
		} else {
			o.reply(j.ctx.Responder, g.joinResponse(j.ctx.Version, id, false))
		}
	default:
		j.fail(o, id, kerr.UnknownMemberID)
	}
}

func (s *Shard) addMemberThenRebalanceOrCompleteJoin(o *op, g *classicGroup, j joinReq, id string) {
	m := &classicMember{
		id:                 id,
		instanceID:         j.req.InstanceID,
		clientID:           j.ctx.ClientID,
		clientHost:         j.ctx.ClientHost,
		rebalanceTimeoutMs: j.rebalanceMs,
		sessionTimeoutMs:   j.req.SessionTimeoutMillis,
		protocolType:       j.req.ProtocolType,
		protocols:          j.protocols,
		isNew:              true,
	}
	if g.in(statePreparingRebalance) && g.prevState == stateEmpty {
		g.newMemberAdded = true
	}
	g.add(m, j.parked())
	// A new member cannot heartbeat while its join is parked, and a client
	// that gave up may retry as yet another member: bound the wait.
	s.scheduleHeartbeat(g, m, int64(s.cfg.NewMemberJoinTimeoutMs))
	s.maybePrepareRebalanceOrCompleteJoin(o, g, "adding member "+id)
}

func (s *Shard) updateMemberThenRebalanceOrCompleteJoin(o *op, g *classicGroup, m *classicMember, j joinReq) {
	g.updateMember(o, m, j.protocols, j.rebalanceMs, j.req.SessionTimeoutMillis, j.parked())
	s.maybePrepareRebalanceOrCompleteJoin(o, g, "member "+m.id+" rejoins")
}

// replaceStaticThenRebalanceOrCompleteJoin serves a known group.instance.id
// joining with no member id (a restarted static member): it takes over the
// old member's place under a new id, fencing the old id.
func (s *Shard) replaceStaticThenRebalanceOrCompleteJoin(o *op, g *classicGroup, j joinReq, oldID, newID string) {
	currentLeader := g.leader
	nm := g.replaceStaticMember(o, *j.req.InstanceID, oldID, newID)
	s.timer.Cancel(heartbeatKey(g.id, oldID))
	s.scheduleHeartbeat(g, nm, int64(nm.sessionTimeoutMs))
	g.updateMember(o, nm, j.protocols, j.rebalanceMs, j.req.SessionTimeoutMillis, j.parked())

	switch g.state {
	case stateStable:
		if g.protocolNameOr() != g.selectProtocol() {
			s.maybePrepareRebalanceOrCompleteJoin(o, g, "static member "+newID+" changes the group's protocol")
			return
		}
		// No rebalance: persist the new member id, then answer with the
		// current generation (v9+ lets the leader skip the assignment).
		s.emit(o, groupMetadataRecord(g), false)
		g.completeJoin(o, nm, func(v int16) *kmsg.JoinGroupResponse {
			if v >= 9 {
				leader := g.isLeader(newID)
				r := g.joinResponse(v, newID, leader)
				r.SkipAssignment = leader
				return r
			}
			r := g.joinResponse(v, newID, false)
			r.LeaderID = currentLeader
			return r
		})
	case stateCompletingRebalance:
		// The leader may already be assigning under the old id: rebalance.
		s.prepareRebalance(o, g, "static member "+newID+" rejoins during CompletingRebalance")
	default:
		s.maybeCompleteJoinPhase(o, g)
	}
}

func (s *Shard) maybePrepareRebalanceOrCompleteJoin(o *op, g *classicGroup, reason string) {
	if canMove(g.state, statePreparingRebalance) {
		s.prepareRebalance(o, g, reason)
	} else {
		s.maybeCompleteJoinPhase(o, g)
	}
}

// maybeCompleteJoinPhase ends the join phase once every member rejoined,
// except in the initial rebalance, which always waits out its delay.
func (s *Shard) maybeCompleteJoinPhase(o *op, g *classicGroup) {
	if g.in(statePreparingRebalance) && g.hasAllMembersJoined() && g.prevState != stateEmpty {
		s.completeJoinPhase(o, g)
	}
}

func (s *Shard) prepareRebalance(o *op, g *classicGroup, reason string) {
	if g.in(stateCompletingRebalance) {
		s.resetAndPropagateAssignment(o, g, kerr.RebalanceInProgress)
	}
	clear(g.pendingSync)
	s.timer.Cancel(syncKey(g.id))

	initial := g.in(stateEmpty)
	if initial {
		delay := int64(s.cfg.InitialRebalanceDelayMs)
		remaining := max(g.rebalanceTimeoutMs()-delay, 0)
		s.scheduleInitialRebalance(g.id, delay, remaining)
	}
	g.transition(statePreparingRebalance, o.now)
	s.log.Info("group: preparing to rebalance", "group", g.id, "generation", g.generation, "reason", reason)
	if !initial {
		s.maybeCompleteJoinElseSchedule(o, g)
	}
}

func (s *Shard) maybeCompleteJoinElseSchedule(o *op, g *classicGroup) {
	if g.hasAllMembersJoined() {
		s.completeJoinPhase(o, g)
		return
	}
	s.scheduleCompleteJoin(g.id, g.rebalanceTimeoutMs())
}

func (s *Shard) scheduleCompleteJoin(id string, delay int64) {
	// A group whose members all sent a rebalance timeout of 0 would retry
	// at once, forever, while only static members fail to rejoin.
	s.timer.Schedule(joinKey(id), max(delay, 1), func(now int64) Result {
		o := &op{now: now}
		if g := s.classic(id); g != nil && g.in(statePreparingRebalance) {
			s.completeJoinPhase(o, g)
		}
		return o.out
	})
}

// scheduleInitialRebalance waits group.initial.rebalance.delay.ms for more
// members, again while new ones keep coming, up to the rebalance timeout.
func (s *Shard) scheduleInitialRebalance(id string, delay, remaining int64) {
	s.timer.Schedule(joinKey(id), delay, func(now int64) Result {
		o := &op{now: now}
		g := s.classic(id)
		if g == nil || !g.in(statePreparingRebalance) {
			return o.out
		}
		if g.newMemberAdded && remaining != 0 {
			g.newMemberAdded = false
			s.scheduleInitialRebalance(id, min(int64(s.cfg.InitialRebalanceDelayMs), remaining), max(remaining-delay, 0))
			return o.out
		}
		s.completeJoinPhase(o, g)
		return o.out
	})
}

// completeJoinPhase drops the dynamic members that did not rejoin and starts
// the next generation: CompletingRebalance with the JoinGroup responses
// sent, or Empty with its metadata persisted.
func (s *Shard) completeJoinPhase(o *op, g *classicGroup) {
	s.timer.Cancel(joinKey(g.id))
	for _, m := range g.members() {
		if m.awaitingJoin == nil && !m.isStatic() {
			g.remove(o, m.id)
			s.timer.Cancel(heartbeatKey(g.id, m.id))
		}
	}
	if g.in(stateDead) {
		return
	}
	if !g.maybeElectNewJoinedLeader() && g.numMembers() > 0 {
		// Only static members that did not rejoin are left: wait for their
		// session timeouts to remove them.
		s.scheduleCompleteJoin(g.id, g.rebalanceTimeoutMs())
		return
	}
	g.initNextGeneration(o.now)
	if g.in(stateEmpty) {
		s.emit(o, groupMetadataRecord(g), false)
		return
	}
	s.log.Info("group: stabilized", "group", g.id, "generation", g.generation, "members", g.numMembers())
	for _, m := range g.members() {
		g.completeJoin(o, m, func(v int16) *kmsg.JoinGroupResponse {
			return g.joinResponse(v, m.id, g.isLeader(m.id))
		})
		s.scheduleHeartbeat(g, m, int64(m.sessionTimeoutMs))
		m.isNew = false
		g.pendingSync[m.id] = true
	}
	gen := g.generation
	s.timer.Schedule(syncKey(g.id), g.rebalanceTimeoutMs(), func(now int64) Result {
		return s.expirePendingSync(now, g.id, gen)
	})
}

// expirePendingSync removes the members that never sent SyncGroup in the
// generation and rebalances without them.
func (s *Shard) expirePendingSync(now int64, id string, generation int32) Result {
	o := &op{now: now}
	g := s.classic(id)
	if g == nil || g.generation != generation || !(g.in(stateCompletingRebalance) || g.in(stateStable)) ||
		len(g.pendingSync) == 0 {
		return o.out
	}
	for _, m := range g.members() {
		if g.pendingSync[m.id] {
			g.remove(o, m.id)
			s.timer.Cancel(heartbeatKey(id, m.id))
		}
	}
	s.prepareRebalance(o, g, "members did not send SyncGroup in time")
	return o.out
}

func (s *Shard) scheduleHeartbeat(g *classicGroup, m *classicMember, timeoutMs int64) {
	s.scheduleHeartbeatByID(g.id, m.id, timeoutMs)
}

func (s *Shard) scheduleHeartbeatByID(groupID, memberID string, timeoutMs int64) {
	s.timer.Schedule(heartbeatKey(groupID, memberID), timeoutMs, func(now int64) Result {
		return s.expireHeartbeat(now, groupID, memberID)
	})
}

// expireHeartbeat removes a member whose session ran out (or a KIP-394
// pending member that never joined).
func (s *Shard) expireHeartbeat(now int64, groupID, memberID string) Result {
	o := &op{now: now}
	g := s.classic(groupID)
	switch {
	case g == nil || g.in(stateDead):
	case g.pendingJoin[memberID]:
		g.remove(o, memberID)
		if g.in(statePreparingRebalance) && g.hasAllMembersJoined() {
			s.completeJoinPhase(o, g)
		}
	case !g.hasMember(memberID):
	case !g.member(memberID).hasSatisfiedHeartbeat():
		s.log.Info("group: member session expired", "group", groupID, "member", memberID)
		s.removeMemberAndUpdateGroup(o, g, g.member(memberID), "session timeout of "+memberID)
	}
	return o.out
}

func (s *Shard) removeMemberAndUpdateGroup(o *op, g *classicGroup, m *classicMember, reason string) {
	// A new member may be parked in the join: tell it to join again.
	g.completeJoin(o, m, func(v int16) *kmsg.JoinGroupResponse { return joinError(v, "", kerr.UnknownMemberID) })
	g.remove(o, m.id)
	switch {
	case g.in(stateStable) || g.in(stateCompletingRebalance):
		s.maybePrepareRebalanceOrCompleteJoin(o, g, reason)
	case g.in(statePreparingRebalance) && g.hasAllMembersJoined():
		s.completeJoinPhase(o, g)
	}
}

// resetAndPropagateAssignment clears the assignments and answers every
// parked SyncGroup with err.
func (s *Shard) resetAndPropagateAssignment(o *op, g *classicGroup, err *kerr.Error) {
	for _, m := range g.members() {
		m.assignment = nil
	}
	s.propagateAssignment(o, g, err)
}

func (s *Shard) propagateAssignment(o *op, g *classicGroup, err *kerr.Error) {
	for _, m := range g.members() {
		if g.completeSync(o, m, err, m.assignment, err == nil) {
			// Sessions that ran out while the group waited for the leader
			// were ignored: start them afresh.
			s.scheduleHeartbeat(g, m, int64(m.sessionTimeoutMs))
		}
	}
}

func (s *Shard) unloadClassic(o *op, g *classicGroup) {
	g.transition(stateDead, o.now)
	for _, m := range g.members() {
		switch g.prevState {
		case statePreparingRebalance:
			g.completeJoin(o, m, func(v int16) *kmsg.JoinGroupResponse { return joinError(v, m.id, kerr.NotCoordinator) })
		case stateCompletingRebalance, stateStable:
			g.completeSync(o, m, kerr.NotCoordinator, nil, false)
		}
		s.timer.Cancel(heartbeatKey(g.id, m.id))
	}
	for id := range g.pendingJoin {
		s.timer.Cancel(heartbeatKey(g.id, id))
	}
	s.timer.Cancel(joinKey(g.id))
	s.timer.Cancel(syncKey(g.id))
}
