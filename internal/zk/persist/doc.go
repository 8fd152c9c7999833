// Package persist is ZooKeeper's on-disk format: txn logs
// (version-2/log.<zxid>) and snapshots (version-2/snapshot.<zxid>), byte
// compatible with Apache ZooKeeper 3.8 and 3.9 in both directions, plus the
// epoch files (acceptedEpoch, currentEpoch) of a quorum member.
//
// The formats are drawn in the files that write them: txnlog.go (txn log),
// snapshot.go (snapshot stream), snappy.go (".snappy" compression).
//
// SnapLog is FileTxnSnapLog: Open a data directory pair, Restore (newest
// valid snapshot, then the txns after it, repairing a torn tail), append
// through TxnLog (group commit: many Appends, one Commit and one fsync),
// WriteSnapshot, Purge, TruncateTo. The package holds no server logic: it
// moves jute records and jute.SnapshotData between memory and disk, and the
// tree and session packages give them meaning.
//
// Invariants:
//   - Every byte goes through a vfs.FS. A Commit that returns nil has made
//     its txns durable (unless Options.NoSync): entries written, the files
//     fsynced, and a new file's header and directory entry fsynced before
//     any of its entries were written, so that a crash leaves a log file
//     either absent or starting with a whole header.
//   - Nothing read is trusted before its checksum: a txn entry is returned
//     only if its Adler32 matches and its EOR byte is present; a snapshot
//     only if every seal matches. Bytes after the first invalid entry of the
//     newest log file are never read as txns, and Restore cuts them off.
//   - A decoder never allocates more than the bytes it was given can hold:
//     lengths and counts are checked against the file's size first (for a
//     compressed snapshot, buffers grow only as data arrives).
//   - Damage that could hide committed txns (an invalid entry followed by
//     data in an older log file, a zxid gap within an epoch) is ErrCorrupt,
//     never silently skipped.
//   - A snapshot file exists under its name only when complete: it is
//     written to name.tmp, fsynced, renamed and the directory fsynced.
//   - After an I/O error the TxnLog refuses further writes (ErrLogFailed):
//     the state of the disk is then unknown and the owner must Restore.
package persist

import "errors"

var (
	// ErrCorrupt is damaged data: a bad checksum where a torn write cannot
	// explain it, a truncated snapshot, a gap in the txns.
	ErrCorrupt = errors.New("persist: corrupt data")
	// ErrNoSnapshot: there are txn logs but no snapshot (ZOOKEEPER-2325/3056).
	ErrNoSnapshot = errors.New("persist: no snapshot found, but there are log entries")
	// ErrNoValidSnapshot: snapshot files exist but none reads whole.
	ErrNoValidSnapshot = errors.New("persist: not able to find a valid snapshot")
	// ErrZxidOrder: a txn appended with a zxid not above the last one.
	ErrZxidOrder = errors.New("persist: zxid not increasing")
	// ErrLogFailed wraps the I/O error after which a TxnLog refuses writes.
	ErrLogFailed = errors.New("persist: txn log failed")
	// ErrNotRestored: the TxnLog is used before SnapLog.Restore.
	ErrNotRestored = errors.New("persist: txn log used before restore")
	// ErrClosed: the TxnLog is closed.
	ErrClosed = errors.New("persist: txn log closed")
	// ErrTooLarge: a txn too large for a log entry.
	ErrTooLarge = errors.New("persist: txn too large")
	// ErrInvalid is an invalid argument.
	ErrInvalid = errors.New("persist: invalid argument")
	// ErrOption is an invalid Options field.
	ErrOption = errors.New("persist: invalid option")
	// ErrDirMixup: snapshots in the log directory or logs in the snapshot
	// directory (ZOOKEEPER-2967).
	ErrDirMixup = errors.New("persist: data directories mixed up")
)
