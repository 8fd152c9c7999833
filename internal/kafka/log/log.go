package log

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

// Log is one partition's log (Kafka's UnifiedLog and LocalLog, without the
// producer state and remote storage): segments in a directory, appended at
// the end, read anywhere, rolled, retained, truncated and recovered.
//
// Concurrency: one writer at a time (Append*, Roll, Truncate*,
// DeleteOldSegments, IncrementLogStartOffset, ReplaceSegments, Close hold
// Log.mu); readers (Read, FetchOffsetByTimestamp, the offset accessors) take
// no log lock and see only published state: the segment list, each
// segment's size and the log end offset are stored after the bytes they
// cover are written. Flush may be called from any number of goroutines;
// concurrent callers share fsyncs (see Flush). The lock order is in the
// package documentation.
type Log struct {
	fs     vfs.FS
	opts   Options
	logger *slog.Logger
	epochs *EpochCache

	// The directory and what its name says; RenameDir changes them (under
	// mu). sdir is the directory as the segments name their files.
	dir  string
	sdir *segmentDir
	tp   TopicPartition
	name string // tp.String(), for messages
	kind DirKind
	// ownCheckpoint: the epoch checkpoint is the directory's file, to be
	// reopened when the directory is renamed.
	ownCheckpoint bool

	// Published to readers.
	cfgp      atomic.Pointer[Config]
	segs      atomic.Pointer[[]*Segment] // sorted by base offset; the last is active
	logStart  atomic.Int64
	logEnd    atomic.Int64
	recovery  atomic.Int64 // the recovery point: every offset below it is durable
	lastFlush atomic.Int64
	truncGen  atomic.Uint64 // changes whenever offsets at or below the end may change
	bound     atomic.Pointer[boundPos]

	mu       sync.Mutex
	dirDirty bool  // directory entries changed since the last directory sync
	failure  error // a storage failure: the log only closes now
	closed   bool

	fmu          sync.Mutex
	fcond        sync.Cond
	flushing     bool
	flushErr     error
	flushClosed  bool
	flushWaiters int       // callers waiting for a flush in progress
	plan         flushPlan // reused by the one flush running at a time

	delMu          sync.Mutex
	pendingDeletes map[*Segment]struct{}
}

// TopicPartition is the partition the log's directory names.
func (l *Log) TopicPartition() TopicPartition {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tp
}

// Dir is the log's directory.
func (l *Log) Dir() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dir
}

// DirKind is what the directory's name marks it as.
func (l *Log) DirKind() DirKind {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.kind
}

