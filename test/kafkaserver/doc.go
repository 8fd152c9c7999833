// Package kafkaserver tests `wharf server` and `wharf broker` as a user
// meets them: the built binary as a process (internal/testutil/kafkapeer),
// driven by real clients — franz-go's kgo and kadm for Kafka, go-zookeeper
// to read the znodes Kafka-speaking tools read — and judged by what a user
// can see: the log lines naming each listener, /metrics in Prometheus text
// under the JMX-exporter/Strimzi names, the data directory in Kafka's and
// ZooKeeper's layouts, Kafka 2.8's znodes, exit statuses and error lines.
//
// What it covers:
//   - server_test.go: `wharf server` — listeners logged, /metrics after
//     produce and fetch, a clean SIGTERM stop (status 0, the clean-shutdown
//     marker), the data directory's files, and a restart that finds topics,
//     records and offsets where they were.
//   - znodes_test.go: Kafka 2.8's znode layout after topic creation, a
//     config change and a deletion, read with a ZooKeeper client.
//   - broker_test.go: `wharf broker server.properties` on Apache ZooKeeper
//     3.8 under a chroot, with KAFKA_* variables and --override taking
//     precedence over the file in that order.
//   - badinput_test.go: bad command lines and configurations end in one
//     error line on stderr and a non-zero status, never a stack trace, and
//     start no listener.
//
// Invariants: every process listens on 127.0.0.1 on free ports, keeps its
// data in the test's temp dir and is stopped by PID when its test ends;
// tests that start processes call testutil.Slow (skipped under -short);
// waits poll a condition, never a fixed sleep. Topics are consumed by
// partition (kgo.ConsumePartitions): consumer groups do not exist yet.
package kafkaserver
