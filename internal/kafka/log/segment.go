package log

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// The segment's data file, <base>.log: the record batches of offsets
// [base, next segment's base), in offset order, each exactly as the
// producer encoded it except for the header fields the broker sets (base
// offset and partition leader epoch, outside the CRC; for LogAppendTime the
// attributes' timestamp type and the max timestamp, with the CRC
// recomputed). No header, no padding, no trailer:
//
//	+--------------------------------------------------------------+
//	| batch: baseOffset int64 | batchLength int32 | ... (v2 header) |  position 0
//	|        records (batchLength - 49 bytes)                       |
//	+--------------------------------------------------------------+
//	| batch ...                                                     |  position = previous + 12 + batchLength
//	+--------------------------------------------------------------+
//
// The v2 header layout is in internal/kafka/record (batch.go). Every batch
// of a segment has lastOffset - base <= MaxInt32, so the indexes can store
// relative offsets. With preallocate=true the file's blocks are reserved
// (fallocate, keeping the size) when the segment is created.

// Segment is one segment of a partition log (LogSegment): a .log file and its
// offset and time indexes, named by the segment's base offset.
//
// Readers use it without the log's lock: the published size bounds every
// read, and is stored only after the bytes below it are written. The
// writer (the log, holding its lock, or the cleaner owning a .cleaned
// segment) is the only one appending, truncating or renaming.
type Segment struct {
	base          int64
	fs            vfs.FS
	indexInterval int64
	maxIndexBytes int64

	log     vfs.File
	size    atomic.Int64 // bytes readers may read
	oi      *offsetIndex
	ti      *timeIndex
	deleted atomic.Bool // no longer part of the log

	mu             sync.Mutex // guards the fields below; taken before index.mu
	dir            string
	suffix         string // "", .cleaned, .swap or .deleted
	hasTxnIndex    bool   // a .txnindex (written by Kafka) exists and moves with the segment
	maxTs          TimestampOffset
	maxTsKnown     bool
	rollingTs      int64 // the first batch's max timestamp (segment.ms is counted from it)
	rollingTsKnown bool
	created        int64 // when this process created or opened the segment (ms)
	rollJitter     int64 // this segment's share of segment.jitter.ms

	bytesSinceIndex int64 // the writer's: log bytes since the last offset index entry
	cleanedNext     int64 // a cleaned segment's next offset (AppendBatches)
}

// segmentConfig is what a segment takes from the log's Config when it is
// created or opened (Kafka's LogSegment.open).
type segmentConfig struct {
	indexInterval int64
	maxIndexBytes int64
	segmentBytes  int64
	preallocate   bool
}

func (c Config) segmentConfig() segmentConfig {
	return segmentConfig{
		indexInterval: int64(c.IndexIntervalBytes),
		maxIndexBytes: int64(c.SegmentIndexBytes),
		segmentBytes:  int64(c.SegmentBytes),
		preallocate:   c.Preallocate,
	}
}

func segmentPath(dir string, base int64, kind, suffix string) string {
	return filepath.Join(dir, FilenamePrefix(base)+kind+suffix)
}

func newSegmentStruct(fsys vfs.FS, dir string, base int64, sc segmentConfig, suffix string, now, jitter int64) *Segment {
	return &Segment{
		base: base, fs: fsys, dir: dir, indexInterval: sc.indexInterval, maxIndexBytes: sc.maxIndexBytes,
		suffix: suffix, created: now, rollJitter: jitter,
	}
}

// createSegment creates a new, empty segment, replacing files of the same
// names.
func createSegment(fsys vfs.FS, dir string, base int64, sc segmentConfig, suffix string, now, jitter int64) (*Segment, error) {
	s := newSegmentStruct(fsys, dir, base, sc, suffix, now, jitter)
	var err error
	if s.log, err = fsys.Create(segmentPath(dir, base, LogFileSuffix, suffix)); err != nil {
		return nil, err
	}
	if sc.preallocate {
		if err = s.log.Preallocate(0, sc.segmentBytes); err != nil {
			s.closeFiles()
			return nil, err
		}
	}
	if s.oi, err = openOffsetIndex(fsys, segmentPath(dir, base, IndexFileSuffix, suffix), base, sc.maxIndexBytes, true); err != nil {
		s.closeFiles()
		return nil, err
	}
	if s.ti, err = openTimeIndex(fsys, segmentPath(dir, base, TimeIndexFileSuffix, suffix), base, sc.maxIndexBytes, true); err != nil {
		s.closeFiles()
		return nil, err
	}
	s.maxTs = TimestampOffset{record.NoTimestamp, base}
	s.maxTsKnown = true
	s.rollingTs, s.rollingTsKnown = record.NoTimestamp, true
	return s, nil
}

