// Package log is a Kafka partition log on Kafka's exact on-disk format:
// segments of record batches with their offset and time indexes, appended,
// read (as file regions, for sendfile), rolled, retained, truncated,
// flushed with group commit, and recovered after a crash — what Kafka's
// UnifiedLog, LocalLog, LogSegment(s), LogLoader, OffsetIndex, TimeIndex
// and LeaderEpochFileCache do, minus producer state, transactions and
// tiered storage. The broker owns the high watermark, the checkpoint files
// (internal/kafka/log/checkpoint) and the schedule; the log takes them as
// arguments.
//
// # API at a glance
//
//	l, err := log.Open(fs, dir, cfg, log.Options{Clock, Scheduler, RecoveryPoint, LogStartOffset, HadCleanShutdown})
//	info, err := l.AppendAsLeader(records, leaderEpoch, log.OriginClient)  // offsets assigned in place
//	info, err := l.AppendAsFollower(records)                               // offsets kept
//	err = l.Flush(info.LastOffset + 1)                                     // group commit; acks=all waits here
//	fd, err := l.Read(offset, maxBytes, highWatermark, minOneBatch)        // fd.Region: file, pos, len (sendfile)
//	fd.Release()                                                           // once sent: unpins the file
//	res, found, err := l.FetchOffsetByTimestamp(ts)                        // ListOffsets, incl. -1, -2, -3
//	n, err := l.DeleteOldSegments(now, highWatermark)                      // retention, every log.retention.check
//	ok, err := l.IncrementLogStartOffset(offset, highWatermark)            // DeleteRecords
//	ok, err := l.TruncateTo(offset); err = l.TruncateFullyAndStartAt(offset) // followers
//	epoch, end, ok := l.EndOffsetForEpoch(epoch)                            // OffsetsForLeaderEpoch
//	err = l.FlushIfDue(now); rp := l.RecoveryPoint(); ls := l.LogStartOffset() // the log manager's checkpoints
//	err = l.Close()  // then the owner may write the clean shutdown marker
//
// The cleaner uses Segments, NewCleanedSegment, Segment.AppendBatches/Seal
// and ReplaceSegments (replace.go); tools use RebuildIndexes,
// DecodeOffsetIndex and DecodeTimeIndex.
//
// # Layout
//
//	<log.dir>/<topic>-<partition>/             ParseDirName; also <..>.<uuid>-delete|-future|-stray
//	    00000000000000000000.log                batches (segment.go has the format)
//	    00000000000000000000.index              offset -> position (index.go); written at roll and close
//	    00000000000000000000.timeindex          timestamp -> offset (index.go); likewise
//	    00000000000000123456.log ...            the next segment, named by its base offset
//	    leader-epoch-checkpoint                 epoch start offsets (checkpoint package)
//	    *.deleted                               segments waiting for file.delete.delay.ms
//	    *.cleaned, *.swap                       the cleaner's segments being swapped in
//
// Other files there (producer snapshots, partition.metadata, .txnindex) are
// left alone; a .txnindex moves with its segment when renamed.
//
// # Invariants
//
//   - Segments are sorted by base offset; every batch of a segment has
//     offsets in [base, next segment's base) and lastOffset-base <= MaxInt32;
//     offsets increase strictly from batch to batch.
//   - Readers never see a partially written batch: a segment's readable
//     size and the log end offset are published after the bytes are
//     written, and every read is bounded by them.
//   - Everything below the recovery point is durable (fsynced, directory
//     entries included); the recovery point only moves forward by a
//     completed flush, and back by a truncation, which is itself durable.
//   - After Open, every batch in the log is one that was appended at its
//     offset (recovery never invents a byte), every batch below the
//     recovery point is there, and every rescanned segment holds its valid
//     batches up to its first invalid byte and nothing after it; after a
//     segment that had to be cut, every later segment is deleted. Segments
//     not rescanned passed their sanity checks and lie below the recovery
//     point. (As in Kafka, a power loss may drop whole unflushed batches
//     at the end of one segment while a later, also unflushed, segment
//     survives: the offsets in between are then missing, as in a
//     compacted log.)
//   - The leader epoch cache's epochs and start offsets increase strictly,
//     and its start offsets lie below the log end offset (an emptied log
//     keeps one entry at it, for its log start offset).
//   - An I/O error that could leave memory and disk apart fails the log
//     (ErrStorage): it refuses changes until closed and reopened. A failed
//     data write is undone instead, when cutting the file back works.
//
// # Concurrency and lock order
//
// Appends and every other change are serialised by Log.mu; reads take no
// log lock; flushes from any goroutine share fsyncs. Locks, outermost
// first; a lock is only ever taken while holding locks above it:
//
//	Log.fmu                      flush coordination; never held across I/O
//	Log.mu                       the writer
//	FileCache's lists            each list's own lock; it only TryLocks what it evicts
//	segmentFile.mu | index.mu    a segment's open .log | one index's entries (never both)
//	segmentDir.mu                the log's directory: read-held while a segment file is
//	                             opened or renamed, write-held by RenameDir
//	Segment.nameMu               a segment's file names: read-held while one is opened,
//	                             write-held while they are renamed
//	Segment.mu                   a segment's lazy fields
//	EpochCache.mu -> the checkpoint file's own lock
//	Log.delMu                    segments waiting for removal
//
// No lock is held while a Scheduler task runs, and ScheduleOnce must not
// run its task before returning.
//
// # Open files and memory
//
// An idle log holds one open file: its active segment's .log. The active
// segment's index entries live in memory (at most segment.index.bytes of
// each; one entry per index.interval.bytes of data at most, about 0.5% of
// it); they are written to the .index and .timeindex, trimmed, when the
// segment is rolled, when the log is closed and when a cleaned segment is
// sealed, and the flush covering a rolled segment fsyncs them. No index file
// is kept open. Other segments hold no file: a read opens the .log
// read-only, and looks the indexes up in their files (read whole, once).
// Both stay in a FileCache (Options.FileCache, shared by every log of the
// process by default) that bounds the open files and the index bytes kept,
// evicting by CLOCK. Read pins the file its region points into until
// FetchData.Release; eviction never closes a pinned file, and a file
// replaced while pinned is closed at its last release. A segment's removal
// (file.delete.delay.ms after its deletion) and the log's Close close its
// files whoever pins them, as Kafka does. See segment_file.go and index.go.
//
// # Time and scheduling
//
// The log reads time only from Options.Clock and defers work only through
// Options.Scheduler (deletion after file.delete.delay.ms, the flush of a
// rolled segment); it starts no goroutine of its own, so thousands of
// partitions cost memory (a few KiB each when idle) and one descriptor
// each, not threads.
package log
