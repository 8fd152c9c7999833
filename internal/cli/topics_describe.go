package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// describeTopic is TopicService.describeTopic: for each topic (in the
// order of the Java Admin's result HashMaps, tcDescribeOrder), a topic
// line and one line per partition, tab-separated, as the filters allow.
func (s *topicService) describeTopic(ctx context.Context) error {
	o := s.opts
	var inputID *[16]byte
	if o.has(o.topicID) {
		v, _, err := o.set.ValueOf(o.topicID)
		if err != nil {
			return err
		}
		id, err := tcParseUuid(v)
		if err != nil {
			return err
		}
		if id != ([16]byte{}) {
			inputID = &id
		}
	}
	if o.has(o.partitionSizeLimit) { // read (and so checked) as the original does
		if _, err := o.set.IntValueOf(o.partitionSizeLimit); err != nil {
			return err
		}
	}
	var names []string
	if inputID != nil {
		if err := s.connect(ctx); err != nil {
			return err
		}
		md, err := s.metadata(ctx)
		if err != nil {
			return err
		}
		exclude := o.has(o.excludeInternal)
		for name, td := range md.Topics {
			if td.Err == nil && [16]byte(td.ID) == *inputID && !(exclude && td.IsInternal) {
				names = append(names, name)
			}
		}
		if len(names) == 0 && !o.has(o.ifExists) {
			return tcIllegalArgument(fmt.Sprintf("TopicId '%s' does not exist as expected", tcUuidString(*inputID)))
		}
	} else {
		topics, _, err := s.getTopics(ctx)
		if err != nil {
			return err
		}
		if err := s.ensureTopicExists(topics); err != nil {
			return err
		}
		names = topics
	}
	if len(names) == 0 {
		return nil
	}
	brokers, err := s.brokers(ctx)
	if err != nil {
		return err
	}
	live := map[int32]bool{}
	for _, b := range brokers {
		live[b] = true
	}
	descs, err := s.describeTopics(ctx, names, live, inputID != nil)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, topicsRequestTimeout)
	configs, cfgErr := s.adm.DescribeTopicConfigs(rctx, names...)
	cancel()
	reassignments := s.reassignments(ctx, descs)
	d := &topicDescriber{s: s, live: live}
	d.describeConfigs = !o.has(o.unavailable) && !o.has(o.underReplicated) && !o.has(o.underMinIsr) && !o.has(o.atMinIsr)
	d.describePartitions = !o.has(o.withOverrides)
	for _, name := range tcDescribeOrder(names) {
		if cfgErr != nil {
			return s.clientError(cfgErr)
		}
		cfg, err := topicConfigOf(configs, name)
		if err != nil {
			return err
		}
		d.print(descs[name], cfg, reassignments[name])
	}
	return nil
}

