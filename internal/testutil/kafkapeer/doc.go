// Package kafkapeer runs Kafka brokers and real Kafka clients for
// interoperability tests: Wharf as `wharf server` (coordinator and broker in
// one process) or as `wharf broker server.properties` against a ZooKeeper,
// a kfake stand-in (franz-go's in-memory fake broker, in process) that lets
// the harness be developed and checked while Wharf's broker is being built,
// and the clients the project's requirements name:
//
//   - kcat (librdkafka)                        RunKcat, RunKcatInput, StartKcat
//   - confluent-kafka-python and kafka-python  RunPython (/usr/bin/python3)
//   - kafkajs 2.2.4 from npm                   RunKafkaJS (node, NODE_PATH)
//   - rsyslog's omkafka                        RunRsyslog (rsyslogd -n)
//   - franz-go kgo and kadm                    Kgo, Kadm
//   - Sarama pinned to protocol 1.0.0          SaramaConfig, SaramaSyncProducer, SaramaConsumer
//   - segmentio/kafka-go                       KafkaGoWriter, KafkaGoReader, KafkaGoConn, KafkaGoLeader
//
// Every broker implements Broker, so one test runs unchanged against any
// of them; ForEachTarget runs a test against the targets that
// WHARF_INTEROP_TARGET names (default "wharf,wharf-broker").
//
// Import it from _test.go files only: like internal/testutil it imports
// "testing" and fails or skips the calling test itself.
//
// Invariants:
//   - Brokers listen on 127.0.0.1 only, on ports from testutil.FreePort,
//     with data in the test's temp dir; processes are stopped by PID in
//     t.Cleanup and get SIGKILL from the kernel if the test binary dies.
//   - A broker is returned only once a franz-go Metadata request answers
//     with at least one broker and a controller; nothing sleeps a fixed
//     time.
//   - A missing client (kcat, a python module, kafkajs, rsyslogd, omkafka)
//     skips the test with the command that installs it, or fails it under
//     CI (testutil.RequirePeer).
//   - A broker process that exits on its own fails the test; its log's
//     tail is printed whenever the test fails.
package kafkapeer
