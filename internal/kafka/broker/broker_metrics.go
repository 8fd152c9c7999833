package broker

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/replica"
	"github.com/wharf-project/wharf/internal/metrics"
)

// networkStats is the network server's Metrics on a metrics.Registry:
// each request's phases go to Kafka's RequestMetrics of its API (Fetch
// also to FetchConsumer), the error codes of its response to ErrorsPerSec,
// and the connections to the socket-server-metrics gauges.
//
// The server runs a request's handler on the connection's reading
// goroutine as soon as the request is read, so RequestQueueTimeMs is 0;
// LocalTimeMs runs to the handler's return, RemoteTimeMs to the reply
// (a delayed produce or fetch), ResponseSendTimeMs from there to the last
// byte written (the response queue and the write are one step).
type networkStats struct {
	reg      *metrics.Registry
	requests [kmsg.MaxKey + 1]atomic.Pointer[metrics.Request]
	consumer *metrics.Request // FetchConsumer

	mu        sync.Mutex
	listeners map[string]*listenerStats
}

type listenerStats struct {
	open, created, rejected atomic.Int64
}

var (
	connectionCountDesc = prometheus.NewDesc("kafka_server_socket_server_metrics_connection_count",
		"Open client connections, by listener (kafka.server:type=socket-server-metrics,listener=L connection-count).",
		[]string{"listener"}, nil)
	connectionCreationDesc = prometheus.NewDesc("kafka_server_socket_server_metrics_connection_creation_total",
		"Client connections accepted, by listener (kafka.server:type=socket-server-metrics,listener=L connection-creation-total).",
		[]string{"listener"}, nil)
	connectionRejectedDesc = prometheus.NewDesc("kafka_server_socket_server_metrics_connection_rejected_total",
		"Client connections refused by max.connections.per.ip, by listener.",
		[]string{"listener"}, nil)
)

func newNetworkStats(reg *metrics.Registry) *networkStats {
	n := &networkStats{reg: reg, consumer: reg.FetchRequest(false), listeners: map[string]*listenerStats{}}
	reg.Prometheus().MustRegister(connectionCollector{n})
	return n
}

// register looks up every API the registry serves, so that their series
// exist from the start, as Kafka's do.
func (n *networkStats) register(r *Registry) {
	for _, v := range r.Versions() {
		n.request(v.ApiKey)
	}
}

func (n *networkStats) request(key int16) *metrics.Request {
	if q := n.requests[key].Load(); q != nil {
		return q
	}
	q := n.reg.Request(key)
	n.requests[key].Store(q)
	return q
}

func (n *networkStats) listener(name string) *listenerStats {
	n.mu.Lock()
	defer n.mu.Unlock()
	l := n.listeners[name]
	if l == nil {
		l = &listenerStats{}
		n.listeners[name] = l
	}
	return l
}

func (n *networkStats) ConnectionOpened(l string) {
	s := n.listener(l)
	s.open.Add(1)
	s.created.Add(1)
}
func (n *networkStats) ConnectionClosed(l string)   { n.listener(l).open.Add(-1) }
func (n *networkStats) ConnectionRejected(l string) { n.listener(l).rejected.Add(1) }

func (n *networkStats) RequestDone(s *RequestStats) {
	if s.Key < 0 || s.Key > kmsg.MaxKey || s.Received.IsZero() {
		return // no header: Kafka never saw a request either
	}
	t := metrics.RequestTimes{RequestBytes: s.BytesIn}
	if !s.Handled.IsZero() {
		t.Local = s.Handled.Sub(s.Received)
	}
	if !s.Completed.IsZero() && !s.Handled.IsZero() {
		t.Remote = s.Completed.Sub(s.Handled)
	}
	if !s.Sent.IsZero() {
		t.Total = s.Sent.Sub(s.Received)
		if !s.Completed.IsZero() {
			t.ResponseSend = s.Sent.Sub(s.Completed)
		}
	}
	qs := []*metrics.Request{n.request(s.Key)}
	if s.Key == 1 { // Fetch; followers do not fetch from this broker yet
		qs = append(qs, n.consumer)
	}
	for _, q := range qs {
		q.Done(s.Version, t)
	}
	if s.Response != nil {
		ErrorCodes(s.Response, func(code int16) {
			for _, q := range qs {
				q.Errors(code, 1)
			}
		})
	}
}

