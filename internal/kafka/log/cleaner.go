package log

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// The log cleaner: compaction of logs whose cleanup.policy contains
// "compact", as Kafka's LogCleaner, LogCleanerManager and Cleaner do it.
//
// # API at a glance
//
//	c, err := log.NewCleaner(log.DefaultCleanerConfig(), host, log.CleanerOptions{Clock, Logger})
//	c.Start()                      // after the logs are loaded
//	c.AbortAndPauseCleaning(tp)    // before truncating, deleting, renaming or closing tp's log
//	c.ResumeCleaning(tp)           // after (and host's checkpoint lowered to a truncation)
//	logs := c.PauseCleaningForNonCompacted() // retention of the other logs, then ResumeCleaning
//	c.Stop()                       // before closing the logs
//	cleaned, err := c.CleanOnce()  // or: one round in the caller's goroutine
//	m := c.Metrics()
//
// The owner implements CleanerHost (logs, cleaner-offset-checkpoint,
// high watermark and last stable offset); MemCleanerHost is a double.
// # What a cleaning does
//
// A compacted log has a clean head, already compacted, and a dirty tail.
// A cleaning (cleanerWorker.clean) takes the dirty section from the first
// dirty offset (the owner's cleaner-offset-checkpoint, or the log start)
// up to the first uncleanable offset — the active segment, the segment
// holding the last stable offset the owner gives, and the first segment
// whose largest timestamp is within min.compaction.lag.ms; and the
// recovery point, so that the offset map only holds durable records — and:
//
//  1. maps every key of the dirty section to its last offset there, in a
//     bounded offset map (offsetMap; log.cleaner.dedupe.buffer.size); when
//     the map fills up, the cleaning stops at the offset it reached and the
//     next one goes on from there;
//  2. learns each active producer's last data batch from the batch headers
//     of the whole log;
//  3. recopies every segment from the start of the log up to where the map
//     reaches, in groups that fit one segment (segment.bytes,
//     segment.index.bytes, 2^31 offsets), keeping for each key only records
//     at or above its mapped offset, with the rules in cleaner_filter.go
//     (tombstones until their delete horizon; transactions kept whole;
//     empty batches kept for active producers), every offset unchanged;
//  4. writes each group through NewCleanedSegment, Seal and ReplaceSegments:
//     the cleaned segment is durable before it replaces the old ones, and
//     the .cleaned -> .swap -> final rename sequence lets Open finish or
//     abandon a swap a crash interrupted; so after a crash the log holds
//     either the old segments or the cleaned one, each complete;
//  5. returns the new first dirty offset, which the owner checkpoints
//     (CleanerHost.SetFirstDirtyOffset) only after every swap is durable.
//
// Reads and writes are streamed through buffers of
// log.cleaner.io.buffer.size (grown to the largest batch when needed) and
// throttled to log.cleaner.io.max.bytes.per.second across threads.
//
// # Choosing a log, and the background threads
//
// Each of log.cleaner.threads goroutines loops: choose the dirtiest
// compacted log (dirty bytes / total bytes above min.cleanable.dirty.ratio,
// or dirty data older than max.compaction.lag.ms), clean it, then apply
// retention (DeleteOldSegments) to every idle compacted log — compacted
// logs get retention from the cleaner, never concurrently with a cleaning;
// when nothing was cleaned, sleep log.cleaner.backoff.ms. A log whose
// cleaning or retention fails is left alone until the owner stops listing
// it (a reopened log is a new *Log): after a storage error the log has
// failed (ErrStorage) and its directory may hold a half-made swap that
// only Open may sort out, so the cleaner writes nothing more there.
//
// # Deviations from Kafka
//
//   - No transaction index: transactional batches and control batches are
//     kept whole and transactional records stay out of the offset map (see
//     cleaner_filter.go). Aborted data is therefore not removed, and commit
//     and abort markers are never dropped.
//   - No producer state in the log: the producers and their last data
//     batches are read from the headers of the whole log at each cleaning;
//     a producer counts as active while its last batch is younger than
//     producer.id.expiration.ms, and its last data batch is kept (empty if
//     need be) whatever its epoch.
//   - Only v2 batches exist here, so there is no legacy delete horizon
//     (segment modification times are neither used nor preserved).
//   - The offset map hashes keys with seeded maphash, not MD5 (offsetMap).
//   - Cleaning stops at the recovery point (cleanableOffsets): Kafka may
//     remove a flushed record because of a newer one not yet flushed,
//     which a power loss then takes too; Wharf promises the newest flushed
//     value of every key survives. Rolled segments are flushed right away,
//     so this holds back only what Kafka's own flush policy has not
//     written yet.
//
// # Concurrency
//
// Cleaner.mu guards the partitions' cleaning states; it is a leaf: no log
// lock is taken and no host method called while holding it. grabMu
// serialises the choice of a log between threads and is taken before mu;
// a worker's busy lock (one goroutine per worker) is taken before both.
// A worker calls the log's own methods (ReplaceSegments takes Log.mu) and
// the host's with neither held. AbortAndPauseCleaning waits, holding no
// lock but mu's condition, for the cleaning to stop: so the host must not
// call the Cleaner from inside its own methods, nor hold a lock there
// that it holds while calling AbortAndPauseCleaning.

