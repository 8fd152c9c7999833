package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/jopt"
	"github.com/wharf-project/wharf/internal/kafka/dumplog"
)

// `wharf get-offsets` is Kafka 3.9's kafka-get-offsets.sh
// (org.apache.kafka.tools.GetOffsetShell): the offsets of the partitions
// that a topic regex and partition list, or a list of topic:partition
// patterns, select, at a time or one of the special times, printed
// topic:partition:offset in the order of the "topic-partition" strings.
// One addition, for the tutorials of the ZooKeeper era: --zookeeper
// host:port[/chroot] finds the brokers registered there.
func init() {
	Register(Command{
		Name:    "get-offsets",
		New:     newGetOffsetsCommand,
		Aliases: []Alias{{Name: "kafka-get-offsets.sh"}},
	})
}

func newGetOffsetsCommand() *cobra.Command {
	return toolCommand(&cobra.Command{
		Use:   "get-offsets --bootstrap-server host:port [--topic regex] [--partitions 0,1] [--time latest]",
		Short: "Print the offsets of topic partitions at a time (kafka-get-offsets.sh)",
		Long: "get-offsets is Kafka 3.9's kafka-get-offsets.sh: it prints topic:partition:offset for\n" +
			"every partition selected, at --time (latest, earliest, max-timestamp or a timestamp).\n" +
			"Run it with --help for the original's option table.",
	}, runGetOffsets, exitsWithCode)
}

const getOffsetsUsage = "An interactive shell for getting topic-partition offsets."

// getOffsetsPartitionPattern is GetOffsetShell.TOPIC_PARTITION_PATTERN.
const getOffsetsPartitionPattern = `([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?`

var getOffsetsRule = regexp.MustCompile(`^(?:` + getOffsetsPartitionPattern + `)$`)

// getOffsetsOptions is GetOffsetShell.GetOffsetShellOptions.
type getOffsetsOptions struct {
	parser                                                         *jopt.Parser
	help, version, brokerList, bootstrap, zookeeper                *jopt.Spec
	topicPartitions, topic, partitions, time, commandConfig, noInt *jopt.Spec
}

func newGetOffsetsOptions() *getOffsetsOptions {
	p := jopt.NewParser()
	o := &getOffsetsOptions{parser: p}
	o.help = p.Accepts(&jopt.Spec{Name: "help", Desc: "Print usage information.", ForHelp: true})
	o.version = p.Accepts(&jopt.Spec{Name: "version", Desc: "Display Kafka version.", ForHelp: true})
	o.brokerList = p.Accepts(&jopt.Spec{Name: "broker-list", Desc: "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.",
		Arg: jopt.RequiredArg, ArgDesc: "HOST1:PORT1,...,HOST3:PORT3"})
	o.bootstrap = p.Accepts(&jopt.Spec{Name: "bootstrap-server", Desc: "REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.",
		Arg: jopt.RequiredArg, ArgDesc: "HOST1:PORT1,...,HOST3:PORT3", RequiredUnless: []string{"broker-list", "zookeeper"}})
	o.topicPartitions = p.Accepts(&jopt.Spec{Name: "topic-partitions", Desc: "Comma separated list of topic-partition patterns to get the offsets for, with the format of '" + getOffsetsPartitionPattern + "'." +
		" The first group is an optional regex for the topic name, if omitted, it matches any topic name." +
		" The section after ':' describes a 'partition' pattern, which can be: a number, a range in the format of 'NUMBER-NUMBER' (lower inclusive, upper exclusive), an inclusive lower bound in the format of 'NUMBER-', an exclusive upper bound in the format of '-NUMBER' or may be omitted to accept all partitions.",
		Arg: jopt.RequiredArg, ArgDesc: "topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3"})
	o.topic = p.Accepts(&jopt.Spec{Name: "topic", Desc: "The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried. Cannot be used if --topic-partitions is present.",
		Arg: jopt.RequiredArg, ArgDesc: "topic"})
	o.partitions = p.Accepts(&jopt.Spec{Name: "partitions", Desc: "Comma separated list of partition ids to get the offsets for. If not present, all partitions of the authorized topics are queried. Cannot be used if --topic-partitions is present.",
		Arg: jopt.RequiredArg, ArgDesc: "partition ids"})
	o.time = p.Accepts(&jopt.Spec{Name: "time", Desc: "timestamp of the offsets before that. [Note: No offset is returned, if the timestamp greater than recently committed record timestamp is given.]",
		Arg: jopt.RequiredArg, ArgDesc: "<timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered", Defaults: []string{"latest"}})
	o.commandConfig = p.Accepts(&jopt.Spec{Name: "command-config", Desc: "Property file containing configs to be passed to Admin Client.",
		Arg: jopt.RequiredArg, ArgDesc: "config file"})
	o.noInt = p.Accepts(&jopt.Spec{Name: "exclude-internal-topics", Desc: "By default, internal topics are included. If specified, internal topics are excluded."})
	// Wharf's addition (the original has none): the tutorials' form.
	o.zookeeper = p.Accepts(&jopt.Spec{Name: "zookeeper", Desc: "Wharf: the ZooKeeper connection string host:port[/chroot] of a ZooKeeper-based cluster; the brokers registered there are used.",
		Arg: jopt.RequiredArg, ArgDesc: "urls"})
	return o
}

