package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/javafmt"
	"github.com/wharf-project/wharf/internal/jopt"
)

// groupService is ConsumerGroupService: the admin calls the command makes.
type groupService struct {
	opts      *groupsOpts
	env       toolEnv
	cl        *kgo.Client
	adm       *kadm.Client
	timeoutMs int64
}

type groupTP struct {
	topic     string
	partition int32
}

// String is TopicPartition.toString.
func (tp groupTP) String() string { return tp.topic + "-" + strconv.Itoa(int(tp.partition)) }

// The consumer group states (ConsumerGroupState, in declaration order).
var cgStates = []string{"PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty", "Assigning", "Reconciling"}

// parseGroupState is ConsumerGroupState.parse: case-insensitive, else
// "Unknown".
func parseGroupState(s string) string {
	for _, st := range cgStates {
		if strings.EqualFold(st, s) {
			return st
		}
	}
	return "Unknown"
}

func (s *groupService) printError(msg string) { fmt.Fprintln(s.env.stdout, "\nError: "+msg) }

// cgOptMessage is an option-reading failure as getMessage() gives it.
func cgOptMessage(err error) error {
	var je *jopt.Error
	if errors.As(err, &je) {
		return errors.New(je.Message)
	}
	return err
}

func (s *groupService) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, time.Duration(s.timeoutMs)*time.Millisecond)
}

// run is ConsumerGroupCommand.run: a *cgUsage for printUsageAndExit, any
// other error for the catch-all "Executing consumer group command failed".
func (s *groupService) run(ctx context.Context) error {
	o := s.opts
	t, err := o.set.LongValueOf(o.timeout)
	if err != nil {
		return cgOptMessage(err)
	}
	s.timeoutMs = t
	target := kafkaTarget{TimeoutMs: t}
	target.Bootstrap, _, _ = o.set.ValueOf(o.bootstrap)
	target.ZooKeeper, _, _ = o.set.ValueOf(o.zookeeper)
	if path, ok, _ := o.set.ValueOf(o.commandConfig); ok {
		props, class, msg := loadJavaProps("", path)
		if class != "" {
			return errors.New(class + ": " + msg)
		}
		target.Props = props
	}
	cl, err := target.client(ctx, "consumer", s.env.stderr)
	if err != nil {
		return err
	}
	defer cl.Close()
	s.cl, s.adm = cl, kadm.NewClient(cl)
	switch {
	case o.set.Has(o.list):
		return s.listGroups(ctx)
	case o.set.Has(o.describe):
		return s.describeGroups(ctx)
	case o.set.Has(o.del):
		return s.deleteGroups(ctx)
	case o.set.Has(o.resetOffsets):
		plan, order, err := s.resetOffsets(ctx)
		if err != nil {
			return err
		}
		if o.set.Has(o.export) {
			fmt.Fprintln(s.env.stdout, s.exportCSV(plan, order))
		} else {
			s.printOffsetsToReset(plan, order)
		}
		return nil
	default:
		return s.deleteOffsets(ctx)
	}
}

type cgListing struct{ id, typ, state string }

// listings is Admin.listConsumerGroups: the groups of every broker whose
// protocol type is "consumer" or empty, in the brokers' order.
func (s *groupService) listings(ctx context.Context, states, types []string) ([]cgListing, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	req := kmsg.NewPtrListGroupsRequest()
	req.StatesFilter, req.TypesFilter = states, types
	shards := s.cl.RequestSharded(ctx, req)
	sort.SliceStable(shards, func(i, j int) bool { return shards[i].Meta.NodeID < shards[j].Meta.NodeID })
	var out []cgListing
	for _, sh := range shards {
		if sh.Err != nil {
			return nil, errors.New(cgException(sh.Err))
		}
		resp := sh.Resp.(*kmsg.ListGroupsResponse)
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			return nil, errors.New(cgException(err))
		}
		for _, g := range resp.Groups {
			if g.ProtocolType != "consumer" && g.ProtocolType != "" {
				continue
			}
			l := cgListing{id: g.Group, typ: "Unknown", state: "Unknown"}
			if g.GroupState != "" {
				l.state = parseGroupState(g.GroupState)
			}
			if g.GroupType != "" {
				l.typ = "Unknown"
				for _, t := range []string{"Consumer", "Classic"} {
					if strings.EqualFold(t, g.GroupType) {
						l.typ = t
					}
				}
			}
			out = append(out, l)
		}
	}
	return out, nil
}

