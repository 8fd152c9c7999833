package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/javafmt"
)

func configsHelp() string { return newConfigsOptions().parser.Help() }

// configsStep is one kafka-configs.sh run of a scenario and what it prints.
type configsStep struct {
	args           []string
	code           int
	stdout, stderr string
}

// runConfigsSteps runs the steps in order, each with the connection
// options conn.
func runConfigsSteps(t *testing.T, conn []string, steps []configsStep) {
	t.Helper()
	for _, s := range steps {
		args := append(append([]string{"kafka-configs.sh"}, conn...), s.args...)
		r := run(args...)
		if r.code != s.code {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
		diffText(t, strings.Join(s.args, " ")+": stdout", r.stdout, s.stdout)
		diffText(t, strings.Join(s.args, " ")+": stderr", r.stderr, s.stderr)
	}
}

// The command-line checks of ConfigCommandOptions.checkArgs (Kafka 3.9
// ConfigCommand.scala lines 908-1000) and main's catch (lines 100-110):
// usage errors print the message and the option table, the others the
// message alone; all exit 1 before any connection.
func TestConfigsCommandLineErrors(t *testing.T) {
	const bs = "--bootstrap-server"
	usage := func(msg string) string { return msg + "\n" + configsHelp() }
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no arguments", nil, usage("This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip or client-metrics")},
		{"--help", []string{"--help"}, usage("This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip or client-metrics")},
		{"unknown option", []string{"--describe", "--nope"}, "nope is not a recognized option\n"},
		{"no action", []string{bs, "h:1", "--topic", "t"}, usage("Command must include exactly one action: --describe, --alter")},
		{"two actions", []string{bs, "h:1", "--topic", "t", "--describe", "--alter"}, usage("Command must include exactly one action: --describe, --alter")},
		{"describe with add-config", []string{bs, "h:1", "--topic", "t", "--describe", "--add-config", "a=b"}, usage(`Option "[describe]" can't be used with option "[add-config]"`)},
		{"describe with delete-config", []string{bs, "h:1", "--topic", "t", "--describe", "--delete-config", "a"}, usage(`Option "[describe]" can't be used with option "[delete-config]"`)},
		{"duplicate type", []string{bs, "h:1", "--describe", "--entity-type", "topics", "--topic", "t"}, "Duplicate entity type(s) specified: topics\n"},
		{"unknown type", []string{bs, "h:1", "--describe", "--entity-type", "groups"},
			"Invalid entity type groups, the entity type must be one of topics, clients, users, brokers, ips, broker-loggers, client-metrics with a --bootstrap-server or --bootstrap-controller argument\n"},
		// without a connection option the types are --zookeeper's of Kafka 3.9
		{"no connection, topic", []string{"--describe", "--topic", "t"}, "Invalid entity type topics, the entity type must be one of users, brokers with a --zookeeper argument\n"},
		// with --zookeeper, Kafka 2.8's list and wording
		{"zookeeper, unknown type", []string{"--zookeeper", "z:1", "--describe", "--entity-type", "broker-loggers"},
			"Invalid entity type broker-loggers, the entity type must be one of topics,clients,users,brokers,ips with the --zookeeper argument\n"},
		{"no type", []string{bs, "h:1", "--describe"}, "At least one entity type must be specified\n"},
		{"two types", []string{bs, "h:1", "--describe", "--entity-type", "topics", "--entity-type", "brokers"}, "Only 'users' and 'clients' entity types may be specified together\n"},
		{"entity-name with a shorthand", []string{bs, "h:1", "--describe", "--entity-name", "x", "--topic", "t"},
			"--entity-{type,name,default} should not be used in conjunction with specific entity flags\n"},
		{"no connection, brokers", []string{"--describe", "--broker", "0"},
			"One of the required --bootstrap-server, --boostrap-controller, or --zookeeper arguments must be specified\n"},
		{"two connections", []string{bs, "h:1", "--zookeeper", "z:1", "--describe", "--broker", "0"},
			"Only one of --bootstrap-server, --boostrap-controller, and --zookeeper can be specified\n"},
		{"all with zookeeper", []string{"--zookeeper", "z:1", "--describe", "--all", "--topic", "t"}, "--bootstrap-server must be specified for --all\n"},
		{"zk tls without zookeeper", []string{bs, "h:1", "--describe", "--topic", "t", "--zk-tls-config-file", "f"},
			"Only the --zookeeper option can be used with the --zk-tls-config-file option.\n"},
		{"broker id not a number", []string{bs, "h:1", "--describe", "--entity-type", "brokers", "--entity-name", "b1"},
			"The entity name for brokers must be a valid integer broker id, but it is: b1\n"},
		{"broker-logger without a name", []string{bs, "h:1", "--describe", "--entity-type", "broker-loggers"},
			"an entity name must be specified with --describe of broker-loggers\n"},
		{"alter topics without a name", []string{bs, "h:1", "--alter", "--entity-type", "topics", "--add-config", "a=b"},
			"an entity name must be specified with --alter of topics\n"},
		{"alter brokers without a name", []string{bs, "h:1", "--alter", "--entity-type", "brokers", "--add-config", "a=b"},
			"an entity-name or default entity must be specified with --alter of users, clients, brokers or ips\n"},
		{"add-config and add-config-file", []string{bs, "h:1", "--alter", "--topic", "t", "--add-config", "a=b", "--add-config-file", "f"},
			"Only one of --add-config or --add-config-file must be specified\n"},
		{"alter without configs", []string{bs, "h:1", "--alter", "--topic", "t"},
			"At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter\n"},
		{"a shorthand twice", []string{bs, "h:1", "--describe", "--topic", "a", "--topic", "b"},
			"Found multiple arguments for option topic, but you asked for only one\n"},
		// parseConfigsToBeAdded and validatePropsKey (lines 268-306)
		{"a config without =", []string{bs, "127.0.0.1:1", "--alter", "--topic", "t", "--add-config", "a=1,b"},
			"Invalid entity config: all configs to be added must be in the format \"key=val\".\n"},
		{"a config with two =", []string{bs, "127.0.0.1:1", "--alter", "--topic", "t", "--add-config", "a=1=2"},
			"Invalid entity config: all configs to be added must be in the format \"key=val\".\n"},
		{"a bad key", []string{bs, "127.0.0.1:1", "--alter", "--topic", "t", "--add-config", "a b=1"},
			"Invalid character found for config key: a b\n"},
		// Topic.validate throws InvalidTopicException, printed with the trace
		{"a bad topic name", []string{bs, "127.0.0.1:1", "--describe", "--topic", "a/b"},
			"Error while executing config command with args '--bootstrap-server 127.0.0.1:1 --describe --topic a/b'\n" +
				"org.apache.kafka.common.errors.InvalidTopicException: Topic name is invalid: 'a/b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(append([]string{"kafka-configs.sh"}, tt.args...)...)
			if r.code != 1 || r.stdout != "" {
				t.Errorf("exit %d, stdout %q", r.code, r.stdout)
			}
			diffText(t, "stderr", r.stderr, tt.stderr)
		})
	}
}

