// Package group is the group coordinator's state machine for one
// __consumer_offsets partition (Kafka 3.9's GroupCoordinatorShard: its
// GroupMetadataManager and OffsetMetadataManager): the groups whose ids
// hash to the partition, their members, and their committed offsets.
//
// The Shard is pure: it imports no net, os or time. Time comes in as int64
// milliseconds (OpContext.NowMs, a timer operation's argument), deferred
// work goes through an injected Timer (ManualTimer is the test double), and
// member ids use an injectable UUID source. One goroutine drives it.
//
// Operations take a kmsg request and return a Result: the records to append
// to the partition as one batch and the replies to send once they are
// durable. A JoinGroup or SyncGroup that must wait for the rest of its group
// gets no reply in its own Result; the Result that completes the rebalance
// (another member's request or a timer) carries it. The shard applies its
// records to itself before returning (optimistically, as Kafka's timeline
// structures do); if an append fails the runtime discards the shard and
// reloads it from the log. Replay is that load path: a shard rebuilt by
// replaying the records another shard wrote holds the same groups (Empty or
// Stable, as Kafka loads them) and offsets.
//
// Classic groups (JoinGroup/SyncGroup, KIP-394 member ids, KIP-345 static
// members) follow Kafka 3.9's behaviour and error codes; KIP-848 consumer
// groups will be a second Group type.
//
// Invariants:
//   - a group's generation never decreases;
//   - a Stable group's members all have an assignment (possibly empty) and
//     one of them is the leader; an Empty group has no members;
//   - every member of a group supports the group's protocol type and, once
//     a generation is complete, its selected protocol;
//   - each parked request is answered at most once; Unload answers the
//     parked ones with NOT_COORDINATOR;
//   - classic group metadata records describe state the shard already
//     holds (Kafka does not replay them into the live shard either); offset
//     records and tombstones are applied by Replay.
package group