func (s *groupService) groupIDs(ctx context.Context) ([]string, error) {
	if s.opts.set.Has(s.opts.allGroups) {
		ls, err := s.listings(ctx, nil, nil)
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, l := range ls {
			ids = append(ids, l.id)
		}
		return ids, nil
	}
	return s.opts.set.ValuesOf(s.opts.group), nil
}

func (s *groupService) listGroups(ctx context.Context) error {
	o := s.opts
	includeType, includeState := o.set.Has(o.typ), o.set.Has(o.state)
	if !includeType && !includeState {
		ls, err := s.listings(ctx, nil, nil)
		if err != nil {
			return err
		}
		for _, l := range ls {
			fmt.Fprintln(s.env.stdout, l.id)
		}
		return nil
	}
	var types, states []string
	if v, _, _ := o.set.ValueOf(o.typ); v != "" {
		seen := map[string]bool{}
		for _, t := range strings.Split(strings.ToLower(v), ",") {
			name := ""
			switch strings.TrimSpace(t) {
			case "consumer":
				name = "Consumer"
			case "classic":
				name = "Classic"
			default:
				return &cgUsage{"Invalid types list '" + v + "'. Valid types are: Consumer, Classic"}
			}
			if !seen[name] {
				seen[name] = true
				types = append(types, name)
			}
		}
	}
	if v, _, _ := o.set.ValueOf(o.state); v != "" {
		seen := map[string]bool{}
		for _, st := range strings.Split(v, ",") {
			name := parseGroupState(strings.TrimSpace(st))
			if name == "Unknown" {
				return &cgUsage{"Invalid state list '" + v + "'. Valid states are: " + strings.Join(cgStates, ", ")}
			}
			if !seen[name] {
				seen[name] = true
				states = append(states, name)
			}
		}
	}
	ls, err := s.listings(ctx, states, types)
	if err != nil {
		return err
	}
	// printGroupInfo
	width := 15
	for _, l := range ls {
		width = max(width, javafmt.Len(l.id))
	}
	header := []string{"GROUP"}
	if includeType {
		header = append(header, "TYPE")
	}
	if includeState {
		header = append(header, "STATE")
	}
	line := func(cols []string) {
		out := cgPad(cols[0], width+10)
		for _, c := range cols[1:] {
			out += " " + cgPad(c, 20)
		}
		fmt.Fprintln(s.env.stdout, out)
	}
	line(header)
	for _, l := range ls {
		cols := []string{l.id}
		if includeType {
			cols = append(cols, l.typ)
		}
		if includeState {
			cols = append(cols, l.state)
		}
		line(cols)
	}
	return nil
}

// cgPad is Java's %-Ns.
func cgPad(s string, n int) string {
	if l := javafmt.Len(s); l < n {
		return s + strings.Repeat(" ", n-l)
	}
	return s
}

type cgMember struct {
	id, instanceID, clientID, host string
	assignment                     []groupTP // in the Java set's iteration order
}

type cgGroup struct {
	id, state, assignor string
	coordinator         kgo.BrokerMetadata
	members             []cgMember
}

