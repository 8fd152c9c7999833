package cli

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// getOffsetsHelp is the option table of GetOffsetShellOptions (Kafka 3.9
// GetOffsetShell.java lines 86-126 and CommandDefaultOptions), plus
// Wharf's --zookeeper.
func getOffsetsHelp() string { return newGetOffsetsOptions().parser.Help() }

// Errors found before any connection, with the texts of
// GetOffsetShell.mainNoExit ("Error occurred: ...") and
// CommandLineUtils.printUsageAndExit (the message, then the table).
func TestGetOffsetsCommandLineErrors(t *testing.T) {
	const timeHelp = "Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp"
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no arguments print the usage", nil, "An interactive shell for getting topic-partition offsets.\n" + getOffsetsHelp()},
		{"--help prints the usage", []string{"--help"}, "An interactive shell for getting topic-partition offsets.\n" + getOffsetsHelp()},
		{"missing bootstrap server (requiredUnless)", []string{"--topic", "t"}, "Error occurred: Missing required option(s) [bootstrap-server]\n"},
		{"unknown option", []string{"--bootstrap-server", "h:1", "--nope"}, "Error occurred: nope is not a recognized option\n"},
		{"missing argument", []string{"--bootstrap-server"}, "Error occurred: Option bootstrap-server requires an argument\n"},
		// ToolsUtils.validateBootstrapServer's message ends in "\n", println adds one
		{"address without a port", []string{"--bootstrap-server", "localhost"}, "Please provide valid host:port like host1:9091,host2:9092\n\n" + getOffsetsHelp()},
		{"one bad address of two", []string{"--broker-list", "a:1,b"}, "Please provide valid host:port like host1:9091,host2:9092\n\n" + getOffsetsHelp()},
		{"blank address", []string{"--bootstrap-server", " "}, "Error while validating the bootstrap address\n\n" + getOffsetsHelp()},
		{"malformed time", []string{"--bootstrap-server", "h:1", "--time", "yesterday"}, "Error occurred: Malformed time argument yesterday. " + timeHelp + "\n"},
		{"topic-partitions with topic", []string{"--bootstrap-server", "h:1", "--topic-partitions", "t:1", "--topic", "t"},
			"Error occurred: --topic-partitions cannot be used with --topic or --partitions\n"},
		{"topic-partitions with partitions", []string{"--bootstrap-server", "h:1", "--topic-partitions", "t:1", "--partitions", "1"},
			"Error occurred: --topic-partitions cannot be used with --topic or --partitions\n"},
		{"non-numeric partitions", []string{"--bootstrap-server", "h:1", "--partitions", "0,x"},
			"Error occurred: --partitions expects a comma separated list of numeric partition ids, but received: 0,x\n"},
		// parseRuleSpec's TerseException escapes wrapped in a RuntimeException
		{"bad rule", []string{"--bootstrap-server", "h:1", "--topic-partitions", "t:1:2"},
			"Error occurred: org.apache.kafka.tools.TerseException: Invalid rule specification: t:1:2\n" +
				"java.lang.RuntimeException: org.apache.kafka.tools.TerseException: Invalid rule specification: t:1:2\n"},
		{"partition out of int range", []string{"--bootstrap-server", "h:1", "--topic-partitions", "t:99999999999"},
			"Error occurred: For input string: \"99999999999\"\njava.lang.NumberFormatException: For input string: \"99999999999\"\n"},
		// TopicFilter's constructor
		{"invalid regex", []string{"--bootstrap-server", "h:1", "--topic", "a(b"},
			"Error occurred: a(b is an invalid regex.\njava.lang.RuntimeException: a(b is an invalid regex.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(append([]string{"kafka-get-offsets.sh"}, tt.args...)...)
			if r.code != 1 || r.stdout != "" {
				t.Errorf("exit %d, stdout %q", r.code, r.stdout)
			}
			diffText(t, "stderr", r.stderr, tt.stderr)
		})
	}
}

