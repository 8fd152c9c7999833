package cli

import (
	"bufio"
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// runIn runs the binary's argv with stdin.
func runIn(stdin string, argv ...string) result {
	var out, errb bytes.Buffer
	code := Run(context.Background(), argv, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

var logDate = regexp.MustCompile(`^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] `)

// logLines replaces the log4j date of each line by "[D] ".
func logLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = logDate.ReplaceAllString(l, "[D] ")
	}
	return strings.Join(lines, "\n")
}

// Usage errors: the message, then the option table, on stderr; exit 1.
// Texts from ConsoleProducer.scala (3.9) ProducerConfig and
// ConsoleConsumerOptions.java checkRequiredArgs / checkConsumerGroup /
// invalidOffset, and jopt-simple's exception messages.
func TestConsoleUsageErrors(t *testing.T) {
	tests := []struct {
		name  string
		argv  []string
		first string // stderr's first line
	}{
		// jopt checks requiredUnless while parsing, before the help check
		{"producer no args", []string{"kafka-console-producer.sh"}, "Missing required option(s) [bootstrap-server]"},
		{"producer help", []string{"wharf", "produce", "--help"}, "This tool helps to read data from standard input and publish it to Kafka."},
		{"producer no topic", []string{"kafka-console-producer.sh", "--bootstrap-server", "h:9092"}, `Missing required argument "[topic]"`},
		{"producer no server", []string{"kafka-console-producer.sh", "--topic", "t"}, "Missing required option(s) [bootstrap-server]"},
		{"producer bad host:port", []string{"kafka-console-producer.sh", "--topic", "t", "--broker-list", "localhost"}, "Please provide valid host:port like host1:9091,host2:9092"},
		{"producer unknown option", []string{"kafka-console-producer.sh", "--topic", "t", "--frobnicate"}, "frobnicate is not a recognized option"},
		{"producer missing argument", []string{"kafka-console-producer.sh", "--bootstrap-server", "h:1", "--topic"}, "Option topic requires an argument"},
		{"consumer no args", []string{"kafka-console-consumer.sh"}, "This tool helps to read data from Kafka topics and outputs it to standard output."},
		{"consumer neither topic nor include", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1"}, "Exactly one of --include/--topic is required. "},
		{"consumer both", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--include", "t.*"}, "Exactly one of --include/--topic is required. "},
		{"consumer whitelist and topic", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--whitelist", "t.*"},
			"Exactly one of --include/--topic is required. --whitelist is DEPRECATED use --include instead; ignored if --include specified."},
		{"consumer partition without topic", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1", "--include", "t", "--partition", "0"}, "The topic is required when partition is specified."},
		{"consumer offset without partition", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--offset", "3"}, "The partition is required when offset is specified."},
		{"consumer from-beginning and offset", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--partition", "0", "--offset", "3", "--from-beginning"},
			"Options from-beginning and offset cannot be specified together."},
		{"consumer no server", []string{"kafka-console-consumer.sh", "--topic", "t"}, `Missing required argument "[bootstrap-server]"`},
		{"consumer group and partition", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--partition", "0", "--group", "g"},
			"Options group and partition cannot be specified together."},
		{"consumer groups differ", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--group", "a", "--consumer-property", "group.id=b"},
			"The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: 'a', 'b'"},
		{"consumer bad offset", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--partition", "0", "--offset", "-2"},
			"The provided offset value '-2' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."},
		{"consumer unknown formatter", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--formatter", "com.example.Fmt"}, "com.example.Fmt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runIn("", tt.argv...)
			if r.code != 1 || r.stdout != "" {
				t.Errorf("exit %d, stdout %q", r.code, r.stdout)
			}
			first, rest, _ := strings.Cut(r.stderr, "\n")
			if first != tt.first {
				t.Errorf("first line %q, want %q", first, tt.first)
			}
			if !strings.Contains(rest, "Option ") || !strings.Contains(rest, "\n--bootstrap-server <String: server to") {
				t.Errorf("no option table after the message: %q", rest)
			}
		})
	}
}

func TestConsoleNonUsageErrors(t *testing.T) {
	tests := []struct {
		name   string
		argv   []string
		stderr string
	}{
		// ConsoleConsumerOptions.setAutoOffsetResetValue
		{"from-beginning and latest", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--from-beginning",
			"--consumer-property", "auto.offset.reset=latest"}, "Can't simultaneously specify --from-beginning and 'auto.offset.reset=latest', please remove one option\n"},
		// the options' constructor throws out of main
		{"bad partition", []string{"kafka-console-consumer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--partition", "x"},
			"Exception in thread \"main\" joptsimple.OptionArgumentConversionException: Cannot parse argument 'x' of option partition\n"},
		// ConsoleProducer.main: OptionException's message; KafkaProducer's ConfigException
		{"producer bad batch size", []string{"kafka-console-producer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--batch-size", "big"},
			"Cannot parse argument 'big' of option batch-size\n"},
		{"producer bad codec", []string{"kafka-console-producer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--compression-codec", "brotli"},
			"org.apache.kafka.common.config.ConfigException: Invalid value brotli for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd\n"},
		{"producer bad acks", []string{"kafka-console-producer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--request-required-acks", "2"},
			"org.apache.kafka.common.config.ConfigException: Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1\n"},
		// LineMessageReader.configure
		{"producer equal separators", []string{"kafka-console-producer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--property", "headers.separator=:"},
			"org.apache.kafka.common.KafkaException: headers.separator and headers.key.separator may not be equal\n"},
		{"producer null marker", []string{"kafka-console-producer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--property", "null.marker=,"},
			"org.apache.kafka.common.KafkaException: null.marker and headers.separator may not be equal\n"},
		{"producer missing config file", []string{"kafka-console-producer.sh", "--bootstrap-server", "h:1", "--topic", "t", "--producer.config", "/nonexistent/p.properties"},
			"java.nio.file.NoSuchFileException: /nonexistent/p.properties\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runIn("", tt.argv...)
			if r.code != 1 || r.stderr != tt.stderr {
				t.Errorf("exit %d, stderr %q; want %q", r.code, r.stderr, tt.stderr)
			}
		})
	}
}

// An empty standard input sends nothing and never connects (the Java
// producer fetches metadata at the first send).
func TestConsoleProducerEmptyInputNeverConnects(t *testing.T) {
	r := runIn("", "kafka-console-producer.sh", "--bootstrap-server", "127.0.0.1:1", "--topic", "t")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestConsoleUnreachableBrokerIsOneLine(t *testing.T) {
	start := time.Now()
	r := runIn("hello\n", "kafka-console-producer.sh", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--max-block-ms", "1000")
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "wharf produce: cannot reach any broker of 127.0.0.1:1 within 1000 ms") {
		t.Errorf("producer: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runIn("", "kafka-console-consumer.sh", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--timeout-ms", "1000")
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "wharf consume: cannot reach any broker of 127.0.0.1:1 within 1000 ms") {
		t.Errorf("consumer: exit %d, stderr %q", r.code, r.stderr)
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("took %v", d)
	}
}

// LineMessageReader's parsing (ConsoleProducer.scala 3.9).
func TestConsoleLineReader(t *testing.T) {
	type hdr struct{ k, v string } // v "<nil>" is a null value
	tests := []struct {
		name    string
		props   map[string]string
		line    string
		key     string // "<nil>" for null
		value   string
		headers []hdr
		err     string
	}{
		{"plain", nil, "a\tb", "<nil>", "a\tb", nil, ""},
		{"key", map[string]string{"parse.key": "true"}, "k\tv\tw", "k", "v\tw", nil, ""},
		{"key separator", map[string]string{"parse.key": "TRUE ", "key.separator": "::"}, "k::v", "k", "v", nil, ""},
		{"empty key", map[string]string{"parse.key": "true", "key.separator": ":"}, ":v", "", "v", nil, ""},
		{"no key separator", map[string]string{"parse.key": "true"}, "kv", "", "", nil, "No key separator found on line number 1: 'kv'"},
		{"ignore error", map[string]string{"parse.key": "true", "ignore.error": "true"}, "kv", "<nil>", "kv", nil, ""},
		{"headers and key", map[string]string{"parse.key": "true", "parse.headers": "true"}, "h1:v1,h2:v2\tk\tv", "k", "v", []hdr{{"h1", "v1"}, {"h2", "v2"}}, ""},
		{"headers only", map[string]string{"parse.headers": "true"}, "h:x:y\tv", "<nil>", "v", []hdr{{"h", "x:y"}}, ""},
		{"no headers delimiter", map[string]string{"parse.headers": "true"}, "v", "", "", nil, "No headers delimiter found on line number 1: 'v'"},
		{"header without separator", map[string]string{"parse.headers": "true"}, "h1:a,h2\tv", "", "", nil, "No header key separator found in pair 'h2' on line number 1"},
		{"header without separator ignored", map[string]string{"parse.headers": "true", "ignore.error": "true"}, "h2\tv", "<nil>", "v", []hdr{{"h2", "<nil>"}}, ""},
		{"null marker", map[string]string{"parse.key": "true", "parse.headers": "true", "null.marker": "NULL"}, "h:NULL\tNULL\tNULL", "<nil>", "<nil>", []hdr{{"h", "<nil>"}}, ""},
		{"null headers", map[string]string{"parse.key": "true", "parse.headers": "true", "null.marker": "-"}, "-\tk\tv", "k", "v", nil, ""},
		{"null header key", map[string]string{"parse.headers": "true", "null.marker": "-"}, "-:x\tv", "", "", nil, "Header keys should not be equal to the null marker '-' as they can't be null"},
	}
	bytesOrNil := func(b []byte) string {
		if b == nil {
			return "<nil>"
		}
		return string(b)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := map[string]string{"topic": "t"}
			for k, v := range tt.props {
				props[k] = v
			}
			r, err := newLineReader(props)
			if err != nil {
				t.Fatal(err)
			}
			r.lineNumber = 1
			rec, err := r.record(tt.line)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.Topic != "t" || bytesOrNil(rec.Key) != tt.key || bytesOrNil(rec.Value) != tt.value {
				t.Errorf("record %s/%q/%q, want t/%q/%q", rec.Topic, bytesOrNil(rec.Key), bytesOrNil(rec.Value), tt.key, tt.value)
			}
			var got []hdr
			for _, h := range rec.Headers {
				got = append(got, hdr{h.Key, bytesOrNil(h.Value)})
			}
			if len(got) != len(tt.headers) {
				t.Fatalf("headers %v, want %v", got, tt.headers)
			}
			for i := range got {
				if got[i] != tt.headers[i] {
					t.Errorf("headers %v, want %v", got, tt.headers)
				}
			}
		})
	}
}

// BufferedReader.readLine: "\n", "\r\n" and "\r" end lines; the last may
// be unterminated.
func TestConsoleJavaLines(t *testing.T) {
	in := &javaLines{r: bufio.NewReader(strings.NewReader("a\nb\r\nc\rd\r\n\ne"))}
	var got []string
	for {
		l, err := in.next()
		if err != nil {
			break
		}
		got = append(got, l)
	}
	if strings.Join(got, "|") != "a|b|c|d||e" {
		t.Errorf("lines %q", got)
	}
}

// DefaultMessageFormatter.writeTo's fields and separators (3.9,
// tools/.../consumer/DefaultMessageFormatter.java).
func TestConsoleDefaultFormatter(t *testing.T) {
	ts := time.UnixMilli(1700000000000)
	withHeaders := &kgo.Record{Key: []byte("k"), Value: []byte("v"), Partition: 2, Offset: 42, Timestamp: ts,
		Headers: []kgo.RecordHeader{{Key: "h1", Value: []byte("x")}, {Key: "h2"}}}
	nullKey := &kgo.Record{Value: []byte("v"), Timestamp: ts}
	tests := []struct {
		name  string
		props map[string]string
		rec   *kgo.Record
		want  string
	}{
		{"value only", nil, withHeaders, "v\n"},
		{"all fields", map[string]string{"print.timestamp": "true", "print.partition": "true", "print.offset": "true", "print.headers": "true", "print.key": "true"},
			withHeaders, "CreateTime:1700000000000\tPartition:2\tOffset:42\th1:x,h2:null\tk\tv\n"},
		{"reference example", map[string]string{"print.timestamp": "true", "print.key": "true", "key.separator": ":"}, withHeaders, "CreateTime:1700000000000:k:v\n"},
		{"no value", map[string]string{"print.key": "true", "print.value": "false", "line.separator": "|"}, withHeaders, "k|"},
		{"no headers", map[string]string{"print.headers": "true"}, nullKey, "NO_HEADERS\tv\n"},
		{"null literal", map[string]string{"print.key": "true", "null.literal": "<none>"}, nullKey, "<none>\tv\n"},
		{"headers separator", map[string]string{"print.headers": "true", "headers.separator": ";", "print.value": "false"}, withHeaders, "h1:x;h2:null\n"},
		{"string deserializer", map[string]string{"print.key": "true", "key.deserializer": "org.apache.kafka.common.serialization.StringDeserializer"}, withHeaders, "k\tv\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			f := newDefaultFormatter(toolEnv{stderr: &b, now: time.Now}, tt.props)
			b.Reset()
			if err := f.writeTo(tt.rec, &b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
	// LongDeserializer on a 1-byte value: a SerializationException
	f := newDefaultFormatter(toolEnv{now: time.Now}, map[string]string{"value.deserializer": "org.apache.kafka.common.serialization.LongDeserializer"})
	err := f.writeTo(&kgo.Record{Value: []byte{1}}, &bytes.Buffer{})
	if err == nil || err.Error() != "org.apache.kafka.common.errors.SerializationException: Size of data received by LongDeserializer is not 8" {
		t.Errorf("long deserializer: %v", err)
	}
	var out bytes.Buffer
	f = newDefaultFormatter(toolEnv{now: time.Now}, map[string]string{"value.deserializer": "org.apache.kafka.common.serialization.LongDeserializer"})
	if err := f.writeTo(&kgo.Record{Value: []byte{0, 0, 0, 0, 0, 0, 1, 0}}, &out); err != nil || out.String() != "256\n" {
		t.Errorf("long 256: %q %v", out.String(), err)
	}
}

func TestConsoleHashSetOrder(t *testing.T) {
	// new HashSet<>(List.of("a", "b")) iterates a, b; "q" (113 & 15 = 1)
	// comes before "b" (98 & 15 = 2) whatever the insertion order.
	if got := javaHashSetOrder([]string{"b", "q"}); strings.Join(got, ",") != "q,b" {
		t.Errorf("order %q", got)
	}
}

// The '>' prompt is printed before each read, the last one at the end of
// the input (LineMessageReader.readRecords), only on a terminal.
func TestConsoleProducerPromptOnATerminal(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	var out, errb bytes.Buffer
	env := toolEnv{stdin: strings.NewReader("a\nb\n"), stdout: &out, stderr: &errb, terminal: true, now: time.Now}
	code := runConsoleProducer(context.Background(), []string{"--bootstrap-server", addr, "--topic", topic, "--timeout", "0"}, env)
	if code != 0 || out.String() != ">>>" || errb.String() != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// Kafka errors are named as the Java client's exceptions.
func TestConsoleJavaError(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{kerr.UnknownTopicOrPartition, "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: " + kerr.UnknownTopicOrPartition.Description},
		{kerr.InvalidTopicException, "org.apache.kafka.common.errors.InvalidTopicException: " + kerr.InvalidTopicException.Description},
		{kerr.NotEnoughReplicas, "org.apache.kafka.common.errors.NotEnoughReplicasException: " + kerr.NotEnoughReplicas.Description},
		{context.DeadlineExceeded, "org.apache.kafka.common.errors.TimeoutException: context deadline exceeded"},
	}
	for _, tt := range tests {
		if got := consoleJavaError(tt.err); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestConsoleValidHostPorts(t *testing.T) {
	for s, want := range map[string]bool{
		"localhost:9092": true, "a:1,b:2": true, "a:1,": true, "[::1]:9092": true, "odd_host!:9092": true,
		"localhost": false, "a:": false, "a:1,b": false, "a:x": false, "a:+1": false, ",a:1": false, "": false,
	} {
		if got := validHostPorts(s); got != want {
			t.Errorf("validHostPorts(%q) = %v", s, got)
		}
	}
}

// The line reader never panics, and a parsed key and value put back
// together with the separator are the line.
func FuzzConsoleLineReader(f *testing.F) {
	f.Add("h1:v1,h2:v2\tk\tv", "\t", ",", true, true)
	f.Add("k::v", "::", ";", true, false)
	f.Add("\xff\t\t", "", "[", false, true)
	f.Fuzz(func(t *testing.T, line, keySep, headersSep string, parseKey, parseHeaders bool) {
		props := map[string]string{"topic": "t", "key.separator": keySep, "headers.separator": headersSep,
			"parse.key": strconv.FormatBool(parseKey), "parse.headers": strconv.FormatBool(parseHeaders)}
		r, err := newLineReader(props)
		if err != nil {
			return
		}
		rec, err := r.record(line)
		if err != nil {
			return
		}
		if parseKey && !parseHeaders && string(rec.Key)+keySep+string(rec.Value) != line {
			t.Errorf("key %q + value %q != line %q", rec.Key, rec.Value, line)
		}
		if !parseKey && !parseHeaders && string(rec.Value) != line {
			t.Errorf("value %q != line %q", rec.Value, line)
		}
	})
}
