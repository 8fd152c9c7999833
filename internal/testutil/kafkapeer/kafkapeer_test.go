package kafkapeer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/testutil"
)

func TestTargets(t *testing.T) {
	for _, c := range []struct {
		env     string
		want    []string
		wantErr bool
	}{
		{"", DefaultTargets, false},
		{"kfake", []string{KindKfake}, false},
		{" wharf , kfake,wharf,", []string{KindWharf, KindKfake}, false},
		{"wharf-broker", []string{KindWharfBroker}, false},
		{"kafka", nil, true},
	} {
		t.Run(fmt.Sprintf("%q", c.env), func(t *testing.T) {
			t.Setenv(TargetEnv, c.env)
			got, err := Targets()
			if (err != nil) != c.wantErr || !slices.Equal(got, c.want) {
				t.Fatalf("Targets() = %v, %v; want %v (error %v)", got, err, c.want, c.wantErr)
			}
		})
	}
}

func TestBrokerProperties(t *testing.T) {
	got := BrokerProperties(2, "127.0.0.1:19092", "127.0.0.1:2181/kafka", "/tmp/logs",
		map[string]string{"num.partitions": "3", "log.retention.hours": "1"})
	want := `# written by internal/testutil/kafkapeer
broker.id=2
default.replication.factor=1
group.initial.rebalance.delay.ms=0
listeners=PLAINTEXT://127.0.0.1:19092
log.dirs=/tmp/logs
log.retention.hours=1
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.replication.factor=1
zookeeper.connect=127.0.0.1:2181/kafka
zookeeper.connection.timeout.ms=18000
`
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestWharfHasSubcommand tells a subcommand the binary has from one it
// lacks, for which cobra prints the root's help and exits 0.
func TestWharfHasSubcommand(t *testing.T) {
	bin := testutil.BuildWharf(t)
	if err := WharfHasSubcommand(bin, "zookeeper"); err != nil {
		t.Fatalf("zookeeper: %v", err)
	}
	if err := WharfHasSubcommand(bin, "no-such-subcommand"); !errors.Is(err, ErrNoSubcommand) {
		t.Fatalf("no-such-subcommand: %v, want ErrNoSubcommand", err)
	}
}

// TestKfake: the stand-in answers Metadata, advertises Produce and Fetch
// from v0 (so librdkafka compresses), and keeps its data across Restart.
func TestKfake(t *testing.T) {
	testutil.Slow(t)
	k := StartKfake(t, KfakeOptions{})
	if !metadataReady(k.Addr(), 5*time.Second) {
		t.Fatal("kfake does not answer Metadata")
	}
	cl := Kgo(t, k, kgo.AllowAutoTopicCreation())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	av, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range av.ApiKeys {
		if (key.ApiKey == int16(kmsg.Produce) || key.ApiKey == int16(kmsg.Fetch)) && key.MinVersion != 0 {
			t.Fatalf("ApiVersions lists %v from v%d, want v0", kmsg.Key(key.ApiKey), key.MinVersion)
		}
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "restart", Value: []byte("kept")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	addr := k.Addr()
	k.Restart()
	if k.Addr() != addr {
		t.Fatalf("restarted on %s, want %s", k.Addr(), addr)
	}
	rd := Kgo(t, k, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"restart": {0: kgo.NewOffset().AtStart()}}))
	fs := rd.PollFetches(ctx)
	if err := fs.Err(); err != nil || len(fs.Records()) != 1 || string(fs.Records()[0].Value) != "kept" {
		t.Fatalf("after Restart: %v, %v", fs.Records(), err)
	}
}

