// Command brokerbench measures Wharf's Kafka-compatible broker side by side
// with two peers in one run on one machine: franz-go's in-memory fake
// broker kfake (through the same Kafka client, franz-go's kgo) and NATS
// JetStream with file storage (through nats.go), each server in a process
// of its own. It reports produce msgs/s, MB/s and p50/p99 latency for 100 B
// and 1 KiB records on 1 and 8 partitions, non-durable (acks=1; NATS's
// default sync) and durable (acks=all; NATS "sync_interval: always"), the
// server's CPU time and peak RSS, consumer MB/s reading it all back, p99
// latency at half the peak rate, and the idle RSS of 1,000 partitions,
// next to the project's targets. See bench/README.md.
//
//	go run ./bench/brokerbench                        # all three, a few minutes
//	go run ./bench/brokerbench -only kfake,nats -duration 1s
//	go run ./bench/brokerbench -only wharf -wharf-addr 127.0.0.1:9092 -wharf-pid 4242
//
// Invariants:
//   - Every server runs in its own process (kfake and nats-server in this
//     program run again as a child, see child.go), listens on 127.0.0.1
//     only, and is stopped by its pid; the kernel kills it if the bench dies.
//   - Every server gets the same work through the same client code path
//     (load.go): the same records, the same in-flight bound, the same
//     record-by-record spread over partitions (NATS: subjects), and the
//     same definition of latency.
//   - Every record acknowledged is read back before a run counts: a run
//     whose log holds fewer records than were acknowledged fails.
//   - Servers take turns case by case, so drift on the machine hits all.
package main
