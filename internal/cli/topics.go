package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wharf-project/wharf/internal/jopt"
	"github.com/wharf-project/wharf/internal/kafka/dumplog"
)

// `wharf topics` is Kafka 3.9's kafka-topics.sh (org.apache.kafka.tools.
// TopicCommand): the same jopt-simple options, checks, messages, output
// and exit codes, over franz-go's kgo client in place of the Java Admin.
// One addition: --zookeeper host:port[/chroot], which the 3.x tool no
// longer has, finds the brokers through /brokers/ids (kafkaTarget) so the
// tutorials' command lines run; with it, --alter also takes --config and
// --delete-config as Kafka 2.8's ZooKeeper mode did (TopicCommand.scala
// 2.8 alterTopic), through IncrementalAlterConfigs.
func init() {
	Register(Command{
		Name:    "topics",
		New:     newTopicsCommand,
		Aliases: []Alias{{Name: "kafka-topics.sh"}},
	})
}

func newTopicsCommand() *cobra.Command {
	return toolCommand(&cobra.Command{
		Use:   "topics --bootstrap-server host:port --list|--describe|--create|--alter|--delete [options]",
		Short: "Create, delete, describe, or change a topic (kafka-topics.sh)",
		Long: "topics is Kafka 3.9's kafka-topics.sh: it takes the same options and prints the\n" +
			"same text. It also accepts the legacy --zookeeper host:port[/chroot], finding the\n" +
			"brokers registered there. Run it with --help for the original's option table.",
	}, runTopics, exitsWithCode)
}

// topicsOptions is TopicCommand.TopicCommandOptions (plus --zookeeper).
type topicsOptions struct {
	parser *jopt.Parser
	set    *jopt.OptionSet
	nArgs  int
	// notices are lines the checks print on stdout as they go
	notices []string

	help, version, bootstrapServer, commandConfig, zookeeper               *jopt.Spec
	list, create, delete, alter, describe, topic, topicID                  *jopt.Spec
	config, deleteConfig, partitions, replicationFactor, replicaAssignment *jopt.Spec
	underReplicated, unavailable, underMinIsr, atMinIsr, withOverrides     *jopt.Spec
	ifExists, ifNotExists, excludeInternal, partitionSizeLimit             *jopt.Spec
	allTopicLevel, allReplicationReports                                   []*jopt.Spec
}

const topicsAlterConfigsHint = " (the kafka-configs CLI supports altering topic configs with a --bootstrap-server option)"

// topicConfigNames39 is LogConfig.configNames() of Kafka 3.9 (sorted),
// listed in --config's help.
var topicConfigNames39 = []string{
	"cleanup.policy", "compression.gzip.level", "compression.lz4.level", "compression.type", "compression.zstd.level",
	"delete.retention.ms", "file.delete.delay.ms", "flush.messages", "flush.ms", "follower.replication.throttled.replicas",
	"index.interval.bytes", "leader.replication.throttled.replicas", "local.retention.bytes", "local.retention.ms",
	"max.compaction.lag.ms", "max.message.bytes", "message.downconversion.enable", "message.format.version",
	"message.timestamp.after.max.ms", "message.timestamp.before.max.ms", "message.timestamp.difference.max.ms",
	"message.timestamp.type", "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas", "preallocate",
	"remote.log.copy.disable", "remote.log.delete.on.disable", "remote.storage.enable", "retention.bytes", "retention.ms",
	"segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms", "unclean.leader.election.enable",
}

