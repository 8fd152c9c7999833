package kafkaserver

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// kafkaUUID is a topic or cluster id as Kafka prints it (Uuid.toString:
// URL-safe base64 without padding).
func kafkaUUID(id kadm.TopicID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// TestServer runs `wharf server` through a user's first session: it says
// where its listeners are, serves records and /metrics, stops cleanly on
// SIGTERM leaving Kafka's and ZooKeeper's files under --data-dir, and after
// a restart has every topic, record and offset where it was.
func TestServer(t *testing.T) {
	testutil.Slow(t)
	s := kafkapeer.StartWharfServer(t, kafkapeer.WharfOptions{})
	adm := kafkapeer.Kadm(t, s)
	const topic, parts, n = "orders", 3, 30
	created := createTopic(t, adm, topic, parts, nil)
	recs := produce(t, s, topic, parts, "before", n)
	sameRecords(t, "first read", consume(t, s, topic, parts, n), recs)

	t.Run("listeners_logged", func(t *testing.T) {
		log := readFile(t, s.LogPath)
		for _, l := range []struct{ what, pattern string }{
			{"ZooKeeper", `(?i)zookeeper.*addr=` + regexp.QuoteMeta(s.ZKAddr) + `\b`},
			{"Kafka", `(?i)listening.*addr=` + regexp.QuoteMeta(s.KafkaAddr) + `\b`},
			{"HTTP", regexp.QuoteMeta("http://" + s.HTTPAddr + "/metrics")},
		} {
			if !regexp.MustCompile(l.pattern).MatchString(log) {
				t.Errorf("the log names no %s listener (want a line matching %s):\n%s", l.what, l.pattern, log)
			}
		}
	})

	var logSize float64
	t.Run("metrics", func(t *testing.T) {
		m := scrape(t, s.HTTPAddr)
		logSize = checkMetrics(t, m, topic, parts, n)
	})

	// A clean stop: exit status 0 and Kafka's clean-shutdown marker.
	s.Stop()
	if err := s.ExitErr(); err != nil {
		t.Fatalf("wharf server after SIGTERM: %v, want exit status 0", err)
	}
	t.Run("data_dir", func(t *testing.T) { checkDataDir(t, s.DataDir, topic, parts, n, logSize, kafkaUUID(created.ID)) })

	s.Restart()
	t.Run("restart", func(t *testing.T) {
		adm := kafkapeer.Kadm(t, s)
		md, err := adm.Metadata(ctxT(t), topic)
		if err != nil {
			t.Fatal(err)
		}
		td := md.Topics[topic]
		if td.Err != nil || len(td.Partitions) != parts || td.ID != created.ID {
			t.Fatalf("after restart %s: err %v, %d partitions, id %s; want %d partitions, id %s",
				topic, td.Err, len(td.Partitions), td.ID, parts, created.ID)
		}
		ends, err := adm.ListEndOffsets(ctxT(t), topic)
		if err != nil {
			t.Fatal(err)
		}
		for p := range int32(parts) {
			o, _ := ends.Lookup(topic, p)
			if o.Err != nil || o.Offset != n/parts {
				t.Errorf("end offset of %s-%d after restart: %d (%v), want %d", topic, p, o.Offset, o.Err, n/parts)
			}
		}
		sameRecords(t, "read after restart", consume(t, s, topic, parts, n), recs)
		more := produce(t, s, topic, parts, "after", parts)
		for _, r := range more {
			if r.Offset != n/parts {
				t.Errorf("first record produced to %s-%d after restart got offset %d, want %d", topic, r.Partition, r.Offset, n/parts)
			}
		}
	})
}

// checkMetrics checks the Strimzi-named families after n records of topic
// (parts partitions, the only topic) were produced with acks=all and read
// once, and returns the bytes in the topic's logs.
func checkMetrics(t *testing.T, m metrics, topic string, parts, n int) float64 {
	t.Helper()
	var logSize, leo float64
	for p := range parts {
		l := []string{"topic", topic, "partition", strconv.Itoa(p)}
		logSize += m.get(t, "kafka_log_log_size", l...)
		leo += m.get(t, "kafka_log_log_logendoffset", l...)
		if got := m.get(t, "kafka_log_log_logstartoffset", l...); got != 0 {
			t.Errorf("log start offset of %s-%d = %v, want 0", topic, p, got)
		}
	}
	if leo != float64(n) {
		t.Errorf("log end offsets of %s sum to %v, want %d", topic, leo, n)
	}
	// Batches are stored as the producer sent them, so bytes in are the
	// logs' bytes; a full read sends every byte out at least once.
	tl := []string{"topic", topic}
	for _, c := range []struct {
		name   string
		labels []string
		ok     func(v float64) bool
		want   string
	}{
		{"kafka_server_brokertopicmetrics_messagesin_total", tl, func(v float64) bool { return v == float64(n) }, fmt.Sprint(n)},
		{"kafka_server_brokertopicmetrics_messagesin_total", nil, func(v float64) bool { return v == float64(n) }, fmt.Sprint(n)},
		{"kafka_server_brokertopicmetrics_bytesin_total", tl, func(v float64) bool { return v == logSize }, fmt.Sprint(logSize, " (the log size)")},
		{"kafka_server_brokertopicmetrics_bytesin_total", nil, func(v float64) bool { return v == logSize }, fmt.Sprint(logSize)},
		{"kafka_server_brokertopicmetrics_bytesout_total", tl, func(v float64) bool { return v >= logSize }, fmt.Sprint(">= ", logSize)},
		{"kafka_server_brokertopicmetrics_totalproducerequests_total", tl, func(v float64) bool { return v >= 1 }, ">= 1"},
		{"kafka_server_brokertopicmetrics_totalfetchrequests_total", tl, func(v float64) bool { return v >= 1 }, ">= 1"},
		{"kafka_server_brokertopicmetrics_failedproducerequests_total", nil, func(v float64) bool { return v == 0 }, "0"},
		{"kafka_server_brokertopicmetrics_bytesrejected_total", nil, func(v float64) bool { return v == 0 }, "0"},
		{"kafka_server_replicamanager_partitioncount", nil, func(v float64) bool { return v == float64(parts) }, fmt.Sprint(parts)},
		{"kafka_server_replicamanager_leadercount", nil, func(v float64) bool { return v == float64(parts) }, fmt.Sprint(parts)},
		{"kafka_server_replicamanager_underreplicatedpartitions", nil, func(v float64) bool { return v == 0 }, "0"},
		{"kafka_server_replicamanager_underminisrpartitioncount", nil, func(v float64) bool { return v == 0 }, "0"},
		{"kafka_controller_kafkacontroller_activecontrollercount", nil, func(v float64) bool { return v == 1 }, "1"},
		{"kafka_controller_kafkacontroller_offlinepartitionscount", nil, func(v float64) bool { return v == 0 }, "0"},
		{"kafka_controller_kafkacontroller_globaltopiccount", nil, func(v float64) bool { return v == 1 }, "1"},
		{"kafka_controller_kafkacontroller_globalpartitioncount", nil, func(v float64) bool { return v == float64(parts) }, fmt.Sprint(parts)},
		{"kafka_log_logmanager_offlinelogdirectorycount", nil, func(v float64) bool { return v == 0 }, "0"},
		{"kafka_server_kafkaserver_brokerstate", nil, func(v float64) bool { return v == 3 }, "3 (RunningAsBroker)"},
		{"kafka_network_requestmetrics_totaltimems_count", []string{"request", "Produce"}, func(v float64) bool { return v >= 1 }, ">= 1"},
		{"kafka_network_requestmetrics_totaltimems_count", []string{"request", "FetchConsumer"}, func(v float64) bool { return v >= 1 }, ">= 1"},
		{"kafka_network_requestmetrics_totaltimems", []string{"request", "Produce", "quantile", "0.99"}, func(v float64) bool { return v >= 0 && v < 30000 }, "a latency in ms"},
		{"kafka_network_requestmetrics_requestbytes", []string{"request", "Produce", "quantile", "0.50"}, func(v float64) bool { return v > 0 }, "> 0"},
	} {
		if v := m.get(t, c.name, c.labels...); !c.ok(v) {
			t.Errorf("%s = %v, want %s", series(c.name, c.labels...), v, c.want)
		}
	}
	// Requests by API and version, errors by API and code.
	for _, api := range []string{"Produce", "Fetch", "FetchConsumer", "Metadata", "ApiVersions", "CreateTopics"} {
		if v, k := m.sum("kafka_network_requestmetrics_requests_total", "request", api); k == 0 || v < 1 {
			t.Errorf("kafka_network_requestmetrics_requests_total{request=%q} sums to %v over %d versions, want >= 1", api, v, k)
		}
	}
	if v, _ := m.sum("kafka_network_requestmetrics_errors_total", "request", "Produce", "error", "NONE"); v < 1 {
		t.Errorf(`kafka_network_requestmetrics_errors_total{error="NONE",request="Produce"} = %v, want >= 1`, v)
	}
	for _, fam := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, k := m.sum(fam); k == 0 {
			t.Errorf("/metrics lacks %s (the Go runtime and process families stand in for the JVM's)", fam)
		}
	}
	return logSize
}

