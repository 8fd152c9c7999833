package log

import (
	"slices"
	"sync"
)

// MemCleanerHost is a CleanerHost that keeps everything in memory: the
// logs it is given, a cleaner checkpoint map, and bounds that default to
// each log's end offset. Tests use it, and so may an owner that keeps its
// checkpoint elsewhere.
type MemCleanerHost struct {
	mu         sync.Mutex
	logs       []*Log
	checkpoint map[TopicPartition]int64
	bounds     map[TopicPartition][2]int64
	// Writes counts SetFirstDirtyOffset calls.
	writes int
}

// NewMemCleanerHost returns a host of logs.
func NewMemCleanerHost(logs ...*Log) *MemCleanerHost {
	return &MemCleanerHost{logs: logs, checkpoint: map[TopicPartition]int64{}, bounds: map[TopicPartition][2]int64{}}
}

// Add adds a log.
func (h *MemCleanerHost) Add(l *Log) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.logs = append(h.logs, l)
}

// Remove removes a log and its checkpoint entry.
func (h *MemCleanerHost) Remove(l *Log) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.logs = slices.DeleteFunc(h.logs, func(x *Log) bool { return x == l })
	delete(h.checkpoint, l.TopicPartition())
}

// Replace puts l in place of old (a reopened log), keeping its checkpoint.
func (h *MemCleanerHost) Replace(old, l *Log) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if i := slices.Index(h.logs, old); i >= 0 {
		h.logs[i] = l
	}
}

// Logs implements CleanerHost.
func (h *MemCleanerHost) Logs() []*Log {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.logs)
}

// FirstDirtyOffset implements CleanerHost.
func (h *MemCleanerHost) FirstDirtyOffset(tp TopicPartition) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	o, ok := h.checkpoint[tp]
	return o, ok
}

// SetFirstDirtyOffset implements CleanerHost.
func (h *MemCleanerHost) SetFirstDirtyOffset(tp TopicPartition, offset int64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checkpoint[tp] = offset
	h.writes++
	return nil
}

// MaybeTruncateCheckpoint lowers tp's checkpoint to offset if it is above
// (what the owner does after truncating a log: LogCleaner.maybeTruncateCheckpoint).
func (h *MemCleanerHost) MaybeTruncateCheckpoint(tp TopicPartition, offset int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if o, ok := h.checkpoint[tp]; ok && o > offset {
		h.checkpoint[tp] = offset
	}
}

// Writes returns how many times a checkpoint was recorded.
func (h *MemCleanerHost) Writes() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.writes
}

// SetBounds fixes tp's high watermark and last stable offset; without it
// both are the log's end offset.
func (h *MemCleanerHost) SetBounds(tp TopicPartition, highWatermark, lastStableOffset int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.bounds[tp] = [2]int64{highWatermark, lastStableOffset}
}

// Bounds implements CleanerHost.
func (h *MemCleanerHost) Bounds(tp TopicPartition) (int64, int64) {
	h.mu.Lock()
	b, ok := h.bounds[tp]
	logs := slices.Clone(h.logs)
	h.mu.Unlock()
	if ok {
		return b[0], b[1]
	}
	for _, l := range logs {
		if l.TopicPartition() == tp {
			leo := l.LogEndOffset()
			return leo, leo
		}
	}
	return 0, 0
}
