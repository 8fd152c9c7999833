// Package partition is the broker's partition layer: a Partition holds a
// partition's log (internal/kafka/log), its replication state
// (internal/kafka/replica) and its idempotent-producer state
// (internal/kafka/producerstate); the ReplicaManager hosts the partitions
// and serves what the request handlers need: appends with acks 0, 1 and
// all, fetches with long polling, ListOffsets, OffsetForLeaderEpoch,
// DeleteRecords, DescribeLogDirs, and the LeaderAndIsr and StopReplica
// transitions (Kafka's ReplicaManager, Partition, DelayedProduce,
// DelayedFetch, DelayedDeleteRecords and their purgatory).
//
// # API at a glance
//
//	ref := &partition.ReplicationRef{}                  // logmanager.Open(cfg, logmanager.Options{Replication: ref, ...})
//	rm, err := partition.New(cfg, partition.Options{Logs: m, FS: fs, LogConfig: ..., MinInsyncReplicas: ..., Metadata: ...})
//	ref.Set(rm); rm.Start(); defer rm.Close()           // Close before the log manager's Close
//	resp := rm.BecomeLeaderOrFollower(leaderAndIsr)     // *kmsg.LeaderAndISRRequest -> response
//	resp = rm.StopReplicas(stopReplica)                 // *kmsg.StopReplicaRequest -> response
//	rm.AppendRecords(partition.AppendRequest{Acks, TimeoutMs, Partitions}, func([]partition.AppendResult){...})
//	rm.FetchMessages(partition.FetchRequest{...}, func(rs []partition.FetchResult){ ...send...; partition.ReleaseAll(rs) })
//	r := rm.ListOffsets(replicaID, isolation, partition.ListOffsetsPartition{...})
//	r := rm.OffsetForLeaderEpoch(tp, currentEpoch, epoch)
//	rm.DeleteRecords(timeoutMs, parts, func([]partition.DeleteRecordsResult){...})
//	dirs := rm.DescribeLogDirs(filter)
//	hw, ok := rm.HighWatermark(tp)                     // logmanager.Replication
//
// Append and Fetch are the blocking forms. Results carry Kafka error
// codes (ErrorCode maps every error of the lower packages).
//
// # Durability (DESIGN decision 6)
//
// By default an offset counts toward the high watermark only once the
// local log has fsynced it (its recovery point) and each follower reports
// it fsynced. Every append queues its partition in the flusher: a few
// workers run log.Flush, which is group commit (one fsync covers every
// append made before it started), then advance the high watermark, which
// completes the acks=all produces and the consumer fetches waiting for it.
// So acks=all is answered after the fsync, many producers share an fsync,
// and consumers never read what a power loss could take back. The fsync
// of an acks=0/1 append, which nobody waits for yet, is lazy: it runs
// within Config.LazyFlushDelay (50 ms), or at once when an acks=all
// produce, a replica's append or a waiting fetch needs the partition
// flushed, so a stream of acks=1 requests pays one fsync per delay.
// Config.AsyncFlush selects Kafka's behaviour instead.
//
// # Idempotent producers
//
// The duplicate and sequence checks, the log append and the producer
// state update run as one step under Partition.mu, so a retry racing its
// original cannot slip between check and append. A retried duplicate is
// answered with its original offsets (after the fsync, for acks=all).
// Snapshots are taken at segment rolls and at Close, and written once the
// fsync covers them; at load the state is rebuilt from the newest snapshot
// and the log after it, so a retry is recognised across restarts, clean
// or not.
//
// # Delayed operations
//
// The purgatory (purgatory.go) watches each waiting operation under its
// partitions and in a deadline heap. Appends, high watermark advances and
// leadership changes try the operations watching the partition; one
// goroutine (or Tick, with Options.ManualTime) expires deadlines. No
// goroutine waits per request.
//
// # Invariants
//
//   - On a leader the high watermark never decreases, and with durability
//     never exceeds the recovery point of the leader's log.
//   - An acks=all produce succeeds only once the high watermark covers its
//     batch and the ISR has at least min.insync.replicas members.
//   - A consumer fetch never returns records at or above the high
//     watermark (read_uncommitted) or last stable offset (read_committed).
//   - A producer snapshot file is written only for an offset below the
//     log's recovery point.
//
// The lock order is on ReplicaManager.
package partition
