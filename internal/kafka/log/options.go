package log

import (
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Errors. Each names the Kafka error code the broker answers with.
var (
	// ErrOffsetOutOfRange is OFFSET_OUT_OF_RANGE: a read outside
	// [log start, log end], or a log start offset past the caller's bound.
	ErrOffsetOutOfRange = errors.New("log: offset out of range")
	// ErrRecordTooLarge is MESSAGE_TOO_LARGE: a batch larger than
	// max.message.bytes on the leader path.
	ErrRecordTooLarge = errors.New("log: record batch larger than max.message.bytes")
	// ErrRecordBatchTooLarge is RECORD_LIST_TOO_LARGE: an append larger than
	// segment.bytes, which no segment could hold.
	ErrRecordBatchTooLarge = errors.New("log: records larger than segment.bytes")
	// ErrCorruptRecord is CORRUPT_MESSAGE: a batch failing its size or CRC check.
	ErrCorruptRecord = errors.New("log: corrupt record batch")
	// ErrInvalidRecord is INVALID_RECORD (or, for the wrapped record errors,
	// UNSUPPORTED_FOR_MESSAGE_FORMAT, INVALID_TIMESTAMP, ...): a well-formed
	// batch the append path refuses. The record package's error is wrapped.
	ErrInvalidRecord = errors.New("log: invalid record batch")
	// ErrOffsetsOutOfOrder is a follower append whose batches' offsets do
	// not increase (OffsetsOutOfOrderException).
	ErrOffsetsOutOfOrder = errors.New("log: offsets out of order")
	// ErrUnexpectedAppendOffset is a follower append starting below the log
	// end offset (UnexpectedAppendOffsetException).
	ErrUnexpectedAppendOffset = errors.New("log: unexpected append offset")
	// ErrStorage is KAFKA_STORAGE_ERROR: an I/O error left the log in a state
	// only recovery can repair. Every later mutation fails with it; close
	// the log and reopen it (without the clean shutdown flag).
	ErrStorage = errors.New("log: storage error")
	// ErrClosed is an operation on a closed log.
	ErrClosed = errors.New("log: closed")
	// ErrInvalidConfig is a Config that fails Validate.
	ErrInvalidConfig = errors.New("log: invalid config")
	// ErrInvalidDirName is a directory name that is not a partition's.
	ErrInvalidDirName = errors.New("log: not a partition directory")
	// ErrInvalidArgument is a caller error (a negative offset, a segment that
	// is not part of the log, ...).
	ErrInvalidArgument = errors.New("log: invalid argument")
)

// Clock is the time source. The log never reads the wall clock itself.
type Clock interface {
	// NowMs returns the current time in Unix milliseconds.
	NowMs() int64
}

// SystemClock is the operating system's wall clock.
type SystemClock struct{}

// NowMs returns time.Now in Unix milliseconds.
func (SystemClock) NowMs() int64 { return time.Now().UnixMilli() }

// Scheduler runs deferred work: the removal of .deleted files after
// file.delete.delay.ms, and the flush of a segment just rolled (Kafka's
// scheduler.scheduleOnce). fn may run on any goroutine; it must not be run
// while the caller of ScheduleOnce holds any lock of its own.
type Scheduler interface {
	ScheduleOnce(name string, delayMs int64, fn func())
}

// TimerScheduler runs each task on its own timer (time.AfterFunc): no
// goroutine exists until a task is due.
type TimerScheduler struct{}

// ScheduleOnce runs fn after delayMs.
func (TimerScheduler) ScheduleOnce(_ string, delayMs int64, fn func()) {
	time.AfterFunc(time.Duration(delayMs)*time.Millisecond, fn)
}

// EpochCheckpoint persists the leader epoch cache (leader-epoch-checkpoint).
type EpochCheckpoint interface {
	Read() ([]EpochEntry, error)
	// Write replaces the file's content durably.
	Write(entries []EpochEntry) error
}

// Options are what Open needs besides the directory and the config: the
// clock and scheduler, and what the owner (the log manager) read from its
// checkpoint files.
type Options struct {
	Clock     Clock        // default SystemClock
	Logger    *slog.Logger // default: discard
	Scheduler Scheduler    // default TimerScheduler
	// RecoveryPoint is this partition's entry in
	// recovery-point-offset-checkpoint: every offset below it was flushed.
	RecoveryPoint int64
	// LogStartOffset is this partition's entry in log-start-offset-checkpoint.
	LogStartOffset int64
	// HadCleanShutdown is whether the log directory held the clean shutdown
	// marker: then the files are trusted and nothing is rescanned.
	HadCleanShutdown bool
	// EpochCheckpoint stores the leader epoch cache; default the
	// leader-epoch-checkpoint file in the partition directory.
	EpochCheckpoint EpochCheckpoint
	// Jitter returns a random value in [0, n); it draws segment.jitter.ms.
	// Default math/rand/v2.
	Jitter func(n int64) int64
	// FileCache bounds the files and index entries the log's inactive
	// segments keep between reads; give every log of a process the same
	// one. Default: one shared by every log opened without one.
	FileCache *FileCache
}

func (o *Options) setDefaults() {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Scheduler == nil {
		o.Scheduler = TimerScheduler{}
	}
	if o.Jitter == nil {
		o.Jitter = rand.Int64N
	}
	if o.FileCache == nil {
		o.FileCache = defaultFileCache
	}
}

// randomSegmentJitter is LogConfig.randomSegmentJitter: a per-segment value
// in [0, min(segment.jitter.ms, segment.ms)).
func (l *Log) randomSegmentJitter() int64 {
	cfg := l.cfgp.Load()
	if cfg.SegmentJitterMs == 0 {
		return 0
	}
	return l.opts.Jitter(min(cfg.SegmentJitterMs, cfg.SegmentMs))
}
