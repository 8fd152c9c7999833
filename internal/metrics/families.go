package metrics

import "github.com/prometheus/client_golang/prometheus"

// family is one metric family of the exposition: the name the JMX exporter
// gives the Kafka MBean it mirrors under Strimzi's rules, and the label
// sets its series may carry. doc.go tabulates this list; a test keeps the
// two, and the scraped output, in agreement.
type family struct {
	name   string
	labels [][]string // the label sets a series may have; nil means one set, no labels
	typ    prometheus.ValueType
	mbean  string
	help   string
}

// typeName is the # TYPE word of the text exposition.
func (f *family) typeName() string {
	if f.typ == prometheus.CounterValue {
		return "counter"
	}
	return "gauge"
}

var (
	noLabels      = [][]string{nil}
	topicLabels   = [][]string{nil, {"topic"}} // the all-topics aggregate and the per-topic series
	requestLabels = [][]string{{"request"}}
	quantileOnly  = [][]string{{"quantile"}}
)

// topicCounter indexes the BrokerTopicMetrics meters.
type topicCounter int

const (
	messagesIn topicCounter = iota
	bytesIn
	bytesOut
	bytesRejected
	totalProduceRequests
	failedProduceRequests
	totalFetchRequests
	failedFetchRequests
	produceMessageConversions
	fetchMessageConversions
	noKeyCompactedTopicRecords
	invalidMagicNumberRecords
	invalidMessageCrcRecords
	invalidOffsetOrSequenceRecords
	replicationBytesIn
	replicationBytesOut
	reassignmentBytesIn
	reassignmentBytesOut
	numTopicCounters
)

// numPerTopic: the meters from replicationBytesIn on exist only for all
// topics together, as in Kafka.
const numPerTopic = replicationBytesIn

func btm(name, mbean, help string, labels [][]string) *family {
	mb := "kafka.server:type=BrokerTopicMetrics,name=" + mbean
	if len(labels) > 1 {
		mb += "[,topic=T]"
	}
	return &family{name: "kafka_server_brokertopicmetrics_" + name + "_total", labels: labels, typ: prometheus.CounterValue, mbean: mb, help: help}
}

// topicFamilies are indexed by topicCounter.
var topicFamilies = [numTopicCounters]*family{
	messagesIn:                     btm("messagesin", "MessagesInPerSec", "Records appended to the logs this broker leads.", topicLabels),
	bytesIn:                        btm("bytesin", "BytesInPerSec", "Bytes of client produce requests appended by this broker as leader.", topicLabels),
	bytesOut:                       btm("bytesout", "BytesOutPerSec", "Bytes of records sent in fetch responses, to consumers and followers.", topicLabels),
	bytesRejected:                  btm("bytesrejected", "BytesRejectedPerSec", "Bytes of produce requests rejected (too large, invalid records).", topicLabels),
	totalProduceRequests:           btm("totalproducerequests", "TotalProduceRequestsPerSec", "Produce requests, counted once per topic they write to.", topicLabels),
	failedProduceRequests:          btm("failedproducerequests", "FailedProduceRequestsPerSec", "Produce requests that failed for a topic.", topicLabels),
	totalFetchRequests:             btm("totalfetchrequests", "TotalFetchRequestsPerSec", "Fetch requests, counted once per topic they read.", topicLabels),
	failedFetchRequests:            btm("failedfetchrequests", "FailedFetchRequestsPerSec", "Fetch requests that failed for a topic.", topicLabels),
	produceMessageConversions:      btm("producemessageconversions", "ProduceMessageConversionsPerSec", "Produce requests whose records were converted to another message format.", topicLabels),
	fetchMessageConversions:        btm("fetchmessageconversions", "FetchMessageConversionsPerSec", "Fetch requests whose records were converted to an older message format.", topicLabels),
	noKeyCompactedTopicRecords:     btm("nokeycompactedtopicrecords", "NoKeyCompactedTopicRecordsPerSec", "Records without a key rejected by a compacted topic.", topicLabels),
	invalidMagicNumberRecords:      btm("invalidmagicnumberrecords", "InvalidMagicNumberRecordsPerSec", "Records rejected for an invalid magic number.", topicLabels),
	invalidMessageCrcRecords:       btm("invalidmessagecrcrecords", "InvalidMessageCrcRecordsPerSec", "Records rejected for a CRC mismatch.", topicLabels),
	invalidOffsetOrSequenceRecords: btm("invalidoffsetorsequencerecords", "InvalidOffsetOrSequenceRecordsPerSec", "Records rejected for invalid offsets or sequence numbers.", topicLabels),
	replicationBytesIn:             btm("replicationbytesin", "ReplicationBytesInPerSec", "Bytes this broker fetched as a follower.", noLabels),
	replicationBytesOut:            btm("replicationbytesout", "ReplicationBytesOutPerSec", "Bytes this broker sent to followers.", noLabels),
	reassignmentBytesIn:            btm("reassignmentbytesin", "ReassignmentBytesInPerSec", "Bytes fetched as a follower for partitions being reassigned.", noLabels),
	reassignmentBytesOut:           btm("reassignmentbytesout", "ReassignmentBytesOutPerSec", "Bytes sent to followers of partitions being reassigned.", noLabels),
}