// --add-config splits at commas and '=' outside square brackets (the
// lookahead (?=[^\]]*(?:\[|$)) of ConfigCommand.scala line 286), drops the
// brackets and trims keys and values.
func TestConfigsAddConfigParsing(t *testing.T) {
	tests := []struct {
		in   string
		want []configPair
	}{
		{"k1=v1,k2=[a,b,c],k3=v3", []configPair{{"k1", "v1"}, {"k2", "a,b,c"}, {"k3", "v3"}}},
		{" a = 1 , b= [x] ", []configPair{{"a", "1"}, {"b", "x"}}},
		{"ssl.endpoint.identification.algorithm=", []configPair{{"ssl.endpoint.identification.algorithm", ""}}},
		{"a=1,a=2", []configPair{{"a", "2"}}},
		{"a=1,", []configPair{{"a", "1"}}}, // split drops the trailing empty string
		{"follower.replication.throttled.replicas=[0:1,1:2]", []configPair{{"follower.replication.throttled.replicas", "0:1,1:2"}}},
	}
	for _, tt := range tests {
		o := newConfigsOptions()
		set, err := o.parser.Parse([]string{"--add-config", tt.in})
		if err != nil {
			t.Fatal(err)
		}
		o.set = set
		got, err := o.configsToBeAdded(toolEnv{stdout: &strings.Builder{}})
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%q: %v %v, want %v", tt.in, got, err, tt.want)
		}
	}
	o := newConfigsOptions()
	o.set, _ = o.parser.Parse([]string{"--delete-config", "a,b", "--delete-config", " c ,,d"})
	if got := o.configsToBeDeleted(); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("delete %q", got)
	}
}

