package partition

import (
	"errors"
	"fmt"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/producerstate"
	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/kafka/replica"
)

// Origin is who appends on the leader.
type Origin int8

const (
	// OriginClient is a produce request.
	OriginClient Origin = iota
	// OriginCoordinator is the group or transaction coordinator.
	OriginCoordinator
)

// appendResult is one partition's outcome of a leader append.
type appendResult struct {
	info log.AppendInfo // FirstOffset -1 when nothing was appended
	err  error
}

// appendToLeader is appendRecordsToLeader plus UnifiedLog.append's
// producer-state part, as one step under the partition lock: the ISR check
// for acks=all, the duplicate and sequence checks of idempotent producers,
// the log append, and the updates of the producer and replication state.
// A duplicate appends nothing and answers with the original batch's
// offsets, its timestamp as log append time (as Kafka does).
func (p *Partition) appendToLeader(records []byte, origin Origin, acks int16) appendResult {
	p.mu.Lock()
	res, eff, appended := p.appendLocked(records, origin, acks)
	p.mu.Unlock()
	if isStorageError(res.err) {
		p.rm.markOffline(p, res.err)
	}
	if appended {
		// acks 0 and 1 are answered without the fsync: theirs is lazy,
		// unless a fetch waits for the partition's records.
		p.afterAppend(eff, acks == -1 || origin != OriginClient || p.rm.fetchPurgatory.watched(p.tp))
	}
	return res
}

func (p *Partition) appendLocked(records []byte, origin Origin, acks int16) (appendResult, replica.Effects, bool) {
	fail := func(err error) (appendResult, replica.Effects, bool) {
		ls := int64(-1)
		if p.log != nil {
			ls = p.log.LogStartOffset()
		}
		return appendResult{info: log.AppendInfo{FirstOffset: -1, LastOffset: -1, LogAppendTime: record.NoTimestamp, LogStartOffset: ls}, err: err}, replica.Effects{}, false
	}
	if p.log == nil || !p.st.IsLeader() {
		return fail(fmt.Errorf("%w: leader not local for partition %s on broker %d", ErrNotLeaderOrFollower, p.tp, p.rm.cfg.BrokerID))
	}
	if err := p.st.CheckAppend(acks, p.rm.minISR(p.tp.Topic)); err != nil {
		return fail(err)
	}
	l := p.log
	psOrigin := producerstate.OriginClient
	if origin == OriginCoordinator {
		psOrigin = producerstate.OriginCoordinator
	}
	next := l.LogEndOffset()
	batches, producers := predictBatches(records, next)
	if producers {
		dup, isDup, err := p.ps.CheckAppend(batches, psOrigin)
		if err != nil || isDup {
			// Kafka checks the records before the producer state: a batch
			// that is corrupt or too large gets that error instead.
			if verr := precheck(records, l.Config()); verr != nil {
				return fail(verr)
			}
		}
		if err != nil {
			return fail(err)
		}
		if isDup {
			return appendResult{info: log.AppendInfo{FirstOffset: dup.FirstOffset(), LastOffset: dup.LastOffset,
				LogAppendTime: dup.Timestamp, LogStartOffset: l.LogStartOffset(), MaxTimestamp: dup.Timestamp}}, replica.Effects{}, false
		}
	}
	activeBase := l.ActiveSegment().BaseOffset()
	info, err := l.AppendAsLeader(records, p.st.LeaderEpoch(), log.Origin(origin))
	if err != nil {
		if info.LogStartOffset < 0 {
			info.LogStartOffset = l.LogStartOffset()
		}
		info.FirstOffset, info.LastOffset = -1, -1
		return appendResult{info: info, err: err}, replica.Effects{}, false
	}
	if l.ActiveSegment().BaseOffset() != activeBase {
		// The append rolled a segment at its first offset: snapshot the
		// state before it there (written once the fsync covers it).
		p.ps.UpdateMapEndOffset(info.FirstOffset)
		p.ps.TakeSnapshot()
	}
	if producers {
		finalBatches(batches, records, info)
	}
	p.ps.ApplyAppend(batches, info.LastOffset+1)
	if err := p.ps.WriteSnapshots(l.RecoveryPoint()); err != nil {
		return appendResult{info: info, err: fmt.Errorf("%w: %w", log.ErrStorage, err)}, replica.Effects{}, true
	}
	eff := p.st.LocalLogUpdated(p.localLogLocked(), p.rm.clock.NowMs())
	return appendResult{info: info}, eff, true
}