// requestPhase indexes the RequestMetrics histograms.
type requestPhase int

const (
	totalTime requestPhase = iota
	requestQueueTime
	localTime
	remoteTime
	throttleTime
	responseQueueTime
	responseSendTime
	requestBytes
	numPhases
)

// A Kafka histogram becomes two families: the percentiles (a gauge with a
// quantile label) and the sample count (a _count counter). Kafka's
// histograms have no sum, and Strimzi's rules export none.
type histogramFamilies struct{ quantiles, count *family }

func histogram(prefix, mbeanPrefix, name, mbeanName, help string, labels []string) histogramFamilies {
	q := append(append([]string(nil), labels...), "quantile")
	mb := mbeanPrefix + ",name=" + mbeanName
	for _, l := range labels {
		mb += "," + l + "=X"
	}
	return histogramFamilies{
		quantiles: &family{name: prefix + name, labels: [][]string{q}, typ: prometheus.GaugeValue, mbean: mb, help: help + " Percentiles over the last 150 to 300 seconds."},
		count:     &family{name: prefix + name + "_count", labels: [][]string{labels}, typ: prometheus.CounterValue, mbean: mb, help: help + " Samples recorded."},
	}
}

func requestHistogram(name, mbean, help string) histogramFamilies {
	return histogram("kafka_network_requestmetrics_", "kafka.network:type=RequestMetrics", name, mbean, help, []string{"request"})
}

// phaseFamilies are indexed by requestPhase.
var phaseFamilies = [numPhases]histogramFamilies{
	totalTime:         requestHistogram("totaltimems", "TotalTimeMs", "Milliseconds from receiving a request to sending its response."),
	requestQueueTime:  requestHistogram("requestqueuetimems", "RequestQueueTimeMs", "Milliseconds a request waited before a handler took it."),
	localTime:         requestHistogram("localtimems", "LocalTimeMs", "Milliseconds a handler worked on a request."),
	remoteTime:        requestHistogram("remotetimems", "RemoteTimeMs", "Milliseconds a request waited in purgatory (acks=all, fetch.min.bytes)."),
	throttleTime:      requestHistogram("throttletimems", "ThrottleTimeMs", "Milliseconds a response was held back by quotas."),
	responseQueueTime: requestHistogram("responsequeuetimems", "ResponseQueueTimeMs", "Milliseconds a response waited to be sent."),
	responseSendTime:  requestHistogram("responsesendtimems", "ResponseSendTimeMs", "Milliseconds spent sending a response."),
	requestBytes:      requestHistogram("requestbytes", "RequestBytes", "Request sizes in bytes."),
}

var (
	requestsFamily = &family{name: "kafka_network_requestmetrics_requests_total", labels: [][]string{{"request", "version"}}, typ: prometheus.CounterValue,
		mbean: "kafka.network:type=RequestMetrics,name=RequestsPerSec,request=X,version=V", help: "Requests received, by API and version (Fetch also as FetchConsumer or FetchFollower)."}
	errorsFamily = &family{name: "kafka_network_requestmetrics_errors_total", labels: [][]string{{"request", "error"}}, typ: prometheus.CounterValue,
		mbean: "kafka.network:type=RequestMetrics,name=ErrorsPerSec,request=X,error=E", help: "Error codes in responses, by API and error name (NONE included)."}
)

func gauge(name, mbean, help string) *family {
	return &family{name: name, labels: noLabels, typ: prometheus.GaugeValue, mbean: mbean, help: help}
}

func counter(name, mbean, help string) *family {
	return &family{name: name, labels: noLabels, typ: prometheus.CounterValue, mbean: mbean, help: help}
}