func newTopicsOptions() *topicsOptions {
	p := jopt.NewParser()
	o := &topicsOptions{parser: p}
	str := func(name, desc, argDesc string) *jopt.Spec {
		return p.Accepts(&jopt.Spec{Name: name, Desc: desc, Arg: jopt.RequiredArg, ArgDesc: argDesc})
	}
	integer := func(name, desc, argDesc string) *jopt.Spec {
		return p.Accepts(&jopt.Spec{Name: name, Desc: desc, Arg: jopt.RequiredArg, Type: jopt.TypeInteger, ArgDesc: argDesc})
	}
	flag := func(name, desc string) *jopt.Spec { return p.Accepts(&jopt.Spec{Name: name, Desc: desc}) }
	// CommandDefaultOptions
	o.help = p.Accepts(&jopt.Spec{Name: "help", Desc: "Print usage information.", ForHelp: true})
	o.version = p.Accepts(&jopt.Spec{Name: "version", Desc: "Display Kafka version.", ForHelp: true})
	// TopicCommandOptions' constructor, in its order
	o.bootstrapServer = str("bootstrap-server", "REQUIRED: The Kafka server to connect to.", "server to connect to")
	o.commandConfig = str("command-config", "Property file containing configs to be passed to Admin Client. "+
		"This is used only with --bootstrap-server option for describing and altering broker configs.", "command config property file")
	// Kafka 2.8's option (TopicCommand.scala), which 3.0 removed
	o.zookeeper = str("zookeeper", "DEPRECATED, The connection string for the zookeeper connection in the form host:port. "+
		"Multiple hosts can be given to allow fail-over.", "hosts")
	o.list = flag("list", "List all available topics.")
	o.create = flag("create", "Create a new topic.")
	o.delete = flag("delete", "Delete a topic")
	o.alter = flag("alter", "Alter the number of partitions and replica assignment. "+
		"Update the configuration of an existing topic via --alter is no longer supported here"+topicsAlterConfigsHint+".")
	o.describe = flag("describe", "List details for the given topics.")
	o.topic = str("topic", "The topic to create, alter, describe or delete. It also accepts a regular "+
		"expression, except for --create option. Put topic name in double quotes and use the '\\' prefix "+
		"to escape regular expression symbols; e.g. \"test\\.topic\".", "topic")
	o.topicID = str("topic-id", "The topic-id to describe."+
		"This is used only with --bootstrap-server option for describing topics.", "topic-id")
	names := make([]string, len(topicConfigNames39))
	for i, n := range topicConfigNames39 {
		names[i] = "\t" + n
	}
	o.config = str("config", "A topic configuration override for the topic being created."+
		" The following is a list of valid configurations: \n"+strings.Join(names, "\n")+"\n"+
		"See the Kafka documentation for full details on the topic configs."+
		" It is supported only in combination with --create if --bootstrap-server option is used"+topicsAlterConfigsHint+".", "name=value")
	o.deleteConfig = str("delete-config", "A topic configuration override to be removed for an existing topic (see the list of configurations under the --config option). "+
		"Not supported with the --bootstrap-server option.", "name")
	o.partitions = integer("partitions", "The number of partitions for the topic being created or "+
		"altered (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected). If not supplied for create, defaults to the cluster default.", "# of partitions")
	o.replicationFactor = integer("replication-factor", "The replication factor for each partition in the topic being created. If not supplied, defaults to the cluster default.", "replication factor")
	o.replicaAssignment = str("replica-assignment", "A list of manual partition-to-broker assignments for the topic being created or altered.",
		"broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...")
	o.underReplicated = flag("under-replicated-partitions", "if set when describing topics, only show under replicated partitions")
	o.unavailable = flag("unavailable-partitions", "if set when describing topics, only show partitions whose leader is not available")
	o.underMinIsr = flag("under-min-isr-partitions", "if set when describing topics, only show partitions whose isr count is less than the configured minimum.")
	o.atMinIsr = flag("at-min-isr-partitions", "if set when describing topics, only show partitions whose isr count is equal to the configured minimum.")
	o.withOverrides = flag("topics-with-overrides", "if set when describing topics, only show topics that have overridden configs")
	o.ifExists = flag("if-exists", "if set when altering or deleting or describing topics, the action will only execute if the topic exists.")
	o.ifNotExists = flag("if-not-exists", "if set when creating topics, the action will only execute if the topic does not already exist.")
	o.excludeInternal = flag("exclude-internal", "exclude internal topics when running list or describe command. The internal topics will be listed by default")
	o.partitionSizeLimit = integer("partition-size-limit-per-response", "the maximum partition size to be included in one DescribeTopicPartitions response.",
		"maximum number of partitions in one response.")
	o.allTopicLevel = []*jopt.Spec{o.alter, o.create, o.describe, o.list, o.delete}
	o.allReplicationReports = []*jopt.Spec{o.underReplicated, o.underMinIsr, o.atMinIsr, o.unavailable}
	return o
}

