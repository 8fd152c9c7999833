package partition

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/kafka/logmanager"
	"github.com/wharf-project/wharf/internal/kafka/producerstate"
	"github.com/wharf-project/wharf/internal/kafka/replica"
)

// Partition is one hosted partition (Partition.scala): its log, its
// replication state and its producer state, under one lock (mu) that makes
// the producer-state check, the log append and the state updates one
// step. Reads of the log take no partition lock beyond a snapshot of the
// offsets that bound them.
type Partition struct {
	tp TopicPartition
	rm *ReplicaManager

	flushQueued atomic.Int32 // flushIdle, flushLazy or flushUrgent (flusher.go)

	mu  sync.Mutex
	log *log.Log               // nil until a LeaderAndIsr created it
	st  *replica.State         // with log
	ps  *producerstate.Manager // with log
	// hwMeta caches where the high watermark lies in the log, for
	// delayed fetches counting the bytes below it.
	hwMeta log.OffsetMetadata
}

func newPartition(rm *ReplicaManager, tp TopicPartition) *Partition {
	return &Partition{tp: tp, rm: rm, hwMeta: log.OffsetMetadata{Offset: -1}}
}

// TopicPartition names the partition.
func (p *Partition) TopicPartition() TopicPartition { return p.tp }

// Log is the partition's log (nil before the first LeaderAndIsr).
func (p *Partition) Log() *log.Log {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log
}

// State is a snapshot of the partition's replication state.
type State struct {
	Role             replica.Role
	Leader           int32
	LeaderEpoch      int32
	ISR              []int32
	Replicas         []int32
	HighWatermark    int64
	LogStartOffset   int64
	LogEndOffset     int64
	RecoveryPoint    int64
	LastStableOffset int64
}

// State returns the partition's replication state.
func (p *Partition) State() State {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st == nil {
		return State{Leader: -1, LeaderEpoch: -1, HighWatermark: -1, LogStartOffset: -1, LogEndOffset: -1, RecoveryPoint: -1, LastStableOffset: -1}
	}
	return State{Role: p.st.Role(), Leader: p.st.Leader(), LeaderEpoch: p.st.LeaderEpoch(), ISR: p.st.ISR(),
		Replicas: p.st.Replicas(), HighWatermark: p.st.HighWatermark(), LogStartOffset: p.log.LogStartOffset(),
		LogEndOffset: p.log.LogEndOffset(), RecoveryPoint: p.log.RecoveryPoint(), LastStableOffset: p.lastStableLocked()}
}

// Producers returns the idempotent producers' state (DescribeProducers).
func (p *Partition) Producers() []*producerstate.Entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ps == nil {
		return nil
	}
	return p.ps.Producers()
}

func (p *Partition) highWatermark() (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st == nil {
		return 0, false
	}
	return p.st.HighWatermark(), true
}

// lastStableLocked is the last stable offset: the high watermark, or the
// first offset of an open transaction below it (there are none until
// transactions exist).
func (p *Partition) lastStableLocked() int64 {
	hw := p.st.HighWatermark()
	if first, ok := p.ps.FirstUndecidedOffset(); ok && first < hw {
		return first
	}
	return hw
}

// localLogLocked is the local log as the replica state counts it: in
// durable mode only the fsynced prefix counts toward the high watermark.
func (p *Partition) localLogLocked() replica.LocalLog {
	rp := p.log.RecoveryPoint()
	leo := p.log.LogEndOffset()
	durable := leo
	if !p.rm.cfg.AsyncFlush {
		durable = min(rp, leo)
	}
	return replica.LocalLog{LogStartOffset: p.log.LogStartOffset(), LogEndOffset: leo, DurableOffset: durable}
}

// createLogLocked opens or creates the log (createLogIfNotExists), then
// loads the producer state and the replication state from it. The log's
// tail is flushed first (it is only unflushed after an unclean shutdown):
// producer snapshots must describe durable data.
func (p *Partition) createLogLocked(isNew bool, topicID checkpoint.Uuid) error {
	if p.log != nil {
		return nil
	}
	rm := p.rm
	cfg, err := rm.opts.LogConfig(p.tp.Topic)
	if err != nil {
		return err
	}
	l, err := rm.logs.GetOrCreateLogWith(p.tp, cfg, topicID, logmanager.CreateOptions{IsNew: isNew})
	if err != nil {
		return err
	}
	if err := l.Flush(l.LogEndOffset()); err != nil {
		return err
	}
	dir, _ := rm.logs.LogDirOf(p.tp)
	now := rm.clock.NowMs()
	ps, err := producerstate.Load(producerstate.Options{
		FS: rm.opts.FS, Dir: l.Dir, Partition: p.tp.String(),
		ProducerIDExpirationMs: rm.cfg.ProducerIDExpirationMs, Logger: rm.logger,
	}, producerstate.FromLog(l), l.LogStartOffset(), l.LogEndOffset(), rm.logs.HadCleanShutdown(dir), now)
	if err != nil {
		return fmt.Errorf("%w: loading the producer state of %s: %w", log.ErrStorage, p.tp, err)
	}
	if err := ps.WriteSnapshots(l.RecoveryPoint()); err != nil {
		return fmt.Errorf("%w: %w", log.ErrStorage, err)
	}
	p.log, p.ps = l, ps
	hw := rm.checkpointedHW(p.tp)
	p.st = replica.New(replica.Config{BrokerID: rm.cfg.BrokerID, ReplicaLagTimeMaxMs: rm.cfg.ReplicaLagTimeMaxMs},
		p.localLogLocked(), hw)
	return nil
}