// Network and request-handling gauges (BrokerStats, IdleStats).
var (
	requestQueueSize  = gauge("kafka_network_requestchannel_requestqueuesize", "kafka.network:type=RequestChannel,name=RequestQueueSize", "Requests received and not yet taken by a handler.")
	responseQueueSize = gauge("kafka_network_requestchannel_responsequeuesize", "kafka.network:type=RequestChannel,name=ResponseQueueSize", "Responses ready and not yet sent.")
	networkIdle       = gauge("kafka_network_socketserver_networkprocessoravgidle_percent", "kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent", "Fraction of time the network threads were idle (0 to 1).")
	handlerIdle       = gauge("kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent", "kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent", "Fraction of time the request handlers were idle (0 to 1).")
	brokerState       = gauge("kafka_server_kafkaserver_brokerstate", "kafka.server:type=KafkaServer,name=BrokerState", "Broker state: 0 not running, 1 starting, 2 recovering from unclean shutdown, 3 running, 6 pending controlled shutdown, 7 shutting down.")
	purgatorySize     = &family{name: "kafka_server_delayedoperationpurgatory_purgatorysize", labels: [][]string{{"delayedOperation"}}, typ: prometheus.GaugeValue,
		mbean: "kafka.server:type=DelayedOperationPurgatory,name=PurgatorySize,delayedOperation=Produce|Fetch", help: "Requests waiting in purgatory, including completed ones not yet purged."}
	delayedOperations = &family{name: "kafka_server_delayedoperationpurgatory_numdelayedoperations", labels: [][]string{{"delayedOperation"}}, typ: prometheus.GaugeValue,
		mbean: "kafka.server:type=DelayedOperationPurgatory,name=NumDelayedOperations,delayedOperation=Produce|Fetch", help: "Requests waiting in purgatory."}
	replicaMaxLag = &family{name: "kafka_server_replicafetchermanager_maxlag", labels: [][]string{{"clientId"}}, typ: prometheus.GaugeValue,
		mbean: "kafka.server:type=ReplicaFetcherManager,name=MaxLag,clientId=Replica", help: "Largest number of messages a follower partition of this broker is behind its leader."}
)

// ReplicaManager, controller and log-manager gauges and counters.
var (
	partitionCount     = gauge("kafka_server_replicamanager_partitioncount", "kafka.server:type=ReplicaManager,name=PartitionCount", "Partitions with a replica on this broker.")
	leaderCount        = gauge("kafka_server_replicamanager_leadercount", "kafka.server:type=ReplicaManager,name=LeaderCount", "Partitions this broker leads.")
	underReplicated    = gauge("kafka_server_replicamanager_underreplicatedpartitions", "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions", "Partitions led here whose ISR is smaller than their replica set.")
	underMinIsr        = gauge("kafka_server_replicamanager_underminisrpartitioncount", "kafka.server:type=ReplicaManager,name=UnderMinIsrPartitionCount", "Partitions led here whose ISR is smaller than min.insync.replicas.")
	atMinIsr           = gauge("kafka_server_replicamanager_atminisrpartitioncount", "kafka.server:type=ReplicaManager,name=AtMinIsrPartitionCount", "Partitions led here whose ISR size equals min.insync.replicas.")
	offlineReplicas    = gauge("kafka_server_replicamanager_offlinereplicacount", "kafka.server:type=ReplicaManager,name=OfflineReplicaCount", "Replicas on this broker in an offline log directory.")
	reassigning        = gauge("kafka_server_replicamanager_reassigningpartitions", "kafka.server:type=ReplicaManager,name=ReassigningPartitions", "Partitions led here that are being reassigned.")
	isrShrinks         = counter("kafka_server_replicamanager_isrshrinks_total", "kafka.server:type=ReplicaManager,name=IsrShrinksPerSec", "Times a partition led here shrank its ISR.")
	isrExpands         = counter("kafka_server_replicamanager_isrexpands_total", "kafka.server:type=ReplicaManager,name=IsrExpandsPerSec", "Times a partition led here expanded its ISR.")
	failedIsrUpdates   = counter("kafka_server_replicamanager_failedisrupdates_total", "kafka.server:type=ReplicaManager,name=FailedIsrUpdatesPerSec", "ISR updates that failed (a stale zkVersion or controller epoch).")
	activeController   = gauge("kafka_controller_kafkacontroller_activecontrollercount", "kafka.controller:type=KafkaController,name=ActiveControllerCount", "1 on the broker that is the controller, 0 elsewhere; the cluster's sum must be 1.")
	offlinePartitions  = gauge("kafka_controller_kafkacontroller_offlinepartitionscount", "kafka.controller:type=KafkaController,name=OfflinePartitionsCount", "Partitions without a live leader (reported by the controller only).")
	preferredImbalance = gauge("kafka_controller_kafkacontroller_preferredreplicaimbalancecount", "kafka.controller:type=KafkaController,name=PreferredReplicaImbalanceCount", "Partitions whose leader is not their preferred replica (controller only).")
	globalTopics       = gauge("kafka_controller_kafkacontroller_globaltopiccount", "kafka.controller:type=KafkaController,name=GlobalTopicCount", "Topics in the cluster (controller only).")
	globalPartitions   = gauge("kafka_controller_kafkacontroller_globalpartitioncount", "kafka.controller:type=KafkaController,name=GlobalPartitionCount", "Partitions in the cluster (controller only).")
	topicsToDelete     = gauge("kafka_controller_kafkacontroller_topicstodeletecount", "kafka.controller:type=KafkaController,name=TopicsToDeleteCount", "Topics queued for deletion (controller only).")
	replicasToDelete   = gauge("kafka_controller_kafkacontroller_replicastodeletecount", "kafka.controller:type=KafkaController,name=ReplicasToDeleteCount", "Replicas queued for deletion (controller only).")
	uncleanElections   = counter("kafka_controller_controllerstats_uncleanleaderelections_total", "kafka.controller:type=ControllerStats,name=UncleanLeaderElectionsPerSec", "Leaders elected from outside the ISR.")
	leaderElections    = histogram("kafka_controller_controllerstats_", "kafka.controller:type=ControllerStats", "leaderelectionrateandtimems", "LeaderElectionRateAndTimeMs", "Milliseconds leader elections took.", nil)
	offlineLogDirs     = gauge("kafka_log_logmanager_offlinelogdirectorycount", "kafka.log:type=LogManager,name=OfflineLogDirectoryCount", "Log directories taken offline after an I/O error.")
	logFlushes         = histogram("kafka_log_logflushstats_", "kafka.log:type=LogFlushStats", "logflushrateandtimems", "LogFlushRateAndTimeMs", "Milliseconds log flushes (fsync) took.", nil)
	zkRequests         = histogram("kafka_server_zookeeperclientmetrics_", "kafka.server:type=ZooKeeperClientMetrics", "zookeeperrequestlatencyms", "ZooKeeperRequestLatencyMs", "Milliseconds ZooKeeper requests of this broker took.", nil)
)

