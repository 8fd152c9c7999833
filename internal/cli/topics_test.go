package cli

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/wharf-project/wharf/internal/javafmt"
)

// topicsRun runs kafka-topics.sh with a fixed clock and a short timeout.
func topicsRun(args ...string) result {
	var out, errb strings.Builder
	env := toolEnv{stdout: &out, stderr: &errb, cwd: ".", timeoutMs: 5000,
		now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC) }}
	code := runTopics(context.Background(), args, env)
	return result{code, out.String(), errb.String()}
}

// The option checks of TopicCommandOptions.checkArgs (TopicCommand.java
// 3.9, checkArgs/checkRequiredArgs/checkInvalidArgs): the first line on
// stderr, then the option table (CommandLineUtils.printUsageAndExit),
// exit 1. Exceptions out of the options' constructor are printed by
// mainNoExit: the message, then the stack trace.
func TestTopicsOptionErrors(t *testing.T) {
	const bs = "--bootstrap-server"
	tests := []struct {
		name  string
		args  []string
		usage string // first stderr line, followed by the help table
		crash string // whole stderr, no help table
	}{
		{"no arguments", nil, "Create, delete, describe, or change a topic.", ""},
		{"help", []string{"--help"}, "This tool helps to create, delete, describe, or change a topic.", ""},
		{"no action", []string{bs, "h:1"}, "Command must include exactly one action: --list, --describe, --create, --alter or --delete", ""},
		{"two actions", []string{bs, "h:1", "--list", "--describe"}, "Command must include exactly one action: --list, --describe, --create, --alter or --delete", ""},
		{"create needs topic", []string{bs, "h:1", "--create"}, `Missing required argument "[topic]"`, ""},
		{"delete needs topic", []string{bs, "h:1", "--delete"}, `Missing required argument "[topic]"`, ""},
		{"alter needs partitions", []string{bs, "h:1", "--alter", "--topic", "t"}, `Missing required argument "[partitions]"`, ""},
		{"alter config", []string{bs, "h:1", "--alter", "--topic", "t", "--config", "a=b"},
			`Option combination "[[bootstrap-server], [config]]" can't be used with option "[alter]" (the kafka-configs CLI supports altering topic configs with a --bootstrap-server option)`, ""},
		{"describe if-exists needs topic", []string{bs, "h:1", "--describe", "--if-exists"}, "--topic or --topic-id is required to describe a topic", ""},
		{"partitions with list", []string{bs, "h:1", "--list", "--partitions", "3"}, `Option "[partitions]" can't be used with option "[list]"`, ""},
		{"config with describe", []string{bs, "h:1", "--describe", "--config", "a=b"}, `Option "[config]" can't be used with option "[describe]"`, ""},
		{"delete-config with bootstrap", []string{bs, "h:1", "--alter", "--topic", "t", "--partitions", "2", "--delete-config", "a"},
			`Option "[delete-config]" can't be used with option "[bootstrap-server]"`, ""},
		{"replication factor with alter", []string{bs, "h:1", "--alter", "--topic", "t", "--partitions", "2", "--replication-factor", "1"},
			`Option "[replication-factor]" can't be used with option "[alter]"`, ""},
		{"assignment and partitions", []string{bs, "h:1", "--create", "--topic", "t", "--replica-assignment", "0", "--partitions", "1"},
			`Option "[replica-assignment]" can't be used with option "[partitions]"`, ""},
		{"two reports", []string{bs, "h:1", "--describe", "--under-replicated-partitions", "--topics-with-overrides"},
			`Option "[under-replicated-partitions]" can't be used with option "[topics-with-overrides]"`, ""},
		{"report with list", []string{bs, "h:1", "--list", "--unavailable-partitions"}, `Option "[unavailable-partitions]" can't be used with option "[list]"`, ""},
		{"if-exists with create", []string{bs, "h:1", "--create", "--topic", "t", "--if-exists"}, `Option "[if-exists]" can't be used with option "[create]"`, ""},
		{"if-not-exists with delete", []string{bs, "h:1", "--delete", "--topic", "t", "--if-not-exists"}, `Option "[if-not-exists]" can't be used with option "[delete]"`, ""},
		{"exclude-internal with delete", []string{bs, "h:1", "--delete", "--topic", "t", "--exclude-internal"}, `Option "[exclude-internal]" can't be used with option "[delete]"`, ""},
		{"no server", []string{"--list"}, "",
			"--bootstrap-server must be specified\njava.lang.IllegalArgumentException: --bootstrap-server must be specified\n"},
		{"both servers", []string{"--list", bs, "h:1", "--zookeeper", "z:2181"}, "",
			"Only one of --bootstrap-server or --zookeeper must be specified\njava.lang.IllegalArgumentException: Only one of --bootstrap-server or --zookeeper must be specified\n"},
		{"unknown option", []string{"--list", "--nope"}, "",
			"nope is not a recognized option\njoptsimple.UnrecognizedOptionException: nope is not a recognized option\n"},
		{"missing argument", []string{"--list", bs}, "",
			"Option bootstrap-server requires an argument\njoptsimple.OptionMissingRequiredArgumentException: Option bootstrap-server requires an argument\n"},
		{"missing command config", []string{"--list", bs, "h:1", "--command-config", "/nonexistent/admin.properties"}, "",
			"/nonexistent/admin.properties\njava.nio.file.NoSuchFileException: /nonexistent/admin.properties\n"},
	}
	help := newTopicsOptions().parser.Help()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := topicsRun(tt.args...)
			if r.code != 1 || r.stdout != "" {
				t.Errorf("exit %d, stdout %q", r.code, r.stdout)
			}
			want := tt.crash
			if tt.usage != "" {
				want = tt.usage + "\n" + help
			}
			diffText(t, "stderr", r.stderr, want)
		})
	}
}

