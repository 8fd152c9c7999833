package log

import (
	"errors"
	"fmt"
	"io"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// The few places where the cleaner reaches into a segment's internals are
// gathered here, so that changes to how segments keep their files and
// indexes touch one small file: a batch walk with a reusable buffer, a
// header-only walk, the position to start a walk at an offset, and the
// sizes of the indexes.

// cleanerBatches calls fn for each whole batch of the segment from position
// from, in order, reading with buf (grown to the largest batch, as Kafka's
// cleaner grows its I/O buffers) and returning it for reuse. The batch
// aliases the buffer until fn returns. Bytes that do not hold a whole batch
// end the walk with ErrCorruptRecord: the cleaner only reads segments that
// are no longer written.
func (s *Segment) cleanerBatches(from int64, buf []byte, fn func(b record.Batch, pos int64) error) ([]byte, error) {
	r := newBatchReader(s.log, from, s.size.Load(), int64(max(len(buf), record.HeaderSize)))
	r.buf = buf
	for {
		b, pos, err := r.next()
		switch {
		case err == io.EOF:
			return r.buf, nil
		case errors.Is(err, errTorn):
			return r.buf, fmt.Errorf("%w: segment %d at position %d", ErrCorruptRecord, s.base, r.pos)
		case err != nil:
			return r.buf, err
		}
		if err := fn(b, pos); err != nil {
			return r.buf, err
		}
	}
}

// cleanerHeaders calls fn with the header of every batch of the segment
// (a view valid during the call), reading a few KiB at a time whatever the
// batch sizes.
func (s *Segment) cleanerHeaders(fn func(hdr record.Batch) error) error {
	sc := newHeaderScanner(s.log, 0, s.size.Load())
	defer sc.release()
	for {
		hdr, _, _, err := sc.next()
		switch {
		case err == io.EOF:
			return nil
		case errors.Is(err, errTorn):
			return fmt.Errorf("%w: segment %d at position %d", ErrCorruptRecord, s.base, sc.pos)
		case err != nil:
			return err
		}
		if err := fn(hdr); err != nil {
			return err
		}
	}
}

// cleanerStartPosition is where a walk for the batches holding offsets at
// or above offset starts: the offset index's floor entry (Kafka's
// offsetIndex.lookup(startOffset).position).
func (s *Segment) cleanerStartPosition(offset int64) (int64, error) {
	e, err := s.oi.lookup(offset)
	if err != nil {
		return 0, err
	}
	return e.Position, nil
}

// cleanerIndexSizes is the size of the valid entries of the offset and time
// indexes (OffsetIndex.sizeInBytes, TimeIndex.sizeInBytes).
func (s *Segment) cleanerIndexSizes() (offsetIndex, timeIndex int64) {
	return s.oi.sizeInBytes(), s.ti.sizeInBytes()
}

// stillCleaned reports whether a segment made by NewCleanedSegment still
// carries the .cleaned suffix: ReplaceSegments has not started moving it
// into the log, so Discard cannot remove anything the log holds.
func (s *Segment) stillCleaned() bool { return s.currentSuffix() == CleanedFileSuffix }

// cleanerWritable returns why the log cannot be changed (closed, or failed
// by a storage error), if it cannot: the cleaner then writes nothing more
// into its directory, whose leftovers only Open may sort out.
func (l *Log) cleanerWritable() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writableLocked()
}