// connectionCollector exports the per-listener connection counts.
type connectionCollector struct{ n *networkStats }

func (connectionCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- connectionCountDesc
	ch <- connectionCreationDesc
	ch <- connectionRejectedDesc
}

func (c connectionCollector) Collect(ch chan<- prometheus.Metric) {
	c.n.mu.Lock()
	defer c.n.mu.Unlock()
	for name, l := range c.n.listeners {
		ch <- prometheus.MustNewConstMetric(connectionCountDesc, prometheus.GaugeValue, float64(l.open.Load()), name)
		ch <- prometheus.MustNewConstMetric(connectionCreationDesc, prometheus.CounterValue, float64(l.created.Load()), name)
		ch <- prometheus.MustNewConstMetric(connectionRejectedDesc, prometheus.CounterValue, float64(l.rejected.Load()), name)
	}
}

// installMetrics installs the scrape-time sources: the replica manager's
// gauges (from its partitions), the controller's, the logs', the
// broker's.
func (b *Broker) installMetrics() {
	b.netStats.register(b.registry)
	b.Metrics.SetReplicaManager(b.replicaStats)
	b.Metrics.SetController(func() metrics.ControllerStats {
		s := b.Controller.Stats()
		if !b.Controller.IsActive() {
			return metrics.ControllerStats{}
		}
		return metrics.ControllerStats{Active: true, OfflinePartitionsCount: s.OfflinePartitions,
			PreferredReplicaImbalanceCount: s.PreferredReplicaImbalance, GlobalTopicCount: s.GlobalTopics,
			GlobalPartitionCount: s.GlobalPartitions, TopicsToDeleteCount: s.TopicsToDelete,
			ReplicasToDeleteCount: s.ReplicasToDelete}
	})
	b.Metrics.SetLogs(b.logStats)
	b.Metrics.SetBroker(func() metrics.BrokerStats {
		return metrics.BrokerStats{BrokerState: int(b.state.Load()),
			OfflineLogDirectoryCount: len(b.Logs.Failures().Offline())}
	})
}

// replicaStats counts the hosted partitions as ReplicaManager's gauges do.
func (b *Broker) replicaStats() metrics.ReplicaManagerStats {
	var s metrics.ReplicaManagerStats
	for _, tp := range b.Replicas.Partitions() {
		p, ok := b.Replicas.Partition(tp)
		if !ok {
			continue
		}
		s.PartitionCount++
		if b.Logs.IsOffline(tp) {
			s.OfflineReplicaCount++
			continue
		}
		st := p.State()
		if st.Role != replica.RoleLeader {
			continue
		}
		s.LeaderCount++
		if len(st.ISR) < len(st.Replicas) {
			s.UnderReplicatedPartitions++
		}
		switch minISR := b.minInsyncReplicas(tp.Topic); {
		case len(st.ISR) < minISR:
			s.UnderMinIsrPartitionCount++
		case len(st.ISR) == minISR:
			s.AtMinIsrPartitionCount++
		}
	}
	return s
}

// logStats is the sequence of the local logs' gauges.
func (b *Broker) logStats(yield func(metrics.LogStats) bool) {
	for _, l := range b.Logs.AllLogs() {
		tp := l.TopicPartition()
		if !yield(metrics.LogStats{Topic: tp.Topic, Partition: tp.Partition, Size: l.Size(),
			NumLogSegments: l.NumSegments(), LogStartOffset: l.LogStartOffset(), LogEndOffset: l.LogEndOffset()}) {
			return
		}
	}
}