// TestClients runs each client runner once against kfake: the clients are
// installed, find the broker, and report what they did.
func TestClients(t *testing.T) {
	testutil.Slow(t)
	k := StartKfake(t, KfakeOptions{})

	t.Run("kcat", func(t *testing.T) {
		RunKcatInput(t, k, "k:v\n", "-P", "-t", "kcat", "-K", ":").OK(t)
		out := RunKcat(t, k, "-C", "-t", "kcat", "-o", "beginning", "-e", "-q", "-f", "%k=%s\n").OK(t)
		if out != "k=v\n" {
			t.Fatalf("kcat read %q", out)
		}
		run := StartKcat(t, k, "-C", "-t", "kcat", "-o", "end", "-c", "1", "-f", "%s\n")
		if !run.WaitStderr("Reached end of topic kcat [0] at offset 1", 30*time.Second) {
			t.Fatalf("kcat -o end: %+v", run.Wait())
		}
		RunKcatInput(t, k, "late\n", "-P", "-t", "kcat").OK(t)
		if out := run.Wait().OK(t); out != "late\n" {
			t.Fatalf("kcat -o end read %q", out)
		}
	})

	t.Run("python", func(t *testing.T) {
		script := writeScript(t, "clients.py", `import os, sys
import confluent_kafka, kafka
from confluent_kafka.admin import AdminClient
md = AdminClient({"bootstrap.servers": sys.argv[1]}).list_topics(timeout=30)
print(sys.argv[1] == os.environ["KAFKA_BOOTSTRAP"], len(md.brokers), confluent_kafka.version()[0], kafka.__version__, sys.argv[2])
`)
		out := RunPython(t, k, script, "arg").OK(t)
		if out != "True 1 1.7.0 2.0.2 arg\n" {
			t.Fatalf("python printed %q", out)
		}
	})

	t.Run("python_missing_module", func(t *testing.T) {
		if testutil.CI() {
			t.Skip("under CI a missing module fails the test instead of skipping it")
		}
		script := writeScript(t, "missing.py", "import no_such_module_for_kafkapeer\n")
		var inner *testing.T
		t.Run("inner", func(t *testing.T) { inner = t; RunPython(t, k, script) })
		if !inner.Skipped() {
			t.Fatal("a script whose module is missing did not skip its test")
		}
	})

	t.Run("kafkajs", func(t *testing.T) {
		script := writeScript(t, "clients.js", `const { Kafka, logLevel } = require('kafkajs')
const kafka = new Kafka({ brokers: [process.argv[2]], logLevel: logLevel.ERROR })
const admin = kafka.admin()
admin.connect()
  .then(() => admin.describeCluster())
  .then(c => { console.log(c.brokers.length, require('kafkajs/package.json').version, process.env.KAFKA_BOOTSTRAP === process.argv[2]); return admin.disconnect() })
  .catch(e => { console.error(e); process.exit(1) })
`)
		if out := RunKafkaJS(t, k, script).OK(t); out != "1 "+KafkaJSVersion+" true\n" {
			t.Fatalf("kafkajs printed %q", out)
		}
	})

	t.Run("rsyslog", func(t *testing.T) {
		dir := testutil.TempDir(t, "rsyslog-smoke")
		in := filepath.Join(dir, "in.log")
		if err := os.WriteFile(in, []byte("hello rsyslog\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		rs := RunRsyslog(t, fmt.Sprintf(`global(workDirectory=%q)
module(load="imfile")
module(load="omkafka")
input(type="imfile" File=%q Tag="smoke")
action(type="omkafka" broker=[%q] topic="rsyslog" template="RSYSLOG_FileFormat")
`, dir, in, k.Addr()))
		cl := Kgo(t, k, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"rsyslog": {0: kgo.NewOffset().AtStart()}}))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var got []*kgo.Record
		for len(got) == 0 && ctx.Err() == nil {
			got = append(got, cl.PollFetches(ctx).Records()...)
		}
		if len(got) != 1 || !strings.HasSuffix(strings.TrimSpace(string(got[0].Value)), "smoke hello rsyslog") {
			t.Fatalf("rsyslog shipped %v; log:\n%s", got, rs.LogTail(20))
		}
		rs.Stop()
		if rs.PID() != 0 {
			t.Fatal("rsyslogd still has a pid after Stop")
		}
	})

	t.Run("go_clients", func(t *testing.T) {
		p := SaramaSyncProducer(t, k, nil)
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "go", Value: sarama.StringEncoder("sarama")}); err != nil {
			t.Fatalf("sarama: %v", err)
		}
		w := KafkaGoWriter(t, k, "go")
		if err := w.WriteMessages(context.Background(), kafkago.Message{Value: []byte("kafka-go")}); err != nil {
			t.Fatalf("kafka-go: %v", err)
		}
		c := KafkaGoLeader(t, k, "go", 0)
		if first, last, err := c.ReadOffsets(); err != nil || first != 0 || last != 2 {
			t.Fatalf("kafka-go offsets %d..%d, %v; want 0..2", first, last, err)
		}
		pc, err := SaramaConsumer(t, k, nil).ConsumePartition("go", 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		select {
		case m := <-pc.Messages():
			if string(m.Value) != "kafka-go" {
				t.Fatalf("sarama consumer read %q at %d", m.Value, m.Offset)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("sarama consumer read nothing")
		}
		if names, err := Kadm(t, k).ListTopics(context.Background()); err != nil || !names.Has("go") {
			t.Fatalf("kadm topics %v, %v", names.Names(), err)
		}
	})
}

func writeScript(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
