// Package prep is ZooKeeper's PrepRequestProcessor: it turns a client write
// into the txn that the log records and the tree applies, with its zxid.
//
// The server pipeline is prepare → persist → apply → reply, and several
// writes are prepared before earlier ones are applied. So, as ZooKeeper does,
// the Preparer keeps the outstanding changes: for every path a prepared but
// not yet applied txn touches, the node as that txn leaves it (or its
// deletion). Validation looks there first and in the committed tree (View)
// only for paths with no outstanding change. The server calls Applied after
// each txn is applied, and Reset when prepared txns are abandoned.
//
// Every write consumes the zxid it is given, even when it fails: a failed
// write becomes an error txn (header type jute.OpError, body
// jute.ErrorTxn{code}), so the log keeps one entry per zxid and the reply's
// error comes from applying it. A multi becomes a MultiTxn with one sub-txn
// per op, all under the multi's zxid; when an op fails, the ops before it keep
// their txns, the failing op is an ErrorTxn with its code and those after it
// are ErrorTxn(RuntimeInconsistency), exactly as ZooKeeper writes it (the
// tree reports the earlier ops as ErrorResult(0) when it applies a multi with
// an error in it), and every outstanding change the multi made is rolled
// back.
//
// Behaviour follows Apache ZooKeeper 3.9.4's PrepRequestProcessor, including
// the order of its checks (which decides the error code when a request is
// wrong in several ways) and the op-type rewriting of MultiOperationRecord.
// The deliberate differences are listed on Prepare.
//
// Invariants:
//   - The package is pure: no I/O, no clock, no goroutines; time is passed in.
//   - A Preparer is not safe for concurrent use: the server's single core
//     goroutine calls Prepare, Applied and Reset.
//   - Outstanding changes are in zxid order; every path's latest change is
//     indexed, and an index entry always points at a change still held.
//   - Prepare never panics on a request, however malformed its body.
package prep
