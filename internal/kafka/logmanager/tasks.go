package logmanager

import (
	"errors"

	"github.com/wharf-project/wharf/internal/kafka/log"
)

// cleanupLogs is the retention task (LogManager.cleanupLogs), every
// log.retention.check.interval.ms: DeleteOldSegments on each live log,
// bounded by its high watermark (Options.Replication; the log end offset
// without it; a log whose high watermark is unknown is skipped). With a
// cleaner, only the logs it pauses for us (those that do not compact) are
// retained here: the cleaner retains the others after cleaning them, as
// Kafka's does. Without one, every log is, so compact,delete topics still
// lose old segments, and log start offset increments free space.
func (m *Manager) cleanupLogs() {
	now := m.clock.NowMs()
	var tps []TopicPartition
	if m.cleaner != nil {
		for _, l := range m.cleaner.PauseCleaningForNonCompacted() {
			tps = append(tps, l.TopicPartition())
		}
		defer func() { _ = m.cleaner.ResumeCleaning(tps...) }()
	} else {
		for tp := range m.CurrentLogs() {
			tps = append(tps, tp)
		}
	}
	total := 0
	for _, tp := range tps {
		m.mu.RLock()
		p := m.current[tp]
		m.mu.RUnlock()
		if p == nil {
			continue
		}
		hw, ok := m.highWatermark(tp)
		if !ok {
			continue
		}
		n, err := p.log.DeleteOldSegments(now, hw)
		total += n
		if err != nil && !errors.Is(err, log.ErrClosed) {
			m.logger.Error("retention failed", "partition", tp.String(), "err", err)
			m.storageError(p, err)
		}
	}
	if total > 0 {
		m.logger.Debug("log retention done", "segmentsDeleted", total)
	}
}

// flushDirtyLogs is the flusher task (LogManager.flushDirtyLogs), every
// log.flush.scheduler.interval.ms: each live and future log whose flush.ms
// has passed since its last flush is flushed.
func (m *Manager) flushDirtyLogs() {
	now := m.clock.NowMs()
	m.mu.RLock()
	ps := make([]*partition, 0, len(m.current)+len(m.future))
	for _, p := range m.current {
		ps = append(ps, p)
	}
	for _, p := range m.future {
		ps = append(ps, p)
	}
	m.mu.RUnlock()
	for _, p := range ps {
		if err := p.log.FlushIfDue(now); err != nil && !errors.Is(err, log.ErrClosed) {
			m.logger.Error("flushing log", "partition", p.log.TopicPartition().String(), "err", err)
			m.storageError(p, err)
		}
	}
}