// openSegment opens an existing segment. An index file that does not exist
// is created empty and reported in missingIndex: the segment must then be
// recovered.
func openSegment(fsys vfs.FS, dir string, base int64, sc segmentConfig, suffix string, now, jitter int64) (s *Segment, missingIndex bool, err error) {
	s = newSegmentStruct(fsys, dir, base, sc, suffix, now, jitter)
	if s.log, err = fsys.OpenReadWrite(segmentPath(dir, base, LogFileSuffix, suffix)); err != nil {
		return nil, false, err
	}
	st, err := s.log.Stat()
	if err != nil {
		s.closeFiles()
		return nil, false, err
	}
	s.size.Store(st.Size())
	for _, kind := range []string{IndexFileSuffix, TimeIndexFileSuffix} {
		if _, err := fsys.Stat(segmentPath(dir, base, kind, suffix)); errors.Is(err, fs.ErrNotExist) {
			missingIndex = true
		}
	}
	if _, err := fsys.Stat(segmentPath(dir, base, TxnIndexFileSuffix, suffix)); err == nil {
		s.hasTxnIndex = true
	}
	if s.oi, err = openOffsetIndex(fsys, segmentPath(dir, base, IndexFileSuffix, suffix), base, sc.maxIndexBytes, false); err != nil {
		s.closeFiles()
		return nil, false, err
	}
	if s.ti, err = openTimeIndex(fsys, segmentPath(dir, base, TimeIndexFileSuffix, suffix), base, sc.maxIndexBytes, false); err != nil {
		s.closeFiles()
		return nil, false, err
	}
	return s, missingIndex, nil
}

// BaseOffset is the segment's base offset: no offset in it is lower.
func (s *Segment) BaseOffset() int64 { return s.base }

// Size is the segment's size in bytes (what readers may read).
func (s *Segment) Size() int64 { return s.size.Load() }

// File is the segment's open .log file, for readers (the cleaner, dumps).
func (s *Segment) File() vfs.File { return s.log }

// LogPath, IndexPath and TimeIndexPath are the segment's current file
// names, suffix included.
func (s *Segment) LogPath() string {
	dir, suffix := s.location()
	return segmentPath(dir, s.base, LogFileSuffix, suffix)
}
func (s *Segment) IndexPath() string     { return s.oi.filePath() }
func (s *Segment) TimeIndexPath() string { return s.ti.filePath() }

func (s *Segment) currentSuffix() string {
	_, suffix := s.location()
	return suffix
}

// location is the segment's directory and file name suffix.
func (s *Segment) location() (dir, suffix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dir, s.suffix
}

// moveTo records that the segment's directory was renamed to dir (the
// open files follow the rename).
func (s *Segment) moveTo(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir = dir
	s.oi.setPath(segmentPath(dir, s.base, IndexFileSuffix, s.suffix))
	s.ti.setPath(segmentPath(dir, s.base, TimeIndexFileSuffix, s.suffix))
}

func (s *Segment) String() string {
	return fmt.Sprintf("Segment(base=%d, size=%d)", s.base, s.Size())
}

// MaxTimestampSoFar is the largest batch max timestamp in the segment and
// the last offset of the first batch holding it ((-1, base) for none).
func (s *Segment) MaxTimestampSoFar() TimestampOffset {
	s.mu.Lock()
	if s.maxTsKnown {
		defer s.mu.Unlock()
		return s.maxTs
	}
	s.mu.Unlock()
	last := s.ti.lastEntry() // outside s.mu: readers may wait on the index lock
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.maxTsKnown {
		s.maxTs, s.maxTsKnown = last, true
	}
	return s.maxTs
}

