package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/javafmt"
	"github.com/wharf-project/wharf/internal/jopt"
	"github.com/wharf-project/wharf/internal/kafka/dumplog"
)

// consoleConsumerOptions is ConsoleConsumerOptions (Kafka 3.9,
// tools/src/main/java/org/apache/kafka/tools/consumer/ConsoleConsumerOptions.java).
type consoleConsumerOptions struct {
	parser *jopt.Parser

	help, version, topic, whitelist, include, partition, offset, consumerProperty, consumerConfig *jopt.Spec
	commandConfig                                                                                 *jopt.Spec
	formatter, property, formatterConfig, fromBeginning, maxMessages, timeoutMs, skipOnError      *jopt.Spec
	bootstrapServer, zookeeper, keyDeserializer, valueDeserializer, systest, isolation, group     *jopt.Spec
}

const consoleConsumerHelpHeader = "This tool helps to read data from Kafka topics and outputs it to standard output."

const consumerPropertyHelp = "The properties to initialize the message formatter. Default properties include: \n" +
	" print.timestamp=true|false\n print.key=true|false\n print.offset=true|false\n print.partition=true|false\n" +
	" print.headers=true|false\n print.value=true|false\n key.separator=<key.separator>\n line.separator=<line.separator>\n" +
	" headers.separator=<line.separator>\n null.literal=<null.literal>\n key.deserializer=<key.deserializer>\n" +
	" value.deserializer=<value.deserializer>\n header.deserializer=<header.deserializer>\n" +
	"\nUsers can also pass in customized properties for their formatter; more specifically, users can pass in properties keyed with " +
	"'key.deserializer.', 'value.deserializer.' and 'headers.deserializer.' prefixes to configure their deserializers."

func newConsoleConsumerOptions() *consoleConsumerOptions {
	p := jopt.NewParser()
	o := &consoleConsumerOptions{parser: p}
	req := func(name, desc, argDesc, typ string, defaults ...string) *jopt.Spec {
		return p.Accepts(&jopt.Spec{Name: name, Desc: desc, Arg: jopt.RequiredArg, ArgDesc: argDesc, Type: typ, Defaults: defaults})
	}
	flag := func(name, desc string) *jopt.Spec { return p.Accepts(&jopt.Spec{Name: name, Desc: desc}) }
	o.help = p.Accepts(&jopt.Spec{Name: "help", Desc: "Print usage information.", ForHelp: true})
	o.version = p.Accepts(&jopt.Spec{Name: "version", Desc: "Display Kafka version.", ForHelp: true})
	o.topic = req("topic", "The topic to consume on.", "topic", "")
	o.whitelist = req("whitelist", "DEPRECATED, use --include instead; ignored if --include specified. Regular expression specifying list of topics to include for consumption.",
		"Java regex (String)", "")
	o.include = req("include", "Regular expression specifying list of topics to include for consumption.", "Java regex (String)", "")
	o.partition = req("partition", "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified.",
		"partition", jopt.TypeInteger)
	o.offset = req("offset", "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end",
		"consume offset", "", "latest")
	o.consumerProperty = req("consumer-property", "A mechanism to pass user-defined properties in the form key=value to the consumer.", "consumer_prop", "")
	o.consumerConfig = req("consumer.config", "Consumer config properties file. Note that [consumer-property] takes precedence over this config.", "config file", "")
	o.commandConfig = req("command-config", commandConfigOptionHelp("consumer.config"), "config file", "")
	o.formatter = req("formatter", "The name of a class to use for formatting kafka messages for display.", "class", "", defaultFormatterClass)
	o.property = req("property", consumerPropertyHelp, "prop", "")
	o.formatterConfig = req("formatter-config", "Config properties file to initialize the message formatter. Note that [property] takes precedence over this config.", "config file", "")
	o.fromBeginning = flag("from-beginning", "If the consumer does not already have an established offset to consume from, "+
		"start with the earliest message present in the log rather than the latest message.")
	o.maxMessages = req("max-messages", "The maximum number of messages to consume before exiting. If not set, consumption is continual.", "num_messages", jopt.TypeInteger)
	o.timeoutMs = req("timeout-ms", "If specified, exit if no message is available for consumption for the specified interval.", "timeout_ms", jopt.TypeLong)
	o.skipOnError = flag("skip-message-on-error", "If there is an error when processing a message, skip it instead of halt.")
	o.bootstrapServer = req("bootstrap-server", "REQUIRED: The server(s) to connect to.", "server to connect to", "")
	o.zookeeper = req("zookeeper", zookeeperOptionHelp, "urls", "")
	o.keyDeserializer = req("key-deserializer", "", "deserializer for key", "")
	o.valueDeserializer = req("value-deserializer", "", "deserializer for values", "")
	o.systest = flag("enable-systest-events", "Log lifecycle events of the consumer in addition to logging consumed messages. (This is specific for system tests.)")
	o.isolation = req("isolation-level", "Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted "+
		"to read all messages.", "", "", "read_uncommitted")
	o.group = req("group", "The consumer group id of the consumer.", "consumer group id", "")
	return o
}

