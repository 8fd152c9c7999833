// Package metrics is the broker's Prometheus registry, exporting Kafka's
// own metrics under the names Kafka users already have dashboards and
// alerts for: the names the Prometheus JMX exporter gives Kafka's MBeans
// under Strimzi's kafka-metrics.yaml rules, with the Go runtime and
// process families (go_*, process_*) standing in for the JVM's.
//
// Naming. Strimzi's rules (lowercaseOutputName: true) turn the MBean
// kafka.<domain>:type=<T>,name=<N>[,k=v...] into
//   - kafka_<domain>_<t>_<n>_total, a counter, for a meter N = <n>PerSec
//     (its Count attribute), with the MBean's tags as labels;
//   - kafka_<domain>_<t>_<n>, a gauge, for a gauge (its Value attribute);
//   - kafka_<domain>_<t>_<n>{quantile="0.50"|"0.75"|"0.95"|"0.98"|"0.99"|"0.999"},
//     a gauge, and kafka_<domain>_<t>_<n>_count, a counter, for a
//     histogram or timer (its NNthPercentile and Count attributes; Kafka's
//     histograms have no sum, so there is no _sum);
//   - kafka_<domain>_<t>_<n>_percent, a gauge, for N = <n>Percent.
//
// Label names keep the MBean's tag case (delayedOperation, clientId);
// names are lowercased. BrokerTopicMetrics exist for all topics together
// (no label) and per topic (topic=T), in one family, as the JMX exporter
// exports them; so a sum over a BrokerTopicMetrics family counts
// everything twice unless it selects topic!="" or the unlabelled series.
//
// Semantics follow Kafka 2.8: per-topic series appear when first non-zero
// (Kafka creates its per-topic meters lazily), the all-topics ones from
// the start; a request's series appear once the broker looks it up
// (Registry.Request); percentiles cover the last 150 to 300 seconds
// (Kafka's reservoir is biased to the last five minutes), are within 12%
// of the sample of that rank, and read 0 with no recent sample. Gauges are computed at scrape time from the
// sources the broker installs (SetReplicaManager, SetController, SetLogs,
// SetBroker, SetIdle); a family whose source is not installed is absent.
//
// Cost. Counting is an atomic add on a *Topic or a fixed array of a
// *Request the caller keeps; a request's eight times are three atomic adds
// each into log-linear buckets (about 140 ns per request in all). Nothing
// on the hot path allocates or takes a lock after the first lookup.
//
// The families, in the order of this table:
//
//	| metric | labels | type | meaning | Kafka MBean |
//	|---|---|---|---|---|
//	| kafka_server_brokertopicmetrics_messagesin_total | - or topic | counter | Records appended to the logs this broker leads. | kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_bytesin_total | - or topic | counter | Bytes of client produce requests appended by this broker as leader. | kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_bytesout_total | - or topic | counter | Bytes of records sent in fetch responses, to consumers and followers. | kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_bytesrejected_total | - or topic | counter | Bytes of produce requests rejected (too large, invalid records). | kafka.server:type=BrokerTopicMetrics,name=BytesRejectedPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_totalproducerequests_total | - or topic | counter | Produce requests, counted once per topic they write to. | kafka.server:type=BrokerTopicMetrics,name=TotalProduceRequestsPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_failedproducerequests_total | - or topic | counter | Produce requests that failed for a topic. | kafka.server:type=BrokerTopicMetrics,name=FailedProduceRequestsPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_totalfetchrequests_total | - or topic | counter | Fetch requests, counted once per topic they read. | kafka.server:type=BrokerTopicMetrics,name=TotalFetchRequestsPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_failedfetchrequests_total | - or topic | counter | Fetch requests that failed for a topic. | kafka.server:type=BrokerTopicMetrics,name=FailedFetchRequestsPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_producemessageconversions_total | - or topic | counter | Produce requests whose records were converted to another message format. | kafka.server:type=BrokerTopicMetrics,name=ProduceMessageConversionsPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_fetchmessageconversions_total | - or topic | counter | Fetch requests whose records were converted to an older message format. | kafka.server:type=BrokerTopicMetrics,name=FetchMessageConversionsPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_nokeycompactedtopicrecords_total | - or topic | counter | Records without a key rejected by a compacted topic. | kafka.server:type=BrokerTopicMetrics,name=NoKeyCompactedTopicRecordsPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_invalidmagicnumberrecords_total | - or topic | counter | Records rejected for an invalid magic number. | kafka.server:type=BrokerTopicMetrics,name=InvalidMagicNumberRecordsPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_invalidmessagecrcrecords_total | - or topic | counter | Records rejected for a CRC mismatch. | kafka.server:type=BrokerTopicMetrics,name=InvalidMessageCrcRecordsPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_invalidoffsetorsequencerecords_total | - or topic | counter | Records rejected for invalid offsets or sequence numbers. | kafka.server:type=BrokerTopicMetrics,name=InvalidOffsetOrSequenceRecordsPerSec[,topic=T] |
//	| kafka_server_brokertopicmetrics_replicationbytesin_total | - | counter | Bytes this broker fetched as a follower. | kafka.server:type=BrokerTopicMetrics,name=ReplicationBytesInPerSec |
//	| kafka_server_brokertopicmetrics_replicationbytesout_total | - | counter | Bytes this broker sent to followers. | kafka.server:type=BrokerTopicMetrics,name=ReplicationBytesOutPerSec |
//	| kafka_server_brokertopicmetrics_reassignmentbytesin_total | - | counter | Bytes fetched as a follower for partitions being reassigned. | kafka.server:type=BrokerTopicMetrics,name=ReassignmentBytesInPerSec |
//	| kafka_server_brokertopicmetrics_reassignmentbytesout_total | - | counter | Bytes sent to followers of partitions being reassigned. | kafka.server:type=BrokerTopicMetrics,name=ReassignmentBytesOutPerSec |
//	| kafka_network_requestmetrics_requests_total | request,version | counter | Requests received, by API and version (Fetch also as FetchConsumer or FetchFollower). | kafka.network:type=RequestMetrics,name=RequestsPerSec,request=X,version=V |
//	| kafka_network_requestmetrics_errors_total | request,error | counter | Error codes in responses, by API and error name (NONE included). | kafka.network:type=RequestMetrics,name=ErrorsPerSec,request=X,error=E |
//	| kafka_network_requestmetrics_totaltimems | request,quantile | gauge | Milliseconds from receiving a request to sending its response. Percentiles over the last 150 to 300 seconds. | kafka.network:type=RequestMetrics,name=TotalTimeMs,request=X |
//	| kafka_network_requestmetrics_totaltimems_count | request | counter | Milliseconds from receiving a request to sending its response. Samples recorded. | kafka.network:type=RequestMetrics,name=TotalTimeMs,request=X |
//	| kafka_network_requestmetrics_requestqueuetimems | request,quantile | gauge | Milliseconds a request waited before a handler took it. Percentiles over the last 150 to 300 seconds. | kafka.network:type=RequestMetrics,name=RequestQueueTimeMs,request=X |
//	| kafka_network_requestmetrics_requestqueuetimems_count | request | counter | Milliseconds a request waited before a handler took it. Samples recorded. | kafka.network:type=RequestMetrics,name=RequestQueueTimeMs,request=X |
//	| kafka_network_requestmetrics_localtimems | request,quantile | gauge | Milliseconds a handler worked on a request. Percentiles over the last 150 to 300 seconds. | kafka.network:type=RequestMetrics,name=LocalTimeMs,request=X |
//	| kafka_network_requestmetrics_localtimems_count | request | counter | Milliseconds a handler worked on a request. Samples recorded. | kafka.network:type=RequestMetrics,name=LocalTimeMs,request=X |
//	| kafka_network_requestmetrics_remotetimems | request,quantile | gauge | Milliseconds a request waited in purgatory (acks=all, fetch.min.bytes). Percentiles over the last 150 to 300 seconds. | kafka.network:type=RequestMetrics,name=RemoteTimeMs,request=X |
//	| kafka_network_requestmetrics_remotetimems_count | request | counter | Milliseconds a request waited in purgatory (acks=all, fetch.min.bytes). Samples recorded. | kafka.network:type=RequestMetrics,name=RemoteTimeMs,request=X |
//	| kafka_network_requestmetrics_throttletimems | request,quantile | gauge | Milliseconds a response was held back by quotas. Percentiles over the last 150 to 300 seconds. | kafka.network:type=RequestMetrics,name=ThrottleTimeMs,request=X |
//	| kafka_network_requestmetrics_throttletimems_count | request | counter | Milliseconds a response was held back by quotas. Samples recorded. | kafka.network:type=RequestMetrics,name=ThrottleTimeMs,request=X |
//	| kafka_network_requestmetrics_responsequeuetimems | request,quantile | gauge | Milliseconds a response waited to be sent. Percentiles over the last 150 to 300 seconds. | kafka.network:type=RequestMetrics,name=ResponseQueueTimeMs,request=X |
//	| kafka_network_requestmetrics_responsequeuetimems_count | request | counter | Milliseconds a response waited to be sent. Samples recorded. | kafka.network:type=RequestMetrics,name=ResponseQueueTimeMs,request=X |
//	| kafka_network_requestmetrics_responsesendtimems | request,quantile | gauge | Milliseconds spent sending a response. Percentiles over the last 150 to 300 seconds. | kafka.network:type=RequestMetrics,name=ResponseSendTimeMs,request=X |
//	| kafka_network_requestmetrics_responsesendtimems_count | request | counter | Milliseconds spent sending a response. Samples recorded. | kafka.network:type=RequestMetrics,name=ResponseSendTimeMs,request=X |
//	| kafka_network_requestmetrics_requestbytes | request,quantile | gauge | Request sizes in bytes. Percentiles over the last 150 to 300 seconds. | kafka.network:type=RequestMetrics,name=RequestBytes,request=X |
//	| kafka_network_requestmetrics_requestbytes_count | request | counter | Request sizes in bytes. Samples recorded. | kafka.network:type=RequestMetrics,name=RequestBytes,request=X |
//	| kafka_network_requestchannel_requestqueuesize | - | gauge | Requests received and not yet taken by a handler. | kafka.network:type=RequestChannel,name=RequestQueueSize |
//	| kafka_network_requestchannel_responsequeuesize | - | gauge | Responses ready and not yet sent. | kafka.network:type=RequestChannel,name=ResponseQueueSize |
//	| kafka_network_socketserver_networkprocessoravgidle_percent | - | gauge | Fraction of time the network threads were idle (0 to 1). | kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent |
//	| kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent | - | gauge | Fraction of time the request handlers were idle (0 to 1). | kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent |
//	| kafka_server_replicamanager_partitioncount | - | gauge | Partitions with a replica on this broker. | kafka.server:type=ReplicaManager,name=PartitionCount |
//	| kafka_server_replicamanager_leadercount | - | gauge | Partitions this broker leads. | kafka.server:type=ReplicaManager,name=LeaderCount |
//	| kafka_server_replicamanager_underreplicatedpartitions | - | gauge | Partitions led here whose ISR is smaller than their replica set. | kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions |
//	| kafka_server_replicamanager_underminisrpartitioncount | - | gauge | Partitions led here whose ISR is smaller than min.insync.replicas. | kafka.server:type=ReplicaManager,name=UnderMinIsrPartitionCount |
//	| kafka_server_replicamanager_atminisrpartitioncount | - | gauge | Partitions led here whose ISR size equals min.insync.replicas. | kafka.server:type=ReplicaManager,name=AtMinIsrPartitionCount |
//	| kafka_server_replicamanager_offlinereplicacount | - | gauge | Replicas on this broker in an offline log directory. | kafka.server:type=ReplicaManager,name=OfflineReplicaCount |
//	| kafka_server_replicamanager_reassigningpartitions | - | gauge | Partitions led here that are being reassigned. | kafka.server:type=ReplicaManager,name=ReassigningPartitions |
//	| kafka_server_replicamanager_isrshrinks_total | - | counter | Times a partition led here shrank its ISR. | kafka.server:type=ReplicaManager,name=IsrShrinksPerSec |
//	| kafka_server_replicamanager_isrexpands_total | - | counter | Times a partition led here expanded its ISR. | kafka.server:type=ReplicaManager,name=IsrExpandsPerSec |
//	| kafka_server_replicamanager_failedisrupdates_total | - | counter | ISR updates that failed (a stale zkVersion or controller epoch). | kafka.server:type=ReplicaManager,name=FailedIsrUpdatesPerSec |
//	| kafka_controller_kafkacontroller_activecontrollercount | - | gauge | 1 on the broker that is the controller, 0 elsewhere; the cluster's sum must be 1. | kafka.controller:type=KafkaController,name=ActiveControllerCount |
//	| kafka_controller_kafkacontroller_offlinepartitionscount | - | gauge | Partitions without a live leader (reported by the controller only). | kafka.controller:type=KafkaController,name=OfflinePartitionsCount |
//	| kafka_controller_kafkacontroller_preferredreplicaimbalancecount | - | gauge | Partitions whose leader is not their preferred replica (controller only). | kafka.controller:type=KafkaController,name=PreferredReplicaImbalanceCount |
//	| kafka_controller_kafkacontroller_globaltopiccount | - | gauge | Topics in the cluster (controller only). | kafka.controller:type=KafkaController,name=GlobalTopicCount |
//	| kafka_controller_kafkacontroller_globalpartitioncount | - | gauge | Partitions in the cluster (controller only). | kafka.controller:type=KafkaController,name=GlobalPartitionCount |
//	| kafka_controller_kafkacontroller_topicstodeletecount | - | gauge | Topics queued for deletion (controller only). | kafka.controller:type=KafkaController,name=TopicsToDeleteCount |
//	| kafka_controller_kafkacontroller_replicastodeletecount | - | gauge | Replicas queued for deletion (controller only). | kafka.controller:type=KafkaController,name=ReplicasToDeleteCount |
//	| kafka_controller_controllerstats_uncleanleaderelections_total | - | counter | Leaders elected from outside the ISR. | kafka.controller:type=ControllerStats,name=UncleanLeaderElectionsPerSec |
//	| kafka_controller_controllerstats_leaderelectionrateandtimems | quantile | gauge | Milliseconds leader elections took. Percentiles over the last 150 to 300 seconds. | kafka.controller:type=ControllerStats,name=LeaderElectionRateAndTimeMs |
//	| kafka_controller_controllerstats_leaderelectionrateandtimems_count | - | counter | Milliseconds leader elections took. Samples recorded. | kafka.controller:type=ControllerStats,name=LeaderElectionRateAndTimeMs |
//	| kafka_log_log_size | topic,partition | gauge | Bytes in the partition's log segments on this broker. | kafka.log:type=Log,name=Size,topic=T,partition=P |
//	| kafka_log_log_numlogsegments | topic,partition | gauge | Segments in the partition's log. | kafka.log:type=Log,name=NumLogSegments,topic=T,partition=P |
//	| kafka_log_log_logstartoffset | topic,partition | gauge | First offset of the partition's log. | kafka.log:type=Log,name=LogStartOffset,topic=T,partition=P |
//	| kafka_log_log_logendoffset | topic,partition | gauge | Offset the next record appended to the partition's log gets. | kafka.log:type=Log,name=LogEndOffset,topic=T,partition=P |
//	| kafka_log_logmanager_offlinelogdirectorycount | - | gauge | Log directories taken offline after an I/O error. | kafka.log:type=LogManager,name=OfflineLogDirectoryCount |
//	| kafka_log_logflushstats_logflushrateandtimems | quantile | gauge | Milliseconds log flushes (fsync) took. Percentiles over the last 150 to 300 seconds. | kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs |
//	| kafka_log_logflushstats_logflushrateandtimems_count | - | counter | Milliseconds log flushes (fsync) took. Samples recorded. | kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs |
//	| kafka_server_kafkaserver_brokerstate | - | gauge | Broker state: 0 not running, 1 starting, 2 recovering from unclean shutdown, 3 running, 6 pending controlled shutdown, 7 shutting down. | kafka.server:type=KafkaServer,name=BrokerState |
//	| kafka_server_delayedoperationpurgatory_purgatorysize | delayedOperation | gauge | Requests waiting in purgatory, including completed ones not yet purged. | kafka.server:type=DelayedOperationPurgatory,name=PurgatorySize,delayedOperation=Produce|Fetch |
//	| kafka_server_delayedoperationpurgatory_numdelayedoperations | delayedOperation | gauge | Requests waiting in purgatory. | kafka.server:type=DelayedOperationPurgatory,name=NumDelayedOperations,delayedOperation=Produce|Fetch |
//	| kafka_server_replicafetchermanager_maxlag | clientId | gauge | Largest number of messages a follower partition of this broker is behind its leader. | kafka.server:type=ReplicaFetcherManager,name=MaxLag,clientId=Replica |
//	| kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms | quantile | gauge | Milliseconds ZooKeeper requests of this broker took. Percentiles over the last 150 to 300 seconds. | kafka.server:type=ZooKeeperClientMetrics,name=ZooKeeperRequestLatencyMs |
//	| kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms_count | - | counter | Milliseconds ZooKeeper requests of this broker took. Samples recorded. | kafka.server:type=ZooKeeperClientMetrics,name=ZooKeeperRequestLatencyMs |
//
// End of table.
package metrics
