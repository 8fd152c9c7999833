// Package session tracks ZooKeeper sessions and their expiry, as a pure state
// machine: time is passed in (monotonic milliseconds), nothing here sleeps,
// reads a clock or does I/O.
//
// It mirrors Apache ZooKeeper's SessionTrackerImpl and ExpiryQueue:
//   - session ids are ((now << 24) >>> 8) | (serverID << 56), then incremented;
//   - expiry times are rounded up to the next multiple of the tick, so sessions
//     expire in buckets, one bucket per tick;
//   - a session's password is 16 bytes from java.util.Random(id ^ 0xB3415C00),
//     so any server can re-validate it without shared state.
//
// Invariants: a session is in exactly one expiry bucket while tracked; a
// closing session is never touched back to life; Expired returns each session
// at most once.
package session