// errTerse is a TerseException: "Error occurred: <message>", exit 1.
type errTerse struct{ msg string }

func (e *errTerse) Error() string { return e.msg }

// errThrown is any other Throwable reaching mainNoExit: the message, then
// the first line of its stack trace.
type errThrown struct{ class, msg string }

func (e *errThrown) Error() string { return e.msg }

// runGetOffsets is GetOffsetShell.mainNoExit.
func runGetOffsets(ctx context.Context, args []string, env toolEnv) int {
	o := newGetOffsetsOptions()
	usage := func(msg string) int { return usageExit(env, o.parser, msg) }
	if len(args) == 0 {
		return usage(getOffsetsUsage)
	}
	set, err := o.parser.Parse(args)
	if err != nil {
		fmt.Fprintln(env.stderr, "Error occurred: "+err.(*jopt.Error).Message)
		return 1
	}
	if set.Has(o.help) {
		return usage(getOffsetsUsage)
	}
	if set.Has(o.version) {
		fmt.Fprintln(env.stdout, dumplog.KafkaVersion)
		return 0
	}
	target := kafkaTarget{}
	switch {
	case set.Has(o.bootstrap):
		target.Bootstrap, _, _ = set.ValueOf(o.bootstrap)
	case set.Has(o.brokerList):
		target.Bootstrap, _, _ = set.ValueOf(o.brokerList)
	default:
		target.ZooKeeper, _, _ = set.ValueOf(o.zookeeper)
	}
	if target.Bootstrap != "" || target.ZooKeeper == "" {
		if msg := validateBootstrapServer(target.Bootstrap); msg != "" {
			return usage(msg)
		}
	}
	offsets, err := fetchOffsets(ctx, o, set, target, env)
	var terse *errTerse
	var thrown *errThrown
	switch {
	case errors.As(err, &terse):
		fmt.Fprintln(env.stderr, "Error occurred: "+terse.msg)
		return 1
	case errors.As(err, &thrown):
		fmt.Fprintln(env.stderr, "Error occurred: "+thrown.msg)
		fmt.Fprintln(env.stderr, thrown.class+": "+thrown.msg)
		return 1
	case err != nil: // reaching the cluster: one line
		fmt.Fprintln(env.stderr, "Error occurred: "+err.Error())
		return 1
	}
	for _, l := range offsets {
		fmt.Fprintln(env.stdout, l)
	}
	return 0
}

// hostPortPattern is Utils.HOST_PORT_PATTERN.
var hostPortPattern = regexp.MustCompile(`^.*?\[?([0-9a-zA-Z\-%._:]*)\]?:([0-9]+)$`)

