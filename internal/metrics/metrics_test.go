package metrics

import (
	"bytes"
	"io"
	"maps"
	"math"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape serves /metrics once and returns the body and the parsed families.
func scrape(t testing.TB, r *Registry) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("content type %q", ct)
	}
	body, _ := io.ReadAll(rec.Body)
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, body)
	}
	return string(body), fams
}

// exercise touches every family: each counter, request, timer and source.
func exercise(r *Registry) {
	t := r.Topic("orders")
	t.MessagesIn(3)
	t.BytesIn(300)
	t.BytesOut(120)
	t.BytesRejected(7)
	t.ProduceRequest()
	t.FailedProduceRequest()
	t.FetchRequest()
	t.FailedFetchRequest()
	t.ProduceMessageConversion()
	t.FetchMessageConversion()
	t.NoKeyCompactedTopicRecords(1)
	t.InvalidMagicNumberRecords(1)
	t.InvalidMessageCrcRecords(1)
	t.InvalidOffsetOrSequenceRecords(1)
	r.Topic("audit").BytesIn(50)
	r.ReplicationBytesIn(11)
	r.ReplicationBytesOut(12)
	r.ReassignmentBytesIn(13)
	r.ReassignmentBytesOut(14)

	times := RequestTimes{RequestQueue: time.Millisecond, Local: 2 * time.Millisecond, Remote: 3 * time.Millisecond,
		Throttle: 0, ResponseQueue: time.Millisecond / 2, ResponseSend: time.Millisecond, Total: 7500 * time.Microsecond, RequestBytes: 1024}
	produce := r.Request(0)
	produce.Done(9, times)
	produce.Done(9, times)
	produce.Done(7, times)
	produce.Errors(0, 2)
	produce.Errors(6, 1) // NOT_LEADER_OR_FOLLOWER
	r.Request(1).Done(12, times)
	r.FetchRequest(false).Done(12, times)
	r.FetchRequest(true).Done(12, times)
	r.Request(18).Errors(35, 1) // UNSUPPORTED_VERSION

	r.IsrShrink()
	r.IsrExpand()
	r.IsrExpand()
	r.FailedIsrUpdate()
	r.UncleanLeaderElection()
	r.LeaderElection(40 * time.Millisecond)
	r.LogFlush(3 * time.Millisecond)
	r.ZooKeeperRequest(2 * time.Millisecond)

	r.SetReplicaManager(func() ReplicaManagerStats {
		return ReplicaManagerStats{PartitionCount: 6, LeaderCount: 4, UnderReplicatedPartitions: 1, UnderMinIsrPartitionCount: 1,
			AtMinIsrPartitionCount: 2, OfflineReplicaCount: 0, ReassigningPartitions: 0}
	})
	r.SetController(func() ControllerStats {
		return ControllerStats{Active: true, OfflinePartitionsCount: 1, GlobalTopicCount: 2, GlobalPartitionCount: 6}
	})
	r.SetLogs(func(yield func(LogStats) bool) {
		for p := range int32(2) {
			if !yield(LogStats{Topic: "orders", Partition: p, Size: 1000 + int64(p), NumLogSegments: 1, LogStartOffset: 0, LogEndOffset: 10}) {
				return
			}
		}
	})
	r.SetBroker(func() BrokerStats {
		return BrokerStats{BrokerState: 3, RequestQueueSize: 1, ProducePurgatorySize: 2, FetchDelayedOperations: 5, ReplicaFetcherMaxLag: 9}
	})
	r.SetIdle(func() IdleStats { return IdleStats{NetworkProcessorAvgIdle: 0.75, RequestHandlerAvgIdle: 0.5} })
}

func TestScrapeMatchesTheDocumentedTable(t *testing.T) {
	r := New(Options{})
	exercise(r)
	_, fams := scrape(t, r)

	documented := map[string]*family{}
	for _, f := range allFamilies() {
		if documented[f.name] != nil {
			t.Errorf("family %s listed twice", f.name)
		}
		documented[f.name] = f
	}
	for name, mf := range fams {
		if strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") {
			continue
		}
		f := documented[name]
		if f == nil {
			t.Errorf("undocumented family %s", name)
			continue
		}
		if got := strings.ToLower(mf.GetType().String()); got != f.typeName() {
			t.Errorf("%s: type %s, documented %s", name, got, f.typeName())
		}
		if mf.GetHelp() != f.help {
			t.Errorf("%s: help %q", name, mf.GetHelp())
		}
		for _, m := range mf.GetMetric() {
			var names []string
			for _, l := range m.GetLabel() {
				names = append(names, l.GetName())
			}
			ok := false
			for _, set := range f.labels {
				ok = ok || slices.Equal(slices.Sorted(slices.Values(set)), names)
			}
			if !ok {
				t.Errorf("%s: series with labels %v, documented %s", name, names, labelSets(f))
			}
		}
	}
	for name := range documented {
		if fams[name] == nil {
			t.Errorf("documented family %s not exported after exercising everything", name)
		}
	}
	for _, runtime := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total"} {
		if fams[runtime] == nil {
			t.Errorf("runtime family %s missing", runtime)
		}
	}
}