// reassignments is listAllReassignments: none when the broker cannot say
// (Wharf does not serve ListPartitionReassignments; the Java tool ignores
// UnsupportedVersion and ClusterAuthorization the same way).
func (s *topicService) reassignments(ctx context.Context, descs map[string]*tcTopic) map[string]map[int32]kadm.ListPartitionReassignmentsResponse {
	set := kadm.TopicsSet{}
	for n, td := range descs {
		for _, p := range td.partitions {
			set.Add(n, p.partition)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, topicsRequestTimeout)
	defer cancel()
	r, err := s.adm.ListPartitionReassignments(rctx, set)
	if err != nil {
		return nil
	}
	return r
}

// topicConfig is an admin Config: its entries in Java HashMap order.
type topicConfig struct {
	entries []kadm.Config
	byName  map[string]kadm.Config
}

func topicConfigOf(rcs kadm.ResourceConfigs, name string) (*topicConfig, error) {
	for _, rc := range rcs {
		if rc.Name != name {
			continue
		}
		if rc.Err != nil {
			var msg *string
			if rc.ErrMessage != "" {
				msg = &rc.ErrMessage
			}
			if ke, ok := rc.Err.(*kerr.Error); ok {
				return nil, tcAPIError(ke.Code, msg)
			}
			return nil, &tcError{"org.apache.kafka.common.errors.ApiException", rc.Err.Error()}
		}
		c := &topicConfig{byName: map[string]kadm.Config{}}
		var keys []string
		for _, e := range rc.Configs {
			if _, dup := c.byName[e.Key]; !dup {
				keys = append(keys, e.Key)
			}
			c.byName[e.Key] = e
		}
		for _, k := range tcHashOrder(keys, 16) {
			c.entries = append(c.entries, c.byName[k])
		}
		return c, nil
	}
	return nil, &tcError{tcExceptionClass(kerr.UnknownTopicOrPartition), kerr.UnknownTopicOrPartition.Description}
}

func configValue(c kadm.Config) string {
	if c.Value == nil {
		return "null"
	}
	return *c.Value
}

// overrides is the Configs: column: the entries whose source is not
// DEFAULT_CONFIG (ConfigEntry.isDefault), so a broker's static settings
// show too, as they do with the Java tool.
func (c *topicConfig) overrides() []string {
	var out []string
	for _, e := range c.entries {
		if e.Source != kmsg.ConfigSourceDefaultConfig {
			out = append(out, e.Key+"="+configValue(e))
		}
	}
	return out
}

// minIsr is PartitionDescription.minIsrCount (1 when the broker does not
// report min.insync.replicas).
func (c *topicConfig) minIsr() int {
	if e, ok := c.byName["min.insync.replicas"]; ok && e.Value != nil {
		if n, err := strconv.Atoi(*e.Value); err == nil {
			return n
		}
	}
	return 1
}

// topicDescriber is DescribeOptions and the printDescription methods.
type topicDescriber struct {
	s                                   *topicService
	live                                map[int32]bool
	describeConfigs, describePartitions bool
}

func (d *topicDescriber) print(td *tcTopic, cfg *topicConfig, ras map[int32]kadm.ListPartitionReassignmentsResponse) {
	o, w := d.s.opts, d.s.env.stdout
	parts := td.partitions
	if d.describeConfigs && len(parts) > 0 {
		overrides := cfg.overrides()
		if !o.has(o.withOverrides) || len(overrides) > 0 {
			var b strings.Builder
			b.WriteString("Topic: " + td.name)
			if td.id != ([16]byte{}) {
				b.WriteString("\tTopicId: " + tcUuidString(td.id))
			}
			ra, hasRA := ras[parts[0].partition]
			fmt.Fprintf(&b, "\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s\n",
				len(parts), replicationFactor(parts[0], ra, hasRA), strings.Join(overrides, ","))
			fmt.Fprint(w, b.String())
		}
	}
	if !d.describePartitions {
		return
	}
	for _, p := range parts {
		ra, hasRA := ras[p.partition]
		if d.shouldPrint(p, cfg, ra, hasRA) {
			fmt.Fprint(w, partitionLine(td.name, p, ra, hasRA))
		}
	}
}

func (d *topicDescriber) shouldPrint(p tcPartition, cfg *topicConfig, ra kadm.ListPartitionReassignmentsResponse, hasRA bool) bool {
	o := d.s.opts
	hasLeader := p.leader >= 0
	return d.describeConfigs ||
		o.has(o.underReplicated) && replicationFactor(p, ra, hasRA)-len(p.isr) > 0 ||
		o.has(o.unavailable) && (!hasLeader || !d.live[p.leader]) ||
		o.has(o.underMinIsr) && (!hasLeader || len(p.isr) < cfg.minIsr()) ||
		o.has(o.atMinIsr) && len(p.isr) == cfg.minIsr()
}

// replicationFactor is TopicCommand.getReplicationFactor: during a
// reassignment, the replicas less those being added.
func replicationFactor(p tcPartition, ra kadm.ListPartitionReassignmentsResponse, hasRA bool) int {
	if hasRA && reassignmentInProgress(p, ra) {
		return len(ra.Replicas) - len(ra.AddingReplicas)
	}
	return len(p.replicas)
}

func reassignmentInProgress(p tcPartition, ra kadm.ListPartitionReassignmentsResponse) bool {
	changing := map[int32]bool{}
	for _, r := range append(append([]int32(nil), ra.AddingReplicas...), ra.RemovingReplicas...) {
		changing[r] = true
	}
	for _, r := range p.replicas {
		if changing[r] {
			return true
		}
	}
	return false
}

// partitionLine is PartitionDescription.printDescription.
func partitionLine(topic string, p tcPartition, ra kadm.ListPartitionReassignmentsResponse, hasRA bool) string {
	leader := "none"
	if p.leader >= 0 {
		leader = strconv.Itoa(int(p.leader))
	}
	line := fmt.Sprintf("\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s",
		topic, p.partition, leader, tcJoinInts(p.replicas, ","), tcJoinInts(p.isr, ","))
	if hasRA {
		line += "\tAdding Replicas: " + tcJoinInts(ra.AddingReplicas, ",") + "\tRemoving Replicas: " + tcJoinInts(ra.RemovingReplicas, ",")
	}
	elr, lastKnown := "N/A", "N/A"
	if p.hasElr {
		elr, lastKnown = tcJoinInts(p.elr, ","), tcJoinInts(p.lastKnownElr, ",")
	}
	return line + "\tElr: " + elr + "\tLastKnownElr: " + lastKnown + "\n"
}