// CleanerHost is what a Cleaner needs from its owner, the log manager: the
// logs, their cleaner-offset-checkpoint entries, and the bounds
// replication sets. MemCleanerHost is an in-memory implementation.
type CleanerHost interface {
	// Logs returns the logs to consider (those of compacted topics are
	// cleaned), at most one per partition. It is called at every choice.
	Logs() []*Log
	// FirstDirtyOffset returns tp's entry in cleaner-offset-checkpoint,
	// and false when it has none.
	FirstDirtyOffset(tp TopicPartition) (offset int64, ok bool)
	// SetFirstDirtyOffset records tp's new first dirty offset (and writes
	// the checkpoint file of the log's directory). An error is logged; the
	// cleaning already swapped in stays.
	SetFirstDirtyOffset(tp TopicPartition, offset int64) error
	// Bounds returns tp's high watermark, below which retention may delete,
	// and its last stable offset, below which cleaning may go (the high
	// watermark when there are no transactions).
	Bounds(tp TopicPartition) (highWatermark, lastStableOffset int64)
}

// Cleaner errors.
var (
	// ErrCleaningAborted ends a cleaning stopped by AbortAndPauseCleaning
	// (LogCleaningAbortedException; Stop ends one with context.Canceled);
	// nothing of it is swapped in after it is returned.
	ErrCleaningAborted = errors.New("log: cleaning aborted")
	// ErrCleaningNotPaused is ResumeCleaning of a partition not paused.
	ErrCleaningNotPaused = errors.New("log: cleaning not paused")
	// ErrCleanerRunning is CleanOnce while the background threads run.
	ErrCleanerRunning = errors.New("log: cleaner threads running")
)

// CleanerOptions are a Cleaner's clock and logger.
type CleanerOptions struct {
	Clock  Clock        // default SystemClock; gives now for horizons and lags
	Logger *slog.Logger // default: discard
}

// Cleaner is the log cleaner (Kafka's LogCleaner with its
// LogCleanerManager): its threads choose and clean compacted logs.
type Cleaner struct {
	cfg      CleanerConfig
	host     CleanerHost
	clock    Clock
	logger   *slog.Logger
	throttle *throttler
	workers  []*cleanerWorker

	grabMu sync.Mutex // one thread chooses at a time; taken before mu

	mu                   sync.Mutex
	cond                 sync.Cond
	states               map[TopicPartition]*cleanState
	uncleanable          map[*Log]struct{}
	pauseGen             uint64 // counts pauses, so a choice can tell one happened
	ctx                  context.Context
	stop                 context.CancelFunc
	wg                   sync.WaitGroup
	running              bool
	lastStats            []CleanerStats
	dirtiestRatio        float64
	maxCompactionDelayMs int64
	lastRunMs            int64
}

// NewCleaner returns a cleaner of the host's logs; Start runs its threads.
func NewCleaner(cfg CleanerConfig, host CleanerHost, opts CleanerOptions) (*Cleaner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Cleaner{
		cfg: cfg, host: host, clock: opts.Clock, logger: opts.Logger.With("component", "log-cleaner"),
		throttle:    newThrottler(cfg.IOMaxBytesPerSecond),
		states:      map[TopicPartition]*cleanState{},
		uncleanable: map[*Log]struct{}{},
		ctx:         context.Background(),
		lastStats:   make([]CleanerStats, cfg.threads()),
	}
	c.cond.L = &c.mu
	for i := range cfg.threads() {
		c.workers = append(c.workers, newCleanerWorker(i, cfg, c.throttle, c.clock, c.logger))
	}
	return c, nil
}

// Start runs log.cleaner.threads goroutines (none when the cleaner is not
// enabled or has no threads). Starting a started cleaner does nothing.
func (c *Cleaner) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running || !c.cfg.Enable || c.cfg.Threads == 0 {
		return
	}
	c.running = true
	c.ctx, c.stop = context.WithCancel(context.Background())
	for _, w := range c.workers[:c.cfg.Threads] {
		c.wg.Add(1)
		go c.run(c.ctx, w)
	}
}

// Stop stops the threads, aborting the cleanings in progress, and waits
// for them (LogCleaner.shutdown). The owner stops the cleaner before it
// closes its logs.
func (c *Cleaner) Stop() {
	c.mu.Lock()
	if !c.running {
		c.mu.Unlock()
		return
	}
	c.stop()
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	c.running = false
	c.ctx = context.Background()
	c.mu.Unlock()
}

