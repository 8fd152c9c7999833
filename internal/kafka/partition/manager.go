package partition

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/logmanager"
	"github.com/wharf-project/wharf/internal/kafka/producerstate"
	"github.com/wharf-project/wharf/internal/kafka/replica"
	"github.com/wharf-project/wharf/internal/vfs"
)

// TopicPartition names a partition.
type TopicPartition = log.TopicPartition

// Config is the replica manager's share of server.properties.
type Config struct {
	BrokerID int32
	// ReplicaLagTimeMaxMs is replica.lag.time.max.ms (default 30000).
	ReplicaLagTimeMaxMs int64
	// ProducerIDExpirationMs is producer.id.expiration.ms (Kafka 3.4+,
	// default one day); Kafka 2.8 took transactional.id.expiration.ms
	// (default seven days) for it. An idempotent producer idle this long
	// (by its batches' timestamps) is forgotten.
	ProducerIDExpirationMs int64
	// ProducerIDExpirationCheckIntervalMs is
	// producer.id.expiration.check.interval.ms (default 600000).
	ProducerIDExpirationCheckIntervalMs int64
	// AsyncFlush selects Kafka's durability: acks=all is answered once the
	// ISR has the batch in memory, fsync is left to flush.messages and
	// flush.ms. The default (false) is Wharf's (DESIGN decision 6): an
	// offset counts toward the high watermark only once fsynced, so
	// acks=all waits for a group-commit fsync and consumers see only
	// durable records.
	AsyncFlush bool
	// FlushWorkers is how many goroutines run group-commit fsyncs (durable
	// mode). Default 8: an acks=all request naming several partitions is
	// answered once each is fsynced, and fsyncs of different files run in
	// parallel (the filesystem shares journal commits among them: 8
	// partitions' fsyncs took 1.5 ms in parallel, 1.8 ms on 2 workers and
	// 2.5 ms one after the other here, and p99 produce latency of 100 B
	// acks=all records on 8 partitions at 800k/s fell from 8.5 to 7 ms).
	FlushWorkers int
	// LazyFlushDelay bounds how long an fsync nobody waits for yet (after
	// an acks=0/1 append) is put off in durable mode, so that such appends
	// share fsyncs; an acks=all produce, a replica's append or a waiting
	// fetch flushes at once. Default 50 ms; negative: no delay.
	LazyFlushDelay time.Duration
}

// Defaults of Config.
const (
	DefaultProducerIDExpirationCheckIntervalMs = 10 * 60 * 1000
	DefaultFlushWorkers                        = 8
	DefaultLazyFlushDelay                      = 50 * time.Millisecond
)

// Metadata is what the replica manager asks the metadata cache.
type Metadata interface {
	// HasPartition reports whether the partition exists in the cluster:
	// a request for one this broker does not host then gets
	// NOT_LEADER_OR_FOLLOWER, not UNKNOWN_TOPIC_OR_PARTITION.
	HasPartition(tp TopicPartition) bool
	// IsBrokerAlive reports whether a broker is registered.
	IsBrokerAlive(id int32) bool
}

// IsrUpdater writes an ISR the leader proposes (AlterIsr to the
// controller, or the partition state znode under its version) and calls
// done once with the outcome and, if committed, the partition state now
// (from any goroutine, without locks of the caller held).
type IsrUpdater interface {
	UpdateIsr(tp TopicPartition, change replica.IsrChange, done func(replica.IsrOutcome, replica.LeaderAndIsr))
}

// InitialFetchState is where a follower starts fetching.
type InitialFetchState struct {
	Leader      int32
	LeaderEpoch int32
	FetchOffset int64
}

// Fetcher replicates followers from their leaders (ReplicaFetcherManager);
// the implementation is the next milestone's.
type Fetcher interface {
	AddPartitions(map[TopicPartition]InitialFetchState)
	RemovePartitions([]TopicPartition)
}

type noFetcher struct{}

func (noFetcher) AddPartitions(map[TopicPartition]InitialFetchState) {}
func (noFetcher) RemovePartitions([]TopicPartition)                  {}