// consoleConsumerConfig is what the options resolve to.
type consoleConsumerConfig struct {
	target        kafkaTarget
	topic         string // or
	include       string // a regex
	partition     int32
	hasPartition  bool
	offset        kgo.Offset // the start of --partition
	reset         kgo.Offset // auto.offset.reset
	group         string
	autoCommit    bool
	maxMessages   int64 // -1: no limit
	timeoutMs     int64 // -1: none
	skipOnError   bool
	systest       bool
	formatter     messageFormatter
	groupOpts     []kgo.Opt
	commitEveryMs int64
}

// parseConsoleConsumer is the ConsoleConsumerOptions constructor: the
// configuration, or the exit code of a usage error.
func parseConsoleConsumer(args []string, env toolEnv) (*consoleConsumerConfig, int) {
	o := newConsoleConsumerOptions()
	usage := func(msg string) (*consoleConsumerConfig, int) { return nil, usageExit(env, o.parser, msg) }
	optErr := func(err error) (*consoleConsumerConfig, int) {
		var je *jopt.Error
		if errors.As(err, &je) {
			return nil, mainException(env, je.Error())
		}
		return nil, mainException(env, err.Error())
	}
	set, err := o.parser.Parse(args)
	if err != nil {
		return usage(err.(*jopt.Error).Message)
	}
	if len(args) == 0 || set.Has(o.help) {
		return usage(consoleConsumerHelpHeader)
	}
	if set.Has(o.version) {
		fmt.Fprintln(env.stdout, dumplog.KafkaVersion)
		return nil, 0
	}
	c := &consoleConsumerConfig{maxMessages: -1, timeoutMs: -1, skipOnError: set.Has(o.skipOnError), systest: set.Has(o.systest)}
	// checkRequiredArgs
	includeSpec := o.include
	if !set.Has(o.include) {
		includeSpec = o.whitelist
	}
	if set.Has(o.topic) == set.Has(includeSpec) {
		msg := "Exactly one of --include/--topic is required. "
		if set.Has(o.whitelist) {
			msg += "--whitelist is DEPRECATED use --include instead; ignored if --include specified."
		}
		return usage(msg)
	}
	fromBeginning := set.Has(o.fromBeginning)
	if set.Has(o.partition) {
		if c.partition, err = set.IntValueOf(o.partition); err != nil {
			return optErr(err)
		}
		c.hasPartition = true
		if !set.Has(o.topic) {
			return usage("The topic is required when partition is specified.")
		}
		if fromBeginning && set.Has(o.offset) {
			return usage("Options from-beginning and offset cannot be specified together.")
		}
	} else if set.Has(o.offset) {
		return usage("The partition is required when offset is specified.")
	}
	if !set.Has(o.bootstrapServer) && !set.Has(o.zookeeper) { // --zookeeper: Wharf's
		return usage(fmt.Sprintf("Missing required argument %q", o.bootstrapServer.String()))
	}
	for _, s := range []struct {
		spec *jopt.Spec
		dst  *string
	}{{o.topic, &c.topic}, {includeSpec, &c.include}, {o.bootstrapServer, &c.target.Bootstrap}, {o.zookeeper, &c.target.ZooKeeper}} {
		if *s.dst, _, err = set.ValueOf(s.spec); err != nil {
			return optErr(err)
		}
	}
	if c.target.Bootstrap != "" {
		c.target.ZooKeeper = ""
	}

	fileProps := map[string]string{}
	if file := firstGiven(set, o.consumerConfig, o.commandConfig); file != nil {
		f, _, err := set.ValueOf(file)
		if err != nil {
			return optErr(err)
		}
		m, class, msg := loadJavaProps(env.cwd, f)
		if class != "" {
			return nil, mainException(env, class+": "+msg)
		}
		fileProps = m
	}
	extra := consoleKeyValues(set.ValuesOf(o.consumerProperty))
	// checkConsumerGroup: every group id given must be the same
	var groups []string
	addGroup := func(g string) {
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	if set.Has(o.group) {
		g, _, err := set.ValueOf(o.group)
		if err != nil {
			return optErr(err)
		}
		addGroup(g)
	}
	if g, ok := fileProps["group.id"]; ok {
		addGroup(g)
	}
	if g, ok := extra["group.id"]; ok {
		addGroup(g)
	}
	if len(groups) > 1 {
		quoted := make([]string, 0, len(groups))
		for _, g := range javaHashSetOrder(groups) {
			quoted = append(quoted, "'"+g+"'")
		}
		return usage("The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. " +
			"Detected group ids: " + strings.Join(quoted, ", "))
	}
	if len(groups) > 0 && c.hasPartition {
		return usage("Options group and partition cannot be specified together.")
	}
	// buildConsumerProps
	props := fileProps
	for k, v := range extra {
		props[k] = v
	}
	if reset, ok := props["auto.offset.reset"]; ok {
		if fromBeginning && reset != "earliest" {
			fmt.Fprintf(env.stderr, "Can't simultaneously specify --from-beginning and 'auto.offset.reset=%s', please remove one option\n", reset)
			return nil, 1
		}
	} else if fromBeginning {
		props["auto.offset.reset"] = "earliest"
	} else {
		props["auto.offset.reset"] = "latest"
	}
	if props["client.id"] == "" {
		props["client.id"] = "console-consumer"
	}
	if _, ok := props["isolation.level"]; !ok || set.Has(o.isolation) {
		if props["isolation.level"], _, err = set.ValueOf(o.isolation); err != nil {
			return optErr(err)
		}
	}
	if len(groups) == 0 {
		props["group.id"] = "console-consumer-" + strconv.Itoa(env.groupSuffix)
		// the generated group and its offsets are not meant to be used again
		if _, ok := props["enable.auto.commit"]; !ok {
			props["enable.auto.commit"] = "false"
		}
	} else {
		props["group.id"] = groups[0]
	}
	// parseOffset
	c.offset = kgo.NewOffset().AtEnd()
	if set.Has(o.offset) {
		v, _, err := set.ValueOf(o.offset)
		if err != nil {
			return optErr(err)
		}
		switch strings.ToLower(v) {
		case "earliest":
			c.offset = kgo.NewOffset().AtStart()
		case "latest":
		default:
			n, ok := jopt.ParseLong(v)
			if !ok || n < 0 {
				return usage("The provided offset value '" + v + "' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.")
			}
			c.offset = kgo.NewOffset().At(n)
		}
	} else if fromBeginning {
		c.offset = kgo.NewOffset().AtStart()
	}
	if set.Has(o.timeoutMs) {
		if c.timeoutMs, err = set.LongValueOf(o.timeoutMs); err != nil {
			return optErr(err)
		}
		c.timeoutMs = max(c.timeoutMs, -1)
		if c.timeoutMs > 0 { // also bounds reaching the cluster
			c.target.TimeoutMs = c.timeoutMs
		}
	}
	if set.Has(o.maxMessages) {
		n, err := set.IntValueOf(o.maxMessages)
		if err != nil {
			return optErr(err)
		}
		c.maxMessages = int64(n)
	}
	// buildFormatter: any failure is the usage with the exception's message
	formatterClass, _, err := set.ValueOf(o.formatter)
	if err != nil {
		return usage(err.(*jopt.Error).Message)
	}
	if repl, ok := deprecatedFormatters[formatterClass]; ok {
		fmt.Fprintf(env.stderr, "WARNING: %s is deprecated and will be removed in the next major release. Please use %s instead\n", formatterClass, repl)
		formatterClass = repl
	}
	formatterArgs := map[string]string{}
	if set.Has(o.formatterConfig) {
		f, _, err := set.ValueOf(o.formatterConfig)
		if err != nil {
			return usage(err.(*jopt.Error).Message)
		}
		m, class, msg := loadJavaProps(env.cwd, f)
		if class != "" {
			return usage(msg)
		}
		formatterArgs = m
	}
	for key, spec := range map[string]*jopt.Spec{"key.deserializer": o.keyDeserializer, "value.deserializer": o.valueDeserializer} {
		if v, _, err := set.ValueOf(spec); err != nil {
			return usage(err.(*jopt.Error).Message)
		} else if v != "" {
			formatterArgs[key] = v
		}
	}
	for k, v := range consoleKeyValues(set.ValuesOf(o.property)) {
		formatterArgs[k] = v
	}
	switch formatterClass {
	case defaultFormatterClass, loggingFormatterClass:
		c.formatter = newDefaultFormatter(env, formatterArgs)
	case noOpFormatterClass:
		c.formatter = noOpFormatter{}
	default: // Class.forName's ClassNotFoundException: the class name
		return usage(formatterClass)
	}
	if err := c.groupProps(props); err != nil { // the KafkaConsumer constructor's, caught by main
		return nil, consoleUnknownError(env, err)
	}
	c.target.Props = props
	return c, -1
}

// groupProps takes out of props the consumer properties the tool applies
// itself (the group's, the offset reset), leaving the client's.
func (c *consoleConsumerConfig) groupProps(props map[string]string) error {
	c.group = props["group.id"]
	c.autoCommit = true
	c.commitEveryMs = 5000
	var err error
	if v, ok := props["enable.auto.commit"]; ok {
		c.autoCommit, err = propBool("enable.auto.commit", v)
	}
	if v, ok := props["auto.commit.interval.ms"]; ok && err == nil {
		c.commitEveryMs, err = propLong("auto.commit.interval.ms", v, 0)
	}
	for _, d := range []struct {
		key string
		opt func(time.Duration) kgo.GroupOpt
	}{{"session.timeout.ms", kgo.SessionTimeout}, {"heartbeat.interval.ms", kgo.HeartbeatInterval}, {"max.poll.interval.ms", kgo.RebalanceTimeout}} {
		if v, ok := props[d.key]; ok && err == nil {
			var n int64
			if n, err = propLong(d.key, v, 0); err == nil {
				c.groupOpts = append(c.groupOpts, d.opt(ms2d(n)))
			}
		}
	}
	if v, ok := props["group.instance.id"]; ok && v != "" {
		c.groupOpts = append(c.groupOpts, kgo.InstanceID(v))
	}
	switch v := props["auto.offset.reset"]; strings.TrimSpace(v) {
	case "earliest":
		c.reset = kgo.NewOffset().AtStart()
	case "latest":
		c.reset = kgo.NewOffset().AtEnd()
	case "none":
		c.reset = kgo.NoResetOffset()
	default:
		if err == nil {
			err = invalidValue("auto.offset.reset", v, "String must be one of: latest, earliest, none")
		}
	}
	for _, k := range []string{"group.id", "enable.auto.commit", "auto.commit.interval.ms", "session.timeout.ms",
		"heartbeat.interval.ms", "max.poll.interval.ms", "group.instance.id", "auto.offset.reset", "allow.auto.create.topics",
		"partition.assignment.strategy", "bootstrap.servers", "exclude.internal.topics"} {
		delete(props, k)
	}
	return err
}

// consoleUnknownError is ConsoleConsumer.main's catch of anything run
// throws: logged, exit 1.
func consoleUnknownError(env toolEnv, exc error) int {
	msg := exc.Error()
	var ce *configError
	if errors.As(exc, &ce) {
		msg = "org.apache.kafka.common.config.ConfigException: " + ce.msg
	}
	consoleLog(env, "ERROR", "Unknown error when running consumer: ", "org.apache.kafka.tools.consumer.ConsoleConsumer", msg)
	return 1
}

// javaHashSetOrder is the iteration order of a java.util.HashSet<String>
// of up to 12 elements (16 buckets, no resize): by bucket, then insertion.
func javaHashSetOrder(items []string) []string {
	return javafmt.HashOrder(items, javafmt.StringHash, 16)
}

// runConsoleConsumer is ConsoleConsumer.main and run.
func runConsoleConsumer(ctx context.Context, args []string, env toolEnv) int {
	c, code := parseConsoleConsumer(args, env)
	if c == nil {
		return code
	}
	opts := []kgo.Opt{kgo.AllowAutoTopicCreation(), kgo.ConsumeResetOffset(c.reset)}
	switch {
	case c.hasPartition: // assign and seek, no group
		opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{c.topic: {c.partition: c.offset}}))
	default:
		opts = append(opts, kgo.ConsumerGroup(c.group))
		if c.autoCommit { // what is printed, not what is polled
			opts = append(opts, kgo.AutoCommitMarks(), kgo.AutoCommitInterval(ms2d(max(c.commitEveryMs, 1))))
		} else {
			opts = append(opts, kgo.DisableAutoCommit())
		}
		if c.include != "" {
			opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics("^(?:"+c.include+")$"))
		} else {
			opts = append(opts, kgo.ConsumeTopics(c.topic))
		}
		for _, o := range c.groupOpts {
			opts = append(opts, o)
		}
	}
	cl, err := c.target.client(ctx, "consumer", env.stderr, opts...)
	if err != nil {
		if ctx.Err() != nil {
			return 130
		}
		var ce *configError
		if errors.As(err, &ce) {
			return consoleUnknownError(env, err)
		}
		fmt.Fprintln(env.stderr, "wharf consume: "+err.Error())
		return 1
	}
	w := &consoleReceiver{env: env, cl: cl, cfg: c}
	failure := w.process(ctx)
	// cleanup: commit what was printed (resetUnconsumedOffsets), leave
	if c.autoCommit && !c.hasPartition {
		_ = cl.CommitMarkedOffsets(context.WithoutCancel(ctx))
	}
	cl.Close()
	fmt.Fprintf(env.stderr, "Processed a total of %d messages\n", w.count)
	if failure != nil {
		return consoleUnknownError(env, failure)
	}
	if ctx.Err() != nil {
		if c.systest {
			fmt.Fprintln(env.stdout, "shutdown_complete")
		}
		return 130
	}
	return 0
}