func TestScrapeValues(t *testing.T) {
	r := New(Options{NoRuntimeMetrics: true})
	exercise(r)
	body, _ := scrape(t, r)
	for _, line := range []string{
		// the aggregate has no label, as the JMX exporter's has no topic tag
		`kafka_server_brokertopicmetrics_bytesin_total 350`,
		`kafka_server_brokertopicmetrics_bytesin_total{topic="audit"} 50`,
		`kafka_server_brokertopicmetrics_bytesin_total{topic="orders"} 300`,
		`kafka_server_brokertopicmetrics_messagesin_total{topic="orders"} 3`,
		`kafka_server_brokertopicmetrics_failedproducerequests_total{topic="orders"} 1`,
		`kafka_server_brokertopicmetrics_replicationbytesin_total 11`,
		`kafka_network_requestmetrics_requests_total{request="Produce",version="9"} 2`,
		`kafka_network_requestmetrics_requests_total{request="Produce",version="7"} 1`,
		`kafka_network_requestmetrics_requests_total{request="FetchConsumer",version="12"} 1`,
		`kafka_network_requestmetrics_requests_total{request="FetchFollower",version="12"} 1`,
		`kafka_network_requestmetrics_errors_total{error="NONE",request="Produce"} 2`,
		`kafka_network_requestmetrics_errors_total{error="NOT_LEADER_OR_FOLLOWER",request="Produce"} 1`,
		`kafka_network_requestmetrics_errors_total{error="UNSUPPORTED_VERSION",request="ApiVersions"} 1`,
		`kafka_network_requestmetrics_totaltimems{quantile="0.50",request="Produce"} 7.5`,
		`kafka_network_requestmetrics_totaltimems{quantile="0.999",request="Produce"} 7.5`,
		`kafka_network_requestmetrics_totaltimems_count{request="Produce"} 3`,
		`kafka_network_requestmetrics_requestbytes{quantile="0.99",request="Fetch"} 1024`,
		`kafka_network_requestmetrics_throttletimems{quantile="0.50",request="Fetch"} 0`,
		`kafka_server_replicamanager_underreplicatedpartitions 1`,
		`kafka_server_replicamanager_partitioncount 6`,
		`kafka_server_replicamanager_isrexpands_total 2`,
		`kafka_controller_kafkacontroller_activecontrollercount 1`,
		`kafka_controller_kafkacontroller_offlinepartitionscount 1`,
		`kafka_controller_controllerstats_leaderelectionrateandtimems{quantile="0.99"} 40`,
		`kafka_controller_controllerstats_leaderelectionrateandtimems_count 1`,
		`kafka_log_log_size{partition="1",topic="orders"} 1001`,
		`kafka_log_log_logendoffset{partition="0",topic="orders"} 10`,
		`kafka_server_delayedoperationpurgatory_purgatorysize{delayedOperation="Produce"} 2`,
		`kafka_server_delayedoperationpurgatory_numdelayedoperations{delayedOperation="Fetch"} 5`,
		`kafka_server_replicafetchermanager_maxlag{clientId="Replica"} 9`,
		`kafka_server_kafkaserver_brokerstate 3`,
		`kafka_network_socketserver_networkprocessoravgidle_percent 0.75`,
		`kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent 0.5`,
		`# TYPE kafka_server_brokertopicmetrics_bytesin_total counter`,
		`# TYPE kafka_network_requestmetrics_totaltimems gauge`,
		`# TYPE kafka_network_requestmetrics_totaltimems_count counter`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("missing line %q", line)
		}
	}
	// a topic meter that was never marked has no series (Kafka's lazy meters)
	if strings.Contains(body, `kafka_server_brokertopicmetrics_bytesout_total{topic="audit"}`) {
		t.Error("an unmarked per-topic meter is exported")
	}
	if strings.Contains(body, "go_goroutines") {
		t.Error("runtime metrics exported with NoRuntimeMetrics")
	}
}

func TestFreshRegistryExportsOnlyTheAggregates(t *testing.T) {
	r := New(Options{NoRuntimeMetrics: true})
	_, fams := scrape(t, r)
	var names []string
	for name := range maps.Keys(fams) {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		mf := fams[name]
		isTopic := strings.HasPrefix(name, "kafka_server_brokertopicmetrics_")
		isTimer := strings.Contains(name, "leaderelection") || strings.Contains(name, "logflush") ||
			strings.Contains(name, "zookeeperrequest") || strings.Contains(name, "replicamanager_") || strings.Contains(name, "uncleanleader")
		if !isTopic && !isTimer {
			t.Errorf("unexpected family %s on a fresh registry", name)
		}
		for _, m := range mf.GetMetric() {
			if isTopic && len(m.GetLabel()) != 0 {
				t.Errorf("%s: per-topic series on a fresh registry", name)
			}
		}
	}
	if fams["kafka_controller_kafkacontroller_activecontrollercount"] != nil {
		t.Error("a gauge without its source is exported")
	}
}