// Options are the replica manager's dependencies.
type Options struct {
	Logs   *logmanager.Manager // required
	FS     vfs.FS              // the log manager's filesystem; default vfs.Default
	Clock  log.Clock           // default log.SystemClock
	Logger *slog.Logger        // default: discard
	// LogConfig returns a topic's log config (broker defaults plus the
	// topic's overrides); required.
	LogConfig func(topic string) (log.Config, error)
	// MinInsyncReplicas returns a topic's min.insync.replicas; nil: 1.
	MinInsyncReplicas func(topic string) int
	Metadata          Metadata   // nil: no partition known beyond ours, every broker alive
	IsrUpdater        IsrUpdater // nil: ISR changes are dropped (a lone broker never proposes one)
	Fetcher           Fetcher    // nil: a stub that does nothing
	// OnLeadershipChange is told which partitions became leaders and
	// followers after each LeaderAndIsr (the group and transaction
	// coordinators load or unload their partitions).
	OnLeadershipChange func(leaders, followers []TopicPartition)
	// ManualTime runs no background goroutine: the owner calls Tick to
	// expire delayed operations and run the periodic tasks (tests,
	// simulators). Use it with a manual Clock.
	ManualTime bool
}

// ReplicaManager is the broker's replica manager (ReplicaManager.scala):
// the partitions this broker hosts, appends and reads on them, the
// delayed produce, fetch and delete-records operations, and the
// LeaderAndIsr and StopReplica transitions.
//
// # Lock order
//
// Outermost first; a lock is only taken while holding locks above it:
//
//	ReplicaManager.stateMu     LeaderAndIsr / StopReplica (replicaStateChangeLock)
//	ReplicaManager.mu          the partition map; never held across I/O
//	delayed operation's mu     one produce/fetch/delete-records operation
//	Partition.mu               the check-and-append, the replica and producer state
//	(package log's locks)      taken by the log's methods
//	purgatory.mu, flusher.mu   leaves
//
// Log.Flush (the fsync) is not called with Partition.mu held, so that
// appends continue while it runs and the next fsync covers them all;
// only a partition's creation (LeaderAndIsr) and Close flush under it,
// when no append can be waiting. Callbacks (done, OnLeadershipChange,
// an IsrUpdater's done) are called with none of these locks held, except
// OnLeadershipChange, which runs under stateMu: it must not call
// BecomeLeaderOrFollower or StopReplicas.
type ReplicaManager struct {
	cfg    Config
	opts   Options
	logs   *logmanager.Manager
	clock  log.Clock
	logger *slog.Logger

	stateMu         sync.Mutex
	controllerEpoch int32
	hwCheckpoints   map[TopicPartition]int64 // read once, at the first LeaderAndIsr

	mu         sync.RWMutex
	partitions map[TopicPartition]*Partition
	offline    map[TopicPartition]bool

	producePurgatory *purgatory
	fetchPurgatory   *purgatory
	deletePurgatory  *purgatory
	flusher          *flusher

	closed   atomic.Bool
	stop     chan struct{}
	loopDone chan struct{}
	tasksMu  sync.Mutex
	nextIsr  int64
	nextExp  int64
}

// New returns a replica manager over the log manager's logs. Call Start
// (unless Options.ManualTime) and Close.
func New(cfg Config, opts Options) (*ReplicaManager, error) {
	if opts.Logs == nil || opts.LogConfig == nil {
		return nil, errors.New("partition: Options.Logs and Options.LogConfig are required")
	}
	if cfg.ReplicaLagTimeMaxMs <= 0 {
		cfg.ReplicaLagTimeMaxMs = replica.DefaultReplicaLagTimeMaxMs
	}
	if cfg.ProducerIDExpirationMs <= 0 {
		cfg.ProducerIDExpirationMs = producerstate.DefaultProducerIDExpirationMs
	}
	if cfg.ProducerIDExpirationCheckIntervalMs <= 0 {
		cfg.ProducerIDExpirationCheckIntervalMs = DefaultProducerIDExpirationCheckIntervalMs
	}
	if cfg.FlushWorkers <= 0 {
		cfg.FlushWorkers = DefaultFlushWorkers
	}
	if cfg.LazyFlushDelay == 0 {
		cfg.LazyFlushDelay = DefaultLazyFlushDelay
	}
	if opts.FS == nil {
		opts.FS = vfs.Default
	}
	if opts.Clock == nil {
		opts.Clock = log.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Fetcher == nil {
		opts.Fetcher = noFetcher{}
	}
	if opts.MinInsyncReplicas == nil {
		opts.MinInsyncReplicas = func(string) int { return 1 }
	}
	rm := &ReplicaManager{
		cfg: cfg, opts: opts, logs: opts.Logs, clock: opts.Clock, logger: opts.Logger,
		partitions: map[TopicPartition]*Partition{}, offline: map[TopicPartition]bool{},
		producePurgatory: newPurgatory(), fetchPurgatory: newPurgatory(), deletePurgatory: newPurgatory(),
		stop: make(chan struct{}), loopDone: make(chan struct{}),
		controllerEpoch: -1,
	}
	now := rm.clock.NowMs()
	rm.nextIsr, rm.nextExp = now+cfg.ReplicaLagTimeMaxMs/2, now+cfg.ProducerIDExpirationCheckIntervalMs
	if !cfg.AsyncFlush {
		rm.flusher = newFlusher(cfg.FlushWorkers, cfg.LazyFlushDelay)
	}
	return rm, nil
}

// Start starts the background goroutine (delayed operation expiry, ISR
// shrink, producer expiry) unless Options.ManualTime.
func (rm *ReplicaManager) Start() {
	if rm.opts.ManualTime {
		close(rm.loopDone)
		return
	}
	go rm.loop()
}

// Config returns the configuration.
func (rm *ReplicaManager) Config() Config { return rm.cfg }

// loop sleeps until the next deadline or periodic task.
func (rm *ReplicaManager) loop() {
	defer close(rm.loopDone)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := rm.clock.NowMs()
		rm.Tick(now)
		next := rm.nextTaskAt()
		for _, p := range []*purgatory{rm.producePurgatory, rm.fetchPurgatory, rm.deletePurgatory} {
			if d, ok := p.nextDeadline(); ok && d < next {
				next = d
			}
		}
		timer.Reset(time.Duration(max(next-now, 1)) * time.Millisecond)
		select {
		case <-rm.stop:
			return
		case <-timer.C:
		case <-rm.producePurgatory.wake:
		case <-rm.fetchPurgatory.wake:
		case <-rm.deletePurgatory.wake:
		}
	}
}

