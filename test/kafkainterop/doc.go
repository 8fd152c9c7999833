// Package kafkainterop tests Wharf's Kafka broker with the real clients the
// project's requirements name: kcat (librdkafka), confluent-kafka-python,
// kafka-python, kafkajs, Sarama pinned to protocol 1.0.0 as Filebeat uses
// it, segmentio/kafka-go, franz-go (kgo and kadm) and rsyslog's omkafka.
//
// Every test runs against each broker WHARF_INTEROP_TARGET names
// (kafkapeer.ForEachTarget): by default "wharf" (`wharf server`) and
// "wharf-broker" (`wharf broker server.properties` on Apache ZooKeeper
// 3.8); also "kfake" (franz-go's in-memory fake, a stand-in that checks the
// suite itself). A Wharf binary without the
// needed subcommand skips its target with a message saying so.
//
// Each test group shares one broker and gives every subtest its own topics.
// What one client produces is read back by another (franz-go or kcat), and
// what franz-go produces is read by the client under test, comparing keys,
// values, headers, order, offsets and timestamps. Consumer groups are the
// next milestone: consumers here assign partitions themselves.
//
// The package holds only tests; the Python and Node.js scripts are under
// testdata/. Every test starts processes and is skipped by -short.
package kafkainterop