// Entity names pair with --entity-type in command-line order, a default
// as "" (ConfigCommandOptions.entityNames).
func TestConfigsEntityNamesOrder(t *testing.T) {
	o := newConfigsOptions()
	o.args = []string{"--entity-type", "users", "--entity-default", "--entity-type=clients", "--entity-name", "c1", "--describe"}
	var err error
	if o.set, err = o.parser.Parse(o.args); err != nil {
		t.Fatal(err)
	}
	names, err := o.entityNames()
	if err != nil || !slices.Equal(names, []string{"", "c1"}) || !slices.Equal(o.entityTypes(), []string{"users", "clients"}) {
		t.Errorf("names %q types %q %v", names, o.entityTypes(), err)
	}
}

// Describe and alter a topic against kfake: the output lines of
// describeResourceConfig (line 572: "  name=value sensitive=... synonyms={...}")
// and alterConfig (line 414).
func TestConfigsTopicDescribeAndAlter(t *testing.T) {
	addr := kfakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t1")).ListenAddrs()[0]
	steps := []configsStep{
		{[]string{"--describe", "--topic", "t1"}, 0, "Dynamic configs for topic t1 are:\n", ""},
		{[]string{"--alter", "--entity-type", "topics", "--entity-name", "t1", "--add-config", "retention.ms=1000,cleanup.policy=[compact,delete]"}, 0,
			"Completed updating config for topic t1.\n", ""},
		{[]string{"--describe", "--topic", "t1"}, 0, "Dynamic configs for topic t1 are:\n" +
			"  cleanup.policy=compact,delete sensitive=false synonyms={DEFAULT_CONFIG:cleanup.policy=delete}\n" +
			"  retention.ms=1000 sensitive=false synonyms={DEFAULT_CONFIG:retention.ms=604800000}\n", ""},
		// deleting a config that is not set fails before any change
		{[]string{"--alter", "--topic", "t1", "--delete-config", "nosuch,retention.ms,other"}, 1, "", "Invalid config(s): nosuch,other\n"},
		{[]string{"--alter", "--topic", "t1", "--delete-config", "retention.ms"}, 0, "Completed updating config for topic t1.\n", ""},
		// no name: every topic
		{[]string{"--describe", "--entity-type", "topics"}, 0, "Dynamic configs for topic t1 are:\n" +
			"  cleanup.policy=compact,delete sensitive=false synonyms={DEFAULT_CONFIG:cleanup.policy=delete}\n", ""},
		{[]string{"--describe", "--topic", "nosuch"}, 1, "Dynamic configs for topic nosuch are:\n",
			"Error while executing config command with args '--bootstrap-server " + addr + " --describe --topic nosuch'\n" +
				"java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.\n"},
	}
	runConfigsSteps(t, []string{"--bootstrap-server", addr}, steps)
	r := run("kafka-configs.sh", "--bootstrap-server", addr, "--describe", "--topic", "t1", "--all")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "All configs for topic t1 are:\n  cleanup.policy=compact,delete sensitive=false") ||
		!strings.Contains(r.stdout, "\n  segment.bytes=104857600 sensitive=false synonyms={}\n") {
		t.Errorf("--all: exit %d, stdout %q", r.code, r.stdout)
	}
}

