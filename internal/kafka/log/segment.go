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
//
// The active segment holds its .log open and its index entries in memory;
// any other segment holds neither: its .log is opened when read and kept in
// the FileCache (segment_file.go), its indexes are read from their files
// when looked up (index.go).
type Segment struct {
	base          int64
	fs            vfs.FS
	dir           *segmentDir // the log's directory, shared by its segments
	indexInterval int64
	maxIndexBytes int64

	log     *segmentFile // the .log, opened on demand
	size    atomic.Int64 // bytes readers may read
	oi      *offsetIndex
	ti      *timeIndex
	deleted atomic.Bool // no longer part of the log

	// nameMu guards the file names: read-held while a file is opened or
	// named, write-held while the files are renamed. Taken after the log
	// directory's lock.
	nameMu      sync.RWMutex
	suffix      string // "", .cleaned, .swap or .deleted
	hasTxnIndex bool   // a .txnindex (written by Kafka) exists and moves with the segment

	mu             sync.Mutex // guards the fields below; a leaf
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
// created or opened (Kafka's LogSegment.open), and the cache it uses.
type segmentConfig struct {
	indexInterval int64
	maxIndexBytes int64
	segmentBytes  int64
	preallocate   bool
	cache         *FileCache
}

func (c Config) segmentConfig(cache *FileCache) segmentConfig {
	return segmentConfig{
		indexInterval: int64(c.IndexIntervalBytes),
		maxIndexBytes: int64(c.SegmentIndexBytes),
		segmentBytes:  int64(c.SegmentBytes),
		preallocate:   c.Preallocate,
		cache:         cache,
	}
}

func segmentPath(dir string, base int64, kind, suffix string) string {
	return filepath.Join(dir, FilenamePrefix(base)+kind+suffix)
}

func newSegmentStruct(fsys vfs.FS, dir *segmentDir, base int64, sc segmentConfig, suffix string, now, jitter int64) *Segment {
	s := &Segment{
		base: base, fs: fsys, dir: dir, indexInterval: sc.indexInterval, maxIndexBytes: sc.maxIndexBytes,
		suffix: suffix, created: now, rollJitter: jitter,
	}
	s.log = newSegmentFile(s, sc.cache)
	return s
}

// createSegment creates a new, empty segment: its .log (replacing a file of
// the same name), held open, and empty in-memory indexes (their files are
// written when the segment stops being active).
func createSegment(fsys vfs.FS, dir *segmentDir, base int64, sc segmentConfig, suffix string, now, jitter int64) (*Segment, error) {
	s := newSegmentStruct(fsys, dir, base, sc, suffix, now, jitter)
	var err error
	if s.oi, err = newActiveOffsetIndex(s, sc.maxIndexBytes, sc.cache); err != nil {
		return nil, err
	}
	if s.ti, err = newActiveTimeIndex(s, sc.maxIndexBytes, sc.cache); err != nil {
		return nil, err
	}
	f, err := s.openFile(LogFileSuffix, fsys.Create)
	if err != nil {
		return nil, err
	}
	s.log.setHeld(f)
	if sc.preallocate {
		if err = f.Preallocate(0, sc.segmentBytes); err != nil {
			s.closeFiles()
			return nil, err
		}
	}
	s.maxTs = TimestampOffset{record.NoTimestamp, base}
	s.maxTsKnown = true
	s.rollingTs, s.rollingTsKnown = record.NoTimestamp, true
	return s, nil
}

// openSegment opens an existing segment: the .log's size, and what its index
// files say about themselves (for the sanity checks). No file stays open.
// An index file that does not exist is reported in missingIndex: the
// segment must then be recovered.
func openSegment(fsys vfs.FS, dir *segmentDir, base int64, sc segmentConfig, suffix string, now, jitter int64) (s *Segment, missingIndex bool, err error) {
	s = newSegmentStruct(fsys, dir, base, sc, suffix, now, jitter)
	var size int64
	if err := s.atPath(LogFileSuffix, func(path string) error {
		st, err := fsys.Stat(path)
		if err == nil {
			size = st.Size()
		}
		return err
	}); err != nil {
		return nil, false, err
	}
	s.size.Store(size)
	var missOI, missTI bool
	if s.oi, missOI, err = openOffsetIndex(s, sc.cache); err != nil {
		return nil, false, err
	}
	if s.ti, missTI, err = openTimeIndex(s, sc.cache); err != nil {
		return nil, false, err
	}
	if _, err := fsys.Stat(s.path(TxnIndexFileSuffix)); err == nil {
		s.hasTxnIndex = true
	}
	return s, missOI || missTI, nil
}

// makeActive makes the segment take appends again: its .log held open
// read-write, its index entries in memory with room for maxIndexBytes.
func (s *Segment) makeActive(maxIndexBytes int64) error {
	if err := s.log.hold(true); err != nil {
		return err
	}
	if err := s.oi.makeActive(maxIndexBytes); err != nil {
		return err
	}
	return s.ti.makeActive(maxIndexBytes)
}

// atPath runs fn with the path of the segment's file of the given kind,
// excluding renames of the directory and of the segment's files meanwhile.
func (s *Segment) atPath(kind string, fn func(path string) error) error {
	s.dir.mu.RLock()
	defer s.dir.mu.RUnlock()
	s.nameMu.RLock()
	defer s.nameMu.RUnlock()
	return fn(segmentPath(s.dir.path, s.base, kind, s.suffix))
}

// openFile opens the segment's file of the given kind with open.
func (s *Segment) openFile(kind string, open func(string) (vfs.File, error)) (f vfs.File, err error) {
	err = s.atPath(kind, func(path string) error {
		f, err = open(path)
		return err
	})
	return f, err
}

// path is the current name of the segment's file of the given kind.
func (s *Segment) path(kind string) string {
	dir, suffix := s.location()
	return segmentPath(dir, s.base, kind, suffix)
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// BaseOffset is the segment's base offset: no offset in it is lower.
func (s *Segment) BaseOffset() int64 { return s.base }

// Size is the segment's size in bytes (what readers may read).
func (s *Segment) Size() int64 { return s.size.Load() }

// File is the segment's .log, for readers (the cleaner, dumps): positioned
// reads open the file when it is not open (it is kept in the FileCache).
// Its Fd is valid only while something pins the file open: to send a
// segment's bytes with sendfile, use a FileRegion from Read. Closing it
// does nothing (the segment owns its file).
func (s *Segment) File() vfs.File { return s.log }

// LogPath, IndexPath and TimeIndexPath are the segment's current file
// names, suffix included.
func (s *Segment) LogPath() string       { return s.path(LogFileSuffix) }
func (s *Segment) IndexPath() string     { return s.path(IndexFileSuffix) }
func (s *Segment) TimeIndexPath() string { return s.path(TimeIndexFileSuffix) }

func (s *Segment) currentSuffix() string {
	s.nameMu.RLock()
	defer s.nameMu.RUnlock()
	return s.suffix
}

// location is the segment's directory and file name suffix.
func (s *Segment) location() (dir, suffix string) {
	s.dir.mu.RLock()
	defer s.dir.mu.RUnlock()
	s.nameMu.RLock()
	defer s.nameMu.RUnlock()
	return s.dir.path, s.suffix
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
	last := s.ti.lastEntry() // outside s.mu, a leaf
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
	if s.rollingTsKnown {
		defer s.mu.Unlock()
		return s.rollingTs
	}
	s.mu.Unlock()
	// Read outside s.mu (a leaf): the file may have to be opened.
	ts, ok := record.NoTimestamp, false
	sc := newHeaderScanner(s.log, 0, s.size.Load())
	if hdr, _, _, err := sc.next(); err == nil {
		ts, ok = hdr.MaxTimestamp(), true
	}
	sc.release()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rollingTsKnown { // set by the writer meanwhile
		return s.rollingTs
	}
	if ok {
		s.rollingTs, s.rollingTsKnown = ts, true
	}
	return ts
}

// timeWaitedForRoll is LogSegment.timeWaitedForRoll: the age of the
// segment by the new batch's timestamp when the first batch has one, by
// the clock otherwise.
func (s *Segment) timeWaitedForRoll(now, messageTimestamp int64) int64 {
	if ts := s.FirstBatchTimestamp(); ts >= 0 {
		return messageTimestamp - ts
	}
	s.mu.Lock()
	defer s.mu.Unlock()
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
	f, err := s.log.writer()
	if err != nil {
		return pos, false, err
	}
	if _, err := f.WriteAt(recs, pos); err != nil {
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
func (s *Segment) resetBytesSinceIndex() {
	s.bytesSinceIndex = s.size.Load()
	if s.oi.entries() > 0 {
		s.bytesSinceIndex -= s.oi.lastEntry().Position
	}
}

// translateOffset finds the first batch whose last offset is >= offset at
// or after startPos, below limit (LogSegment.translateOffset); ok is false
// when there is none.
func (s *Segment) translateOffset(offset, startPos, limit int64) (pos, size int64, ok bool, err error) {
	h, err := s.log.acquire()
	if err != nil {
		return 0, 0, false, err
	}
	defer s.log.release(h)
	return s.translateOffsetIn(h.f, offset, startPos, limit)
}

// translateOffsetIn is translateOffset on f, the segment's pinned file.
func (s *Segment) translateOffsetIn(f vfs.File, offset, startPos, limit int64) (pos, size int64, ok bool, err error) {
	e, err := s.oi.lookup(offset)
	if err != nil {
		return 0, 0, false, err
	}
	sc := newHeaderScanner(f, max(e.Position, startPos), limit)
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

// batchEndIn returns the end of the last whole batch in [from, limit) of
// f, the segment's pinned file, where from is a batch boundary, or from
// when none fits.
func (s *Segment) batchEndIn(f vfs.File, from, limit int64) (int64, error) {
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
	sc := newHeaderScanner(f, at, limit)
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

// scanHeaders calls fn for every batch header from position from (a batch
// start) to the segment's end, until fn returns false.
func (s *Segment) scanHeaders(from int64, fn func(hdr record.Batch) bool) error {
	h, err := s.log.acquire()
	if err != nil {
		return err
	}
	defer s.log.release(h)
	sc := newHeaderScanner(h.f, from, s.size.Load())
	defer sc.release()
	for {
		hdr, _, _, err := sc.next()
		if err != nil {
			if err == io.EOF || err == errTorn {
				return nil
			}
			return err
		}
		if !fn(hdr) {
			return nil
		}
	}
}

// NextOffset is the offset after the segment's last batch, or its base when
// empty (LogSegment.readNextOffset): a scan from the last index entry.
func (s *Segment) NextOffset() (int64, error) { return s.readNextOffset() }

func (s *Segment) readNextOffset() (int64, error) {
	next := s.base
	err := s.scanHeaders(s.oi.lastEntry().Position, func(hdr record.Batch) bool {
		next = hdr.NextOffset()
		return true
	})
	return next, err
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
	best := last
	err = s.scanHeaders(e.Position, func(hdr record.Batch) bool {
		if hdr.MaxTimestamp() > best.Timestamp {
			best = TimestampOffset{hdr.MaxTimestamp(), hdr.LastOffset()}
		}
		return true
	})
	return best, err
}

// truncateTo removes every batch whose last offset is >= offset, and the
// index entries at or above it; the segment becomes the active one (its
// .log held open read-write, its index entries in memory). It returns the
// bytes removed.
func (s *Segment) truncateTo(offset, now int64) (int64, error) {
	if err := s.makeActive(s.maxIndexBytes); err != nil {
		return 0, err
	}
	size := s.size.Load()
	pos, _, found, err := s.translateOffset(offset, 0, size)
	if err != nil {
		return 0, err
	}
	s.oi.truncateTo(offset)
	s.ti.truncateTo(offset)
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
	s.resetBytesSinceIndex()
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

// onBecomeInactive adds the final time index entry and writes both indexes
// to their files, trimmed (LogSegment.onBecomeInactiveSegment), synced when
// sync; the .log is then no longer held open, but cached. A segment already
// inactive only gets its indexes synced, if asked.
func (s *Segment) onBecomeInactive(sync bool) error {
	if s.ti.isActive() {
		ts := s.MaxTimestampSoFar()
		if err := s.ti.maybeAppend(ts.Timestamp, ts.Offset, true); err != nil {
			return err
		}
	}
	if err := s.oi.finish(sync); err != nil {
		return err
	}
	if err := s.ti.finish(sync); err != nil {
		return err
	}
	s.log.unhold()
	return nil
}

// sync makes the segment durable: the .log, and the indexes of an inactive
// segment when withIndexes (an active segment's indexes are rebuilt after a
// crash and need no sync; see index.go).
func (s *Segment) sync(withIndexes bool) error {
	if err := s.log.Sync(); err != nil {
		return err
	}
	if !withIndexes {
		return nil
	}
	if err := s.oi.syncFile(); err != nil {
		return err
	}
	return s.ti.syncFile()
}

// changeSuffix renames the segment's files from oldSuffix to newSuffix
// (LogSegment.changeFileSuffixes): the .log first, then the indexes (which
// an active segment may not have written yet).
func (s *Segment) changeSuffix(oldSuffix, newSuffix string) error {
	s.dir.mu.RLock()
	defer s.dir.mu.RUnlock()
	s.nameMu.Lock()
	defer s.nameMu.Unlock()
	if s.suffix != oldSuffix {
		return fmt.Errorf("%w: segment %d has suffix %q, not %q", ErrInvalidArgument, s.base, s.suffix, oldSuffix)
	}
	rename := func(kind string) error {
		return s.fs.Rename(segmentPath(s.dir.path, s.base, kind, oldSuffix), segmentPath(s.dir.path, s.base, kind, newSuffix))
	}
	if err := rename(LogFileSuffix); err != nil {
		return err
	}
	s.suffix = newSuffix
	for _, kind := range []string{IndexFileSuffix, TimeIndexFileSuffix} {
		if err := rename(kind); err != nil && !isNotExist(err) {
			return err
		}
	}
	if s.hasTxnIndex {
		return rename(TxnIndexFileSuffix)
	}
	return nil
}

// closeFiles closes the .log, pinned or not, and drops the index entries of
// an inactive segment, without writing anything.
func (s *Segment) closeFiles() {
	s.log.closeAll()
	if s.oi != nil {
		s.oi.release()
	}
	if s.ti != nil {
		s.ti.release()
	}
}

// removeFiles closes the files and removes them; missing files are not an
// error (LogSegment.deleteIfExists).
func (s *Segment) removeFiles() error {
	s.closeFiles()
	dir, suffix := s.location()
	var first error
	for _, kind := range []string{LogFileSuffix, IndexFileSuffix, TimeIndexFileSuffix, TxnIndexFileSuffix} {
		if err := s.fs.Remove(segmentPath(dir, s.base, kind, suffix)); err != nil && !isNotExist(err) && first == nil {
			first = err
		}
	}
	return first
}