// RenameDir renames the partition directory to name, in the same parent,
// durably, and keeps the log working there (UnifiedLog.renameDir): what the
// log manager does to a deleted partition (DeleteDirName, before Delete
// later) or to a replica moved between log directories (from a
// FutureDirName to DirName).
func (l *Log) RenameDir(name string) error {
	tp, kind, err := ParseDirName(name)
	if err != nil || name != filepath.Base(name) {
		return fmt.Errorf("%w: %q is not a partition directory name", ErrInvalidArgument, name)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.writableLocked(); err != nil {
		return err
	}
	newDir := filepath.Join(filepath.Dir(l.dir), name)
	if newDir == l.dir {
		return nil
	}
	// Segment files are opened by name: none may be opened during the
	// rename (the open files follow it).
	l.sdir.mu.Lock()
	err = l.fs.Rename(l.dir, newDir)
	if err == nil {
		l.sdir.path = newDir
	}
	l.sdir.mu.Unlock()
	if err != nil {
		return err // nothing changed
	}
	if err := l.fs.SyncDir(filepath.Dir(newDir)); err != nil {
		return l.failLocked(err)
	}
	l.dir, l.tp, l.name, l.kind = newDir, tp, tp.String(), kind
	if l.ownCheckpoint {
		cp, err := checkpoint.OpenLeaderEpochFile(l.fs, filepath.Join(newDir, LeaderEpochCheckpointFile))
		if err != nil {
			return l.failLocked(err)
		}
		l.epochs.setCheckpoint(cp)
	}
	return nil
}

// Config returns the current configuration.
func (l *Log) Config() Config { return *l.cfgp.Load() }

// UpdateConfig replaces the configuration (a dynamic topic config change).
// Segment-level settings (index sizes and interval, preallocation, jitter)
// apply to segments created afterwards, as in Kafka.
func (l *Log) UpdateConfig(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfgp.Store(&cfg)
	return nil
}

// EpochCache is the log's leader epoch cache.
func (l *Log) EpochCache() *EpochCache { return l.epochs }

// LogStartOffset is the first offset readers may read.
func (l *Log) LogStartOffset() int64 { return l.logStart.Load() }

// LogEndOffset is the offset the next appended record gets.
func (l *Log) LogEndOffset() int64 { return l.logEnd.Load() }

// RecoveryPoint is the offset below which everything is durable: the owner
// writes it to recovery-point-offset-checkpoint and passes it back to Open.
func (l *Log) RecoveryPoint() int64 { return l.recovery.Load() }

// LastFlushTime is when a flush last advanced the recovery point (ms), or
// when the log was opened.
func (l *Log) LastFlushTime() int64 { return l.lastFlush.Load() }

// UnflushedMessages is the number of offsets appended but not yet durable.
func (l *Log) UnflushedMessages() int64 { return l.logEnd.Load() - l.recovery.Load() }

// Segments returns the log's segments, oldest first; the last is active.
// The slice is the caller's; the segments must only be read.
func (l *Log) Segments() []*Segment { return slices.Clone(*l.segs.Load()) }

// NumSegments is the number of segments.
func (l *Log) NumSegments() int { return len(*l.segs.Load()) }

// ActiveSegment is the segment taking appends.
func (l *Log) ActiveSegment() *Segment {
	s := *l.segs.Load()
	return s[len(s)-1]
}

// Size is the log's size in bytes.
func (l *Log) Size() int64 {
	var n int64
	for _, s := range *l.segs.Load() {
		n += s.Size()
	}
	return n
}

// OffsetMetadata locates an offset: the segment holding it and the byte
// position of its batch in that segment (LogOffsetMetadata).
type OffsetMetadata struct {
	Offset      int64
	SegmentBase int64
	Position    int64
}

// LogEndOffsetMetadata locates the log end offset.
func (l *Log) LogEndOffsetMetadata() OffsetMetadata {
	segs := *l.segs.Load()
	leo := l.logEnd.Load()
	a := segs[len(segs)-1]
	return OffsetMetadata{Offset: leo, SegmentBase: a.base, Position: a.Size()}
}

func (l *Log) String() string {
	return fmt.Sprintf("Log(dir=%s, logStartOffset=%d, logEndOffset=%d)", l.Dir(), l.LogStartOffset(), l.LogEndOffset())
}

// floorSegment returns the index of the last segment whose base offset is
// <= offset, or -1.
func floorSegment(segs []*Segment, offset int64) int {
	i, found := slices.BinarySearchFunc(segs, offset, func(s *Segment, o int64) int {
		switch {
		case s.base < o:
			return -1
		case s.base > o:
			return 1
		}
		return 0
	})
	if found {
		return i
	}
	return i - 1
}

// publishLocked replaces the segment list readers see.
func (l *Log) publishLocked(segs []*Segment) { l.segs.Store(&segs) }

// writableLocked returns why the log cannot be changed, if it cannot.
func (l *Log) writableLocked() error {
	if l.closed {
		return ErrClosed
	}
	return l.failure
}

// failLocked records a storage failure: from now on the log refuses every
// change, as Kafka takes a log directory offline after an I/O error.
func (l *Log) failLocked(err error) error {
	if errors.Is(err, ErrStorage) {
		return err
	}
	err = fmt.Errorf("%w: %s: %w", ErrStorage, l.dir, err)
	if l.failure == nil {
		l.failure = err
		l.logger.Error("log failed; it must be closed and recovered", "dir", l.dir, "err", err)
	}
	return err
}

// Close flushes the log, writes the final time index entry of the active
// segment, trims its indexes and closes every file (UnifiedLog.close after
// LogManager's flush). When it returns nil the files are durable and
// trustworthy: the owner may then write the clean shutdown marker. A log
// that failed (ErrStorage) only closes its files and returns the failure.
func (l *Log) Close() error {
	return l.shutdown(func(segs []*Segment) error {
		err := l.failure
		if err == nil {
			err = l.finalFlushLocked(segs)
		}
		return err
	})
}

// finalFlushLocked makes everything durable for a clean close.
func (l *Log) finalFlushLocked(segs []*Segment) error {
	active := segs[len(segs)-1]
	if err := active.onBecomeInactive(true); err != nil {
		return l.failLocked(err)
	}
	p := l.planFlushLocked(true)
	if err := l.runFlush(p); err != nil {
		return l.failLocked(err)
	}
	l.recovery.Store(l.logEnd.Load())
	return nil
}

// Delete closes the log without flushing and removes its directory with
// everything in it (UnifiedLog.delete). Scheduled deletions still pending
// find their files gone, which they tolerate.
func (l *Log) Delete() error {
	err := l.shutdown(func(segs []*Segment) error {
		for _, s := range segs {
			s.deleted.Store(true)
		}
		return nil
	})
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fs.RemoveAll(l.dir)
}

// shutdown waits for a flush in progress, stops new ones, runs last (under
// mu) and closes every file. A second shutdown returns ErrClosed.
func (l *Log) shutdown(last func(segs []*Segment) error) error {
	l.fmu.Lock()
	for l.flushing {
		l.fcond.Wait()
	}
	l.flushClosed = true
	l.fmu.Unlock()

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	l.closed = true
	segs := *l.segs.Load()
	err := last(segs)
	for _, s := range segs {
		s.closeFiles()
	}
	l.closePendingDeletes()
	return err
}