// topicsUsage is CommandLineUtils.printUsageAndExit: the message and the
// option table on stderr, exit 1.
type topicsUsage struct{ msg string }

func (u *topicsUsage) Error() string { return u.msg }

// tcError is an exception a Java tool would throw: Class is its fully
// qualified name, Msg what getMessage() returns.
type tcError struct{ Class, Msg string }

func (e *tcError) Error() string { return e.Msg }

func tcIllegalArgument(msg string) *tcError {
	return &tcError{"java.lang.IllegalArgumentException", msg}
}

func (o *topicsOptions) has(s *jopt.Spec) bool { return o.set.Has(s) }

// checkArgs is TopicCommandOptions.checkArgs: a *topicsUsage, a
// *tcError (thrown out of the constructor, so main prints it), or nil;
// help and version return a *topicsUsage / errTopicsVersion.
func (o *topicsOptions) checkArgs() error {
	if o.nArgs == 0 {
		return &topicsUsage{"Create, delete, describe, or change a topic."}
	}
	if o.has(o.help) {
		return &topicsUsage{"This tool helps to create, delete, describe, or change a topic."}
	}
	if o.has(o.version) {
		return errTopicsVersion
	}
	actions := 0
	for _, a := range []*jopt.Spec{o.create, o.list, o.alter, o.describe, o.delete} {
		if o.has(a) {
			actions++
		}
	}
	if actions != 1 {
		return &topicsUsage{"Command must include exactly one action: --list, --describe, --create, --alter or --delete"}
	}
	if err := o.checkRequiredArgs(); err != nil {
		return err
	}
	return o.checkInvalidArgs()
}

var errTopicsVersion = errors.New("version")

func (o *topicsOptions) required(specs ...*jopt.Spec) error {
	for _, s := range specs {
		if !o.has(s) {
			return &topicsUsage{fmt.Sprintf("Missing required argument %q", s.String())}
		}
	}
	return nil
}

// invalid is CommandLineUtils.checkInvalidArgs.
func (o *topicsOptions) invalid(used *jopt.Spec, invalid []*jopt.Spec) error {
	if !o.has(used) {
		return nil
	}
	for _, s := range invalid {
		if o.has(s) {
			return &topicsUsage{fmt.Sprintf("Option %q can't be used with option %q", used.String(), s.String())}
		}
	}
	return nil
}