func TestGetOffsetsVersion(t *testing.T) {
	r := run("wharf", "get-offsets", "--version")
	if r.code != 0 || r.stdout != "3.9.0\n" || r.stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// offsetsCluster is a kfake cluster with topics alpha (3 partitions: 5, 0
// and 2 records), beta (1 partition, 1 record) and many (12 partitions,
// partition p holding p records).
func offsetsCluster(t *testing.T) string {
	t.Helper()
	addr := kfakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(3, "alpha"), kfake.SeedTopics(1, "beta"), kfake.SeedTopics(12, "many")).ListenAddrs()[0]
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var recs []*kgo.Record
	add := func(topic string, part int32, n int) {
		for i := 0; i < n; i++ {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: part, Value: []byte("v"), Timestamp: time.UnixMilli(1000 * int64(i+1))})
		}
	}
	add("alpha", 0, 5)
	add("alpha", 2, 2)
	add("beta", 0, 1)
	for p := int32(0); p < 12; p++ {
		add("many", p, int(p))
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// The selections and times of GetOffsetShell, output "topic:partition:offset"
// in the order of TopicPartition.toString() (GetOffsetShell.java line 254:
// a TreeMap by "topic-partition", so many-10 sorts before many-2).
func TestGetOffsetsSelectionsAndTimes(t *testing.T) {
	addr := offsetsCluster(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"one topic, latest by default", []string{"--topic", "alpha"}, "alpha:0:5\nalpha:1:0\nalpha:2:2\n"},
		{"earliest by name", []string{"--topic", "alpha", "--time", "earliest"}, "alpha:0:0\nalpha:1:0\nalpha:2:0\n"},
		{"earliest as -2", []string{"--topic", "alpha", "--time", "-2"}, "alpha:0:0\nalpha:1:0\nalpha:2:0\n"},
		{"latest as -1", []string{"--topic", "beta", "--time", "-1"}, "beta:0:1\n"},
		{"a regex and partitions", []string{"--topic", "al.*|be.*", "--partitions", "0,2"}, "alpha:0:5\nalpha:2:2\nbeta:0:1\n"},
		{"a comma in --topic is an alternative", []string{"--topic", "alpha,beta", "--partitions", "0"}, "alpha:0:5\nbeta:0:1\n"},
		// the string order of "topic-partition"
		{"string order of partitions", []string{"--topic", "many", "--partitions", "1,2,10,11"}, "many:1:1\nmany:10:10\nmany:11:11\nmany:2:2\n"},
		{"topic-partition patterns", []string{"--topic-partitions", "alpha:1-,beta:0,many:-2"}, "alpha:1:0\nalpha:2:2\nbeta:0:1\nmany:0:0\nmany:1:1\n"},
		{"a range is upper-exclusive", []string{"--topic-partitions", "many:3-5"}, "many:3:3\nmany:4:4\n"},
		{"a pattern without a topic matches every topic", []string{"--topic-partitions", ":0", "--exclude-internal-topics"}, "alpha:0:5\nbeta:0:1\nmany:0:0\n"},
		// a timestamp: the first offset at or after it; none past the last
		{"by timestamp", []string{"--topic", "alpha", "--time", "3000"}, "alpha:0:2\n"},
		{"max-timestamp", []string{"--topic", "alpha", "--partitions", "0", "--time", "max-timestamp"}, "alpha:0:4\n"},
		{"the broker-list form", []string{"--topic", "beta", "--broker-list", addr}, "beta:0:1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"kafka-get-offsets.sh"}, tt.args...)
			if !strings.Contains(strings.Join(tt.args, " "), "--broker-list") {
				args = append(args, "--bootstrap-server", addr)
			}
			r := run(args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			diffText(t, "stdout", r.stdout, tt.want)
		})
	}
}

func TestGetOffsetsNothingMatches(t *testing.T) {
	addr := offsetsCluster(t)
	r := run("kafka-get-offsets.sh", "--bootstrap-server", addr, "--topic", "nosuch")
	if r.code != 1 || r.stdout != "" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
	diffText(t, "stderr", r.stderr, "Error occurred: Could not match any topic-partitions with the specified filters\n")
}

