// Package replica is a partition's replication state on one broker, as a
// pure state machine: the role (leader, follower), the leader epoch, the
// ISR, the high watermark and, on the leader, each follower's progress
// (Kafka's Partition and Replica, minus the log). It imports no net, os or
// time: every event carries the time it happened, and every method returns
// the effects its owner must carry out.
//
// # Events in, effects out
//
//	s := replica.New(cfg, local, checkpointedHW)
//	isNew, eff := s.MakeLeader(decision, local, now)     // LeaderAndIsr naming us leader
//	changed := s.MakeFollower(decision, local)           // ... naming another broker
//	eff = s.LocalLogUpdated(local, now)                  // after an append, a flush, a truncation
//	eff, ok := s.FollowerFetched(id, fetch, now)         // a follower's fetch on the leader
//	eff = s.Tick(now)                                    // every replica.lag.time.max.ms / 2: ISR shrink
//	eff = s.IsrChangeDone(change, outcome, state, now)   // the ISR write's result
//	err = s.CheckAppend(acks, minISR)                    // before an append
//	st := s.CheckEnoughReplicasReachOffset(end, minISR)  // acks=all: done yet?
//
// Effects.HighWatermarkAdvanced asks the owner to complete the delayed
// operations waiting on the partition; Effects.IsrChange asks it to write
// the proposed ISR (through the controller or ZooKeeper) and report back.
//
// # Rules
//
//   - HW = the smallest durable offset over the local log and the
//     followers in the maximal ISR (the committed ISR plus a follower
//     being added, KIP-497) or caught up within replica.lag.time.max.ms.
//     On the leader it never decreases.
//   - Durability (DESIGN decision 6): a replica's log end counts toward
//     the HW only once fsynced. The owner reports the local log's recovery
//     point as LocalLog.DurableOffset when acks=all waits for fsync (the
//     log end offset otherwise); followers report theirs. So acks=all is
//     answered only once every ISR member has the batch on disk.
//   - A follower joins the ISR when its log end offset reaches the HW and
//     the start of the leader's epoch; it leaves when it has not caught up
//     with the leader's log end for replica.lag.time.max.ms (and is not at
//     it now). One ISR change is in flight at a time.
//   - acks=all needs an ISR of at least min.insync.replicas before the
//     append (NOT_ENOUGH_REPLICAS, nothing appended) and after it
//     (NOT_ENOUGH_REPLICAS_AFTER_APPEND, appended but not acknowledged).
//   - A follower truncates by leader epoch (KIP-101, KIP-279:
//     FollowerTruncation), never to its high watermark, and applies the
//     leader's HW only after truncating (KAFKA-14704).
//
// A State is not safe for concurrent use; its owner serialises calls.
package replica
