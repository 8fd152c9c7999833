// Package client is a ZooKeeper client on the jute codec, for Apache
// ZooKeeper 3.8/3.9 and for Wharf's own coordinator.
//
// A Client owns one session. Connect returns at once; a background loop
// connects to the servers of the connect string in shuffled order, resumes
// the session (same id and password) after a disconnect, re-sends
// credentials and re-registers watches (setWatches/setWatches2, split as
// the Java client splits them), and reports the session as expired when the
// server says so or when it has been unreachable for 4/3 of the session
// timeout. Requests are pipelined: each gets an xid when it is written and
// replies are matched in order.
//
// Watches behave as in the Java client: one-shot data, exist and child
// watches, persistent and persistent-recursive watches (AddWatch), a
// default watcher that receives session events, and watchers identified by
// pointer. Every watcher callback runs on one event goroutine, in the order
// the events arrived; WaitEvents lets a caller order its handling of a reply
// after the events that preceded it.
//
// Invariants:
//   - Replies are matched to requests strictly in send order; a reply whose
//     xid does not match drops the connection (as ClientCnxn does).
//   - A request's watch is registered, and its removed-watch events queued,
//     before its caller is released.
//   - Events reach watchers in the order the server sent them; session
//     events are not repeated for an unchanged state.
//   - After Closed, Expired or AuthFailed the client is dead: every request
//     fails at once (SessionExpired or AuthFailed) and nothing reconnects.
//   - No incoming packet larger than MaxPacket is read into memory.
//
// Lock order: Client.mu, then watchManager.mu or dispatcher.mu (leaves).
// Watcher callbacks run with no lock held.
//
// Deliberately left out: SASL and TLS, and the hunt for a read-write server
// while connected to a read-only one.
package client
