// Package server is Wharf's ZooKeeper-compatible server: connections, the
// request pipeline, four-letter words and the AdminServer.
//
// The pipeline is ZooKeeper's, laid out for the ensemble:
//
//	conn reader ──► core ──prepare──► persister ──fsync──► core ──apply──► reply
//	 (decode)        │    (prep: validate, ACLs, txn+zxid)   (group commit)   (tree)
//	                 └── reads are served by the core from the committed tree
//
// One goroutine, the core, owns the data tree, the session tracker, the
// preparer and every connection's request queue; everything that mutates
// them is an event on the core's channel. Connections decode frames in their
// own goroutines and never touch core state. The persister appends txns to
// the log and fsyncs once per batch (group commit); the core applies a batch
// only after its fsync, so no reply ever reveals a write that could be lost.
//
// Ordering guarantees (ZooKeeper's):
//   - a connection's replies go out in request order; a read queued behind
//     one of its own writes runs after that write is applied and before any
//     later write of the same connection;
//   - a watch event is written to a connection before any reply that reflects
//     a later state;
//   - a stalled client only fills its own output buffer: when that passes
//     maxOutBuffer the connection is closed, nobody else waits.
//
// Lock order: core state has no locks (one owner). conn.outMu guards only a
// connection's output buffer and is never held while taking another lock.
package server