func TestTopicsVersionAndHelpTable(t *testing.T) {
	if r := topicsRun("--version"); r.code != 0 || r.stdout != "3.9.0\n" {
		t.Errorf("version: %+v", r)
	}
	help := newTopicsOptions().parser.Help()
	// BuiltinHelpFormatter: sorted rows; --config's description carries
	// LogConfig.configNames() one per line, tab-indented, each line a row
	// of its own (so without the continuation indent).
	for _, want := range []string{
		"Option                                   Description                            \n",
		"--alter                                  Alter the number of partitions and     \n",
		"--bootstrap-server <String: server to    REQUIRED: The Kafka server to connect  \n",
		"                                         \tcleanup.policy                        \n",
		"                                         \tunclean.leader.election.enable        \n",
		"--zookeeper <String: hosts>              DEPRECATED, The connection string for  \n",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// Bad values are read where TopicCommand reads them, inside its try: the
// "Error while executing topic command" line on stdout, the logged stack
// trace on stderr, exit 1. None of these reach the broker.
func TestTopicsValueErrors(t *testing.T) {
	tests := []struct {
		args  []string
		out   string
		class string
	}{
		{[]string{"--create", "--topic", "t", "--partitions", "x"}, "Cannot parse argument 'x' of option partitions", "joptsimple.OptionArgumentConversionException"},
		{[]string{"--create", "--topic", "t", "--partitions", "0"}, "The partitions must be greater than 0", "java.lang.IllegalArgumentException"},
		{[]string{"--create", "--topic", "t", "--replication-factor", "40000"}, "The replication factor must be between 1 and 32767 inclusive", "java.lang.IllegalArgumentException"},
		{[]string{"--create", "--topic", "t", "--replica-assignment", "0:1:0"}, "Partition replica lists may not contain duplicate entries: 0", "org.apache.kafka.server.common.AdminCommandFailedException"},
		{[]string{"--create", "--topic", "t", "--replica-assignment", "0:1,2"}, "Partition 1 has different replication factor: [2]", "org.apache.kafka.server.common.AdminOperationException"},
		{[]string{"--create", "--topic", "t", "--replica-assignment", "0:a"}, `For input string: "a"`, "java.lang.NumberFormatException"},
		{[]string{"--create", "--topic", "t", "--config", "retention.ms"}, `requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".`, "java.lang.IllegalArgumentException"},
		{[]string{"--create", "--topic", "t", "--config", "a=b=c"}, `requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".`, "java.lang.IllegalArgumentException"},
		{[]string{"--create", "--topic", "t", "--config", "retention.mss=1"}, "Unknown topic config name: retention.mss", "org.apache.kafka.common.errors.InvalidConfigurationException"},
		{[]string{"--create", "--topic", "t", "--config", "retention.ms = x"}, "Invalid value x for configuration retention.ms: Not a number of type LONG", "org.apache.kafka.common.config.ConfigException"},
		{[]string{"--describe", "--partition-size-limit-per-response", "many"}, "Cannot parse argument 'many' of option partition-size-limit-per-response", "joptsimple.OptionArgumentConversionException"},
		{[]string{"--describe", "--topic-id", "abc"}, "Input string `abc` decoded as 2 bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID", "java.lang.IllegalArgumentException"},
	}
	for _, tt := range tests {
		r := topicsRun(append([]string{"--bootstrap-server", "127.0.0.1:1"}, tt.args...)...)
		if r.code != 1 {
			t.Errorf("%q: exit %d", tt.args, r.code)
		}
		diffText(t, strings.Join(tt.args, " "), r.stdout, "Error while executing topic command : "+tt.out+"\n")
		diffText(t, strings.Join(tt.args, " ")+" (stderr)", r.stderr,
			"[2026-01-02 03:04:05,006] ERROR "+tt.class+": "+tt.out+"\n (org.apache.kafka.tools.TopicCommand)\n")
	}
}

// The warnings TopicCommand prints before it creates a topic.
func TestTopicsCreateWarnings(t *testing.T) {
	r := topicsRun("--bootstrap-server", "127.0.0.1:1", "--create", "--topic", "a.b", "--config", "message.format.version=2.8", "--partitions", "0")
	diffText(t, "stdout", r.stdout, "WARNING: The configuration ${TopicConfig.MESSAGE_FORMAT_VERSION_CONFIG}=${props.getProperty(TopicConfig.MESSAGE_FORMAT_VERSION_CONFIG)} is specified. "+
		"This configuration will be ignored if the version is newer than the inter.broker.protocol.version specified in the broker or "+
		"if the inter.broker.protocol.version is 3.0 or newer. This configuration is deprecated and it will be removed in Apache Kafka 4.0.\n"+
		"WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n"+
		"Error while executing topic command : The partitions must be greater than 0\n")
}

func TestTopicsUnreachableCluster(t *testing.T) {
	for _, tt := range []struct{ via, want string }{
		{"--bootstrap-server", "Error while executing topic command : cannot reach any broker of 127.0.0.1:1 within 1000 ms"},
		{"--zookeeper", "Error while executing topic command : cannot reach ZooKeeper at 127.0.0.1:1 within 1000 ms"},
	} {
		start := time.Now()
		var out, errb strings.Builder
		code := runTopics(context.Background(), []string{tt.via, "127.0.0.1:1", "--list"},
			toolEnv{stdout: &out, stderr: &errb, timeoutMs: 1000, now: time.Now})
		if code != 1 || !strings.HasPrefix(out.String(), tt.want) || strings.Count(out.String(), "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q", tt.via, code, out.String())
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", tt.via, d)
		}
	}
}

// java.util.HashMap's iteration order: the expected orders are what
// OpenJDK 17 printed for new HashMap<>() / new HashMap<>(n) with the keys
// put in the order given.
func TestTopicsJavaHashOrder(t *testing.T) {
	if h := javafmt.StringHash("retention.ms"); h != -1339220362 {
		t.Errorf("hash %d", h)
	}
	got := tcHashOrder([]string{"a", "b", "c", "aa", "bb"}, 16)
	// "a"=97→1, "b"=98→2, "c"=99→3, "aa"=3104→0, "bb"=3136→0 (of 16)
	if want := []string{"aa", "bb", "a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
	// a table of 2 (capacity 2, two entries: resized to 4)
	if got, want := tcHashOrder([]string{"c", "b"}, 2), []string{"b", "c"}; !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
	names := strings.Split("cleanup.policy,compression.type,delete.retention.ms,file.delete.delay.ms,flush.messages,flush.ms,"+
		"follower.replication.throttled.replicas,index.interval.bytes,leader.replication.throttled.replicas,max.compaction.lag.ms,"+
		"max.message.bytes,message.downconversion.enable,message.format.version,message.timestamp.difference.max.ms,"+
		"message.timestamp.type,min.cleanable.dirty.ratio,min.compaction.lag.ms,min.insync.replicas,preallocate,retention.bytes,"+
		"retention.ms,segment.bytes,segment.index.bytes,segment.jitter.ms,segment.ms,unclean.leader.election.enable", ",")
	want := "compression.type,leader.replication.throttled.replicas,message.downconversion.enable,min.insync.replicas,segment.jitter.ms," +
		"cleanup.policy,flush.ms,follower.replication.throttled.replicas,retention.ms,segment.bytes,flush.messages,message.format.version," +
		"file.delete.delay.ms,max.compaction.lag.ms,max.message.bytes,min.compaction.lag.ms,message.timestamp.type,preallocate," +
		"index.interval.bytes,min.cleanable.dirty.ratio,unclean.leader.election.enable,delete.retention.ms,retention.bytes,segment.ms," +
		"message.timestamp.difference.max.ms,segment.index.bytes"
	if got := strings.Join(tcHashOrder(names, 16), ","); got != want {
		t.Errorf("26 config names: %s", got)
	}
	// --describe's order: the sorted names through three HashMaps
	// (tcDescribeOrder); the expected orders are the JVM's for that chain.
	for names, want := range map[string]string{
		"a,b,orders":                 "a,b,orders",
		"alpha,beta,gamma,orders,t1": "orders,t1,beta,gamma,alpha",
		"__consumer_offsets,logs,metrics,my-topic,orders,payments,quickstart-events": "quickstart-events,payments,orders,metrics,my-topic,logs,__consumer_offsets",
		"t0,t1,t10,t11,t12,t13,t2,t3,t4,t5,t6,t7,t8,t9":                              "t4,t5,t6,t7,t8,t9,t10,t12,t11,t13,t0,t1,t2,t3",
	} {
		if got := strings.Join(tcDescribeOrder(strings.Split(names, ",")), ","); got != want {
			t.Errorf("describe order of %s: %s, want %s", names, got, want)
		}
	}
}

func TestTopicsIncludeList(t *testing.T) {
	f, err := newTopicIncludeList(` "in.*, other" `)
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]bool{"input": true, "other": true, "xinput": false, "others": false} {
		if f.allowed(topic, false) != want {
			t.Errorf("%s: %v", topic, !want)
		}
	}
	f, _ = newTopicIncludeList("__.*")
	if f.allowed("__consumer_offsets", true) || !f.allowed("__consumer_offsets", false) {
		t.Error("internal topics")
	}
	if _, err := newTopicIncludeList("a("); err == nil || err.Error() != "a( is an invalid regex." {
		t.Errorf("err %v", err)
	}
}

// topicsBroker is a kfake cluster of three brokers.
func topicsBroker(t *testing.T) string {
	t.Helper()
	return kfakeCluster(t, kfake.NumBrokers(3)).ListenAddrs()[0]
}

var topicIDField = regexp.MustCompile(`TopicId: [A-Za-z0-9_-]{22}`)

// A topic's life through the admin client path, against kfake (which,
// like Kafka 3.9 in KRaft mode, serves DescribeTopicPartitions: so the
// Elr columns are lists, empty here, not the N/A of the Metadata path
// that TestTopicsAgainstWharfServer sees).
func TestTopicsLifecycle(t *testing.T) {
	addr := topicsBroker(t)
	bs := []string{"--bootstrap-server", addr}
	steps := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"--create", "--topic", "orders", "--partitions", "2", "--replication-factor", "3", "--config", "retention.ms=1000"}, 0, "Created topic orders.\n"},
		{[]string{"--create", "--topic", "orders"}, 1, "Error while executing topic command : Topic with this name already exists.\n"},
		{[]string{"--create", "--topic", "orders", "--if-not-exists"}, 0, ""},
		{[]string{"--create", "--topic", "audit", "--replica-assignment", "0:1,1:2,2:0"}, 0, "Created topic audit.\n"},
		{[]string{"--list"}, 0, "audit\norders\n"},
		{[]string{"--list", "--topic", "ord.*"}, 0, "orders\n"},
		{[]string{"--list", "--topic", "none"}, 0, "\n"},
		{[]string{"--describe", "--topic", "orders"}, 0,
			"Topic: orders\tTopicId: ID\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: retention.ms=1000\n" +
				"\tTopic: orders\tPartition: 0\tLeader: L\tReplicas: R\tIsr: R\tElr: \tLastKnownElr: \n" +
				"\tTopic: orders\tPartition: 1\tLeader: L\tReplicas: R\tIsr: R\tElr: \tLastKnownElr: \n"},
		{[]string{"--describe", "--topic", "audit"}, 0,
			"Topic: audit\tTopicId: ID\tPartitionCount: 3\tReplicationFactor: 2\tConfigs: \n" +
				"\tTopic: audit\tPartition: 0\tLeader: L\tReplicas: R\tIsr: R\tElr: \tLastKnownElr: \n" +
				"\tTopic: audit\tPartition: 1\tLeader: L\tReplicas: R\tIsr: R\tElr: \tLastKnownElr: \n" +
				"\tTopic: audit\tPartition: 2\tLeader: L\tReplicas: R\tIsr: R\tElr: \tLastKnownElr: \n"},
		{[]string{"--describe", "--topic", "orders", "--partition-size-limit-per-response", "1"}, 0,
			"Topic: orders\tTopicId: ID\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: retention.ms=1000\n" +
				"\tTopic: orders\tPartition: 0\tLeader: L\tReplicas: R\tIsr: R\tElr: \tLastKnownElr: \n" +
				"\tTopic: orders\tPartition: 1\tLeader: L\tReplicas: R\tIsr: R\tElr: \tLastKnownElr: \n"},
		{[]string{"--describe", "--topics-with-overrides"}, 0,
			"Topic: orders\tTopicId: ID\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: retention.ms=1000\n"},
		{[]string{"--describe", "--under-replicated-partitions"}, 0, ""},
		{[]string{"--describe", "--unavailable-partitions"}, 0, ""},
		{[]string{"--describe", "--topic", "nope"}, 1, "Error while executing topic command : Topic 'Optional[nope]' does not exist as expected\n"},
		{[]string{"--describe", "--topic", "nope", "--if-exists"}, 0, ""},
		{[]string{"--alter", "--topic", "orders", "--partitions", "4"}, 0, ""},
		{[]string{"--alter", "--topic", "orders", "--partitions", "3"}, 1, "Error while executing topic command : ERR\n"},
		{[]string{"--alter", "--topic", "nope", "--partitions", "3"}, 1, "Error while executing topic command : Topic 'Optional[nope]' does not exist as expected\n"},
		{[]string{"--alter", "--topic", "nope", "--partitions", "3", "--if-exists"}, 0, ""},
		{[]string{"--delete", "--topic", "aud.*"}, 0, ""},
		{[]string{"--delete", "--topic", "audit"}, 1, "Error while executing topic command : Topic 'Optional[audit]' does not exist as expected\n"},
		{[]string{"--delete", "--topic", "audit", "--if-exists"}, 0, ""},
		{[]string{"--list"}, 0, "orders\n"},
	}
	leader := regexp.MustCompile(`Leader: \d`)
	replicas := regexp.MustCompile(`(Replicas|Isr): \d(,\d)*`) // kfake places replicas its own way
	errText := regexp.MustCompile(`(?m)command : [A-Z].*\.$`)
	for _, s := range steps {
		r := topicsRun(append(append([]string(nil), bs...), s.args...)...)
		if r.code != s.code {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", s.args, r.code, r.stdout, r.stderr)
			continue
		}
		out := topicIDField.ReplaceAllString(r.stdout, "TopicId: ID")
		out = leader.ReplaceAllString(out, "Leader: L")
		out = replicas.ReplaceAllString(out, "$1: R")
		if strings.HasSuffix(s.out, "ERR\n") { // the broker's own message
			out = errText.ReplaceAllString(out, "command : ERR")
		}
		diffText(t, strings.Join(s.args, " "), out, s.out)
		if s.code == 0 && r.stderr != "" {
			t.Errorf("%q: stderr %q", s.args, r.stderr)
		}
	}
	// --topic-id describes the topic of that id
	r := topicsRun(append(bs, "--describe", "--topic", "orders")...)
	id := strings.TrimPrefix(topicIDField.FindString(r.stdout), "TopicId: ")
	if r = topicsRun(append(bs, "--describe", "--topic-id", id)...); !strings.HasPrefix(r.stdout, "Topic: orders\tTopicId: "+id+"\t") ||
		!strings.HasSuffix(r.stdout, "\tElr: N/A\tLastKnownElr: N/A\n") { // by id: through Metadata
		t.Errorf("--topic-id %s: %q", id, r.stdout)
	}
	unknown := "AAAAAAAAAAAAAAAAAAAAAQ"
	if r = topicsRun(append(bs, "--describe", "--topic-id", unknown)...); r.code != 1 ||
		r.stdout != "Error while executing topic command : TopicId '"+unknown+"' does not exist as expected\n" {
		t.Errorf("unknown --topic-id: %+v", r)
	}
	// The describe of several topics lists them in the Java Admin's
	// HashMap order, not sorted.
	topicsRun(append(bs, "--create", "--topic", "b", "--partitions", "1")...)
	topicsRun(append(bs, "--create", "--topic", "a", "--partitions", "1")...)
	r = topicsRun(append(bs, "--describe", "--topic", "a|b|orders")...)
	var order []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "Topic: ") {
			order = append(order, strings.Fields(l)[1])
		}
	}
	if want := tcDescribeOrder([]string{"a", "b", "orders"}); !slices.Equal(order, want) {
		t.Errorf("describe order %q, want %q", order, want)
	}
}

