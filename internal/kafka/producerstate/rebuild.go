package producerstate

import (
	"errors"
	"slices"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/record"
)

// LogSource is the log the state is rebuilt from.
type LogSource interface {
	// SegmentBases returns the segments' base offsets, ascending.
	SegmentBases() []int64
	// Batches calls fn, in offset order, for each batch whose last offset
	// lies in [from, to).
	Batches(from, to int64, fn func(BatchInfo) error) error
}

// FromLog reads a partition log.
func FromLog(l *log.Log) LogSource { return logSource{l} }

type logSource struct{ l *log.Log }

func (s logSource) SegmentBases() []int64 {
	segs := s.l.Segments()
	out := make([]int64, len(segs))
	for i, seg := range segs {
		out[i] = seg.BaseOffset()
	}
	return out
}

var errStop = errors.New("producerstate: stop")

func (s logSource) Batches(from, to int64, fn func(BatchInfo) error) error {
	if from >= to {
		return nil
	}
	// Where the batch holding from starts: an empty read returns it.
	startSeg, startPos := int64(-1), int64(0)
	if fd, err := s.l.Read(from, 0, from, false); err == nil {
		fd.Release()
		startSeg, startPos = fd.Start.SegmentBase, fd.Start.Position
	}
	segs := s.l.Segments()
	for i, seg := range segs {
		if i+1 < len(segs) && segs[i+1].BaseOffset() <= from {
			continue
		}
		if seg.BaseOffset() >= to {
			break
		}
		pos := int64(0)
		if seg.BaseOffset() == startSeg {
			pos = startPos
		}
		err := seg.Batches(pos, func(b record.Batch, _ int64) (bool, error) {
			last := b.LastOffset()
			if last < from {
				return true, nil
			}
			if last >= to {
				return false, errStop
			}
			return true, fn(BatchInfoOf(b))
		})
		if errors.Is(err, errStop) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Load returns the state of a log being opened (UnifiedLog.loadProducerState
// and rebuildProducerState): the snapshots that match no segment are
// removed (but for the newest, if above every segment: a clean shutdown's);
// then the newest snapshot is read and the batches after it replayed up
// to logEnd, taking snapshots at the starts of the last two segments and
// at logEnd. After a clean shutdown with no snapshot at all, nothing is
// scanned: empty snapshots are taken instead, as Kafka does.
//
// The snapshots are only taken (TakeSnapshot); the caller writes them with
// WriteSnapshots once the log is durable up to them.
func Load(opts Options, src LogSource, logStart, logEnd int64, cleanShutdown bool, now int64) (*Manager, error) {
	m, err := New(opts)
	if err != nil {
		return nil, err
	}
	if err := m.RemoveStraySnapshots(src.SegmentBases()); err != nil {
		return nil, err
	}
	if err := m.rebuild(src, logStart, logEnd, now, cleanShutdown); err != nil {
		return nil, err
	}
	return m, nil
}

// Rebuild reloads the state up to lastOffset after the log was truncated
// there (UnifiedLog.rebuildProducerState after truncateTo).
func (m *Manager) Rebuild(src LogSource, logStart, lastOffset, now int64) error {
	return m.rebuild(src, logStart, lastOffset, now, false)
}

func (m *Manager) rebuild(src LogSource, logStart, lastOffset, now int64, cleanShutdown bool) error {
	bases := src.SegmentBases()
	toSnapshot := []int64{lastOffset}
	if n := len(bases); n > 0 {
		toSnapshot = append(toSnapshot, bases[n-1])
		if n > 1 {
			toSnapshot = append(toSnapshot, bases[n-2])
		}
	}
	if _, ok := m.LatestSnapshotOffset(); !ok && cleanShutdown {
		slices.Sort(toSnapshot)
		for _, o := range toSnapshot {
			m.UpdateMapEndOffset(o)
			m.TakeSnapshot()
		}
		return nil
	}
	emptyBefore := m.IsEmpty() && m.MapEndOffset() >= lastOffset
	if err := m.TruncateAndReload(logStart, lastOffset, now); err != nil {
		return err
	}
	if lastOffset > m.MapEndOffset() && !emptyBefore {
		for i, base := range bases {
			end := lastOffset
			if i+1 < len(bases) {
				end = min(end, bases[i+1])
			}
			if end <= m.MapEndOffset() {
				continue
			}
			if base >= lastOffset {
				break
			}
			start := max(base, m.MapEndOffset(), logStart)
			m.UpdateMapEndOffset(start)
			if slices.Contains(toSnapshot, base) {
				m.TakeSnapshot()
			}
			var batches []BatchInfo
			if err := src.Batches(start, end, func(b BatchInfo) error {
				if b.HasProducerID() {
					batches = append(batches, b)
				}
				return nil
			}); err != nil {
				return err
			}
			m.ApplyAppend(batches, end)
		}
	}
	m.UpdateMapEndOffset(lastOffset)
	m.TakeSnapshot()
	return nil
}
