package group

import (
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// DescribeGroup answers one group of a DescribeGroups request. A group the
// shard does not have is described as Dead with no error, as Kafka does.
// AuthorizedOperations is left to the caller.
func (s *Shard) DescribeGroup(id string) kmsg.DescribeGroupsResponseGroup {
	d := kmsg.NewDescribeGroupsResponseGroup()
	d.Group = id
	g := s.classic(id)
	if g == nil {
		d.State = stateDead.String()
		return d
	}
	d.State = g.state.String()
	d.ProtocolType = g.protocolTypeOr()
	stable := g.in(stateStable)
	if stable {
		// Only a stable group's protocol and member metadata are settled.
		d.Protocol = g.protocolNameOr()
	}
	for _, m := range g.members() {
		dm := kmsg.DescribeGroupsResponseGroupMember{
			MemberID:         m.id,
			InstanceID:       m.instanceID,
			ClientID:         m.clientID,
			ClientHost:       m.clientHost,
			MemberAssignment: m.assignment,
			ProtocolMetadata: []byte{},
		}
		if dm.MemberAssignment == nil {
			dm.MemberAssignment = []byte{}
		}
		if stable {
			dm.ProtocolMetadata = m.metadata(d.Protocol)
		}
		d.Members = append(d.Members, dm)
	}
	return d
}

// ListGroups lists the shard's groups, sorted by id, that pass the filters:
// states (v4+, case-insensitive) and types (v5+, "classic" or "consumer",
// case-insensitive); an empty filter passes everything.
func (s *Shard) ListGroups(statesFilter, typesFilter []string) []kmsg.ListGroupsResponseGroup {
	states := map[string]bool{}
	for _, st := range statesFilter {
		states[strings.ToLower(strings.TrimSpace(st))] = true
	}
	types := map[string]bool{}
	for _, t := range typesFilter {
		types[strings.ToLower(strings.TrimSpace(t))] = true
	}
	var out []kmsg.ListGroupsResponseGroup
	for _, id := range s.GroupIDs() {
		g := s.groups[id]
		if len(states) > 0 && !states[strings.ToLower(g.StateName())] {
			continue
		}
		if len(types) > 0 && !types[string(g.Type())] {
			continue
		}
		lg := kmsg.NewListGroupsResponseGroup()
		lg.Group = id
		lg.GroupState = g.StateName()
		lg.GroupType = string(g.Type())
		switch c := g.(type) {
		case *classicGroup:
			lg.ProtocolType = c.protocolTypeOr()
		case *consumerGroup:
			lg.ProtocolType = consumerProtocolType
		}
		out = append(out, lg)
	}
	return out
}