// applyEffects carries out what the replica state asked for; no lock held.
func (p *Partition) applyEffects(eff replica.Effects) {
	if eff.HighWatermarkAdvanced {
		p.rm.completeDelayed(p.tp, true)
	}
	if eff.IsrChange != nil {
		p.submitIsrChange(eff.IsrChange)
	}
}

func (p *Partition) submitIsrChange(change *replica.IsrChange) {
	u := p.rm.opts.IsrUpdater
	if u == nil {
		p.rm.logger.Warn("no ISR updater: ISR change dropped", "partition", p.tp.String(), "isr", change.ISR)
		return
	}
	u.UpdateIsr(p.tp, *change, func(outcome replica.IsrOutcome, committed replica.LeaderAndIsr) {
		p.mu.Lock()
		var eff replica.Effects
		if p.st != nil {
			eff = p.st.IsrChangeDone(change, outcome, committed, p.rm.clock.NowMs())
		}
		p.mu.Unlock()
		p.applyEffects(eff)
	})
}

// flush is the flusher's work: fsync the log up to its end (no partition
// lock held), then advance the high watermark and write the producer
// snapshots the fsync made durable.
func (p *Partition) flush() {
	p.mu.Lock()
	l := p.log
	p.mu.Unlock()
	if l == nil {
		return
	}
	if err := l.Flush(l.LogEndOffset()); err != nil {
		if !errors.Is(err, log.ErrClosed) {
			p.rm.markOffline(p, err)
		}
		return
	}
	p.mu.Lock()
	if p.log != l {
		p.mu.Unlock()
		return
	}
	eff := p.st.LocalLogUpdated(p.localLogLocked(), p.rm.clock.NowMs())
	err := p.ps.WriteSnapshots(l.RecoveryPoint())
	p.mu.Unlock()
	if err != nil {
		p.rm.markOffline(p, err)
		return
	}
	p.applyEffects(eff)
}

// afterAppend queues the fsync that will advance the high watermark (at
// once when somebody waits for it, lazily otherwise: see flusher), and
// wakes the operations the append may complete.
func (p *Partition) afterAppend(eff replica.Effects, urgent bool) {
	if f := p.rm.flusher; f != nil {
		if urgent {
			f.enqueue(p)
		} else {
			f.enqueueLazy(p)
		}
	}
	if eff.HighWatermarkAdvanced || eff.IsrChange != nil {
		p.applyEffects(eff)
		return
	}
	p.rm.completeDelayed(p.tp, false)
}

// flushIfBehind queues an urgent flush when the log holds records not yet
// fsynced (a fetch is about to wait for them to become visible).
func (p *Partition) flushIfBehind() {
	f := p.rm.flusher
	if f == nil {
		return
	}
	p.mu.Lock()
	l := p.log
	p.mu.Unlock()
	if l != nil && l.RecoveryPoint() < l.LogEndOffset() {
		f.enqueue(p)
	}
}

func (p *Partition) maybeShrinkIsr(now int64) {
	p.mu.Lock()
	var eff replica.Effects
	if p.st != nil {
		eff = p.st.Tick(now)
	}
	p.mu.Unlock()
	p.applyEffects(eff)
}

// expireProducers forgets idle producers and the snapshots of segments
// retention deleted.
func (p *Partition) expireProducers(now int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ps == nil {
		return
	}
	p.ps.RemoveExpiredProducers(now)
	p.ps.OnLogStartOffsetIncremented(p.log.LogStartOffset())
	if segs := p.log.Segments(); len(segs) > 0 {
		if err := p.ps.DeleteSnapshotsBefore(segs[0].BaseOffset()); err != nil {
			p.rm.logger.Warn("removing old producer snapshots", "partition", p.tp.String(), "err", err)
		}
	}
}

// close is the partition's clean shutdown: the log flushed, then the
// producer state snapshotted at the log end.
func (p *Partition) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.log == nil {
		return nil
	}
	l := p.log
	if err := l.Flush(l.LogEndOffset()); err != nil {
		if errors.Is(err, log.ErrClosed) {
			return nil
		}
		return err
	}
	p.ps.UpdateMapEndOffset(l.LogEndOffset())
	p.ps.TakeSnapshot()
	return p.ps.WriteSnapshots(l.RecoveryPoint())
}

// hwMetadataLocked locates the high watermark in the log (cached per
// value): delayed fetches count the bytes between their offset and it.
func (p *Partition) hwMetadataLocked() (log.OffsetMetadata, error) {
	hw := p.st.HighWatermark()
	if p.hwMeta.Offset == hw && hw != p.log.LogEndOffset() {
		return p.hwMeta, nil
	}
	if hw == p.log.LogEndOffset() {
		return p.log.LogEndOffsetMetadata(), nil
	}
	fd, err := p.log.Read(hw, 0, hw, false)
	if err != nil {
		return log.OffsetMetadata{}, err
	}
	fd.Release()
	p.hwMeta = fd.Start
	return fd.Start, nil
}