// Internal topics are listed unless --exclude-internal-topics.
func TestGetOffsetsInternalTopics(t *testing.T) {
	addr := offsetsCluster(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// kfake marks a topic internal by this config
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, 2, 1, map[string]*string{"kfake.is_internal": kadm.StringPtr("true")}, "__consumer_offsets"); err != nil {
		t.Fatal(err)
	}
	r := run("kafka-get-offsets.sh", "--bootstrap-server", addr, "--topic", "__consumer_offsets", "--partitions", "0")
	if r.code != 0 || r.stdout != "__consumer_offsets:0:0\n" {
		t.Errorf("included: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = run("kafka-get-offsets.sh", "--bootstrap-server", addr, "--partitions", "0")
	if r.code != 0 || r.stdout != "__consumer_offsets:0:0\nalpha:0:5\nbeta:0:1\nmany:0:0\n" {
		t.Errorf("included: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = run("kafka-get-offsets.sh", "--bootstrap-server", addr, "--topic", "__consumer_offsets", "--exclude-internal-topics")
	if r.code != 1 || r.stderr != "Error occurred: Could not match any topic-partitions with the specified filters\n" {
		t.Errorf("excluded: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// An unreachable broker is one line within default.api.timeout.ms.
func TestGetOffsetsUnreachable(t *testing.T) {
	dir := t.TempDir()
	cfg := dir + "/admin.properties"
	if err := os.WriteFile(cfg, []byte("default.api.timeout.ms=1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := run("kafka-get-offsets.sh", "--bootstrap-server", "127.0.0.1:1", "--command-config", cfg)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "Error occurred: cannot reach any broker of 127.0.0.1:1 within 1000 ms") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	r = run("kafka-get-offsets.sh", "--bootstrap-server", "127.0.0.1:1", "--command-config", dir+"/missing.properties")
	diffText(t, "missing config file", r.stderr, "Error occurred: "+dir+"/missing.properties\njava.nio.file.NoSuchFileException: "+dir+"/missing.properties\n")
}

// A partition whose leader answers with an error is skipped with a line on
// stderr (GetOffsetShell.java line 265); the others are printed.
func TestGetOffsetsPartitionError(t *testing.T) {
	c := kfakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "t"))
	c.ControlKey(int16(kmsg.ListOffsets), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		r := req.(*kmsg.ListOffsetsRequest)
		resp := r.ResponseKind().(*kmsg.ListOffsetsResponse)
		for _, rt := range r.Topics {
			st := kmsg.NewListOffsetsResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewListOffsetsResponseTopicPartition()
				sp.Partition = rp.Partition
				if rp.Partition == 0 {
					sp.ErrorCode = kerr.UnsupportedForMessageFormat.Code
				} else {
					sp.Offset = 7
				}
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	r := run("kafka-get-offsets.sh", "--bootstrap-server", c.ListenAddrs()[0], "--topic", "t")
	if r.code != 0 || r.stdout != "t:1:7\n" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
	diffText(t, "stderr", r.stderr, "Skip getting offsets for topic-partition t-0 due to error: "+
		"org.apache.kafka.common.errors.UnsupportedForMessageFormatException: The message format version on the broker does not support the request.\n")
}

// Any --topic-partitions, --topic or --partitions text builds a filter or
// fails with the original's error, never a panic.
func FuzzGetOffsetsFilter(f *testing.F) {
	for _, s := range []string{"t1:1,t2:0-3,t3,t4:5-,t5:-3", ":", "a:b", "(", "x:99999999999", ",", "t:-"} {
		f.Add(s, "0,1")
	}
	f.Fuzz(func(t *testing.T, spec, parts string) {
		for _, args := range [][]string{{"--topic-partitions", spec}, {"--topic", spec, "--partitions", parts}} {
			o := newGetOffsetsOptions()
			set, err := o.parser.Parse(append(args, "--bootstrap-server", "h:1"))
			if err != nil {
				continue
			}
			filter, err := getOffsetsFilterOf(o, set)
			if err == nil {
				filter.partitionAllowed("t", 0)
				continue
			}
			var terse *errTerse
			var thrown *errThrown
			if !errors.As(err, &terse) && !errors.As(err, &thrown) {
				t.Errorf("%q: error %T %v", args, err, err)
			}
		}
	})
}
