// Package tree is ZooKeeper's data tree (DataTree, 3.9.4) as a deterministic
// state machine: the znodes and their Stats, the ephemeral, container and TTL
// indexes, the reference-counted ACL cache, quota accounting, the tree digest
// (DigestCalculator version 2) and the watch manager. It does no I/O and reads
// no clock: time comes from txn headers.
//
// The server pipeline is prepare → log → Apply → reply. Apply applies one
// committed txn exactly as DataTree.processTxn does and returns its result
// and the watch events it triggered; reads serve the server and the prep
// package; Snapshot and FromSnapshot convert to and from the snapshot form
// the persist package writes.
//
// Invariants (checked by the tests after every step):
//   - Every node is reachable from the root through its parent's children,
//     under its full path in the node map; the root is there as "" and "/".
//   - The tree digest is the wrapping sum of DigestOf over every node outside
//     /zookeeper/ (the root counted once, under "").
//   - The ephemeral, container and TTL indexes hold exactly the nodes whose
//     ephemeralOwner says so (the ephemeral index may also hold sessions with
//     no paths left, until they close, as ZooKeeper's does).
//   - Every ACL cache entry is used by as many nodes as its count says, and
//     every used index but -1 (open) is in the cache — except indexes a fuzzy
//     snapshot referenced before its ACL was cached, until replay repairs them.
//   - Data and ACL slices are never modified in place, so readers may keep
//     them after the tree changes.
//
// Where ZooKeeper would throw an unchecked exception or corrupt itself on an
// inconsistent txn, Apply returns an error code instead and changes nothing:
// deleting the root or a node with children (NotEmpty), a path under the
// root's alias "//x" (BadArguments), an unknown extended ephemeral owner or a
// TTL out of range (BadArguments), a record of the wrong type or an
// undecodable multi sub-txn (MarshallingError). Other deliberate
// differences, none visible with a consistent log:
//   - On NodeExists a create still gives the existing node the txn's ACL, as
//     ZooKeeper 3.9 does, but releases the old ACL's reference, which
//     ZooKeeper leaks.
//   - closeSession deletes a session's ephemerals children first (in
//     reverse path order, after the paths the txn lists) and keeps indexed
//     one it cannot delete; ZooKeeper's order is a HashSet's.
//   - A loaded snapshot's digest taken at the snapshot's own zxid is checked
//     when SetLastProcessedZxid reaches that zxid; ZooKeeper never checks it
//     and stays "fuzzy" (no txn digest checks) until restart.
//   - Children, Ephemerals and the reports are sorted; events of one trigger
//     are ordered by WatcherID (ZooKeeper iterates hash sets).
package tree