// describe is Admin.describeConsumerGroups: ConsumerGroupDescribe first,
// DescribeGroups for the groups it does not know (classic groups) or when
// the broker lacks it. The first failed group fails the call, as the
// command's describeConsumerGroups does.
func (s *groupService) describe(ctx context.Context, ids []string) (map[string]*cgGroup, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	out := map[string]*cgGroup{}
	if len(ids) == 0 {
		return out, nil
	}
	var classic []string
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = ids
	for _, sh := range s.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			// no ConsumerGroupDescribe: ask the classic way
			if r, ok := sh.Req.(*kmsg.ConsumerGroupDescribeRequest); ok {
				classic = append(classic, r.Groups...)
			}
			continue
		}
		resp := sh.Resp.(*kmsg.ConsumerGroupDescribeResponse)
		for _, g := range resp.Groups {
			switch err := kerr.ErrorForCode(g.ErrorCode); {
			case err == kerr.GroupIDNotFound || err == kerr.UnsupportedVersion:
				classic = append(classic, g.Group)
				continue
			case err != nil:
				return nil, errors.New(javaExceptionMsg(err, g.ErrorMessage))
			}
			d := &cgGroup{id: g.Group, state: parseGroupState(g.State), assignor: g.AssignorName, coordinator: sh.Meta}
			for _, m := range g.Members {
				md := cgMember{id: m.MemberID, clientID: m.ClientID, host: m.ClientHost}
				if m.InstanceID != nil {
					md.instanceID = *m.InstanceID
				}
				var tps []groupTP
				for _, t := range m.Assignment.TopicPartitions {
					for _, p := range t.Partitions {
						tps = append(tps, groupTP{t.Topic, p})
					}
				}
				md.assignment = cgHashMapOrder(cgDedup(tps), tpHash) // Collectors.toSet()
				d.members = append(d.members, md)
			}
			out[g.Group] = d
		}
	}
	if len(classic) == 0 {
		return out, nil
	}
	described, err := s.adm.DescribeGroups(ctx, classic...)
	if err != nil && len(described) == 0 {
		return nil, errors.New(cgException(err))
	}
	for _, id := range classic {
		g, ok := described[id]
		if !ok {
			if err == nil {
				err = kerr.UnknownServerError
			}
			return nil, errors.New(cgException(err))
		}
		if g.Err != nil {
			return nil, errors.New(javaExceptionMsg(g.Err, &g.ErrMessage))
		}
		if g.ProtocolType != "consumer" && g.ProtocolType != "" {
			return nil, fmt.Errorf("java.lang.IllegalArgumentException: GroupId %s is not a consumer group (%s).", id, g.ProtocolType)
		}
		d := &cgGroup{id: id, state: parseGroupState(g.State), assignor: g.Protocol,
			coordinator: kgo.BrokerMetadata{NodeID: g.Coordinator.NodeID, Host: g.Coordinator.Host, Port: g.Coordinator.Port}}
		for _, m := range g.Members {
			md := cgMember{id: m.MemberID, clientID: m.ClientID, host: m.ClientHost}
			if m.InstanceID != nil {
				md.instanceID = *m.InstanceID
			}
			if a, ok := m.Assigned.AsConsumer(); ok {
				var tps []groupTP
				for _, t := range a.Topics {
					for _, p := range t.Partitions {
						tps = append(tps, groupTP{t.Topic, p})
					}
				}
				tps = cgDedup(tps)
				md.assignment = javafmt.HashOrder(tps, tpHash, javafmt.HashCapacity(max(int(float32(len(tps))/0.75)+1, 16), len(tps))) // new HashSet<>(list)
			}
			d.members = append(d.members, md)
		}
		out[id] = d
	}
	return out, nil
}

// javaExceptionMsg is cgException with the broker's error message, when
// it sent one, in place of the error's default text.
func javaExceptionMsg(err error, msg *string) string {
	text := cgException(err)
	var ke *kerr.Error
	if msg != nil && *msg != "" && errors.As(err, &ke) {
		text = strings.TrimSuffix(text, ke.Description) + *msg
	}
	return text
}

// committed is listConsumerGroupOffsets: every partition with a
// committed offset, in the order of the admin client's HashMap; a
// partition whose offset is -1 maps to nil.
func (s *groupService) committed(ctx context.Context, group string) (map[groupTP]*int64, []groupTP, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	resps, err := s.adm.FetchOffsets(ctx, group)
	if err == nil {
		err = resps.Error()
	}
	if err != nil {
		return nil, nil, errors.New(cgExecutionException(err))
	}
	m := map[groupTP]*int64{}
	var keys []groupTP
	resps.Each(func(r kadm.OffsetResponse) {
		tp := groupTP{r.Topic, r.Partition}
		keys = append(keys, tp)
		if r.At >= 0 {
			at := r.At
			m[tp] = &at
		} else {
			m[tp] = nil
		}
	})
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].topic != keys[j].topic {
			return keys[i].topic < keys[j].topic
		}
		return keys[i].partition < keys[j].partition
	})
	return m, tpHashOrder(keys), nil
}

// The offset specs of ListOffsets.
const (
	cgLatest   int64 = -1
	cgEarliest int64 = -2
)

// logOffsets is Admin.listOffsets for one spec (latest, earliest or a
// timestamp): the offset of each partition the brokers answered for.
func (s *groupService) logOffsets(ctx context.Context, tps []groupTP, spec int64) (map[groupTP]int64, error) {
	out := map[groupTP]int64{}
	if len(tps) == 0 {
		return out, nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	req := listOffsetsRequest(tps, func(tp groupTP) (string, int32) { return tp.topic, tp.partition }, spec)
	for _, sh := range s.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			return nil, errors.New(cgExecutionException(sh.Err))
		}
		for _, t := range sh.Resp.(*kmsg.ListOffsetsResponse).Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					return nil, errors.New(cgExecutionException(err))
				}
				out[groupTP{t.Topic, p.Partition}] = p.Offset
			}
		}
	}
	return out, nil
}