// Per-partition log gauges (LogStats).
var (
	logLabels      = [][]string{{"topic", "partition"}}
	logSize        = &family{name: "kafka_log_log_size", labels: logLabels, typ: prometheus.GaugeValue, mbean: "kafka.log:type=Log,name=Size,topic=T,partition=P", help: "Bytes in the partition's log segments on this broker."}
	logSegments    = &family{name: "kafka_log_log_numlogsegments", labels: logLabels, typ: prometheus.GaugeValue, mbean: "kafka.log:type=Log,name=NumLogSegments,topic=T,partition=P", help: "Segments in the partition's log."}
	logStartOffset = &family{name: "kafka_log_log_logstartoffset", labels: logLabels, typ: prometheus.GaugeValue, mbean: "kafka.log:type=Log,name=LogStartOffset,topic=T,partition=P", help: "First offset of the partition's log."}
	logEndOffset   = &family{name: "kafka_log_log_logendoffset", labels: logLabels, typ: prometheus.GaugeValue, mbean: "kafka.log:type=Log,name=LogEndOffset,topic=T,partition=P", help: "Offset the next record appended to the partition's log gets."}
)

// allFamilies lists every family in doc.go's order.
func allFamilies() []*family {
	var out []*family
	out = append(out, topicFamilies[:]...)
	out = append(out, requestsFamily, errorsFamily)
	for _, h := range phaseFamilies {
		out = append(out, h.quantiles, h.count)
	}
	out = append(out, requestQueueSize, responseQueueSize, networkIdle, handlerIdle,
		partitionCount, leaderCount, underReplicated, underMinIsr, atMinIsr, offlineReplicas, reassigning,
		isrShrinks, isrExpands, failedIsrUpdates,
		activeController, offlinePartitions, preferredImbalance, globalTopics, globalPartitions, topicsToDelete, replicasToDelete,
		uncleanElections, leaderElections.quantiles, leaderElections.count,
		logSize, logSegments, logStartOffset, logEndOffset, offlineLogDirs, logFlushes.quantiles, logFlushes.count,
		brokerState, purgatorySize, delayedOperations, replicaMaxLag, zkRequests.quantiles, zkRequests.count)
	return out
}

// quantiles are the percentiles a Yammer histogram exposes over JMX
// (50thPercentile ... 999thPercentile), with the label values Strimzi's
// rule "0.$N" makes of them.
var quantiles = []struct {
	q     float64
	label string
}{
	{0.50, "0.50"}, {0.75, "0.75"}, {0.95, "0.95"}, {0.98, "0.98"}, {0.99, "0.99"}, {0.999, "0.999"},
}