// validateBootstrapServer is ToolsUtils.validateBootstrapServer: the
// message it throws (with its trailing newline), or "".
func validateBootstrapServer(hostPort string) string {
	if strings.TrimSpace(hostPort) == "" {
		return "Error while validating the bootstrap address\n"
	}
	parts := javaSplitComma(hostPort)
	if len(parts) == 0 {
		return "Please provide valid host:port like host1:9091,host2:9092\n"
	}
	for _, hp := range parts {
		m := hostPortPattern.FindStringSubmatch(hp)
		if m == nil {
			return "Please provide valid host:port like host1:9091,host2:9092\n"
		}
		if _, ok := jopt.ParseInt(m[2]); !ok { // Integer.parseInt throws
			return fmt.Sprintf("For input string: %q", m[2])
		}
	}
	return ""
}

// javaSplitComma is String.split(","): trailing empty strings dropped.
func javaSplitComma(s string) []string {
	parts := strings.Split(s, ",")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// getOffsetsFilter is a TopicPartitionFilter: any rule matching selects.
type getOffsetsFilter []getOffsetsRuleFilter

type getOffsetsRuleFilter struct {
	topic *regexp.Regexp
	// partition selects when partitions is empty and p is in [lo, hi), or
	// p is in partitions
	partitions map[int32]bool
	lo, hi     int32
}

func (f getOffsetsFilter) topicAllowed(t string) bool {
	for _, r := range f {
		if r.topic.MatchString(t) {
			return true
		}
	}
	return false
}

func (f getOffsetsFilter) partitionAllowed(t string, p int32) bool {
	for _, r := range f {
		if !r.topic.MatchString(t) {
			continue
		}
		if r.partitions != nil {
			if len(r.partitions) == 0 || r.partitions[p] {
				return true
			}
		} else if p >= r.lo && p < r.hi {
			return true
		}
	}
	return false
}

// includeList is TopicFilter.IncludeList's regex: trimmed, commas made
// alternatives, spaces and surrounding quotes dropped, matched whole.
func includeList(raw string) (*regexp.Regexp, error) {
	re := strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(raw), ",", "|"), " ", "")
	re = strings.TrimLeft(re, `"'`)
	re = strings.TrimRight(re, `"'`)
	c, err := regexp.Compile(`^(?:` + re + `)$`)
	if err != nil {
		return nil, &errThrown{"java.lang.RuntimeException", re + " is an invalid regex."}
	}
	return c, nil
}

// parseInt32 is Integer.parseInt, whose failure escapes as a
// NumberFormatException.
func parseInt32(s string) (int32, error) {
	n, ok := jopt.ParseInt(s)
	if !ok {
		return 0, &errThrown{"java.lang.NumberFormatException", fmt.Sprintf("For input string: %q", s)}
	}
	return n, nil
}

// getOffsetsFilterOf builds the filter from --topic-partitions, or from
// --topic and --partitions.
func getOffsetsFilterOf(o *getOffsetsOptions, set *jopt.OptionSet) (getOffsetsFilter, error) {
	if set.Has(o.topicPartitions) {
		spec, _, _ := set.ValueOf(o.topicPartitions)
		var f getOffsetsFilter
		for _, rule := range javaSplitComma(spec) {
			m := getOffsetsRule.FindStringSubmatch(rule)
			if m == nil {
				msg := "org.apache.kafka.tools.TerseException: Invalid rule specification: " + rule
				return nil, &errThrown{"java.lang.RuntimeException", msg}
			}
			topic := ".*"
			if m[1] != "" {
				topic = m[1]
			}
			re, err := includeList(topic)
			if err != nil {
				return nil, err
			}
			r := getOffsetsRuleFilter{topic: re, lo: 0, hi: 1<<31 - 1}
			switch {
			case m[2] != "":
				n, err := parseInt32(m[2])
				if err != nil {
					return nil, err
				}
				r.partitions = map[int32]bool{n: true} // UniquePartitionFilter
			default:
				if m[3] != "" {
					if r.lo, err = parseInt32(m[3]); err != nil {
						return nil, err
					}
				}
				if m[4] != "" {
					if r.hi, err = parseInt32(m[4]); err != nil {
						return nil, err
					}
				}
			}
			f = append(f, r)
		}
		return f, nil
	}
	topic := ".*"
	if set.Has(o.topic) {
		topic, _, _ = set.ValueOf(o.topic)
	}
	parts := map[int32]bool{}
	if s, _, _ := set.ValueOf(o.partitions); s != "" {
		for _, p := range javaSplitComma(s) {
			n, ok := jopt.ParseInt(p)
			if !ok {
				return nil, &errTerse{"--partitions expects a comma separated list of numeric partition ids, but received: " + s}
			}
			parts[n] = true
		}
	}
	re, err := includeList(topic)
	if err != nil {
		return nil, err
	}
	return getOffsetsFilter{{topic: re, partitions: parts}}, nil
}

