// Package groupinterop tests Wharf's group coordinator with the real
// clients' group consumers: kcat -G (librdkafka with the range,
// roundrobin and cooperative-sticky assignors) and franz-go (eager and
// cooperative-sticky). Members join, share a topic's partitions, commit,
// crash (SIGKILL) and resume; the broker restarts and the group continues
// from its committed offsets.
//
// Every test runs against each broker WHARF_INTEROP_TARGET names
// (kafkapeer.ForEachTarget), like test/kafkainterop. The package holds only
// tests; every test starts processes and is skipped by -short.
package groupinterop
