package metrics

import (
	"iter"
	"strconv"
	"sync"
)

// ReplicaManagerStats are the kafka.server:type=ReplicaManager gauges.
type ReplicaManagerStats struct {
	PartitionCount            int
	LeaderCount               int
	UnderReplicatedPartitions int
	UnderMinIsrPartitionCount int
	AtMinIsrPartitionCount    int
	OfflineReplicaCount       int
	ReassigningPartitions     int
}

// ControllerStats are the kafka.controller:type=KafkaController gauges.
// Kafka reports the counts on the active controller only (0 elsewhere);
// the source should do the same.
type ControllerStats struct {
	Active                         bool // ActiveControllerCount 1 or 0
	OfflinePartitionsCount         int
	PreferredReplicaImbalanceCount int
	GlobalTopicCount               int
	GlobalPartitionCount           int
	TopicsToDeleteCount            int
	ReplicasToDeleteCount          int
}

// LogStats are the kafka.log:type=Log gauges of one partition's local log.
type LogStats struct {
	Topic          string
	Partition      int32
	Size           int64
	NumLogSegments int
	LogStartOffset int64
	LogEndOffset   int64
}

// BrokerStats are gauges of the broker process as a whole.
type BrokerStats struct {
	BrokerState              int // KafkaServer BrokerState: 3 running
	RequestQueueSize         int
	ResponseQueueSize        int
	OfflineLogDirectoryCount int
	ProducePurgatorySize     int // PurgatorySize{delayedOperation="Produce"}
	FetchPurgatorySize       int
	ProduceDelayedOperations int // NumDelayedOperations{delayedOperation="Produce"}
	FetchDelayedOperations   int
	ReplicaFetcherMaxLag     int64 // ReplicaFetcherManager MaxLag{clientId="Replica"}
}

// IdleStats are the idle fractions (0 to 1) of the network threads and of
// the request handlers. They are a source of their own so that a broker
// without such pools exports nothing rather than a 0 that trips alerts.
type IdleStats struct {
	NetworkProcessorAvgIdle float64
	RequestHandlerAvgIdle   float64
}

// sources are the functions read at scrape time. Each is called once per
// scrape, from the scraping goroutine, and must not block for long.
type sources struct {
	mu         sync.RWMutex
	replicas   func() ReplicaManagerStats
	controller func() ControllerStats
	logs       iter.Seq[LogStats]
	broker     func() BrokerStats
	idle       func() IdleStats
}

// SetReplicaManager installs the source of the ReplicaManager gauges.
func (r *Registry) SetReplicaManager(fn func() ReplicaManagerStats) {
	r.sources.mu.Lock()
	r.sources.replicas = fn
	r.sources.mu.Unlock()
}

// SetController installs the source of the KafkaController gauges.
func (r *Registry) SetController(fn func() ControllerStats) {
	r.sources.mu.Lock()
	r.sources.controller = fn
	r.sources.mu.Unlock()
}

// SetLogs installs the source of the per-partition log gauges: a sequence
// of the local logs, read once per scrape.
func (r *Registry) SetLogs(logs iter.Seq[LogStats]) {
	r.sources.mu.Lock()
	r.sources.logs = logs
	r.sources.mu.Unlock()
}

// SetBroker installs the source of the broker-wide gauges.
func (r *Registry) SetBroker(fn func() BrokerStats) {
	r.sources.mu.Lock()
	r.sources.broker = fn
	r.sources.mu.Unlock()
}

// SetIdle installs the source of the idle-fraction gauges.
func (r *Registry) SetIdle(fn func() IdleStats) {
	r.sources.mu.Lock()
	r.sources.idle = fn
	r.sources.mu.Unlock()
}

func (r *Registry) collectSources(e *emitter) {
	r.sources.mu.RLock()
	s := &r.sources
	replicas, controller, logs, broker, idle := s.replicas, s.controller, s.logs, s.broker, s.idle
	r.sources.mu.RUnlock()
	if replicas != nil {
		r.guard("ReplicaManager", func() {
			st := replicas()
			e.value(partitionCount, float64(st.PartitionCount))
			e.value(leaderCount, float64(st.LeaderCount))
			e.value(underReplicated, float64(st.UnderReplicatedPartitions))
			e.value(underMinIsr, float64(st.UnderMinIsrPartitionCount))
			e.value(atMinIsr, float64(st.AtMinIsrPartitionCount))
			e.value(offlineReplicas, float64(st.OfflineReplicaCount))
			e.value(reassigning, float64(st.ReassigningPartitions))
		})
	}
	if controller != nil {
		r.guard("KafkaController", func() {
			st := controller()
			active := 0.0
			if st.Active {
				active = 1
			}
			e.value(activeController, active)
			e.value(offlinePartitions, float64(st.OfflinePartitionsCount))
			e.value(preferredImbalance, float64(st.PreferredReplicaImbalanceCount))
			e.value(globalTopics, float64(st.GlobalTopicCount))
			e.value(globalPartitions, float64(st.GlobalPartitionCount))
			e.value(topicsToDelete, float64(st.TopicsToDeleteCount))
			e.value(replicasToDelete, float64(st.ReplicasToDeleteCount))
		})
	}
	if logs != nil {
		r.guard("Log", func() {
			for l := range logs {
				p := strconv.Itoa(int(l.Partition))
				e.value(logSize, float64(l.Size), "topic", l.Topic, "partition", p)
				e.value(logSegments, float64(l.NumLogSegments), "topic", l.Topic, "partition", p)
				e.value(logStartOffset, float64(l.LogStartOffset), "topic", l.Topic, "partition", p)
				e.value(logEndOffset, float64(l.LogEndOffset), "topic", l.Topic, "partition", p)
			}
		})
	}
	if broker != nil {
		r.guard("broker", func() {
			st := broker()
			e.value(brokerState, float64(st.BrokerState))
			e.value(requestQueueSize, float64(st.RequestQueueSize))
			e.value(responseQueueSize, float64(st.ResponseQueueSize))
			e.value(offlineLogDirs, float64(st.OfflineLogDirectoryCount))
			e.value(purgatorySize, float64(st.ProducePurgatorySize), "delayedOperation", "Produce")
			e.value(purgatorySize, float64(st.FetchPurgatorySize), "delayedOperation", "Fetch")
			e.value(delayedOperations, float64(st.ProduceDelayedOperations), "delayedOperation", "Produce")
			e.value(delayedOperations, float64(st.FetchDelayedOperations), "delayedOperation", "Fetch")
			e.value(replicaMaxLag, float64(st.ReplicaFetcherMaxLag), "clientId", "Replica")
		})
	}
	if idle != nil {
		r.guard("idle", func() {
			st := idle()
			e.value(networkIdle, st.NetworkProcessorAvgIdle)
			e.value(handlerIdle, st.RequestHandlerAvgIdle)
		})
	}
}

// guard runs a source, so that a panicking source costs its own series
// and not the scrape or the broker.
func (r *Registry) guard(what string, fn func()) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("metrics: scrape source panicked", "source", what, "panic", p)
		}
	}()
	fn()
}
