package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/kafka/zkdata/zktest"
)

// sortedLines sorts the lines of s (records of several partitions come in
// no fixed order).
func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func TestConsoleProduceThenConsumeFromBeginning(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	r := runIn("h1:a,h2:b\tk1\tv1\nh3:c\tk2\tv2\n-\tk3\t-\n", "kafka-console-producer.sh", "--bootstrap-server", addr, "--topic", topic,
		"--property", "parse.key=true", "--property", "parse.headers=true", "--property", "null.marker=-", "--sync")
	if r.code != 0 || r.stdout != "" || r.stderr != "" { // no '>' prompt: stdin is not a terminal
		t.Fatalf("produce: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runIn("plain\n", "kafka-console-producer.sh", "--broker-list", addr, "--topic", topic, "--compression-codec", "--request-required-acks", "1")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("produce gzip: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runIn("", "kafka-console-consumer.sh", "--bootstrap-server", addr, "--topic", topic, "--from-beginning", "--max-messages", "4",
		"--property", "print.key=true", "--property", "print.headers=true", "--property", "key.separator=|")
	if r.code != 0 || r.stderr != "Processed a total of 4 messages\n" {
		t.Fatalf("consume: exit %d, stderr %q", r.code, r.stderr)
	}
	// the logging formatter writes what the default one does
	r2 := runIn("", "kafka-console-consumer.sh", "--bootstrap-server", addr, "--topic", topic, "--from-beginning", "--max-messages", "4",
		"--property", "print.key=true", "--property", "print.headers=true", "--property", "key.separator=|",
		"--formatter", "org.apache.kafka.tools.consumer.LoggingMessageFormatter")
	if r2.code != 0 || sortedLines(r2.stdout) != sortedLines(r.stdout) || r2.stderr != r.stderr {
		t.Errorf("logging formatter: exit %d, stdout %q, stderr %q", r2.code, r2.stdout, r2.stderr)
	}
	diffText(t, "records", sortedLines(r.stdout), sortedLines(strings.Join([]string{
		"NO_HEADERS|null|plain",
		"h1:a,h2:b|k1|v1",
		"h3:c|k2|v2",
		"NO_HEADERS|k3|null",
	}, "\n")))
	// With a group the offsets printed are committed: the next run of the
	// group starts after them.
	for _, want := range []int{4, 0} {
		r = runIn("", "kafka-console-consumer.sh", "--bootstrap-server", addr, "--topic", topic, "--from-beginning",
			"--group", "g-"+topic, "--timeout-ms", "1500")
		if r.code != 0 || !strings.HasSuffix(r.stderr, "Processed a total of "+strconv.Itoa(want)+" messages\n") {
			t.Fatalf("group run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		// the timeout is ConsumerWrapper.receive's TimeoutException, logged
		diffText(t, "timeout", logLines(strings.TrimSuffix(r.stderr, "Processed a total of "+strconv.Itoa(want)+" messages\n")),
			"[D] ERROR Error processing message, terminating consumer process:  (org.apache.kafka.tools.consumer.ConsoleConsumer)\n"+
				"org.apache.kafka.common.errors.TimeoutException\n")
	}
}

func TestConsoleConsumePartitionAndOffset(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	var lines strings.Builder
	for i := range 5 {
		lines.WriteString("k\tm" + string(rune('0'+i)) + "\n") // one key: one partition
	}
	if r := runIn(lines.String(), "kafka-console-producer.sh", "--bootstrap-server", addr, "--topic", topic, "--property", "parse.key=true"); r.code != 0 || r.stderr != "" {
		t.Fatalf("produce: exit %d, stderr %q", r.code, r.stderr)
	}
	// find the partition the key went to
	part := ""
	for _, p := range []string{"0", "1", "2"} {
		r := runIn("", "kafka-console-consumer.sh", "--bootstrap-server", addr, "--topic", topic, "--partition", p, "--offset", "earliest",
			"--timeout-ms", "500")
		if strings.HasPrefix(r.stdout, "m0\n") {
			part = p
		}
	}
	if part == "" {
		t.Fatal("no partition holds the records")
	}
	r := runIn("", "kafka-console-consumer.sh", "--bootstrap-server", addr, "--topic", topic, "--partition", part, "--offset", "3",
		"--max-messages", "2", "--property", "print.partition=true", "--property", "print.offset=true", "--property", "print.timestamp=true")
	if r.code != 0 || r.stderr != "Processed a total of 2 messages\n" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	diffText(t, "records", normalise(r.stdout), "CreateTime:N\tPartition:N\tOffset:N\tmN\nCreateTime:N\tPartition:N\tOffset:N\tmN\n")
	if !strings.Contains(r.stdout, "\tOffset:3\tm3\n") || !strings.Contains(r.stdout, "Partition:"+part+"\tOffset:4\tm4\n") {
		t.Errorf("stdout %q", r.stdout)
	}
}

func TestConsoleProducerKeyErrorStopsAfterSending(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	r := runIn("k\tgood\nbad line\nnever\n", "kafka-console-producer.sh", "--bootstrap-server", addr, "--topic", topic, "--property", "parse.key=true")
	if r.code != 1 || r.stderr != "org.apache.kafka.common.KafkaException: No key separator found on line number 2: 'bad line'\n" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = runIn("", "kafka-console-consumer.sh", "--bootstrap-server", addr, "--include", strings.ReplaceAll(topic, ".", `\.`), "--from-beginning",
		"--timeout-ms", "1000", "--property", "print.key=true")
	if r.stdout != "k\tgood\n" || !strings.HasSuffix(r.stderr, "Processed a total of 1 messages\n") {
		t.Errorf("consumed %q, stderr %q", r.stdout, r.stderr)
	}
}

// --zookeeper host:port/chroot: the brokers registered there are the
// bootstrap servers.
func TestConsoleThroughZooKeeper(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	connect := zktest.Wharf(t) + "/kafka"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	zk, err := zkdata.Dial(ctx, zkdata.Config{Connect: connect, SessionTimeout: 6 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer zk.Close()
	host, port, _ := strings.Cut(addr, ":")
	p, _ := strconv.Atoi(port)
	if err := zk.CreateTopLevelPaths(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := zk.RegisterBroker(ctx, zkdata.BrokerInfo{ID: 0, Version: 5, JMXPort: -1,
		EndPoints: []zkdata.EndPoint{{Listener: "PLAINTEXT", Host: host, Port: int32(p), SecurityProtocol: "PLAINTEXT"}}}); err != nil {
		t.Fatal(err)
	}
	if r := runIn("via zookeeper\n", "kafka-console-producer.sh", "--zookeeper", connect, "--topic", topic); r.code != 0 || r.stderr != "" {
		t.Fatalf("produce: exit %d, stderr %q", r.code, r.stderr)
	}
	r := runIn("", "kafka-console-consumer.sh", "--zookeeper", connect, "--topic", topic, "--from-beginning", "--max-messages", "1")
	if r.code != 0 || r.stdout != "via zookeeper\n" || r.stderr != "Processed a total of 1 messages\n" {
		t.Errorf("consume: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// An asynchronous send that fails is logged by ErrorLoggingCallback
// (logAsString false: sizes, not contents) and the producer goes on.
func TestConsoleProducerLogsAFailedSend(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	big := strings.Repeat("x", 1100000) // over kgo's 1 MB batch limit
	r := runIn(big+"\nsmall\n", "kafka-console-producer.sh", "--bootstrap-server", addr, "--topic", topic)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	diffText(t, "stderr", logLines(r.stderr), "[D] ERROR Error when sending message to topic "+topic+
		" with key: null, value: 1100000 bytes with error: (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)\n"+
		"org.apache.kafka.common.errors.RecordTooLargeException: The request included a message larger than the max message size the server will accept.\n")
	// --sync: send().get() throws the ExecutionException out of main
	r = runIn(big+"\nnever\n", "kafka-console-producer.sh", "--bootstrap-server", addr, "--topic", topic, "--sync")
	if r.code != 1 || r.stderr != "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.RecordTooLargeException: "+
		"The request included a message larger than the max message size the server will accept.\n" {
		t.Errorf("sync: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runIn("", "kafka-console-consumer.sh", "--bootstrap-server", addr, "--topic", topic, "--from-beginning", "--max-messages", "1",
		"--timeout-ms", "1000")
	if r.stdout != "small\n" {
		t.Errorf("consumed %q, stderr %q", r.stdout, r.stderr)
	}
}

// A value the deserializer rejects ends the run (main logs it after the
// count), or with --skip-message-on-error is logged and skipped. The old
// formatter class name is accepted with ConsoleConsumerOptions' warning.
func TestConsoleConsumerDeserializerErrors(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	if r := runIn("k\tabc\n", "kafka-console-producer.sh", "--bootstrap-server", addr, "--topic", topic, "--property", "parse.key=true"); r.code != 0 {
		t.Fatalf("produce: exit %d, stderr %q", r.code, r.stderr)
	}
	const long = "org.apache.kafka.common.serialization.LongDeserializer"
	r := runIn("", "kafka-console-consumer.sh", "--bootstrap-server", addr, "--topic", topic, "--from-beginning", "--max-messages", "1",
		"--value-deserializer", long, "--formatter", "kafka.tools.DefaultMessageFormatter")
	if r.code != 1 || r.stdout != "" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
	diffText(t, "stderr", logLines(r.stderr),
		"WARNING: kafka.tools.DefaultMessageFormatter is deprecated and will be removed in the next major release. Please use org.apache.kafka.tools.consumer.DefaultMessageFormatter instead\n"+
			"Processed a total of 1 messages\n"+
			"[D] ERROR Unknown error when running consumer:  (org.apache.kafka.tools.consumer.ConsoleConsumer)\n"+
			"org.apache.kafka.common.errors.SerializationException: Size of data received by LongDeserializer is not 8\n")
	r = runIn("", "kafka-console-consumer.sh", "--bootstrap-server", addr, "--topic", topic, "--from-beginning", "--max-messages", "1",
		"--property", "value.deserializer="+long, "--property", "key.deserializer=com.example.Nope", "--skip-message-on-error")
	if r.code != 0 || r.stdout != "" {
		t.Errorf("skip: exit %d, stdout %q", r.code, r.stdout)
	}
	diffText(t, "skip stderr", logLines(r.stderr),
		"[D] ERROR Unable to instantiate a deserializer from com.example.Nope (org.apache.kafka.tools.consumer.DefaultMessageFormatter)\n"+
			"java.lang.ClassNotFoundException: com.example.Nope\n"+
			"[D] ERROR Error processing message, skipping this message:  (org.apache.kafka.tools.consumer.ConsoleConsumer)\n"+
			"org.apache.kafka.common.errors.SerializationException: Size of data received by LongDeserializer is not 8\n"+
			"Processed a total of 1 messages\n")
}

// cancelOnWrite is a stdout that interrupts the run once something is
// printed.
type cancelOnWrite struct {
	strings.Builder
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	defer w.cancel()
	return w.Builder.Write(p)
}

// Ctrl-C (the shutdown hook's wakeup) ends the run quietly: the count is
// printed and the exit status is 130.
func TestConsoleConsumerInterrupted(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	if r := runIn("k\tone\nk\ttwo\n", "kafka-console-producer.sh", "--bootstrap-server", addr, "--topic", topic, "--property", "parse.key=true"); r.code != 0 {
		t.Fatalf("produce: exit %d, stderr %q", r.code, r.stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelOnWrite{cancel: cancel}
	var errb strings.Builder
	env := toolEnv{stdin: strings.NewReader(""), stdout: out, stderr: &errb, now: time.Now, groupSuffix: 7}
	code := runConsoleConsumer(ctx, []string{"--bootstrap-server", addr, "--topic", topic, "--from-beginning", "--enable-systest-events"}, env)
	if code != 130 || out.String() != "one\ntwo\nshutdown_complete\n" || errb.String() != "Processed a total of 2 messages\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// --command-config (Wharf's, as the other tools take it) is read like
// --producer.config / --consumer.config: here a client.id and a property
// the tools do not know, which is reported and ignored.
func TestConsoleCommandConfig(t *testing.T) {
	topic := uniqueTopic(t)
	addr := perfBroker(t, topic)
	cfg := filepath.Join(t.TempDir(), "client.properties")
	if err := os.WriteFile(cfg, []byte("client.id=from-command-config\nacks=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runIn("one\n", "kafka-console-producer.sh", "--bootstrap-server", addr, "--topic", topic, "--command-config", cfg, "--sync")
	if r.code != 0 {
		t.Fatalf("produce: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runIn("", "kafka-console-consumer.sh", "--bootstrap-server", addr, "--topic", topic, "--from-beginning", "--max-messages", "1",
		"--command-config", cfg)
	if r.code != 0 || r.stdout != "one\n" {
		t.Fatalf("consume: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runIn("x\n", "kafka-console-producer.sh", "--bootstrap-server", addr, "--topic", topic, "--command-config", filepath.Join(t.TempDir(), "missing"))
	if r.code == 0 {
		t.Fatalf("a missing --command-config file: exit 0, stderr %q", r.stderr)
	}
}