// The describe filters (DescribeOptions of TopicCommand.java 3.9) over a
// topic with one healthy partition under reassignment, one
// under-replicated, one without a leader and one led by a broker that is
// gone; min.insync.replicas is 2.
func TestTopicsDescribeFilters(t *testing.T) {
	td := &tcTopic{name: "t", partitions: []tcPartition{
		{partition: 0, leader: 1, replicas: []int32{1, 2, 3}, isr: []int32{1, 2, 3}},
		{partition: 1, leader: 1, replicas: []int32{1, 2, 3}, isr: []int32{1}},
		{partition: 2, leader: -1, replicas: []int32{1, 2, 3}, isr: []int32{2, 3}, hasElr: true, elr: []int32{2}},
		{partition: 3, leader: 4, replicas: []int32{4}, isr: []int32{4}},
	}}
	two, policy := "2", "compact"
	cfg := &topicConfig{byName: map[string]kadm.Config{}}
	for _, c := range []kadm.Config{
		{Key: "min.insync.replicas", Value: &two, Source: kmsg.ConfigSourceDefaultConfig},
		{Key: "cleanup.policy", Value: &policy, Source: kmsg.ConfigSourceDynamicTopicConfig},
	} {
		cfg.entries = append(cfg.entries, c)
		cfg.byName[c.Key] = c
	}
	ras := map[int32]kadm.ListPartitionReassignmentsResponse{
		0: {Topic: "t", Partition: 0, Replicas: []int32{1, 2, 3, 4}, AddingReplicas: []int32{4}, RemovingReplicas: []int32{3}},
	}
	const (
		head = "Topic: t\tPartitionCount: 4\tReplicationFactor: 3\tConfigs: cleanup.policy=compact\n"
		p0   = "\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3\tAdding Replicas: 4\tRemoving Replicas: 3\tElr: N/A\tLastKnownElr: N/A\n"
		p1   = "\tTopic: t\tPartition: 1\tLeader: 1\tReplicas: 1,2,3\tIsr: 1\tElr: N/A\tLastKnownElr: N/A\n"
		p2   = "\tTopic: t\tPartition: 2\tLeader: none\tReplicas: 1,2,3\tIsr: 2,3\tElr: 2\tLastKnownElr: \n"
		p3   = "\tTopic: t\tPartition: 3\tLeader: 4\tReplicas: 4\tIsr: 4\tElr: N/A\tLastKnownElr: N/A\n"
	)
	tests := []struct {
		filter string
		want   string
	}{
		{"", head + p0 + p1 + p2 + p3},
		{"--under-replicated-partitions", p1 + p2},
		{"--unavailable-partitions", p2 + p3},
		{"--under-min-isr-partitions", p1 + p2 + p3},
		{"--at-min-isr-partitions", p2},
		{"--topics-with-overrides", head},
	}
	for _, tt := range tests {
		args := []string{"--bootstrap-server", "h:1", "--describe"}
		if tt.filter != "" {
			args = append(args, tt.filter)
		}
		o := newTopicsOptions()
		set, err := o.parser.Parse(args)
		if err != nil {
			t.Fatal(err)
		}
		o.set = set
		var out strings.Builder
		s := &topicService{opts: o, env: toolEnv{stdout: &out}}
		d := &topicDescriber{s: s, live: map[int32]bool{1: true, 2: true, 3: true}}
		d.describeConfigs = !o.has(o.unavailable) && !o.has(o.underReplicated) && !o.has(o.underMinIsr) && !o.has(o.atMinIsr)
		d.describePartitions = !o.has(o.withOverrides)
		d.print(td, cfg, ras)
		diffText(t, "filter "+tt.filter, out.String(), tt.want)
	}
}

// The value parsers never panic, and what they accept is well formed.
func FuzzTopicsValueParsers(f *testing.F) {
	for _, s := range []string{"0:1,1:2", ",0", "0:,", " 1 : 2 ", "a=b", "retention.ms = 5", "x=y=z", "in.*,out", "a(", "AAAAAAAAAAAAAAAAAAAAAQ", "", "\t=\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, err := tcParseReplicaAssignment(s); err == nil {
			for _, p := range a {
				if len(p) != len(a[0]) {
					t.Fatalf("%q: uneven assignment %v", s, a)
				}
			}
		}
		if keys, vals, err := tcParseConfigs([]string{s}); err == nil && len(keys) != len(vals) {
			t.Fatalf("%q: keys %q values %q", s, keys, vals)
		}
		if f, err := newTopicIncludeList(s); err == nil {
			f.allowed(s, true)
		}
		if id, err := tcParseUuid(s); err == nil && len(tcUuidString(id)) != 22 {
			t.Fatalf("%q: id %v", s, id)
		}
		tcHashOrder([]string{s, s + "x"}, len(s))
	})
}
