package cli

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/javafmt"
)

// --describe: the offsets (default), --members [--verbose] and --state
// tables of ConsumerGroupService (3.9.0, printOffsets, printMembers,
// printStates and the collect* methods that feed them).

const cgMissing = "-" // MISSING_COLUMN_VALUE

// cgRow is PartitionAssignmentState; nil fields print "-".
type cgRow struct {
	group                      string
	topic                      *string
	partition                  *int32
	offset, logEnd, lag        *int64
	consumerID, host, clientID *string
}

func cgStr(p *string) string {
	if p == nil {
		return cgMissing
	}
	return *p
}

func cgNum[T int32 | int64](p *T) string {
	if p == nil {
		return cgMissing
	}
	return strconv.FormatInt(int64(*p), 10)
}

func (s *groupService) describeGroups(ctx context.Context) error {
	o := s.opts
	ids, err := s.groupIDs(ctx)
	if err != nil {
		return err
	}
	descs, err := s.describe(ctx, ids)
	if err != nil {
		return err
	}
	// the collect* methods fill a TreeMap: groups print sorted
	var sorted []string
	for id := range descs {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	switch {
	case o.set.Has(o.members):
		return s.printMembers(sorted, descs, o.set.Has(o.verbose))
	case o.set.Has(o.state) && !o.set.Has(o.offsets):
		return s.printStates(sorted, descs)
	}
	// the offsets of every group are collected before any is printed
	rows := map[string][]cgRow{}
	for _, id := range sorted {
		r, err := s.collectOffsets(ctx, descs[id])
		if err != nil {
			return err
		}
		rows[id] = r
	}
	for _, id := range sorted {
		ok, err := s.shouldPrintMemberState(id, descs[id].state, len(rows[id]))
		if err != nil {
			return err
		}
		if ok {
			s.printOffsetTable(rows[id])
		}
	}
	return nil
}

// shouldPrintMemberState prints the notice for the group's state and says
// whether its table follows.
func (s *groupService) shouldPrintMemberState(group, state string, rows int) (bool, error) {
	switch state {
	case "Dead":
		s.printError("Consumer group '" + group + "' does not exist.")
	case "Empty":
		fmt.Fprintln(s.env.stderr, "\nConsumer group '"+group+"' has no active members.")
	case "PreparingRebalance", "CompletingRebalance", "Assigning", "Reconciling":
		fmt.Fprintln(s.env.stderr, "\nWarning: Consumer group '"+group+"' is rebalancing.")
	case "Stable":
	default:
		return false, fmt.Errorf("Expected a valid consumer group state, but found '%s'.", state)
	}
	return state != "Dead" && rows > 0, nil
}

// collectOffsets is collectGroupsOffsets for one group: the partitions of
// each member that has some (members with the most first), then the
// committed partitions no member holds.
func (s *groupService) collectOffsets(ctx context.Context, d *cgGroup) ([]cgRow, error) {
	committed, committedOrder, err := s.committed(ctx, d.id)
	if err != nil {
		return nil, err
	}
	var members []cgMember
	for _, m := range d.members {
		if len(m.assignment) > 0 {
			members = append(members, m)
		}
	}
	sort.SliceStable(members, func(i, j int) bool { return len(members[i].assignment) > len(members[j].assignment) })
	var rows []cgRow
	assigned := map[groupTP]bool{}
	for _, m := range members {
		for _, tp := range m.assignment {
			assigned[tp] = true
		}
		r, err := s.describePartitions(ctx, d.id, m.assignment, committed, &m.id, &m.host, &m.clientID)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	var unassigned []groupTP
	for _, tp := range committedOrder {
		if !assigned[tp] {
			unassigned = append(unassigned, tp)
		}
	}
	if len(unassigned) > 0 {
		dash := cgMissing
		r, err := s.describePartitions(ctx, d.id, tpHashOrder(unassigned), committed, &dash, &dash, &dash)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

// describePartitions sorts the partitions by number, looks up their log
// end offsets and yields one row each, in the order of the HashMap the
// log end offsets come back in.
func (s *groupService) describePartitions(ctx context.Context, group string, tps []groupTP,
	committed map[groupTP]*int64, consumerID, host, clientID *string) ([]cgRow, error) {
	sorted := append([]groupTP(nil), tps...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].partition < sorted[j].partition })
	ends, err := s.logOffsets(ctx, sorted, cgLatest)
	if err != nil {
		return nil, err
	}
	var rows []cgRow
	for _, tp := range tpHashOrder(sorted) {
		r := cgRow{group: group, consumerID: consumerID, host: host, clientID: clientID}
		topic, partition := tp.topic, tp.partition
		r.topic, r.partition = &topic, &partition
		r.offset = committed[tp]
		if end, ok := ends[tp]; ok {
			r.logEnd = &end
		}
		if r.offset != nil && *r.offset != -1 && r.logEnd != nil {
			lag := *r.logEnd - *r.offset
			r.lag = &lag
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func (s *groupService) printOffsetTable(rows []cgRow) {
	g, t, c, h := 15, 15, 15, 15
	for _, r := range rows {
		g = max(g, javafmt.Len(r.group))
		t = max(t, javafmt.Len(cgStr(r.topic)))
		c = max(c, javafmt.Len(cgStr(r.consumerID)))
		h = max(h, javafmt.Len(cgStr(r.host)))
	}
	line := func(cols ...string) {
		fmt.Fprint(s.env.stdout, "\n"+cgPad(cols[0], g)+" "+cgPad(cols[1], t)+" "+cgPad(cols[2], 10)+" "+
			cgPad(cols[3], 15)+" "+cgPad(cols[4], 15)+" "+cgPad(cols[5], 15)+" "+
			cgPad(cols[6], c)+" "+cgPad(cols[7], h)+" "+cols[8])
	}
	line("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID")
	for _, r := range rows {
		line(r.group, cgStr(r.topic), cgNum(r.partition), cgNum(r.offset), cgNum(r.logEnd), cgNum(r.lag),
			cgStr(r.consumerID), cgStr(r.host), cgStr(r.clientID))
	}
	// the newline 3.9.0 lacks after the table (apache/kafka#17058, Kafka 4.0)
	fmt.Fprintln(s.env.stdout)
}

func (s *groupService) printMembers(sorted []string, descs map[string]*cgGroup, verbose bool) error {
	for _, id := range sorted {
		d := descs[id]
		g, c, gi, h, cl := 15, 15, 17, 15, 15
		withInstance := false
		ok, err := s.shouldPrintMemberState(id, d.state, len(d.members))
		if err != nil {
			return err
		}
		if ok {
			for _, m := range d.members {
				g = max(g, javafmt.Len(id))
				c = max(c, javafmt.Len(m.id))
				gi = max(gi, javafmt.Len(m.instanceID))
				h = max(h, javafmt.Len(m.host))
				cl = max(cl, javafmt.Len(m.clientID))
				withInstance = withInstance || m.instanceID != ""
			}
		}
		// ConsumerGroupCommand prints the header even when it printed the
		// notice above (3.9.0, printMembers)
		row := func(group, consumer, instance, host, client, parts string) string {
			out := cgPad(group, g) + " " + cgPad(consumer, c) + " "
			if withInstance {
				out += cgPad(instance, gi) + " "
			}
			return out + cgPad(host, h) + " " + cgPad(client, cl) + " " + cgPad(parts, 15) + " "
		}
		head := "\n" + row("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS")
		if verbose {
			head += "ASSIGNMENT"
		}
		fmt.Fprintln(s.env.stdout, head)
		for _, m := range d.members {
			line := row(id, m.id, m.instanceID, m.host, m.clientID, strconv.Itoa(len(m.assignment)))
			if verbose {
				line += assignmentText(m.assignment)
			}
			fmt.Fprintln(s.env.stdout, line)
		}
	}
	return nil
}

// assignmentText is --verbose's ASSIGNMENT column as 3.9.0 prints it: per
// topic the partition numbers sorted as strings in parentheses, the
// groups sorted as strings, joined by ", " (the topic names are not
// printed).
func assignmentText(tps []groupTP) string {
	if len(tps) == 0 {
		return cgMissing
	}
	byTopic := map[string][]string{}
	for _, tp := range tps {
		byTopic[tp.topic] = append(byTopic[tp.topic], strconv.Itoa(int(tp.partition)))
	}
	var groups []string
	for _, parts := range byTopic {
		sort.Strings(parts)
		groups = append(groups, "("+strings.Join(parts, ",")+")")
	}
	sort.Strings(groups)
	return strings.Join(groups, ", ")
}

func (s *groupService) printStates(sorted []string, descs map[string]*cgGroup) error {
	for _, id := range sorted {
		d := descs[id]
		ok, err := s.shouldPrintMemberState(id, d.state, 1)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		coordinator := d.coordinator.Host + ":" + strconv.Itoa(int(d.coordinator.Port)) + "  (" + strconv.Itoa(int(d.coordinator.NodeID)) + ")"
		w := max(25, javafmt.Len(coordinator))
		line := func(a, b, c, st, n string) {
			fmt.Fprint(s.env.stdout, "\n"+cgPad(a, w)+" "+cgPad(b, 25)+" "+cgPad(c, 20)+" "+cgPad(st, 15)+" "+n)
		}
		line("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS")
		line(id, coordinator, d.assignor, d.state, strconv.Itoa(len(d.members)))
		fmt.Fprintln(s.env.stdout)
	}
	return nil
}