func (rm *ReplicaManager) nextTaskAt() int64 {
	rm.tasksMu.Lock()
	defer rm.tasksMu.Unlock()
	return min(rm.nextIsr, rm.nextExp)
}

// Tick expires the delayed operations due at now and runs the periodic
// tasks that are due: the ISR shrink every replica.lag.time.max.ms / 2,
// producer expiry every producer.id.expiration.check.interval.ms. The
// background goroutine calls it; with Options.ManualTime the owner does.
func (rm *ReplicaManager) Tick(now int64) {
	rm.producePurgatory.expireDue(now)
	rm.fetchPurgatory.expireDue(now)
	rm.deletePurgatory.expireDue(now)
	rm.tasksMu.Lock()
	isr, exp := now >= rm.nextIsr, now >= rm.nextExp
	if isr {
		rm.nextIsr = now + rm.cfg.ReplicaLagTimeMaxMs/2
	}
	if exp {
		rm.nextExp = now + rm.cfg.ProducerIDExpirationCheckIntervalMs
	}
	rm.tasksMu.Unlock()
	if !isr && !exp {
		return
	}
	for _, p := range rm.onlinePartitions() {
		if isr {
			p.maybeShrinkIsr(now)
		}
		if exp {
			p.expireProducers(now)
		}
	}
}

// Close stops the background work, completes every waiting operation
// (acks=all produces time out), writes each partition's producer snapshot
// at its log end (after flushing the log: a clean shutdown), and the high
// watermark checkpoint. Call it before the log manager's Close.
func (rm *ReplicaManager) Close() error {
	if !rm.closed.CompareAndSwap(false, true) {
		return nil
	}
	if !rm.opts.ManualTime {
		close(rm.stop)
	}
	<-rm.loopDone
	if rm.flusher != nil {
		rm.flusher.close()
	}
	for _, p := range rm.onlinePartitions() {
		rm.completeDelayed(p.tp, true)
	}
	rm.expireAll()
	var errs []error
	for _, p := range rm.onlinePartitions() {
		errs = append(errs, p.close())
	}
	errs = append(errs, rm.CheckpointHighWatermarks())
	return errors.Join(errs...)
}

// expireAll completes every waiting operation as expired (at Close, and
// for operations that arrive while it runs).
func (rm *ReplicaManager) expireAll() {
	for _, p := range []*purgatory{rm.producePurgatory, rm.fetchPurgatory, rm.deletePurgatory} {
		p.expireDue(1<<63 - 1)
	}
}

// watch puts op in a purgatory; after Close nothing would expire it, so
// it is expired at once.
func (rm *ReplicaManager) watch(p *purgatory, op delayed, timeoutMs int32, keys []TopicPartition) {
	p.tryCompleteElseWatch(op, rm.clock.NowMs()+int64(timeoutMs), keys)
	if rm.closed.Load() {
		rm.expireAll()
	}
}

// Partition returns a hosted partition.
func (rm *ReplicaManager) Partition(tp TopicPartition) (*Partition, bool) {
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	p, ok := rm.partitions[tp]
	return p, ok
}

// Partitions returns the hosted partitions, sorted.
func (rm *ReplicaManager) Partitions() []TopicPartition {
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	return slices.SortedFunc(maps.Keys(rm.partitions), comparePartitions)
}

