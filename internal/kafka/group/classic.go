package group

import (
	"bytes"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// classicState is a classic group's state. Transitions (Kafka's
// ClassicGroupState):
//
//	Empty               -> PreparingRebalance (a member joins)
//	PreparingRebalance  -> CompletingRebalance (join phase done, members left)
//	                    -> Empty (join phase done, nobody left)
//	CompletingRebalance -> Stable (the leader's assignment is stored)
//	                    -> PreparingRebalance (a member joins, leaves or fails)
//	Stable              -> PreparingRebalance
//	any                 -> Dead (unloaded or deleted)
type classicState int8

const (
	stateEmpty classicState = iota
	statePreparingRebalance
	stateCompletingRebalance
	stateStable
	stateDead
)

var stateNames = [...]string{"Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"}

func (st classicState) String() string { return stateNames[st] }

// validPrevious[to] lists the states a group may move to `to` from.
var validPrevious = [...][]classicState{
	stateEmpty:               {statePreparingRebalance},
	statePreparingRebalance:  {stateStable, stateCompletingRebalance, stateEmpty},
	stateCompletingRebalance: {statePreparingRebalance},
	stateStable:              {stateCompletingRebalance},
	stateDead:                {stateStable, statePreparingRebalance, stateCompletingRebalance, stateEmpty, stateDead},
}

func canMove(from, to classicState) bool {
	for _, p := range validPrevious[to] {
		if p == from {
			return true
		}
	}
	return false
}

// parked is a request waiting for its response.
type parked struct {
	to      Responder
	version int16
}

type protocol struct {
	name     string
	metadata []byte
}

// protocolsOf takes a JoinGroup's protocols, the first of each name (the
// group counts each member once per protocol).
func protocolsOf(req []kmsg.JoinGroupRequestProtocol) []protocol {
	ps := make([]protocol, 0, len(req))
	seen := make(map[string]bool, len(req))
	for _, p := range req {
		if !seen[p.Name] {
			seen[p.Name] = true
			ps = append(ps, protocol{name: p.Name, metadata: p.Metadata})
		}
	}
	return ps
}

// classicMember is a member of a classic group (Kafka's ClassicGroupMember).
type classicMember struct {
	id                 string
	instanceID         *string // nil for a dynamic member
	clientID           string
	clientHost         string
	rebalanceTimeoutMs int32
	sessionTimeoutMs   int32
	protocolType       string
	protocols          []protocol // in the member's order of preference
	assignment         []byte
	awaitingJoin       *parked
	awaitingSync       *parked
	// isNew marks a member added in the current join phase: its session
	// timer runs even while it waits for the JoinGroup response.
	isNew bool
}

func (m *classicMember) isStatic() bool { return m.instanceID != nil }

// matches reports whether protocols equal the member's, order included.
func (m *classicMember) matches(ps []protocol) bool {
	if len(ps) != len(m.protocols) {
		return false
	}
	for i, p := range ps {
		if p.name != m.protocols[i].name || !bytes.Equal(p.metadata, m.protocols[i].metadata) {
			return false
		}
	}
	return true
}

func (m *classicMember) metadata(name string) []byte {
	for _, p := range m.protocols {
		if p.name == name {
			return p.metadata
		}
	}
	return nil
}

// vote returns the member's most preferred protocol among candidates.
func (m *classicMember) vote(candidates map[string]bool) string {
	for _, p := range m.protocols {
		if candidates[p.name] {
			return p.name
		}
	}
	return ""
}

// hasSatisfiedHeartbeat: a member waiting in a rebalance needs no heartbeat,
// unless it is new (a new member's parked join may time out).
func (m *classicMember) hasSatisfiedHeartbeat() bool {
	return !m.isNew && (m.awaitingJoin != nil || m.awaitingSync != nil)
}

// classicGroup is a group of the classic protocol (Kafka's ClassicGroup).
// Members are kept in insertion order so that every choice Kafka leaves to
// hash-map order (the next leader, vote ties) is deterministic here.
type classicGroup struct {
	id             string
	state          classicState
	prevState      classicState
	stateTimestamp int64 // -1 when unknown (old metadata schema)
	protocolType   *string
	protocolName   *string
	generation     int32
	leader         string // "" when none: member ids are never empty

	byID        map[string]*classicMember
	order       []string
	static      map[string]string // group.instance.id -> member id
	pendingJoin map[string]bool   // KIP-394 ids handed out, not yet joined
	pendingSync map[string]bool
	// numAwaitingJoin counts the members with a parked JoinGroup, so that
	// each JoinGroup checks the join phase's end without a scan (Kafka's
	// numMembersAwaitingJoin); setAwaitingJoin and remove keep it.
	numAwaitingJoin int
	supported       map[string]int // protocol name -> members supporting it
	// subscribed is the union of the members' subscribed topics when the
	// group uses the consumer protocol and they could be parsed.
	subscribed     map[string]bool
	subscribedKnow bool
	newMemberAdded bool
}

func newClassicGroup(id string, now int64) *classicGroup {
	return &classicGroup{
		id:             id,
		state:          stateEmpty,
		prevState:      stateDead,
		stateTimestamp: now,
		byID:           map[string]*classicMember{},
		static:         map[string]string{},
		pendingJoin:    map[string]bool{},
		pendingSync:    map[string]bool{},
		supported:      map[string]int{},
	}
}

func (g *classicGroup) ID() string        { return g.id }
func (g *classicGroup) Type() GroupType   { return TypeClassic }
func (g *classicGroup) StateName() string { return g.state.String() }
func (g *classicGroup) IsEmpty() bool     { return g.state == stateEmpty }

func (g *classicGroup) in(st classicState) bool         { return g.state == st }
func (g *classicGroup) member(id string) *classicMember { return g.byID[id] }
func (g *classicGroup) hasMember(id string) bool        { return g.byID[id] != nil }
func (g *classicGroup) numMembers() int                 { return len(g.order) }
func (g *classicGroup) isLeader(id string) bool         { return g.leader != "" && g.leader == id }

func (g *classicGroup) members() []*classicMember {
	ms := make([]*classicMember, len(g.order))
	for i, id := range g.order {
		ms[i] = g.byID[id]
	}
	return ms
}

func (g *classicGroup) protocolTypeOr() string { return deref(g.protocolType) }
func (g *classicGroup) protocolNameOr() string { return deref(g.protocolName) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr(s string) *string { return &s }

func (g *classicGroup) transition(to classicState, now int64) {
	if !canMove(g.state, to) {
		// A bug, not input: log-worthy but keep going as Kafka's assertion
		// would have stopped the operation; the state stays consistent.
		return
	}
	g.prevState = g.state
	g.state = to
	g.stateTimestamp = now
}

func (g *classicGroup) add(m *classicMember, join *parked) {
	if m.instanceID != nil {
		g.static[*m.instanceID] = m.id
	}
	if len(g.order) == 0 {
		g.protocolType = ptr(m.protocolType)
	}
	if g.leader == "" {
		g.leader = m.id
	}
	g.byID[m.id] = m
	g.order = append(g.order, m.id)
	g.countProtocols(m, 1)
	g.setAwaitingJoin(m, join)
	delete(g.pendingJoin, m.id)
}

// remove drops a member; a request of it still parked is forgotten.
func (g *classicGroup) remove(o *op, id string) {
	if m := g.byID[id]; m != nil {
		o.forget(m.awaitingJoin)
		o.forget(m.awaitingSync)
		delete(g.byID, id)
		for i, oid := range g.order {
			if oid == id {
				g.order = append(g.order[:i:i], g.order[i+1:]...)
				break
			}
		}
		g.countProtocols(m, -1)
		if m.awaitingJoin != nil {
			g.numAwaitingJoin--
		}
		if m.instanceID != nil {
			delete(g.static, *m.instanceID)
		}
	}
	if g.isLeader(id) {
		g.leader = ""
		if len(g.order) > 0 {
			g.leader = g.order[0]
		}
	}
	delete(g.pendingJoin, id)
	delete(g.pendingSync, id)
}

func (g *classicGroup) countProtocols(m *classicMember, d int) {
	for _, p := range m.protocols {
		g.supported[p.name] += d
		if g.supported[p.name] == 0 {
			delete(g.supported, p.name)
		}
	}
}

// maybeElectNewJoinedLeader makes a member that rejoined the leader if the
// current one did not; false if no member rejoined.
func (g *classicGroup) maybeElectNewJoinedLeader() bool {
	if g.leader == "" {
		return false
	}
	if l := g.byID[g.leader]; l != nil && l.awaitingJoin != nil {
		return true
	}
	for _, m := range g.members() {
		if m.awaitingJoin != nil {
			g.leader = m.id
			return true
		}
	}
	return false
}

func (g *classicGroup) hasAllMembersJoined() bool {
	return len(g.order) == g.numAwaitingJoin && len(g.pendingJoin) == 0
}

func (g *classicGroup) rebalanceTimeoutMs() int64 {
	var max int32
	for _, m := range g.byID {
		if m.rebalanceTimeoutMs > max {
			max = m.rebalanceTimeoutMs
		}
	}
	return int64(max)
}

// updateMember replaces a member's protocols and timeouts and parks its
// JoinGroup (join nil: not waiting); a JoinGroup parked before is
// forgotten, unanswered, as Kafka does.
func (g *classicGroup) updateMember(o *op, m *classicMember, ps []protocol, rebalanceMs, sessionMs int32, join *parked) {
	g.countProtocols(m, -1)
	m.protocols = ps
	g.countProtocols(m, 1)
	m.rebalanceTimeoutMs = rebalanceMs
	m.sessionTimeoutMs = sessionMs
	o.forget(g.setAwaitingJoin(m, join))
}

// setAwaitingJoin parks a member's JoinGroup (nil: none), keeps
// numAwaitingJoin in step, and returns the JoinGroup parked before (nil:
// none).
func (g *classicGroup) setAwaitingJoin(m *classicMember, join *parked) (before *parked) {
	switch {
	case join != nil && m.awaitingJoin == nil:
		g.numAwaitingJoin++
	case join == nil && m.awaitingJoin != nil:
		g.numAwaitingJoin--
	}
	before, m.awaitingJoin = m.awaitingJoin, join
	return before
}

// supportsProtocols is Kafka's check that a joining member can be part of
// the group: some protocol every member supports, of the same type.
func (g *classicGroup) supportsProtocols(protocolType string, ps []protocol) bool {
	if g.in(stateEmpty) {
		return protocolType != "" && len(ps) > 0
	}
	if g.protocolType == nil || *g.protocolType != protocolType {
		return false
	}
	for _, p := range ps {
		if g.supported[p.name] == len(g.order) {
			return true
		}
	}
	return false
}

// selectProtocol lets each member vote for its preferred protocol among
// those all support; the most votes win, ties to the first voted for.
func (g *classicGroup) selectProtocol() string {
	candidates := map[string]bool{}
	for name, n := range g.supported {
		if n == len(g.order) {
			candidates[name] = true
		}
	}
	votes := map[string]int{}
	var best string
	for _, m := range g.members() {
		v := m.vote(candidates)
		votes[v]++
		if best == "" || votes[v] > votes[best] {
			best = v
		}
	}
	return best
}

func (g *classicGroup) initNextGeneration(now int64) {
	g.generation++
	if len(g.order) > 0 {
		g.protocolName = ptr(g.selectProtocol())
		g.computeSubscribed()
		g.transition(stateCompletingRebalance, now)
	} else {
		g.protocolName = nil
		g.computeSubscribed()
		g.transition(stateEmpty, now)
	}
	clear(g.pendingSync)
}

// usesConsumerProtocol: the group's protocol type is "consumer".
func (g *classicGroup) usesConsumerProtocol() bool {
	return g.protocolType != nil && *g.protocolType == "consumer"
}

// computeSubscribed parses the members' subscriptions (the v0 prefix every
// ConsumerProtocol version shares) to learn the group's topics.
func (g *classicGroup) computeSubscribed() {
	g.subscribed, g.subscribedKnow = nil, false
	if !g.usesConsumerProtocol() {
		return
	}
	topics := map[string]bool{}
	if len(g.order) > 0 {
		if g.protocolName == nil {
			return
		}
		for _, m := range g.members() {
			if !parseSubscriptionTopics(m.metadata(*g.protocolName), topics) {
				return
			}
		}
	}
	g.subscribed, g.subscribedKnow = topics, true
}

// parseSubscriptionTopics reads ConsumerProtocolSubscription's version and
// v0 topic array into topics; false if malformed.
func parseSubscriptionTopics(b []byte, topics map[string]bool) bool {
	r := kbin.Reader{Src: b}
	r.Int16()
	n := r.ArrayLen()
	if !r.Ok() || n < 0 {
		return false
	}
	for range n {
		t := r.String()
		if !r.Ok() {
			return false
		}
		topics[t] = true
	}
	return true
}

// isSubscribedToTopic: unknown subscriptions of a consumer group count as
// subscribed to everything (Kafka keeps those offsets).
func (g *classicGroup) isSubscribedToTopic(topic string) bool {
	if g.subscribedKnow {
		return g.subscribed[topic]
	}
	return g.usesConsumerProtocol()
}

// validateMember checks a request's member and instance id (Kafka's
// validateMember): an unknown instance or member is UNKNOWN_MEMBER_ID, an
// instance mapped to another member id is FENCED_INSTANCE_ID.
func (g *classicGroup) validateMember(memberID string, instanceID *string) *kerr.Error {
	if instanceID != nil {
		existing, ok := g.static[*instanceID]
		if !ok {
			return kerr.UnknownMemberID
		}
		if existing != memberID {
			return kerr.FencedInstanceID
		}
	}
	if !g.hasMember(memberID) {
		return kerr.UnknownMemberID
	}
	return nil
}

// joinMembers lists the members with their metadata for the selected
// protocol, as the leader's JoinGroup response carries them.
func (g *classicGroup) joinMembers() []kmsg.JoinGroupResponseMember {
	out := make([]kmsg.JoinGroupResponseMember, 0, len(g.order))
	for _, m := range g.members() {
		out = append(out, kmsg.JoinGroupResponseMember{
			MemberID:         m.id,
			InstanceID:       m.instanceID,
			ProtocolMetadata: m.metadata(g.protocolNameOr()),
		})
	}
	return out
}

// joinResponse is a JoinGroup response for the current generation.
func (g *classicGroup) joinResponse(version int16, memberID string, withMembers bool) *kmsg.JoinGroupResponse {
	r := kmsg.NewPtrJoinGroupResponse()
	r.Version = version
	r.MemberID = memberID
	r.Generation = g.generation
	r.Protocol = g.protocolName
	r.ProtocolType = g.protocolType
	r.LeaderID = g.leader
	if withMembers {
		r.Members = g.joinMembers()
	}
	return r
}

func joinError(version int16, memberID string, err *kerr.Error) *kmsg.JoinGroupResponse {
	r := kmsg.NewPtrJoinGroupResponse()
	r.Version = version
	r.MemberID = memberID
	r.ErrorCode = code(err)
	return r
}

// completeJoin answers a member's parked JoinGroup; false if none.
func (g *classicGroup) completeJoin(o *op, m *classicMember, resp func(version int16) *kmsg.JoinGroupResponse) bool {
	if m.awaitingJoin == nil {
		return false
	}
	p := m.awaitingJoin
	g.setAwaitingJoin(m, nil)
	o.reply(p.to, resp(p.version))
	return true
}

// completeSync answers a member's parked SyncGroup; false if none.
func (g *classicGroup) completeSync(o *op, m *classicMember, errc *kerr.Error, assignment []byte, withProtocol bool) bool {
	if m.awaitingSync == nil {
		return false
	}
	p := m.awaitingSync
	m.awaitingSync = nil
	r := syncResponse(p.version, errc, assignment)
	if withProtocol {
		r.ProtocolType, r.Protocol = g.protocolType, g.protocolName
	}
	o.reply(p.to, r)
	return true
}

// replaceStaticMember gives a static member a new member id, fencing any
// request the old id has parked.
func (g *classicGroup) replaceStaticMember(o *op, instanceID, oldID, newID string) *classicMember {
	old := g.byID[oldID]
	g.completeJoin(o, old, func(v int16) *kmsg.JoinGroupResponse {
		return joinError(v, oldID, kerr.FencedInstanceID)
	})
	g.completeSync(o, old, kerr.FencedInstanceID, nil, false)
	delete(g.byID, oldID)
	nm := &classicMember{
		id: newID, instanceID: old.instanceID, clientID: old.clientID, clientHost: old.clientHost,
		rebalanceTimeoutMs: old.rebalanceTimeoutMs, sessionTimeoutMs: old.sessionTimeoutMs,
		protocolType: old.protocolType, protocols: old.protocols, assignment: old.assignment,
	}
	g.byID[newID] = nm
	for i, id := range g.order {
		if id == oldID {
			g.order[i] = newID
		}
	}
	if g.isLeader(oldID) {
		g.leader = newID
	}
	g.static[instanceID] = newID
	return nm
}