// consoleReceiver is ConsoleConsumer.ConsumerWrapper and process.
type consoleReceiver struct {
	env   toolEnv
	cl    *kgo.Client
	cfg   *consoleConsumerConfig
	buf   []*kgo.Record
	count int64
}

// errConsumeTimeout is the TimeoutException receive throws.
var errConsumeTimeout = errors.New("org.apache.kafka.common.errors.TimeoutException")

// receive is ConsumerWrapper.receive: the next record, polling until one
// comes; with --timeout-ms, a poll of that long that brings nothing is a
// timeout.
func (w *consoleReceiver) receive(ctx context.Context) (*kgo.Record, error) {
	start := time.Now()
	for len(w.buf) == 0 {
		pollCtx, cancel := ctx, context.CancelFunc(func() {})
		if w.cfg.timeoutMs >= 0 {
			pollCtx, cancel = context.WithDeadline(ctx, start.Add(ms2d(w.cfg.timeoutMs)+time.Millisecond))
		}
		fetches := w.cl.PollFetches(pollCtx)
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for _, fe := range fetches.Errors() {
			if errors.Is(fe.Err, context.DeadlineExceeded) || errors.Is(fe.Err, context.Canceled) {
				continue
			}
			if errors.Is(fe.Err, kgo.ErrClientClosed) {
				return nil, fe.Err
			}
			return nil, errors.New(consoleJavaError(fe.Err))
		}
		w.buf = fetches.Records()
		if len(w.buf) == 0 && w.cfg.timeoutMs >= 0 && time.Since(start) > ms2d(w.cfg.timeoutMs) {
			return nil, errConsumeTimeout
		}
	}
	r := w.buf[0]
	w.buf = w.buf[1:]
	return r, nil
}