// LargestTimestamp is what retention.ms compares against: the max
// timestamp, or the file's modification time when no batch has one
// (LogSegment.largestTimestamp); an in-memory file has no such time, and
// the time this process opened the segment stands in.
func (s *Segment) LargestTimestamp() int64 {
	if ts := s.MaxTimestampSoFar().Timestamp; ts >= 0 {
		return ts
	}
	if st, err := s.log.Stat(); err == nil && !st.ModTime().IsZero() {
		return st.ModTime().UnixMilli()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created
}

// FirstBatchTimestamp is the first batch's max timestamp, or NoTimestamp
// (LogSegment.getFirstBatchTimestamp returns Long.MAX_VALUE there).
func (s *Segment) FirstBatchTimestamp() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.firstBatchTimestampLocked()
}

func (s *Segment) firstBatchTimestampLocked() int64 {
	if !s.rollingTsKnown {
		sc := newHeaderScanner(s.log, 0, s.size.Load())
		hdr, _, _, err := sc.next()
		if err == nil {
			s.rollingTs, s.rollingTsKnown = hdr.MaxTimestamp(), true
		}
		sc.release()
		if !s.rollingTsKnown {
			return record.NoTimestamp
		}
	}
	return s.rollingTs
}

// timeWaitedForRoll is LogSegment.timeWaitedForRoll: the age of the
// segment by the new batch's timestamp when the first batch has one, by
// the clock otherwise.
func (s *Segment) timeWaitedForRoll(now, messageTimestamp int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts := s.firstBatchTimestampLocked(); ts >= 0 {
		return messageTimestamp - ts
	}
	return now - s.created
}

// canConvertToRelativeOffset reports whether offset fits the indexes.
func (s *Segment) canConvertToRelativeOffset(offset int64) bool {
	_, ok := toRelative(s.base, offset)
	return ok
}

// append writes recs (whole batches with their final offsets, all above
// the segment's last) at the end of the file in one write, and indexes
// them. It does not publish the new size: the caller stores it once its
// own state is updated, so readers see the batches with the log end offset.
// When the write itself fails, written is false and nothing changed but the
// file's bytes past the published size, which the caller cuts back.
func (s *Segment) append(recs []byte) (newSize int64, written bool, err error) {
	pos := s.size.Load()
	if _, err := s.log.WriteAt(recs, pos); err != nil {
		return pos, false, err
	}
	if pos == 0 {
		if b, _, err := record.Parse(recs); err == nil {
			s.mu.Lock()
			s.rollingTs, s.rollingTsKnown = b.MaxTimestamp(), true
			s.mu.Unlock()
		}
	}
	it := record.Iterate(recs)
	for {
		b, off, ok := it.Next()
		if !ok {
			break
		}
		if err := s.indexBatch(b, pos+int64(off), int64(len(b))); err != nil {
			return pos, true, err
		}
	}
	return pos + int64(len(recs)), true, it.Err()
}

// indexBatch does the per-batch bookkeeping of append and recover, which
// must agree so that a rebuilt index equals the one written: track the
// max timestamp, and add index entries when more than index.interval.bytes
// were written since the last entry.
func (s *Segment) indexBatch(b record.Batch, pos, size int64) error {
	ts := s.MaxTimestampSoFar()
	if b.MaxTimestamp() > ts.Timestamp {
		ts = TimestampOffset{b.MaxTimestamp(), b.LastOffset()}
		s.mu.Lock()
		s.maxTs = ts
		s.mu.Unlock()
	}
	if s.bytesSinceIndex > s.indexInterval {
		if err := s.oi.append(b.LastOffset(), pos); err != nil {
			return err
		}
		if err := s.ti.maybeAppend(ts.Timestamp, ts.Offset, true); err != nil {
			return err
		}
		s.bytesSinceIndex = 0
	}
	s.bytesSinceIndex += size
	return nil
}

