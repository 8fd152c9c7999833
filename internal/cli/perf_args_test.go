package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// The goldens under testdata/perf were printed by the originals' parsers:
// argparse4j 0.7.0 and jopt-simple 5.0.4, built from source, driven with
// ProducerPerformance's and ConsumerPerfOptions' option definitions
// (argparse4j's terminal-width detection off: 75 columns).

func readGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/perf/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testPerfEnv() (toolEnv, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return toolEnv{stdout: &out, stderr: &errb, clk: realClock(nil), loc: time.UTC, cwd: "/", groupSuffix: 12345}, &out, &errb
}

func TestProducerHelpMatchesArgparse4j(t *testing.T) {
	diffText(t, "help", producerParser().help(), readGolden(t, "producer-help.golden"))
}

// TestProducerArgsMatchArgparse4j replays every command line of
// producer-args.cases (tab-separated arguments) and compares what the run
// prints before it would connect with the original's.
func TestProducerArgsMatchArgparse4j(t *testing.T) {
	var got strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(readGolden(t, "producer-args.cases"), "\n"), "\n") {
		var args []string
		if line != "" {
			args = strings.Split(line, "\t")
		}
		env, out, errb := testPerfEnv()
		_, code, _ := producerArgs(args, env)
		got.WriteString("=== args " + strings.Join(args, " ") + "\n--- stdout\n" + out.String() + "--- stderr\n" + errb.String())
		got.WriteString("--- exit " + string(rune('0'+code)) + "\n")
	}
	diffText(t, "argparse4j cases", got.String(), readGolden(t, "producer-args.golden"))
}

func TestConsumerHelpMatchesJoptSimple(t *testing.T) {
	diffText(t, "help", newConsumerOptions(12345).parser.Help(), readGolden(t, "consumer-help.golden"))
}

func TestConsumerCommandLineErrors(t *testing.T) {
	help := readGolden(t, "consumer-help.golden")
	for _, tc := range []struct {
		args           string
		stdout, stderr string
		code           int
	}{
		{"", "", "Missing required option(s) [bootstrap-server]\n" + help, 1},
		{"--help", "", "This tool is used to verify the consumer performance.\n" + help, 1},
		{"--version", "3.9.0\n", "", 0},
		{"--bootstrap-server h:1 --bogus", "", "bogus is not a recognized option\n" + help, 1},
		{"--bootstrap-server h:1 --messages 5", "", "Missing required argument \"[topic]\"\n" + help, 1},
		{"--broker-list h:1 --topic t", "", "Missing required argument \"[messages]\"\n" + help, 1},
		{"--bootstrap-server h:1 --topic", "", "Option topic requires an argument\n" + help, 1},
		{"--bootstrap-server h:1 --topic t --messages 5 --threads 2 --help",
			"WARNING: option [threads] and [num-fetch-threads] have been deprecated and will be ignored by the test\n",
			"This tool is used to verify the consumer performance.\n" + help, 1},
		// read after the header, where the original reads them
		{"--bootstrap-server h:1 --topic t --messages many --hide-header", "",
			"Cannot parse argument 'many' of option messages\njoptsimple.OptionArgumentConversionException: Cannot parse argument 'many' of option messages\n", 1},
		{"--bootstrap-server h:1 --topic t --messages 5 --fetch-size big", "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n",
			"Cannot parse argument 'big' of option fetch-size\njoptsimple.OptionArgumentConversionException: Cannot parse argument 'big' of option fetch-size\n", 1},
		{"--bootstrap-server h:1 --topic t --messages 5 --reporting-interval 0 --hide-header", "",
			"Reporting interval must be greater than 0.\njava.lang.IllegalArgumentException: Reporting interval must be greater than 0.\n", 1},
		{"--bootstrap-server h:1 --topic t --messages 5 --date-format qq --hide-header", "",
			"Illegal pattern character 'q'\njava.lang.IllegalArgumentException: Illegal pattern character 'q'\n", 1},
		{"--bootstrap-server h:1 --topic t --messages 5 --consumer.config /nonexistent/c.properties --hide-header", "",
			"/nonexistent/c.properties\njava.nio.file.NoSuchFileException: /nonexistent/c.properties\n", 1},
		{"--bootstrap-server a:1 --bootstrap-server b:1 --topic t --messages 5 --hide-header", "",
			"Found multiple arguments for option bootstrap-server, but you asked for only one\njoptsimple.MultipleArgumentsForOptionException: Found multiple arguments for option bootstrap-server, but you asked for only one\n", 1},
	} {
		env, out, errb := testPerfEnv()
		var args []string
		if tc.args != "" {
			args = strings.Fields(tc.args)
		}
		code := runConsumerPerf(context.Background(), args, env)
		if code != tc.code || out.String() != tc.stdout || errb.String() != tc.stderr {
			t.Errorf("%q: exit %d\nstdout %q\nstderr %q\nwant exit %d\nstdout %q\nstderr %q", tc.args, code, out, errb, tc.code, tc.stdout, tc.stderr)
		}
	}
}

