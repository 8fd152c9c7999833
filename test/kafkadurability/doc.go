// Package kafkadurability holds black-box tests of the Kafka broker's
// durability: `wharf server` (and `wharf broker` on Apache ZooKeeper 3.8)
// is killed with SIGKILL while idempotent franz-go producers write with
// acks=all, restarted on the same data, and what the producers were told is
// checked record by record against what a consumer reads back.
//
// What the tests check, after the last restart:
//   - every acknowledged record is in the log exactly once, at the
//     partition and offset its acknowledgement reported, with the producer
//     id and epoch it was written under;
//   - offsets are dense from 0 to the high watermark (no transactions, no
//     compaction, so no gaps);
//   - per producer and partition the records appear in the order they were
//     produced, and no record appears twice (the idempotent producer's
//     retries across the crashes are recognised as duplicates, so the
//     broker's producer state survives the crash);
//   - nothing is invented: every record read was produced by the test, to
//     that partition;
//   - one more crash without writes, and a clean stop, change nothing.
//
// The package holds only tests; every test starts processes and is skipped
// by -short. WHARF_DURABILITY_SEED reproduces a run's choices (not its
// timing).
package kafkadurability
