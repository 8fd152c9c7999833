package log

import (
	"errors"
	"fmt"
	"io"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// RecoverResult is what a segment's recovery found.
type RecoverResult struct {
	ValidBytes     int64 // bytes of whole, valid batches kept
	TruncatedBytes int64 // bytes removed after them
	NextOffset     int64 // the offset after the last valid batch; the base offset when none
	Batches        int   // valid batches
}

// recover rescans the whole .log, rebuilding both indexes from nothing, and
// truncates the file at the first byte that does not begin a valid batch
// (LogSegment.recover). A batch is valid when it is whole, passes
// checkStored (size, magic, CRC; not the record count, which compaction
// lowers), starts above the previous batch's last offset (and at or above
// the segment's base) and ends within the int32 range of relative offsets.
// Nothing after the first invalid batch is trusted, even if it looks valid.
// epochs, when given, learns every epoch newer than its latest, at its
// first batch. The segment is left active (its .log held open, its rebuilt
// entries in memory): the caller keeps it so, or finishes it
// (onBecomeInactive writes the index files).
func (s *Segment) recover(epochs *EpochCache) (RecoverResult, error) {
	res := RecoverResult{NextOffset: s.base}
	if err := s.log.hold(true); err != nil {
		return res, err
	}
	st, err := s.log.Stat()
	if err != nil {
		return res, err
	}
	size := st.Size()
	s.oi.reset(s.maxIndexBytes)
	s.ti.reset(s.maxIndexBytes)
	s.mu.Lock()
	s.maxTs, s.maxTsKnown = TimestampOffset{record.NoTimestamp, s.base}, true
	s.rollingTsKnown = false
	s.mu.Unlock()
	s.bytesSinceIndex = 0

	r := newBatchReader(s.log, 0, size, recoveryChunk)
	for {
		b, pos, err := r.next()
		if err == io.EOF || errors.Is(err, errTorn) {
			break
		}
		if err != nil {
			return res, err
		}
		if checkStored(b) != nil || b.BaseOffset() < res.NextOffset || !s.canConvertToRelativeOffset(b.LastOffset()) {
			break
		}
		if err := s.indexBatch(b, pos, int64(len(b))); err != nil {
			return res, err
		}
		if e := b.PartitionLeaderEpoch(); epochs != nil && e >= 0 {
			if latest, ok := epochs.LatestEpoch(); !ok || e > latest {
				if err := epochs.Assign(e, b.BaseOffset()); err != nil {
					return res, err
				}
			}
		}
		res.ValidBytes = pos + int64(len(b))
		res.NextOffset = b.NextOffset()
		res.Batches++
	}
	res.TruncatedBytes = size - res.ValidBytes
	if res.TruncatedBytes > 0 {
		if err := s.log.Truncate(res.ValidBytes); err != nil {
			return res, err
		}
	}
	s.size.Store(res.ValidBytes)
	// A segment closed normally ends its time index with its max
	// timestamp; a rebuilt one does too.
	ts := s.MaxTimestampSoFar()
	return res, s.ti.maybeAppend(ts.Timestamp, ts.Offset, true)
}

// RebuildIndexes rebuilds the .index and .timeindex of the segment
// <dir>/<base>.log from its data alone, truncating the .log at the first
// invalid byte, and makes the three files durable. This is what recovery
// does to every segment it rescans; tools use it to check or repair a
// segment. The log owning the directory must not be open.
func RebuildIndexes(fsys vfs.FS, dir string, base int64, cfg Config) (RecoverResult, error) {
	if err := cfg.Validate(); err != nil {
		return RecoverResult{}, err
	}
	s, _, err := openSegment(fsys, &segmentDir{path: dir}, base, cfg.segmentConfig(defaultFileCache), "", 0, 0)
	if err != nil {
		return RecoverResult{}, err
	}
	defer s.closeFiles()
	res, err := s.recover(nil)
	if err != nil {
		return res, err
	}
	if err := s.onBecomeInactive(true); err != nil {
		return res, err
	}
	return res, s.sync(false)
}

// Batches calls fn for each whole batch of the segment at or after
// position from, in order, until fn returns false or an error. The batch
// aliases a buffer reused by the next call. Batches are not validated;
// bytes that do not hold a whole batch end the walk with ErrCorruptRecord.
func (s *Segment) Batches(from int64, fn func(b record.Batch, pos int64) (bool, error)) error {
	h, err := s.log.acquire()
	if err != nil {
		return err
	}
	defer s.log.release(h)
	r := newBatchReader(h.f, from, s.size.Load(), walkChunk)
	for {
		b, pos, err := r.next()
		switch {
		case err == io.EOF:
			return nil
		case errors.Is(err, errTorn):
			return fmt.Errorf("%w: segment %d at position %d", ErrCorruptRecord, s.base, r.pos)
		case err != nil:
			return err
		}
		more, err := fn(b, pos)
		if err != nil || !more {
			return err
		}
	}
}