// process is ConsoleConsumer.process: records formatted onto stdout
// until --max-messages, a timeout or an error. Its error is one that
// escapes (a formatting failure without --skip-message-on-error).
func (w *consoleReceiver) process(ctx context.Context) error {
	env := w.env
	out := bufio.NewWriter(env.stdout)
	defer out.Flush()
	const logger = "org.apache.kafka.tools.consumer.ConsoleConsumer"
	for w.cfg.maxMessages == -1 || w.count < w.cfg.maxMessages {
		if len(w.buf) == 0 { // about to wait: what was printed is shown
			if out.Flush() != nil {
				fmt.Fprintln(env.stderr, "Unable to write to standard out, closing consumer.")
				return nil
			}
		}
		rec, err := w.receive(ctx)
		if err != nil {
			if ctx.Err() == nil { // a wakeup (Ctrl-C) ends quietly
				consoleLog(env, "ERROR", "Error processing message, terminating consumer process: ", logger, err.Error())
			}
			return nil
		}
		w.count++
		if err := w.cfg.formatter.writeTo(rec, out); err != nil {
			var de *errDeserialize
			if !errors.As(err, &de) {
				fmt.Fprintln(env.stderr, "Unable to write to standard out, closing consumer.")
				return nil
			}
			if !w.cfg.skipOnError {
				return err
			}
			consoleLog(env, "ERROR", "Error processing message, skipping this message: ", logger, err.Error())
		}
		if w.cfg.autoCommit && !w.cfg.hasPartition {
			w.cl.MarkCommitRecords(rec)
		}
	}
	if out.Flush() != nil {
		fmt.Fprintln(env.stderr, "Unable to write to standard out, closing consumer.")
	}
	return nil
}