// resetBytesSinceIndex sets the writer's counter as a rebuild would leave
// it: the bytes from the last offset index entry's batch to the end.
func (s *Segment) resetBytesSinceIndex() error {
	s.bytesSinceIndex = s.size.Load()
	if s.oi.entries() == 0 {
		return nil
	}
	s.oi.mu.RLock()
	last, err := s.oi.entryAtLocked(s.oi.n - 1)
	s.oi.mu.RUnlock()
	if err != nil {
		return err
	}
	s.bytesSinceIndex -= last.Position
	return nil
}

// translateOffset finds the first batch whose last offset is >= offset at
// or after startPos, below limit (LogSegment.translateOffset); ok is false
// when there is none.
func (s *Segment) translateOffset(offset, startPos, limit int64) (pos, size int64, ok bool, err error) {
	e, err := s.oi.lookup(offset)
	if err != nil {
		return 0, 0, false, err
	}
	sc := newHeaderScanner(s.log, max(e.Position, startPos), limit)
	defer sc.release()
	for {
		hdr, p, n, err := sc.next()
		if err != nil {
			if err == io.EOF || err == errTorn {
				return 0, 0, false, nil
			}
			return 0, 0, false, err
		}
		if hdr.LastOffset() >= offset {
			return p, n, true, nil
		}
	}
}

// batchEnd returns the end of the last whole batch in [from, limit), where
// from is a batch boundary, or from when none fits.
func (s *Segment) batchEnd(from, limit int64) (int64, error) {
	if from >= limit {
		return from, nil
	}
	// Index entries are batch starts: start from the last one at or
	// below the limit, when it is past from.
	e, err := s.oi.lookupPosition(limit)
	if err != nil {
		return 0, err
	}
	at := from
	if e.Position > from {
		at = e.Position
	}
	sc := newHeaderScanner(s.log, at, limit)
	defer sc.release()
	for {
		_, p, n, err := sc.next()
		switch {
		case err == io.EOF:
			return limit, nil
		case err == errTorn:
			return at, nil // the batch at `at` does not fit
		case err != nil:
			return 0, err
		}
		at = p + n
	}
}

// NextOffset is the offset after the segment's last batch, or its base when
// empty (LogSegment.readNextOffset): a scan from the last index entry.
func (s *Segment) NextOffset() (int64, error) { return s.readNextOffset() }

func (s *Segment) readNextOffset() (int64, error) {
	s.oi.mu.RLock()
	last := s.oi.lastOffset
	s.oi.mu.RUnlock()
	e, err := s.oi.lookup(last)
	if err != nil {
		return 0, err
	}
	next := s.base
	sc := newHeaderScanner(s.log, e.Position, s.size.Load())
	defer sc.release()
	for {
		hdr, _, _, err := sc.next()
		if err != nil {
			if err == io.EOF || err == errTorn {
				return next, nil
			}
			return 0, err
		}
		next = hdr.NextOffset()
	}
}

// readLargestTimestamp recomputes the max timestamp after a truncation: the
// time index's last entry, or a larger batch timestamp after it
// (LogSegment.readLargestTimestamp).
func (s *Segment) readLargestTimestamp() (TimestampOffset, error) {
	last := s.ti.lastEntry()
	e, err := s.oi.lookup(last.Offset)
	if err != nil {
		return last, err
	}
	sc := newHeaderScanner(s.log, e.Position, s.size.Load())
	defer sc.release()
	best := last
	for {
		hdr, _, _, err := sc.next()
		if err != nil {
			if err == io.EOF || err == errTorn {
				return best, nil
			}
			return best, err
		}
		if hdr.MaxTimestamp() > best.Timestamp {
			best = TimestampOffset{hdr.MaxTimestamp(), hdr.LastOffset()}
		}
	}
}