// predictBatches reads the producer fields of each batch and the offsets
// the log will assign from next (Summary.Assign's rule). producers is
// false when no batch carries a producer id.
func predictBatches(records []byte, next int64) ([]producerstate.BatchInfo, bool) {
	var out []producerstate.BatchInfo
	producers := false
	it := record.Iterate(records)
	for {
		b, _, ok := it.Next()
		if !ok {
			break
		}
		bi := producerstate.BatchInfoOf(b)
		last := next + int64(b.RecordCount()) - 1
		bi.FirstOffset, bi.LastOffset = last-int64(b.LastOffsetDelta()), last
		next = last + 1
		producers = producers || bi.HasProducerID()
		out = append(out, bi)
	}
	return out, producers
}

// finalBatches sets the offsets and timestamps the batches got: from the
// append's info for a single batch, from the batch headers (assigned in
// place) otherwise, unless the log re-encoded them (then the prediction
// stands, with the log append time if the topic uses it).
func finalBatches(batches []producerstate.BatchInfo, records []byte, info log.AppendInfo) {
	if len(batches) == 1 {
		batches[0].FirstOffset, batches[0].LastOffset, batches[0].MaxTimestamp = info.FirstOffset, info.LastOffset, info.MaxTimestamp
		return
	}
	it := record.Iterate(records)
	for i := range batches {
		b, _, ok := it.Next()
		if !ok {
			break
		}
		if i == 0 && b.BaseOffset() != info.FirstOffset {
			break // re-encoded into another buffer
		}
		batches[i].FirstOffset, batches[i].LastOffset, batches[i].MaxTimestamp = b.BaseOffset(), b.LastOffset(), b.MaxTimestamp()
	}
	if info.LogAppendTime != record.NoTimestamp {
		for i := range batches {
			batches[i].MaxTimestamp = info.LogAppendTime
		}
	}
}

// precheck is the part of the log's validation that decides a batch's
// fate before the producer state is consulted: its framing, size and CRC.
func precheck(records []byte, cfg log.Config) error {
	it := record.Iterate(records)
	for {
		b, _, ok := it.Next()
		if !ok {
			break
		}
		if len(b) > int(cfg.MaxMessageBytes) {
			return fmt.Errorf("%w: the record batch size is %d bytes which exceeds the maximum configured value of %d",
				log.ErrRecordTooLarge, len(b), cfg.MaxMessageBytes)
		}
		if err := b.ValidateHeader(); err != nil {
			if errors.Is(err, record.ErrCorrupt) {
				return fmt.Errorf("%w: %w", log.ErrCorruptRecord, err)
			}
			return fmt.Errorf("%w: %w", log.ErrInvalidRecord, err)
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("%w: %w", log.ErrCorruptRecord, err)
	}
	return nil
}

// AppendAsFollower appends batches replicated from the leader and replays
// them into the producer state (the fetcher's processPartitionData).
func (p *Partition) AppendAsFollower(records []byte) (log.AppendInfo, error) {
	p.mu.Lock()
	if p.log == nil || p.st.Role() != replica.RoleFollower {
		p.mu.Unlock()
		return log.AppendInfo{FirstOffset: -1, LastOffset: -1}, fmt.Errorf("%w: %s is not a follower here", ErrNotLeaderOrFollower, p.tp)
	}
	l := p.log
	activeBase := l.ActiveSegment().BaseOffset()
	info, err := l.AppendAsFollower(records)
	var eff replica.Effects
	if err == nil && info.Batches > 0 {
		if l.ActiveSegment().BaseOffset() != activeBase {
			p.ps.UpdateMapEndOffset(info.FirstOffset)
			p.ps.TakeSnapshot()
		}
		var batches []producerstate.BatchInfo
		it := record.Iterate(records[:info.ValidBytes])
		for {
			b, _, ok := it.Next()
			if !ok {
				break
			}
			if bi := producerstate.BatchInfoOf(b); bi.HasProducerID() {
				batches = append(batches, bi)
			}
		}
		p.ps.ApplyAppend(batches, info.LastOffset+1)
		eff = p.st.LocalLogUpdated(p.localLogLocked(), p.rm.clock.NowMs())
	}
	p.mu.Unlock()
	if isStorageError(err) {
		p.rm.markOffline(p, err)
	}
	if err == nil && info.Batches > 0 {
		p.afterAppend(eff, true) // the leader waits for the follower's fsync
	}
	return info, err
}