// checkDataDir checks --data-dir after a clean stop: ZooKeeper's files in
// zookeeper/, Kafka's in kafka-logs/.
func checkDataDir(t *testing.T, dataDir, topic string, parts, n int, logSize float64, topicID string) {
	zkDir := filepath.Join(dataDir, "zookeeper", "version-2")
	if logs, _ := filepath.Glob(filepath.Join(zkDir, "log.*")); len(logs) == 0 {
		t.Errorf("no ZooKeeper transaction log (log.<zxid>) in %s", zkDir)
	}
	kl := filepath.Join(dataDir, "kafka-logs")
	for _, f := range []string{".kafka_cleanshutdown", "meta.properties", "recovery-point-offset-checkpoint",
		"replication-offset-checkpoint", "log-start-offset-checkpoint"} {
		if _, err := os.Stat(filepath.Join(kl, f)); err != nil {
			t.Errorf("kafka-logs after a clean stop: %v", err)
		}
	}
	meta := readFile(t, filepath.Join(kl, "meta.properties"))
	for _, want := range []string{"version=0", "broker.id=0", "cluster.id="} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want)).MatchString(meta) {
			t.Errorf("meta.properties lacks a %q line:\n%s", want, meta)
		}
	}
	// Kafka's checkpoint format: version 0, an entry count, "topic partition
	// offset" lines; after a clean stop the recovery point is the log end.
	cp := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(kl, "recovery-point-offset-checkpoint"))), "\n")
	if len(cp) != 2+parts || cp[0] != "0" || cp[1] != strconv.Itoa(parts) {
		t.Errorf("recovery-point-offset-checkpoint = %q, want version 0 and %d entries", cp, parts)
	}
	for p := range parts {
		want := fmt.Sprintf("%s %d %d", topic, p, n/parts)
		found := false
		for _, l := range cp {
			found = found || l == want
		}
		if !found {
			t.Errorf("recovery-point-offset-checkpoint lacks %q: %q", want, cp)
		}
	}
	var size int64
	for p := range parts {
		dir := filepath.Join(kl, fmt.Sprintf("%s-%d", topic, p))
		for _, f := range []string{"00000000000000000000.log", "00000000000000000000.index", "00000000000000000000.timeindex",
			"leader-epoch-checkpoint", "partition.metadata"} {
			st, err := os.Stat(filepath.Join(dir, f))
			if err != nil {
				t.Errorf("partition directory: %v", err)
				continue
			}
			if strings.HasSuffix(f, ".log") {
				size += st.Size()
			}
		}
		if pm := readFile(t, filepath.Join(dir, "partition.metadata")); pm != "version: 0\ntopic_id: "+topicID { // Kafka writes no final newline
			t.Errorf("%s/partition.metadata = %q, want version 0 and topic_id %s", dir, pm, topicID)
		}
	}
	if float64(size) != logSize {
		t.Errorf("the .log segments of %s hold %d bytes; /metrics said %v", topic, size, logSize)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
