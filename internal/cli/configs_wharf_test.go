package cli

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// kafka-configs.sh and kafka-get-offsets.sh against `wharf server`, whose
// broker describes configs with Kafka's synonyms and registers itself in
// the embedded ZooKeeper: the tutorials' --zookeeper forms find it there.
func TestConfigsAndGetOffsetsAgainstWharf(t *testing.T) {
	s := kafkapeer.StartWharfServer(t, kafkapeer.WharfOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kafkapeer.Kadm(t, s).CreateTopic(ctx, 2, 1, nil, "t1"); err != nil {
		t.Fatal(err)
	}
	cl := kafkapeer.Kgo(t, s, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for i := 0; i < 3; i++ {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t1", Partition: 1, Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	const warn = "Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.\n" +
		"Use --bootstrap-server instead to specify a broker to connect to.\n"
	bs, zk := []string{"--bootstrap-server", s.KafkaAddr}, []string{"--zookeeper", s.ZKAddr}
	runConfigsSteps(t, bs, []configsStep{
		{[]string{"--alter", "--topic", "t1", "--add-config", "retention.ms=1000,cleanup.policy=[compact,delete]"}, 0,
			"Completed updating config for topic t1.\n", ""},
		{[]string{"--describe", "--topic", "t1"}, 0, "Dynamic configs for topic t1 are:\n" +
			"  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}\n" +
			"  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}\n", ""},
		// the broker's own message travels in the ExecutionException
		{[]string{"--alter", "--topic", "t1", "--add-config", "bogus.key=1"}, 1, "",
			"Error while executing config command with args '--bootstrap-server " + s.KafkaAddr + " --alter --topic t1 --add-config bogus.key=1'\n" +
				"java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.InvalidConfigException: Unknown topic config name: bogus.key\n"},
		{[]string{"--alter", "--broker-defaults", "--add-config", "log.cleaner.threads=2"}, 0,
			"Completed updating default config for brokers in the cluster.\n", ""},
		{[]string{"--alter", "--entity-type", "brokers", "--entity-name", "0", "--add-config", "log.cleaner.threads=3"}, 0,
			"Completed updating config for broker 0.\n", ""},
		{[]string{"--describe", "--entity-type", "brokers"}, 0, "Dynamic configs for broker 0 are:\n" +
			"  log.cleaner.threads=3 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.cleaner.threads=3, DYNAMIC_DEFAULT_BROKER_CONFIG:log.cleaner.threads=2, DEFAULT_CONFIG:log.cleaner.threads=1}\n" +
			"Default configs for brokers in the cluster are:\n" +
			"  log.cleaner.threads=2 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.cleaner.threads=2}\n", ""},
		{[]string{"--alter", "--broker", "0", "--delete-config", "log.cleaner.threads"}, 0, "Completed updating config for broker 0.\n", ""},
	})
	// Kafka 2.8's ZooKeeper path: its warning and its lines
	runConfigsSteps(t, zk, []configsStep{
		{[]string{"--alter", "--entity-type", "topics", "--entity-name", "t1", "--add-config", "retention.ms=5000"}, 0,
			warn + "Completed updating config for entity: topic 't1'.\n", ""},
		{[]string{"--describe", "--entity-type", "topics", "--entity-name", "t1"}, 0,
			warn + "Configs for topic 't1' are cleanup.policy=compact,delete,retention.ms=5000\n", ""},
		{[]string{"--describe", "--entity-type", "brokers"}, 0,
			warn + "Configs for brokers '0' are \nConfigs for default brokers are log.cleaner.threads=2\n", ""},
	})

	for _, conn := range [][]string{bs, zk, {"--broker-list", s.KafkaAddr}} {
		r := run(append([]string{"kafka-get-offsets.sh", "--topic", "t1"}, conn...)...)
		if r.code != 0 || r.stdout != "t1:0:0\nt1:1:3\n" || r.stderr != "" {
			t.Errorf("get-offsets %q: exit %d, stdout %q, stderr %q", conn, r.code, r.stdout, r.stderr)
		}
	}
	r := run("kafka-get-offsets.sh", "--bootstrap-server", s.KafkaAddr, "--topic-partitions", "t1:1", "--time", "-2")
	if r.code != 0 || r.stdout != "t1:1:0\n" {
		t.Errorf("earliest: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