// parseOffsetSpec is GetOffsetShell.parseOffsetSpec: the ListOffsets
// timestamp to ask for.
func parseOffsetSpec(s string) (int64, error) {
	switch s {
	case "earliest":
		return -2, nil
	case "latest":
		return -1, nil
	case "max-timestamp":
		return -3, nil
	case "earliest-local":
		return -4, nil
	case "latest-tiered":
		return -5, nil
	}
	n, ok := jopt.ParseLong(s)
	if !ok {
		return 0, &errTerse{"Malformed time argument " + s + ". " +
			"Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp"}
	}
	return n, nil
}

// fetchOffsets is GetOffsetShell.fetchOffsets: the output lines in the
// order of the partitions' "topic-partition" strings.
func fetchOffsets(ctx context.Context, o *getOffsetsOptions, set *jopt.OptionSet, target kafkaTarget, env toolEnv) ([]string, error) {
	if set.Has(o.topicPartitions) && (set.Has(o.topic) || set.Has(o.partitions)) {
		return nil, &errTerse{"--topic-partitions cannot be used with --topic or --partitions"}
	}
	excludeInternal := set.Has(o.noInt)
	timeArg, _, _ := set.ValueOf(o.time)
	ts, err := parseOffsetSpec(timeArg)
	if err != nil {
		return nil, err
	}
	filter, err := getOffsetsFilterOf(o, set)
	if err != nil {
		return nil, err
	}
	target.Props = map[string]string{}
	if set.Has(o.commandConfig) {
		path, _, _ := set.ValueOf(o.commandConfig)
		props, class, msg := loadJavaProps(env.cwd, path)
		if class != "" {
			return nil, &errThrown{class, msg}
		}
		target.Props = props
	}
	target.Props["client.id"] = "GetOffsetShell"
	target.TimeoutMs = adminTimeoutMs(target.Props)
	cl, err := target.client(ctx, "consumer", env.stderr)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, target.timeout())
	defer cancel()

	// listTopics (internal ones unless excluded), then the partitions of
	// the allowed topics that the filter allows
	meta := kmsg.NewPtrMetadataRequest()
	mresp, err := meta.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	var selected []getOffsetsTP
	for _, t := range mresp.Topics {
		if t.Topic == nil || t.ErrorCode != 0 || (excludeInternal && t.IsInternal) || !filter.topicAllowed(*t.Topic) {
			continue
		}
		for _, p := range t.Partitions {
			if filter.partitionAllowed(*t.Topic, p.Partition) {
				selected = append(selected, getOffsetsTP{*t.Topic, p.Partition})
			}
		}
	}
	if len(selected) == 0 {
		return nil, &errTerse{"Could not match any topic-partitions with the specified filters"}
	}

	results := listOffsetsRetrying(ctx, cl, selected, ts)
	type line struct{ key, text string }
	var lines []line
	for _, s := range selected {
		name := s.topic + "-" + strconv.Itoa(int(s.part))
		r, ok := results[s]
		if !ok {
			r.err = kerr.UnknownServerError
		}
		if r.err != nil {
			fmt.Fprintf(env.stderr, "Skip getting offsets for topic-partition %s due to error: %s\n", name, javaKafkaError(r.err))
			continue
		}
		if r.offset == -1 { // ListOffsetsResponse.UNKNOWN_OFFSET
			continue
		}
		lines = append(lines, line{name, s.topic + ":" + strconv.Itoa(int(s.part)) + ":" + strconv.FormatInt(r.offset, 10)})
	}
	// TreeMap ordered by TopicPartition.toString(): "t-10" before "t-2".
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].key < lines[j].key })
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.text
	}
	return out, nil
}