func comparePartitions(a, b TopicPartition) int {
	if a.Topic != b.Topic {
		if a.Topic < b.Topic {
			return -1
		}
		return 1
	}
	return int(a.Partition) - int(b.Partition)
}

func (rm *ReplicaManager) onlinePartitions() []*Partition {
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	out := make([]*Partition, 0, len(rm.partitions))
	for _, p := range rm.partitions {
		out = append(out, p)
	}
	return out
}

// getPartition is getPartitionOrError: the partition, or the error a
// request for it gets (KAFKA_STORAGE_ERROR when its log directory is
// offline, NOT_LEADER_OR_FOLLOWER when the topic exists elsewhere,
// UNKNOWN_TOPIC_OR_PARTITION otherwise).
func (rm *ReplicaManager) getPartition(tp TopicPartition) (*Partition, error) {
	rm.mu.RLock()
	p, ok := rm.partitions[tp]
	off := rm.offline[tp]
	rm.mu.RUnlock()
	switch {
	case off || rm.logs.IsOffline(tp):
		return nil, fmt.Errorf("%w: %s", ErrStorage, tp)
	case ok:
		return p, nil
	case rm.opts.Metadata != nil && rm.opts.Metadata.HasPartition(tp):
		return nil, fmt.Errorf("%w: %s is not hosted here", ErrNotLeaderOrFollower, tp)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownTopicOrPartition, tp)
}

// markOffline takes a partition out after a storage error
// (markPartitionOffline) and tells the log manager its directory failed.
func (rm *ReplicaManager) markOffline(p *Partition, err error) {
	rm.mu.Lock()
	if rm.partitions[p.tp] == p {
		delete(rm.partitions, p.tp)
	}
	rm.offline[p.tp] = true
	rm.mu.Unlock()
	if dir, ok := rm.logs.LogDirOf(p.tp); ok {
		rm.logs.LogDirFailed(dir, err)
	}
	rm.logger.Error("partition offline after a storage error", "partition", p.tp.String(), "err", err)
	rm.completeDelayed(p.tp, true)
}

// completeDelayed tries the operations waiting on tp: all of them after a
// high watermark advance or a leadership change, the fetches only after a
// plain append (a follower fetch waits for the log end).
func (rm *ReplicaManager) completeDelayed(tp TopicPartition, hwAdvanced bool) {
	if hwAdvanced {
		rm.producePurgatory.checkAndComplete(tp)
		rm.deletePurgatory.checkAndComplete(tp)
	}
	rm.fetchPurgatory.checkAndComplete(tp)
}

// HighWatermark is tp's high watermark, if this broker hosts it: the log
// manager's Replication interface (retention and the cleaner stay below
// it; replication-offset-checkpoint records it).
func (rm *ReplicaManager) HighWatermark(tp TopicPartition) (int64, bool) {
	p, ok := rm.Partition(tp)
	if !ok {
		return 0, false
	}
	return p.highWatermark()
}

var _ logmanager.Replication = (*ReplicaManager)(nil)

// ReplicationRef is a logmanager.Replication to pass to logmanager.Open
// before the replica manager exists (it needs the log manager): Set it
// once the replica manager is built; until then no high watermark is known.
type ReplicationRef struct {
	rm atomic.Pointer[ReplicaManager]
}

// Set installs the replica manager.
func (r *ReplicationRef) Set(rm *ReplicaManager) { r.rm.Store(rm) }

// HighWatermark is the replica manager's, once Set.
func (r *ReplicationRef) HighWatermark(tp TopicPartition) (int64, bool) {
	if rm := r.rm.Load(); rm != nil {
		return rm.HighWatermark(tp)
	}
	return 0, false
}

// CheckpointHighWatermarks writes every hosted partition's high watermark
// to replication-offset-checkpoint (checkpointHighWatermarks). The log
// manager does it periodically through the Replication interface; Close
// does it once more.
func (rm *ReplicaManager) CheckpointHighWatermarks() error {
	hws := map[TopicPartition]int64{}
	for _, p := range rm.onlinePartitions() {
		if hw, ok := p.highWatermark(); ok {
			hws[p.tp] = hw
		}
	}
	if len(hws) == 0 {
		return nil
	}
	return rm.logs.WriteHighWatermarks(hws)
}

// minISR is the topic's min.insync.replicas.
func (rm *ReplicaManager) minISR(topic string) int {
	return max(rm.opts.MinInsyncReplicas(topic), 1)
}

func (rm *ReplicaManager) brokerAlive(id int32) bool {
	return rm.opts.Metadata == nil || rm.opts.Metadata.IsBrokerAlive(id)
}