func (c *Cleaner) run(ctx context.Context, w *cleanerWorker) {
	defer c.wg.Done()
	for ctx.Err() == nil {
		cleaned, _ := c.work(w)
		if !cleaned {
			t := time.NewTimer(time.Duration(c.cfg.BackoffMs) * time.Millisecond)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
	}
}

// CleanOnce does one round of a cleaner thread's work, in the caller's
// goroutine: clean the dirtiest log that needs it, then apply retention to
// the compacted logs. It reports whether a log was cleaned and the first
// unexpected error (an aborted cleaning is not one). For owners that
// schedule the cleaner themselves, and for tests.
func (c *Cleaner) CleanOnce() (bool, error) {
	c.mu.Lock()
	running := c.running
	c.mu.Unlock()
	if running {
		return false, ErrCleanerRunning
	}
	return c.work(c.workers[0])
}

// work is CleanerThread.doWork without the backoff.
func (c *Cleaner) work(w *cleanerWorker) (bool, error) {
	w.busy.Lock() // CleanOnce may overlap a Start
	defer w.busy.Unlock()
	now := c.clock.NowMs()
	var first error
	ltc, ctx := c.grabFilthiestCompactedLog(now)
	if ltc != nil {
		end, stats, err := w.clean(ctx, *ltc, now)
		switch {
		case err == nil:
			c.recordStats(w.id, stats)
		case errors.Is(err, ErrCleaningAborted) || errors.Is(err, context.Canceled):
			c.logger.Info("cleaning aborted", "partition", ltc.tp)
		case errors.Is(err, ErrStorage) || errors.Is(err, ErrClosed):
			// Until the owner reopens it (a new *Log), the log is left
			// alone: its directory may hold a half-made swap only Open
			// may sort out.
			c.logger.Warn("cleaning stopped: the log failed or closed", "partition", ltc.tp, "err", err)
			c.markUncleanable(ltc.log)
			first = err
		default:
			c.logger.Warn("cleaning failed; the log is marked uncleanable", "partition", ltc.tp, "err", err)
			c.markUncleanable(ltc.log)
			first = err
		}
		c.doneCleaning(ltc.tp, end, err == nil)
	}
	deletable := c.deletableLogs()
	done := make([]TopicPartition, 0, len(deletable))
	for _, l := range deletable {
		tp := l.TopicPartition()
		hw, _ := c.host.Bounds(tp)
		if _, err := l.DeleteOldSegments(c.clock.NowMs(), hw); err != nil {
			c.logger.Warn("retention of a compacted log failed", "partition", tp, "err", err)
			c.markUncleanable(l)
			first = cmpErr(first, err)
		}
		done = append(done, tp)
	}
	c.finish(done)
	c.maintainUncleanable()
	return ltc != nil, first
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func (c *Cleaner) recordStats(id int, s CleanerStats) {
	c.mu.Lock()
	c.lastStats[id] = s
	c.mu.Unlock()
	c.logger.Info("cleaned log", "partition", s.Partition,
		"dirtySection", []int64{s.FirstDirtyOffset, s.EndOffset}, "elapsedMs", s.ElapsedMs(),
		"bytesRead", s.BytesRead, "bytesWritten", s.BytesWritten,
		"messagesRead", s.MessagesRead, "messagesWritten", s.MessagesWritten,
		"mapBytesRead", s.MapBytesRead, "bufferUtilization", s.BufferUtilization)
	if s.InvalidMessagesRead > 0 {
		c.logger.Warn("found invalid messages during compaction", "partition", s.Partition, "count", s.InvalidMessagesRead)
	}
}

// CleanerMetrics is what Kafka's cleaner exposes as metrics.
type CleanerMetrics struct {
	// LastStats holds each thread's last completed cleaning.
	LastStats []CleanerStats
	// MaxDirtyRatio is the dirtiest compacted log's dirty ratio at the last
	// choice (max-dirty-percent / 100).
	MaxDirtyRatio float64
	// MaxCompactionDelayMs is how far past max.compaction.lag.ms the most
	// overdue log was (max-compaction-delay-secs * 1000).
	MaxCompactionDelayMs int64
	// LastRunMs is when a thread last chose a log (time-since-last-run-ms).
	LastRunMs int64
	// UncleanablePartitions counts logs whose cleaning failed.
	UncleanablePartitions int
}

// Metrics returns the cleaner's current metrics.
func (c *Cleaner) Metrics() CleanerMetrics {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CleanerMetrics{
		LastStats:             append([]CleanerStats(nil), c.lastStats...),
		MaxDirtyRatio:         c.dirtiestRatio,
		MaxCompactionDelayMs:  c.maxCompactionDelayMs,
		LastRunMs:             c.lastRunMs,
		UncleanablePartitions: len(c.uncleanable),
	}
}

// SetIOMaxBytesPerSecond changes log.cleaner.io.max.bytes.per.second (a
// dynamic broker config).
func (c *Cleaner) SetIOMaxBytesPerSecond(rate float64) { c.throttle.setRate(rate) }