func TestRemoveTopicDropsItsSeries(t *testing.T) {
	r := New(Options{NoRuntimeMetrics: true})
	held := r.Topic("gone")
	held.BytesIn(10)
	r.RemoveTopic("gone")
	held.BytesIn(5) // a stale holder still counts into the aggregate
	body, _ := scrape(t, r)
	if strings.Contains(body, `topic="gone"`) {
		t.Error("removed topic still exported")
	}
	if !strings.Contains(body, "kafka_server_brokertopicmetrics_bytesin_total 15\n") {
		t.Errorf("aggregate lost counts:\n%s", body)
	}
	if r.Topic("gone") == held {
		t.Error("a removed topic's meters are reused")
	}
}

func TestPanickingSourceCostsOnlyItsSeries(t *testing.T) {
	r := New(Options{NoRuntimeMetrics: true})
	r.SetController(func() ControllerStats { panic("controller bug") })
	r.SetReplicaManager(func() ReplicaManagerStats { return ReplicaManagerStats{LeaderCount: 2} })
	body, _ := scrape(t, r)
	if !strings.Contains(body, "kafka_server_replicamanager_leadercount 2\n") {
		t.Errorf("scrape lost other series:\n%s", body)
	}
	if strings.Contains(body, "activecontrollercount") {
		t.Error("panicking source exported something")
	}
}

func TestOutOfRangeVersionsAndErrorCodes(t *testing.T) {
	r := New(Options{NoRuntimeMetrics: true})
	q := r.Request(999) // unknown API key
	q.Done(-3, RequestTimes{})
	q.Done(400, RequestTimes{})
	q.Errors(-2000, 1)
	q.Errors(9999, 2)
	body, _ := scrape(t, r)
	for _, line := range []string{
		`kafka_network_requestmetrics_requests_total{request="Unknown",version="-3"} 1`,
		`kafka_network_requestmetrics_requests_total{request="Unknown",version="400"} 1`,
		`kafka_network_requestmetrics_errors_total{error="UNKNOWN_SERVER_ERROR",request="Unknown"} 3`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("missing %q", line)
		}
	}
}

func TestPercentilesTrackTheSamples(t *testing.T) {
	r := New(Options{NoRuntimeMetrics: true})
	for i := 1; i <= 1000; i++ {
		r.LogFlush(time.Duration(i) * time.Millisecond)
	}
	_, fams := scrape(t, r)
	got := map[string]float64{}
	for _, m := range fams["kafka_log_logflushstats_logflushrateandtimems"].GetMetric() {
		got[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
	}
	for q, want := range map[string]float64{"0.50": 500, "0.75": 750, "0.95": 950, "0.98": 980, "0.99": 990, "0.999": 999} {
		tol := want * 0.07 // the mean of a bucket 12.5% wide
		if math.Abs(got[q]-want) > tol {
			t.Errorf("quantile %s = %v, want %v ± %v", q, got[q], want, tol)
		}
	}
	if c := fams["kafka_log_logflushstats_logflushrateandtimems_count"].GetMetric()[0].GetCounter().GetValue(); c != 1000 {
		t.Errorf("count %v", c)
	}
}

func TestConcurrentCountingAndScraping(t *testing.T) {
	r := New(Options{NoRuntimeMetrics: true})
	const workers, each = 4, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			topic := r.Topic([]string{"a", "b"}[w%2])
			req := r.Request(0)
			for i := range each {
				topic.BytesIn(1)
				if i%100 == 0 {
					req.Done(9, RequestTimes{Total: time.Millisecond})
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 5 {
			scrape(t, r)
		}
	}()
	wg.Wait()
	<-done
	body, _ := scrape(t, r)
	if !strings.Contains(body, "kafka_server_brokertopicmetrics_bytesin_total 8000\n") ||
		!strings.Contains(body, `kafka_server_brokertopicmetrics_bytesin_total{topic="a"} 4000`+"\n") ||
		!strings.Contains(body, `kafka_network_requestmetrics_totaltimems_count{request="Produce"} 80`+"\n") {
		t.Errorf("lost counts:\n%s", body)
	}
}

func TestRegistriesAreIndependent(t *testing.T) {
	a, b := New(Options{NoRuntimeMetrics: true}), New(Options{NoRuntimeMetrics: true})
	a.Topic("t").BytesIn(1)
	if body, _ := scrape(t, b); strings.Contains(body, `topic="t"`) {
		t.Error("registries share state")
	}
}

func BenchmarkTopicBytesIn(b *testing.B) {
	t := New(Options{NoRuntimeMetrics: true}).Topic("bench")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t.BytesIn(100)
		}
	})
}

func BenchmarkRequestDone(b *testing.B) {
	q := New(Options{NoRuntimeMetrics: true}).Request(0)
	times := RequestTimes{Total: time.Millisecond, Local: time.Millisecond / 2}
	b.ReportAllocs()
	for b.Loop() {
		q.Done(9, times)
	}
}

func BenchmarkScrape10kPartitions(b *testing.B) {
	r := New(Options{NoRuntimeMetrics: true})
	r.SetLogs(func(yield func(LogStats) bool) {
		for p := range int32(10000) {
			if !yield(LogStats{Topic: "t", Partition: p}) {
				return
			}
		}
	})
	for b.Loop() {
		scrape(b, r)
	}
}