// --add-config-file reads a properties file; message.format.version warns
// as the original does (line 297).
func TestConfigsAddConfigFile(t *testing.T) {
	c := kfakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "t1"))
	f := filepath.Join(t.TempDir(), "topic.properties")
	if err := os.WriteFile(f, []byte("# comment\nretention.ms=2000\nmessage.format.version=2.8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run("kafka-configs.sh", "--bootstrap-server", c.ListenAddrs()[0], "--alter", "--topic", "t1", "--add-config-file", f)
	want := "WARNING: The configuration message.format.version=2.8 is specified. This configuration will be ignored if the version is newer than " +
		"the inter.broker.protocol.version specified in the broker or if the inter.broker.protocol.version is 3.0 or newer. " +
		"This configuration is deprecated and it will be removed in Apache Kafka 4.0.\nCompleted updating config for topic t1.\n"
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	diffText(t, "stdout", r.stdout, want)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := kadm.NewClient(cl).DescribeTopicConfigs(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, cfg := range rc[0].Configs {
		if cfg.Value != nil {
			got[cfg.Key] = *cfg.Value
		}
	}
	if got["retention.ms"] != "2000" {
		t.Errorf("retention.ms = %q", got["retention.ms"])
	}
	r = run("kafka-configs.sh", "--bootstrap-server", c.ListenAddrs()[0], "--alter", "--topic", "t1", "--add-config-file", f+".missing")
	diffText(t, "missing file", r.stderr, "Error while executing config command with args '--bootstrap-server "+c.ListenAddrs()[0]+
		" --alter --topic t1 --add-config-file "+f+".missing'\njava.nio.file.NoSuchFileException: "+f+".missing\n")
}

func TestConfigsUnreachable(t *testing.T) {
	f := filepath.Join(t.TempDir(), "admin.properties")
	if err := os.WriteFile(f, []byte("default.api.timeout.ms=1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := run("kafka-configs.sh", "--bootstrap-server", "127.0.0.1:1", "--command-config", f, "--describe", "--topic", "t")
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if r.code != 1 || len(lines) != 2 || !strings.HasPrefix(lines[1], "cannot reach any broker of 127.0.0.1:1 within 1000 ms") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

// Client quotas and SCRAM credentials of users, clients and ips, against
// kfake: describeQuotaConfigs's "Quota configs for ... are k=v, ..."
// (ConfigCommand.scala line 632) with Double.toString values, the SCRAM
// line (line 647) and alterConfig's checks (lines 391-437).
func TestConfigsQuotasAndScram(t *testing.T) {
	addr := kfakeCluster(t, kfake.NumBrokers(1)).ListenAddrs()[0]
	steps := []configsStep{
		{[]string{"--alter", "--entity-type", "clients", "--entity-name", "c1", "--add-config", "producer_byte_rate=1024,consumer_byte_rate=20000000"}, 0,
			"Completed updating config for client c1.\n", ""},
		{[]string{"--describe", "--entity-type", "clients"}, 0, "Quota configs for client-id 'c1' are consumer_byte_rate=2.0E7, producer_byte_rate=1024.0\n", ""},
		// the shorthands put clients before users; the quota is on <alice, c1>
		{[]string{"--alter", "--user", "alice", "--client", "c1", "--add-config", "request_percentage=50"}, 0, "Completed updating config for client c1.\n", ""},
		{[]string{"--describe", "--entity-type", "users", "--entity-name", "alice", "--entity-type", "clients", "--entity-name", "c1"}, 0,
			"Quota configs for user-principal 'alice', client-id 'c1' are request_percentage=50.0\n", ""},
		{[]string{"--alter", "--user-defaults", "--add-config", "producer_byte_rate=100"}, 0, "Completed updating default config for users in the cluster.\n", ""},
		{[]string{"--describe", "--user-defaults"}, 0, "Quota configs for the default user-principal are producer_byte_rate=100.0\n", ""},
		{[]string{"--alter", "--client", "c1", "--delete-config", "producer_byte_rate"}, 0, "Completed updating config for client c1.\n", ""},
		{[]string{"--describe", "--client", "c1"}, 0, "Quota configs for client-id 'c1' are consumer_byte_rate=2.0E7\n", ""},
		{[]string{"--alter", "--client", "c1", "--delete-config", "producer_byte_rate"}, 1, "", "Invalid config(s): producer_byte_rate\n"},
		{[]string{"--alter", "--client", "c1", "--add-config", "foo=1"}, 1, "",
			"Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: Set(foo)\n"},
		{[]string{"--alter", "--client", "c1", "--delete-config", "SCRAM-SHA-256"}, 1, "",
			"Only quota configs can be deleted for 'clients' using --bootstrap-server. Unexpected config names: ArrayBuffer(SCRAM-SHA-256)\n"},
		{[]string{"--alter", "--user", "u", "--add-config", "foo=1"}, 1, "",
			"Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: Set(foo)\n"},
		{[]string{"--alter", "--client", "c1", "--add-config", "producer_byte_rate=fast"}, 1, "",
			"Cannot parse quota configuration value for producer_byte_rate: fast\n"},
		{[]string{"--alter", "--user", "bob", "--add-config", "SCRAM-SHA-256=[iterations=8192,password=secret]"}, 0, "Completed updating config for user bob.\n", ""},
		{[]string{"--describe", "--user", "bob"}, 0, "SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-256=iterations=8192\n", ""},
		{[]string{"--alter", "--user", "bob", "--add-config", "SCRAM-SHA-512=[iterations=100,password=secret]"}, 1, "",
			"Iterations 100 is less than the minimum 4096 required for SCRAM-SHA-512\n"},
		{[]string{"--alter", "--user", "bob", "--add-config", "SCRAM-SHA-256=secret"}, 1, "", "Invalid credential property SCRAM_SHA_256=secret\n"},
		{[]string{"--alter", "--user-defaults", "--add-config", "SCRAM-SHA-256=[password=x]"}, 1, "",
			"The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.\n"},
		{[]string{"--alter", "--user", "bob", "--add-config", "SCRAM-SHA-256=[password=x],producer_byte_rate=1"}, 1, "",
			"Cannot alter both quota and SCRAM credential configs simultaneously for 'users' using --bootstrap-server.\n"},
		{[]string{"--alter", "--user", "bob", "--delete-config", "SCRAM-SHA-256"}, 0, "Completed updating config for user bob.\n", ""},
		{[]string{"--describe", "--user", "bob"}, 0, "", ""},
		{[]string{"--alter", "--ip", "127.0.0.1", "--add-config", "connection_creation_rate=10"}, 0, "Completed updating config for ip 127.0.0.1.\n", ""},
		{[]string{"--describe", "--entity-type", "ips"}, 0, "Quota configs for ip '127.0.0.1' are connection_creation_rate=10.0\n", ""},
		{[]string{"--alter", "--ip", "127.0.0.1", "--add-config", "producer_byte_rate=10"}, 1, "",
			"Only connection quota configs can be added for 'ips' using --bootstrap-server. Unexpected config names: producer_byte_rate\n"},
	}
	runConfigsSteps(t, []string{"--bootstrap-server", addr}, steps)
}

func TestConfigsJavaDouble(t *testing.T) {
	for v, want := range map[float64]string{1024: "1024.0", 2e7: "2.0E7", 9999999: "9999999.0", 0.5: "0.5", 0.0001: "1.0E-4", 1.5e10: "1.5E10", 0: "0.0"} {
		if got := javafmt.Double(v); got != want {
			t.Errorf("%v: %q, want %q", v, got, want)
		}
	}
}

// client-metrics resources: altered incrementally, listed with
// ListClientMetricsResources when no name is given.
func TestConfigsClientMetrics(t *testing.T) {
	addr := kfakeCluster(t, kfake.NumBrokers(1)).ListenAddrs()[0]
	r := run("kafka-configs.sh", "--bootstrap-server", addr, "--alter", "--entity-type", "client-metrics", "--entity-name", "cm1",
		"--add-config", "metrics=[org.apache.kafka.producer.],interval.ms=1000")
	if r.code != 0 || r.stdout != "Completed updating config for client-metric cm1.\n" {
		t.Errorf("alter: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = run("kafka-configs.sh", "--bootstrap-server", addr, "--describe", "--entity-type", "client-metrics")
	diffText(t, "describe", r.stdout, "Dynamic configs for client-metric cm1 are:\n"+
		"  interval.ms=1000 sensitive=false synonyms={}\n"+
		"  metrics=org.apache.kafka.producer. sensitive=false synonyms={}\n")
}

// The option table lists the valid config names per entity type as Kafka
// 3.9 does (ConfigCommand.scala lines 829-837): a tab before each name, a
// long name continued on an indented line, as in the captured output of
// kafka-configs.sh --help.
func TestConfigsHelpListsConfigNames(t *testing.T) {
	help := configsHelp()
	lines := strings.Split(help, "\n")
	pad := func(s string) string { return s + strings.Repeat(" ", 78-javafmt.Len(s)) }
	const col = "                                       " // 39 columns
	for _, want := range []string{
		pad("--add-config <String>                  Key Value pairs of configs to add."),
		pad(col + "  is a list of valid configurations:"),
		pad(col + "  For entity-type 'topics':"),
		pad(col + "\tcleanup.policy"),
		pad(col + "\tfollower.replication.throttled."),
		pad(col + "  replicas"),
		pad(col + "For entity-type 'brokers':"),
		pad(col + "\tadvertised.listeners"),
		pad(col + "\tsasl.kerberos.ticket.renew.window."),
		pad(col + "  factor"),
		pad(col + "For entity-type 'client-metrics':"),
		pad(col + "\tmetrics"),
		pad(col + "Entity types 'users' and 'clients' may"),
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("no line %q", want)
		}
	}
	count := func(from, to string) int {
		i, j := strings.Index(help, from), strings.Index(help, to)
		return strings.Count(help[i:j], "\t")
	}
	if n := count("'topics'", "'brokers'"); n != 36 {
		t.Errorf("%d topic configs, want 36", n)
	}
	if n := count("'brokers'", "'users'"); n != 92 {
		t.Errorf("%d broker configs, want 92", n)
	}
}

// Any --add-config and --delete-config text parses without a panic; the
// pairs' keys are trimmed and their values hold no brackets.
func FuzzConfigsAddConfig(f *testing.F) {
	for _, s := range []string{"k1=v1,k2=[a,b],k3=v3", "a=", "=", ",,", "a=[b,c]]=d", "[,]", " x = [ 1 , 2 ] "} {
		f.Add(s, "a,b")
	}
	f.Fuzz(func(t *testing.T, add, del string) {
		o := newConfigsOptions()
		set, err := o.parser.Parse([]string{"--add-config", add, "--delete-config", del})
		if err != nil {
			return
		}
		o.set = set
		pairs, err := o.configsToBeAdded(toolEnv{stdout: &strings.Builder{}})
		if err != nil {
			return
		}
		for _, p := range pairs {
			if p.key != strings.TrimSpace(p.key) || strings.ContainsAny(p.value, "[]") {
				t.Errorf("%q: pair %q", add, p)
			}
		}
		for _, k := range o.configsToBeDeleted() {
			if strings.Contains(k, ",") {
				t.Errorf("%q: deleted %q", del, k)
			}
		}
	})
}