// truncateTo removes every batch whose last offset is >= offset, and the
// index entries at or above it; the segment becomes the active one (its
// indexes are preallocated again). It returns the bytes removed.
func (s *Segment) truncateTo(offset, now int64) (int64, error) {
	size := s.size.Load()
	pos, _, found, err := s.translateOffset(offset, 0, size)
	if err != nil {
		return 0, err
	}
	if err := s.oi.truncateTo(offset); err != nil {
		return 0, err
	}
	if err := s.ti.truncateTo(offset); err != nil {
		return 0, err
	}
	if err := s.oi.resize(s.maxIndexBytes); err != nil {
		return 0, err
	}
	if err := s.ti.resize(s.maxIndexBytes); err != nil {
		return 0, err
	}
	var cut int64
	if found {
		if err := s.log.Truncate(pos); err != nil {
			return 0, err
		}
		cut = size - pos
		s.size.Store(pos)
	}
	s.mu.Lock()
	if s.size.Load() == 0 {
		s.created = now
		s.rollingTs, s.rollingTsKnown = record.NoTimestamp, true
	}
	s.mu.Unlock()
	if err := s.resetBytesSinceIndex(); err != nil {
		return cut, err
	}
	if s.MaxTimestampSoFar().Timestamp >= 0 {
		ts, err := s.readLargestTimestamp()
		if err != nil {
			return cut, err
		}
		s.mu.Lock()
		s.maxTs = ts
		s.mu.Unlock()
	}
	return cut, nil
}

// onBecomeInactive adds the final time index entry and trims both indexes
// (LogSegment.onBecomeInactiveSegment). With their pending entries written,
// the indexes are then final.
func (s *Segment) onBecomeInactive() error {
	ts := s.MaxTimestampSoFar()
	if err := s.ti.maybeAppend(ts.Timestamp, ts.Offset, true); err != nil {
		return err
	}
	if err := s.oi.trimToValidSize(); err != nil {
		return err
	}
	return s.ti.trimToValidSize()
}

// sync makes the segment durable: the .log, and the indexes when withIndexes
// (an active segment's indexes are rebuilt after a crash and need no sync).
func (s *Segment) sync(withIndexes bool) error {
	if err := s.log.Sync(); err != nil {
		return err
	}
	if !withIndexes {
		return nil
	}
	if err := s.oi.writePending(); err != nil {
		return err
	}
	if err := s.ti.writePending(); err != nil {
		return err
	}
	if err := s.oi.sync(); err != nil {
		return err
	}
	return s.ti.sync()
}

// changeSuffix renames the segment's files from oldSuffix to newSuffix
// (LogSegment.changeFileSuffixes): the .log first, then the indexes.
func (s *Segment) changeSuffix(oldSuffix, newSuffix string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.suffix != oldSuffix {
		return fmt.Errorf("%w: segment %d has suffix %q, not %q", ErrInvalidArgument, s.base, s.suffix, oldSuffix)
	}
	if err := s.fs.Rename(segmentPath(s.dir, s.base, LogFileSuffix, oldSuffix),
		segmentPath(s.dir, s.base, LogFileSuffix, newSuffix)); err != nil {
		return err
	}
	s.suffix = newSuffix
	if err := s.oi.rename(segmentPath(s.dir, s.base, IndexFileSuffix, newSuffix)); err != nil {
		return err
	}
	if err := s.ti.rename(segmentPath(s.dir, s.base, TimeIndexFileSuffix, newSuffix)); err != nil {
		return err
	}
	if s.hasTxnIndex {
		return s.fs.Rename(segmentPath(s.dir, s.base, TxnIndexFileSuffix, oldSuffix),
			segmentPath(s.dir, s.base, TxnIndexFileSuffix, newSuffix))
	}
	return nil
}

// closeFiles closes the handles without writing anything.
func (s *Segment) closeFiles() {
	if s.log != nil {
		_ = s.log.Close()
	}
	if s.oi != nil {
		_ = s.oi.close()
	}
	if s.ti != nil {
		_ = s.ti.close()
	}
}

// removeFiles closes the handles and removes the files; missing files are
// not an error (LogSegment.deleteIfExists).
func (s *Segment) removeFiles() error {
	s.closeFiles()
	dir, suffix := s.location()
	var first error
	for _, kind := range []string{LogFileSuffix, IndexFileSuffix, TimeIndexFileSuffix, TxnIndexFileSuffix} {
		if err := s.fs.Remove(segmentPath(dir, s.base, kind, suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) && first == nil {
			first = err
		}
	}
	return first
}
