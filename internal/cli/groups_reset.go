package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/jopt"
)

// --reset-offsets, --delete and --delete-offsets of ConsumerGroupService
// (3.9.0: resetOffsets, prepareOffsetsToReset, checkOffsetsRange,
// exportOffsetsToCsv, deleteGroups, deleteOffsets).

type cgTPOffset struct {
	tp     groupTP
	offset int64
}

// resetOffsets plans (and with --execute commits) the new offsets of each
// group; it returns them by group, and the groups in the order of the
// command's result HashMap.
func (s *groupService) resetOffsets(ctx context.Context) (map[string][]cgTPOffset, []string, error) {
	ids, err := s.groupIDs(ctx)
	if err != nil {
		return nil, nil, err
	}
	descs, err := s.describe(ctx, ids)
	if err != nil {
		return nil, nil, errors.New("java.util.concurrent.ExecutionException: " + err.Error())
	}
	o := s.opts
	result := map[string][]cgTPOffset{}
	var order []string
	for _, id := range stringsHashOrder(cgDedup(ids)) {
		d := descs[id]
		if d == nil {
			continue
		}
		if _, seen := result[id]; !seen {
			order = append(order, id)
		}
		if d.state != "Empty" && d.state != "Dead" {
			s.printError("Assignments can only be reset if the group '" + id + "' is inactive, but the current state is " + d.state + ".")
			result[id] = nil
			continue
		}
		tps, err := s.partitionsToReset(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		prepared, err := s.prepareOffsetsToReset(ctx, id, tps)
		if err != nil {
			return nil, nil, err
		}
		if o.set.Has(o.execute) && !o.set.Has(o.dryRun) && len(prepared) > 0 {
			var offs kadm.Offsets
			for _, p := range prepared {
				offs.Add(kadm.Offset{Topic: p.tp.topic, Partition: p.tp.partition, At: p.offset, LeaderEpoch: -1})
			}
			cctx, cancel := s.ctx(ctx)
			resps, err := s.adm.CommitOffsets(cctx, id, offs)
			cancel()
			if err == nil {
				err = resps.Error()
			}
			if err != nil {
				return nil, nil, errors.New(cgExecutionException(err))
			}
		}
		result[id] = prepared
	}
	return result, stringsHashOrder(order), nil
}

// cgDedup keeps the first of each value, in order.
func cgDedup[T comparable](in []T) []T {
	seen := map[T]bool{}
	var out []T
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// partitionsToReset is getPartitionsToReset: the scope of the reset.
func (s *groupService) partitionsToReset(ctx context.Context, group string) ([]groupTP, error) {
	o := s.opts
	switch {
	case o.set.Has(o.allTopics):
		_, order, err := s.committed(ctx, group)
		return order, err
	case o.set.Has(o.topic):
		return s.parseTopicPartitions(ctx, o.set.ValuesOf(o.topic), true)
	case !o.set.Has(o.fromFile):
		return nil, &cgUsage{"One of the reset scopes should be defined: --all-topics, --topic."}
	}
	return nil, nil
}

// parseTopicPartitions reads --topic arguments: "t:0,1,2" names
// partitions, "t" all of the topic's. With strict, a topic that cannot be
// described fails the command; otherwise it yields partition -1 and its
// error in errs (as deleteOffsets reports it).
func (s *groupService) parseTopicPartitions(ctx context.Context, args []string, strict bool) ([]groupTP, error) {
	var tps, unspecified []groupTP
	var whole []string
	for _, a := range args {
		if !strings.Contains(a, ":") {
			whole = append(whole, a)
			continue
		}
		parts := strings.Split(a, ":")
		for len(parts) > 0 && parts[len(parts)-1] == "" { // String.split drops trailing empties
			parts = parts[:len(parts)-1]
		}
		if len(parts) != 2 {
			return nil, &cgUsage{"Invalid topic arg '" + a + "', expected topic name and partitions"}
		}
		for _, p := range cgSplitComma(parts[1]) {
			n, ok := jopt.ParseInt(p) // Integer.parseInt
			if !ok {
				return nil, &cgUsage{"Invalid partition '" + p + "' specified in topic arg '" + a + "''"}
			}
			tps = append(tps, groupTP{parts[0], n})
		}
	}
	if len(whole) > 0 && strict {
		details, err := s.topicDetails(ctx, whole)
		if err != nil {
			return nil, err
		}
		for _, t := range stringsHashOrder(cgDedup(whole)) {
			d := details[t]
			if d.Err != nil {
				return nil, errors.New(cgExecutionException(d.Err))
			}
			for _, p := range d.Partitions.Numbers() {
				unspecified = append(unspecified, groupTP{t, p})
			}
		}
	}
	return cgDedup(append(tps, unspecified...)), nil
}

func (s *groupService) topicDetails(ctx context.Context, topics []string) (kadm.TopicDetails, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	details, err := s.adm.ListTopics(ctx, topics...)
	if err != nil {
		return nil, errors.New(cgExecutionException(err))
	}
	for _, t := range topics {
		if _, ok := details[t]; !ok {
			details[t] = kadm.TopicDetail{Topic: t, Err: kerr.UnknownTopicOrPartition}
		}
	}
	return details, nil
}

func cgSplitComma(s string) []string {
	parts := strings.Split(s, ",")
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// prepareOffsetsToReset computes the new offsets of the scenario given,
// in the order of the HashMap the command prints.
func (s *groupService) prepareOffsetsToReset(ctx context.Context, group string, tps []groupTP) ([]cgTPOffset, error) {
	o := s.opts
	fromLog := func(spec int64, what string) ([]cgTPOffset, error) {
		offs, err := s.logOffsets(ctx, tps, spec)
		if err != nil {
			return nil, err
		}
		var out []cgTPOffset
		for _, tp := range tps {
			v, ok := offs[tp]
			if !ok {
				return nil, &cgUsage{"Error getting " + what + " of topic partition: " + tp.String()}
			}
			out = append(out, cgTPOffset{tp, v})
		}
		return out, nil
	}
	var out []cgTPOffset
	var err error
	switch {
	case o.set.Has(o.toOffset):
		v, e := o.set.LongValueOf(o.toOffset)
		if e != nil {
			return nil, cgOptMessage(e)
		}
		for _, tp := range tps {
			out = append(out, cgTPOffset{tp, v})
		}
		out, err = s.checkOffsetsRange(ctx, out)
	case o.set.Has(o.toEarliest):
		out, err = fromLog(cgEarliest, "starting offset")
	case o.set.Has(o.toLatest):
		out, err = fromLog(cgLatest, "ending offset")
	case o.set.Has(o.shiftBy):
		by, e := o.set.LongValueOf(o.shiftBy)
		if e != nil {
			return nil, cgOptMessage(e)
		}
		committed, _, e := s.committed(ctx, group)
		if e != nil {
			return nil, e
		}
		for _, tp := range tps {
			cur := committed[tp]
			if cur == nil {
				return nil, &cgUsage{"Cannot shift offset for partition " + tp.String() + " since there is no current committed offset"}
			}
			out = append(out, cgTPOffset{tp, *cur + by})
		}
		out, err = s.checkOffsetsRange(ctx, out)
	case o.set.Has(o.toDatetime):
		v, _, _ := o.set.ValueOf(o.toDatetime)
		ts, e := parseKafkaDateTime(v)
		if e != nil {
			return nil, e
		}
		out, err = s.timestampOffsets(ctx, tps, ts)
	case o.set.Has(o.byDuration):
		v, _, _ := o.set.ValueOf(o.byDuration)
		d, e := parseJavaDuration(v)
		if e != nil {
			return nil, e
		}
		out, err = s.timestampOffsets(ctx, tps, s.env.now().Add(-d).UnixMilli())
	case o.set.Has(o.fromFile):
		plan, e := s.resetPlanFromFile()
		if e != nil {
			return nil, e
		}
		forGroup, ok := plan[group]
		if !ok {
			s.printError("No reset plan for group " + group + " found")
			return nil, nil
		}
		out, err = s.checkOffsetsRange(ctx, forGroup)
	case o.set.Has(o.toCurrent):
		committed, _, e := s.committed(ctx, group)
		if e != nil {
			return nil, e
		}
		var without []groupTP
		for _, tp := range tps {
			if _, ok := committed[tp]; !ok {
				without = append(without, tp)
				continue
			}
			if committed[tp] == nil {
				return nil, errors.New("Expected a valid current offset for topic partition: " + tp.String())
			}
			out = append(out, cgTPOffset{tp, *committed[tp]})
		}
		ends, e := s.logOffsets(ctx, without, cgLatest)
		if e != nil {
			return nil, e
		}
		for _, tp := range without {
			v, ok := ends[tp]
			if !ok {
				return nil, &cgUsage{"Error getting ending offset of topic partition: " + tp.String()}
			}
			out = append(out, cgTPOffset{tp, v})
		}
	default:
		return nil, &cgUsage{"Option '[reset-offsets]' requires one of the following scenarios: [" + cgSpecSet(cgScenarioOpts, ", ") + "]"}
	}
	if err != nil {
		return nil, err
	}
	return cgHashMapOrder(out, func(p cgTPOffset) int32 { return tpHash(p.tp) }), nil
}

// timestampOffsets is getLogTimestampOffsets: the first offset at or after
// ts, or, for a partition without one, its log end offset after a warning.
func (s *groupService) timestampOffsets(ctx context.Context, tps []groupTP, ts int64) ([]cgTPOffset, error) {
	offs, err := s.logOffsets(ctx, tps, ts)
	if err != nil {
		return nil, err
	}
	var empty []groupTP
	for _, tp := range tps {
		if v, ok := offs[tp]; ok && v == -1 {
			empty = append(empty, tp)
		}
	}
	for _, tp := range tpHashOrder(empty) {
		fmt.Fprintln(s.env.stdout, "\nWarn: Partition "+strconv.Itoa(int(tp.partition))+" from topic "+tp.topic+" is empty. Falling back to latest known offset.")
	}
	ends, err := s.logOffsets(ctx, empty, cgLatest)
	if err != nil {
		return nil, err
	}
	var out []cgTPOffset
	for _, tp := range tps {
		v, ok := offs[tp]
		if ok && v == -1 {
			v, ok = ends[tp]
		}
		if !ok {
			return nil, &cgUsage{"Error getting offset by timestamp of topic partition: " + tp.String()}
		}
		out = append(out, cgTPOffset{tp, v})
	}
	return out, nil
}

// checkOffsetsRange clamps each requested offset into [log start, log end],
// logging a warning (log4j's tools format, on stderr) for each one moved.
func (s *groupService) checkOffsetsRange(ctx context.Context, req []cgTPOffset) ([]cgTPOffset, error) {
	var tps []groupTP
	for _, r := range req {
		tps = append(tps, r.tp)
	}
	starts, err := s.logOffsets(ctx, tps, cgEarliest)
	if err != nil {
		return nil, err
	}
	ends, err := s.logOffsets(ctx, tps, cgLatest)
	if err != nil {
		return nil, err
	}
	warn := func(msg string) {
		fmt.Fprintf(s.env.stderr, "[%s] WARN %s (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand)\n",
			s.env.now().Format("2006-01-02 15:04:05,000"), msg)
	}
	out := make([]cgTPOffset, 0, len(req))
	for _, r := range req {
		if end, ok := ends[r.tp]; ok && r.offset > end {
			warn(fmt.Sprintf("New offset (%d) is higher than latest offset for topic partition %s. Value will be set to %d", r.offset, r.tp, end))
			r.offset = end
		} else if start, ok := starts[r.tp]; ok && r.offset < start {
			warn(fmt.Sprintf("New offset (%d) is lower than earliest offset for topic partition %s. Value will be set to %d", r.offset, r.tp, start))
			r.offset = start
		}
		out = append(out, r)
	}
	return out, nil
}

// resetPlanFromFile is parseResetPlan of the --from-file CSV: lines of
// "topic,partition,offset" when one --group is given and the first line
// has that shape, else "group,topic,partition,offset".
func (s *groupService) resetPlanFromFile() (map[string][]cgTPOffset, error) {
	o := s.opts
	path, _, _ := o.set.ValueOf(o.fromFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.New("java.nio.file.NoSuchFileException: " + path)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		lines = append(lines, strings.TrimSuffix(l, "\r"))
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	groups := o.set.ValuesOf(o.group)
	old := len(lines) > 0 && parseNoGroupLine(lines[0]) != nil
	plan := map[string][]cgTPOffset{}
	for _, l := range lines {
		group := ""
		var rec *cgTPOffset
		if len(groups) == 1 && old {
			group, rec = groups[0], parseNoGroupLine(l)
		} else {
			f := cgSplitCSV(l)
			if len(f) >= 1 {
				group = f[0]
				rec = parseNoGroupLine(strings.Join(f[1:], ","))
			}
		}
		if rec == nil {
			return nil, fmt.Errorf("java.lang.RuntimeException: com.fasterxml.jackson.dataformat.csv.CsvReadException: cannot read the reset plan line %q", l)
		}
		plan[group] = append(plan[group], *rec)
	}
	return plan, nil
}

// parseNoGroupLine reads "topic,partition,offset"; nil if it cannot.
func parseNoGroupLine(l string) *cgTPOffset {
	f := cgSplitCSV(l)
	if len(f) != 3 {
		return nil
	}
	p, err := strconv.ParseInt(strings.TrimSpace(f[1]), 10, 32)
	if err != nil {
		return nil
	}
	off, err := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
	if err != nil {
		return nil
	}
	return &cgTPOffset{groupTP{f[0], int32(p)}, off}
}

// printOffsetsToReset prints the plan, one row a line (the layout of
// apache/kafka#17058; 3.9.0 runs the rows together).
func (s *groupService) printOffsetsToReset(plan map[string][]cgTPOffset, order []string) {
	row := func(g, t, p, off string) string {
		return "\n" + cgPad(g, 30) + " " + cgPad(t, 30) + " " + cgPad(p, 10) + " " + cgPad(off, 15)
	}
	var b strings.Builder
	if len(plan) > 0 {
		b.WriteString(row("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"))
	}
	for _, g := range order {
		for _, p := range plan[g] {
			b.WriteString(row(g, p.tp.topic, strconv.Itoa(int(p.tp.partition)), strconv.FormatInt(p.offset, 10)))
		}
	}
	b.WriteString("\n")
	fmt.Fprint(s.env.stdout, b.String())
}

// exportCSV is exportOffsetsToCsv: Jackson CSV lines, with the group
// column unless exactly one --group was given.
func (s *groupService) exportCSV(plan map[string][]cgTPOffset, order []string) string {
	single := len(s.opts.set.ValuesOf(s.opts.group)) == 1
	var b strings.Builder
	for _, g := range order {
		for _, p := range plan[g] {
			if !single {
				b.WriteString(cgCSVField(g) + ",")
			}
			b.WriteString(cgCSVField(p.tp.topic) + "," + strconv.Itoa(int(p.tp.partition)) + "," + strconv.FormatInt(p.offset, 10) + "\n")
		}
	}
	return b.String()
}

func (s *groupService) deleteGroups(ctx context.Context) error {
	ids, err := s.groupIDs(ctx)
	if err != nil {
		return err
	}
	var resps kadm.DeleteGroupResponses
	if len(ids) > 0 {
		cctx, cancel := s.ctx(ctx)
		resps, err = s.adm.DeleteGroups(cctx, ids...)
		cancel()
	}
	var success []string
	failed := map[string]error{}
	var failedOrder []string
	for _, id := range cgDedup(ids) {
		r, ok := resps[id]
		switch {
		case !ok && err != nil:
			failed[id] = err
		case !ok:
			failed[id] = kerr.UnknownServerError
		case r.Err != nil:
			failed[id] = r.Err
		default:
			success = append(success, id)
			continue
		}
		failedOrder = append(failedOrder, id)
	}
	success = stringsHashOrder(success)
	if len(failed) == 0 {
		fmt.Fprintln(s.env.stdout, "Deletion of requested consumer groups ('"+strings.Join(success, ", ")+"') was successful.")
		return nil
	}
	s.printError("Deletion of some consumer groups failed:")
	for _, id := range stringsHashOrder(failedOrder) {
		fmt.Fprintln(s.env.stdout, "* Group '"+id+"' could not be deleted due to: "+cgExecutionException(failed[id]))
	}
	if len(success) > 0 {
		// 3.9.0 joins the names with a quote and ends with "', '"
		fmt.Fprintln(s.env.stdout, "\nThese consumer groups were deleted successfully: '"+strings.Join(success, "'")+"', '")
	}
	return nil
}

func (s *groupService) deleteOffsets(ctx context.Context) error {
	o := s.opts
	group, _, _ := o.set.ValueOf(o.group)
	topics := o.set.ValuesOf(o.topic)
	var withParts, whole []string
	for _, t := range topics {
		if strings.Contains(t, ":") {
			withParts = append(withParts, t)
		} else {
			whole = append(whole, t)
		}
	}
	results := map[groupTP]error{}
	tps, err := s.parseTopicPartitions(ctx, withParts, false)
	if err != nil {
		return err
	}
	if len(whole) > 0 {
		details, err := s.topicDetails(ctx, whole)
		if err != nil {
			return err
		}
		for _, t := range cgDedup(whole) {
			d := details[t]
			if d.Err != nil {
				results[groupTP{t, -1}] = d.Err
				continue
			}
			for _, p := range d.Partitions.Numbers() {
				tps = append(tps, groupTP{t, p})
			}
		}
	}
	tps = cgDedup(tps)
	set := kadm.TopicsSet{}
	for _, tp := range tps {
		set.Add(tp.topic, tp.partition)
	}
	cctx, cancel := s.ctx(ctx)
	resps, topErr := s.adm.DeleteOffsets(cctx, group, set)
	cancel()
	top := topErr
	for _, tp := range tps {
		perr := topErr
		if perr == nil {
			if e, ok := resps.Lookup(tp.topic, tp.partition); ok {
				perr = e
			}
		}
		results[tp] = perr
		if top == nil && perr != nil {
			top = perr
		}
	}
	var ke *kerr.Error
	errors.As(top, &ke)
	switch {
	case top == nil:
		fmt.Fprintln(s.env.stdout, "Request succeed for deleting offsets with topic "+strings.Join(topics, ", ")+" group "+group)
	case ke == kerr.InvalidGroupID:
		s.printError("'" + group + "' is not valid.")
	case ke == kerr.GroupIDNotFound:
		s.printError("'" + group + "' does not exist.")
	case ke == kerr.GroupAuthorizationFailed:
		s.printError("Access to '" + group + "' is not authorized.")
	case ke == kerr.NonEmptyGroup:
		s.printError("Deleting offsets of a consumer group '" + group + "' is forbidden if the group is not empty.")
	case ke == kerr.GroupSubscribedToTopic, ke == kerr.TopicAuthorizationFailed, ke == kerr.UnknownTopicOrPartition:
		s.printError("Encounter some partition level error, see the follow-up details:")
	case ke != nil:
		s.printError("Encounter some unknown error: " + ke.Message)
	default:
		s.printError("Encounter some unknown error: UNKNOWN_SERVER_ERROR")
	}
	type row struct {
		tp  groupTP
		err error
	}
	var rows []row
	for tp, e := range results {
		rows = append(rows, row{tp, e})
	}
	key := func(tp groupTP) string { return tp.topic + strconv.Itoa(int(tp.partition)) }
	sort.SliceStable(rows, func(i, j int) bool { return key(rows[i].tp) < key(rows[j].tp) })
	line := func(a, b, c string) string { return "\n" + cgPad(a, 30) + " " + cgPad(b, 15) + " " + cgPad(c, 15) }
	var b strings.Builder
	b.WriteString(line("TOPIC", "PARTITION", "STATUS"))
	for _, r := range rows {
		part := "Not Provided"
		if r.tp.partition >= 0 {
			part = strconv.Itoa(int(r.tp.partition))
		}
		status := "Successful"
		if r.err != nil {
			status = "Error: :" + cgException(r.err)
		}
		b.WriteString(line(r.tp.topic, part, status))
	}
	b.WriteString("\n") // apache/kafka#17058's newline after the table
	fmt.Fprint(s.env.stdout, b.String())
	return nil
}