func TestProducerRefusalsBeforeConnecting(t *testing.T) {
	base := "--topic t --num-records 10 --throughput -1 --record-size 10 "
	for _, tc := range []struct {
		args, stderr string
	}{
		{base + "--transaction-duration-ms 100 --producer-props bootstrap.servers=h:1",
			"wharf perf produce: transactions are not supported yet (Wharf's broker has no transaction coordinator); run without --transaction-duration-ms and transactional.id\n"},
		{base + "--producer-props bootstrap.servers=h:1 transactional.id=x",
			"wharf perf produce: transactions are not supported yet (Wharf's broker has no transaction coordinator); run without --transaction-duration-ms and transactional.id\n"},
		{base + "--producer-props bootstrap.servers=h:1 acks=most",
			"Exception in thread \"main\" org.apache.kafka.common.config.ConfigException: Invalid value most for configuration acks: String must be one of: all, -1, 0, 1\n"},
		{base + "--producer-props bootstrap.servers=h:1 linger.ms=soon",
			"Exception in thread \"main\" org.apache.kafka.common.config.ConfigException: Invalid value soon for configuration linger.ms: Not a number of type LONG\n"},
		{base + "--producer-props bootstrap.servers=h:1 acks=1 enable.idempotence=true",
			"Exception in thread \"main\" org.apache.kafka.common.config.ConfigException: Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.\n"},
		{base + "--producer-props acks=1",
			"Exception in thread \"main\" org.apache.kafka.common.config.ConfigException: Missing required configuration \"bootstrap.servers\" which has no default value.\n"},
		{base + "--producer-props bootstrap.servers=h:1 compression.type=brotli",
			"Exception in thread \"main\" org.apache.kafka.common.config.ConfigException: Invalid value brotli for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd\n"},
		{base + "--producer-props bootstrap.servers=h:1 a=b=c",
			"Exception in thread \"main\" java.lang.IllegalArgumentException: Invalid property: a=b=c\n"},
		{base + "--producer-props bootstrap.servers=h:1 security.protocol=SASL_SSL",
			"Exception in thread \"main\" org.apache.kafka.common.config.ConfigException: security.protocol=SASL_SSL is not supported by wharf perf yet: only PLAINTEXT\n"},
		{base + "--producer.config /nonexistent/p.properties",
			"Exception in thread \"main\" java.nio.file.NoSuchFileException: /nonexistent/p.properties\n"},
		{"--topic t --num-records 10 --throughput -1 --payload-file /nonexistent/payloads --producer-props bootstrap.servers=h:1",
			"Exception in thread \"main\" java.lang.IllegalArgumentException: File does not exist or empty file provided.\n"},
	} {
		env, _, errb := testPerfEnv()
		if code := runProducerPerf(context.Background(), strings.Fields(tc.args), env); code != 1 || errb.String() != tc.stderr {
			t.Errorf("%q: exit %d, stderr %q\nwant %q", tc.args, code, errb, tc.stderr)
		}
	}
}

func TestUnmappedPropertiesAreReportedAndIgnored(t *testing.T) {
	var warn bytes.Buffer
	cfg, err := newClientConfig("producer", map[string]string{"bootstrap.servers": "h:1, h:2", "client.id": "c",
		"partitioner.class": "x", "acks": "all", "linger.ms": "5", "batch.size": "100"}, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if warn.String() != "WARN The configuration 'partitioner.class' was supplied but has no equivalent in Wharf's client; it is ignored.\n" {
		t.Errorf("warnings %q", warn.String())
	}
	if strings.Join(cfg.seeds, ",") != "h:1,h:2" || cfg.clientID != "c" || cfg.batchSize != 100 || !cfg.acksAll {
		t.Errorf("config %+v", cfg)
	}
}

// diffText reports the first differing line of two texts.
func diffText(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("%s: line %d differs\n got: %q\nwant: %q", what, i+1, gl, wl)
			return
		}
	}
}
