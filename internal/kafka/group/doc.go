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
// members) follow Kafka 3.9's behaviour and error codes.
//
// # KIP-848 consumer groups
//
// A consumer group (ConsumerGroupHeartbeat, v0 as Kafka 3.9, v1 as Kafka
// 4.0 with client-chosen member ids and RE2 regex subscriptions) is
// assigned by the coordinator (package assignor, "uniform" or "range").
// Its epochs:
//   - the group epoch moves when a member joins, leaves or is fenced, when
//     a subscription changes, and when the subscribed topics' metadata (ids
//     and partition counts, read from the TopicsView) differs from the
//     persisted one: OnMetadataChange marks it stale, the next heartbeat
//     recomputes it;
//   - the target assignment epoch catches up with the group epoch on the
//     next heartbeat, which runs the assignor;
//   - each member's epoch catches up with the target through
//     reconciliation: a member first revokes what its target no longer
//     holds (UNREVOKED_PARTITIONS, at its old epoch, for at most its
//     rebalance timeout, else it is fenced), then moves to the target epoch
//     and gets the partitions nobody else holds; the ones another member
//     still holds come on a later heartbeat, once released
//     (UNRELEASED_PARTITIONS).
//
// Its state is derived from those: Empty (no members), Assigning (group
// epoch ahead of the target), Reconciling (a member not yet Stable at the
// target epoch), Stable. A member silent for group.consumer.session.timeout.ms
// is fenced; a static member leaving with epoch -2 keeps its partitions
// until it rejoins under a new member id (which takes them over without a
// new epoch) or its session ends.
//
// Every consumer group change is a record the shard replays into itself:
// operations compute on the current state, and once no error can occur
// write and replay their records, so a shard loaded from the log holds the
// same consumer groups, in the same states. Replay tolerates what log
// compaction does to Kafka's record order (a member's assignment before its
// subscription, tombstones of what is gone).
//
// Both protocols share the group id space. A ConsumerGroupHeartbeat joining
// an empty classic group replaces it (its tombstone first), and a JoinGroup
// on an empty consumer group replaces that; a non-empty group of the other
// protocol refuses: GROUP_ID_NOT_FOUND for a heartbeat, as Kafka 3.9, and
// INCONSISTENT_GROUP_PROTOCOL for a JoinGroup. Wharf has no online
// migration: classic-protocol members never join a consumer group (Kafka
// 3.9 lets them, and converts groups when group.consumer.migration.policy
// allows; its default, disabled, converts none). The classic APIs see a
// consumer group as Kafka does without such members: DescribeGroups says
// Dead, Heartbeat, SyncGroup and LeaveGroup answer UNKNOWN_MEMBER_ID.
// Committed offsets belong to the group id whatever its type; OffsetCommit
// v9+ and OffsetFetch v9+ check a consumer group member's epoch
// (STALE_MEMBER_EPOCH), older OffsetCommit versions are refused to its
// members (UNSUPPORTED_VERSION).
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
//     records, tombstones and every consumer group record are applied by
//     Replay;
//   - in a consumer group, no partition is held (assigned or pending
//     revocation) by two members at once, nor in two members' targets; a
//     group's epoch is never below its target assignment epoch.
package group