// allBut is TopicCommandOptions.invalidOptions: the topic-level actions
// (alter, create, describe, list, delete) less remove, then add.
func (o *topicsOptions) allBut(add []*jopt.Spec, remove ...*jopt.Spec) []*jopt.Spec {
	var out []*jopt.Spec
	for _, s := range o.allTopicLevel {
		if !tcContainsSpec(remove, s) {
			out = append(out, s)
		}
	}
	for _, s := range add {
		if !tcContainsSpec(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func tcContainsSpec(list []*jopt.Spec, s *jopt.Spec) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (o *topicsOptions) checkRequiredArgs() error {
	zk := o.has(o.zookeeper)
	if !o.has(o.bootstrapServer) && !zk {
		return tcIllegalArgument("--bootstrap-server must be specified")
	}
	if o.has(o.bootstrapServer) && zk { // Kafka 2.8's check
		return tcIllegalArgument("Only one of --bootstrap-server or --zookeeper must be specified")
	}
	if o.has(o.describe) && o.has(o.ifExists) {
		if !o.has(o.topic) && !o.has(o.topicID) {
			return &topicsUsage{"--topic or --topic-id is required to describe a topic"}
		}
		if o.has(o.topic) && o.has(o.topicID) {
			o.notices = append(o.notices, "Only topic id will be used when both --topic and --topic-id are specified and topicId is not Uuid.ZERO_UUID")
		}
	}
	if !o.has(o.list) && !o.has(o.describe) {
		if err := o.required(o.topic); err != nil {
			return err
		}
	}
	if o.has(o.alter) {
		if o.has(o.bootstrapServer) && o.has(o.config) {
			// checkInvalidArgsSet prints the Set of used options; Java's
			// HashSet order is not fixed, this is one of its two orders.
			return &topicsUsage{fmt.Sprintf("Option combination \"[%s, %s]\" can't be used with option \"%s\"%s",
				o.bootstrapServer.String(), o.config.String(), o.alter.String(), topicsAlterConfigsHint)}
		}
		// 2.8's ZooKeeper mode altered configs without --partitions
		if !zk || !o.has(o.config) && !o.has(o.deleteConfig) {
			return o.required(o.partitions)
		}
	}
	return nil
}

func (o *topicsOptions) checkInvalidArgs() error {
	withOverrides := []*jopt.Spec{o.withOverrides}
	checks := []struct {
		used    *jopt.Spec
		invalid []*jopt.Spec
	}{
		{o.config, o.allBut(nil, o.alter, o.create)},
		{o.deleteConfig, o.allBut([]*jopt.Spec{o.bootstrapServer}, o.alter)},
		{o.partitions, o.allBut(nil, o.alter, o.create)},
		{o.replicationFactor, o.allBut(nil, o.create)},
		{o.replicaAssignment, o.allBut(nil, o.alter, o.create)},
	}
	for _, c := range checks {
		if err := o.invalid(c.used, c.invalid); err != nil {
			return err
		}
	}
	if o.has(o.create) {
		if err := o.invalid(o.replicaAssignment, []*jopt.Spec{o.partitions, o.replicationFactor}); err != nil {
			return err
		}
	}
	checks = []struct {
		used    *jopt.Spec
		invalid []*jopt.Spec
	}{
		{o.underReplicated, o.allBut(withOverrides, o.describe, o.underReplicated)},
		{o.underMinIsr, o.allBut(withOverrides, o.describe, o.underMinIsr)},
		{o.atMinIsr, o.allBut(withOverrides, o.describe, o.atMinIsr)},
		{o.unavailable, o.allBut(withOverrides, o.describe, o.unavailable)},
		{o.withOverrides, o.allBut(o.allReplicationReports, o.describe)},
		{o.ifExists, o.allBut(nil, o.alter, o.delete, o.describe)},
		{o.ifNotExists, o.allBut(nil, o.create)},
		{o.excludeInternal, o.allBut(nil, o.list, o.describe)},
	}
	for _, c := range checks {
		if err := o.invalid(c.used, c.invalid); err != nil {
			return err
		}
	}
	return nil
}

// runTopics is TopicCommand.main: the exit code.
func runTopics(ctx context.Context, args []string, env toolEnv) int {
	o := newTopicsOptions()
	o.nArgs = len(args)
	set, err := o.parser.Parse(args)
	if err != nil {
		return topicsCrash(env, tcJoptError(err))
	}
	o.set = set
	err = o.checkArgs()
	for _, n := range o.notices {
		fmt.Fprintln(env.stdout, n)
	}
	var usage *topicsUsage
	var je *tcError
	switch {
	case err == errTopicsVersion:
		fmt.Fprintln(env.stdout, dumplog.KafkaVersion)
		return 0
	case errors.As(err, &usage):
		return usageExit(env, o.parser, usage.msg)
	case errors.As(err, &je):
		return topicsCrash(env, je)
	}
	target := kafkaTarget{TimeoutMs: env.timeoutMs}
	target.Bootstrap, _, _ = set.ValueOf(o.bootstrapServer)
	target.ZooKeeper, _, _ = set.ValueOf(o.zookeeper)
	if set.Has(o.commandConfig) {
		f, _, err := set.ValueOf(o.commandConfig)
		if err != nil {
			return topicsCrash(env, tcJoptError(err))
		}
		props, class, msg := loadJavaProps(env.cwd, f)
		if class != "" {
			return topicsCrash(env, &tcError{class, msg})
		}
		target.Props = props
	}
	svc := &topicService{opts: o, env: env, target: target}
	defer svc.close()
	if err := svc.execute(ctx); err != nil {
		svc.printException(err)
		return 1
	}
	return 0
}

func tcJoptError(err error) *tcError {
	var je *jopt.Error
	if errors.As(err, &je) {
		return &tcError{je.Class, je.Message}
	}
	var j *tcError
	if errors.As(err, &j) {
		return j
	}
	return &tcError{"java.lang.RuntimeException", err.Error()}
}

// topicsCrash is mainNoExit's catch: the message, then the stack trace
// (here its first line) on stderr; exit 1.
func topicsCrash(env toolEnv, e *tcError) int { return crash(env, e.Class, e.Msg) }