type getOffsetsTP struct {
	topic string
	part  int32
}

type getOffsetsResult struct {
	offset int64
	err    error
}

// listOffsetsRetrying asks each partition's leader for the offset at ts,
// asking again, until ctx ends, for the partitions that failed with a
// retriable error (a leader moving or not yet elected), as the Admin
// client does.
func listOffsetsRetrying(ctx context.Context, cl *kgo.Client, parts []getOffsetsTP, ts int64) map[getOffsetsTP]getOffsetsResult {
	results := map[getOffsetsTP]getOffsetsResult{}
	pending := parts
	for len(pending) > 0 {
		for k, v := range listOffsetsOnce(ctx, cl, pending, ts) {
			results[k] = v
		}
		var again []getOffsetsTP
		for _, p := range pending {
			if r, ok := results[p]; !ok || r.err != nil && kerr.IsRetriable(r.err) {
				again = append(again, p)
			}
		}
		if len(again) == 0 {
			break
		}
		cl.ForceMetadataRefresh()
		select {
		case <-ctx.Done():
			return results
		case <-time.After(100 * time.Millisecond):
		}
		pending = again
	}
	return results
}

func listOffsetsOnce(ctx context.Context, cl *kgo.Client, parts []getOffsetsTP, ts int64) map[getOffsetsTP]getOffsetsResult {
	req := listOffsetsRequest(parts, func(x getOffsetsTP) (string, int32) { return x.topic, x.part }, ts)
	results := map[getOffsetsTP]getOffsetsResult{}
	for _, shard := range cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			if r, ok := shard.Req.(*kmsg.ListOffsetsRequest); ok {
				for _, t := range r.Topics {
					for _, p := range t.Partitions {
						results[getOffsetsTP{t.Topic, p.Partition}] = getOffsetsResult{err: shard.Err}
					}
				}
			}
			continue
		}
		resp := shard.Resp.(*kmsg.ListOffsetsResponse)
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				results[getOffsetsTP{t.Topic, p.Partition}] = getOffsetsResult{offset: p.Offset, err: kerr.ErrorForCode(p.ErrorCode)}
			}
		}
	}
	return results
}

// adminTimeoutMs is the Admin client's default.api.timeout.ms (60000 by
// default), taken out of props: it bounds reaching the cluster.
func adminTimeoutMs(props map[string]string) int64 {
	v, ok := props["default.api.timeout.ms"]
	delete(props, "default.api.timeout.ms")
	if n, good := jopt.ParseLong(strings.TrimSpace(v)); ok && good && n > 0 {
		return n
	}
	return 60000
}

// javaKafkaError is how a Kafka error code reads in an ExecutionException
// message: the exception class Kafka maps the code to, then its default
// message.
func javaKafkaError(err error) string {
	var ke *kerr.Error
	if !errors.As(err, &ke) {
		return "org.apache.kafka.common.errors.TimeoutException: " + err.Error()
	}
	class := map[string]string{
		"UNKNOWN_SERVER_ERROR": "UnknownServerException",
		"CORRUPT_MESSAGE":      "CorruptRecordException",
		"NOT_CONTROLLER":       "NotControllerException",
	}[ke.Message]
	if class == "" {
		var b strings.Builder
		for _, w := range strings.Split(strings.ToLower(ke.Message), "_") {
			if w != "" {
				b.WriteString(strings.ToUpper(w[:1]) + w[1:])
			}
		}
		class = b.String() + "Exception"
	}
	return "org.apache.kafka.common.errors." + class + ": " + ke.Description
}
