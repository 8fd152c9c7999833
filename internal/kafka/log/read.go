package log

import "fmt"

// FetchData is the result of a read (FetchDataInfo): where the read started
// and the bytes to send, as a region of a segment file.
type FetchData struct {
	// Start locates the batch holding the requested offset (or the log end).
	Start OffsetMetadata
	// Region holds whole batches, the first containing the requested
	// offset, except when FirstBatchIncomplete.
	Region FileRegion
	// FirstBatchIncomplete is set when the first batch is larger than the
	// bytes allowed and minOneBatch was false: Region then holds only its
	// first maxBytes bytes, as Kafka returns them (the broker decides
	// whether to send them, for old clients, or nothing).
	FirstBatchIncomplete bool
}

// AppendTo appends the data's bytes to dst.
func (f FetchData) AppendTo(dst []byte) ([]byte, error) { return f.Region.AppendTo(dst) }

// Release releases the data's region (FileRegion.Release).
func (f FetchData) Release() { f.Region.Release() }

// boundPos caches where an upper bound lies, so that reads bounded by the
// same high watermark do not look it up again.
type boundPos struct {
	offset  int64
	gen     uint64
	segBase int64
	pos     int64
}

// Read reads from startOffset (LocalLog.read): the whole batch containing
// it, then the following batches of the same segment while they fit in
// maxBytes, all below upperBound (exclusive: the high watermark or last
// stable offset the caller's isolation allows; a batch straddling it is
// left out). With minOneBatch the first batch is returned whole even when
// it is larger than maxBytes. A read starting at or above upperBound (up to
// the log end) is empty; outside [log start, log end] it is
// ErrOffsetOutOfRange.
//
// The region pins its segment's file open until released: the caller must
// call Release (on the FetchData or its Region) once it has sent or copied
// the bytes. It stays readable until then even if retention deletes the
// segment meanwhile, provided that is within file.delete.delay.ms (the
// files are removed after it), but a truncation may cut it short: whoever
// sends it must handle a short read.
func (l *Log) Read(startOffset int64, maxBytes int, upperBound int64, minOneBatch bool) (FetchData, error) {
	if maxBytes < 0 {
		return FetchData{}, fmt.Errorf("%w: invalid max size %d for log read", ErrInvalidArgument, maxBytes)
	}
	for {
		fd, retry, err := l.read(startOffset, maxBytes, upperBound, minOneBatch)
		if !retry {
			return fd, err
		}
	}
}

// read is one attempt of Read; retry is set when a segment it read was
// deleted (and its files closed) under it: the log has moved on, and a new
// attempt sees where.
func (l *Log) read(startOffset int64, maxBytes int, upperBound int64, minOneBatch bool) (fd FetchData, retry bool, err error) {
	var cur *Segment
	defer func() {
		if err != nil && cur != nil && cur.deleted.Load() {
			retry = true
		}
	}()
	leo := l.logEnd.Load()
	segs := *l.segs.Load()
	ls := l.logStart.Load()
	i := floorSegment(segs, startOffset)
	if startOffset < ls || startOffset > leo || i < 0 {
		return FetchData{}, false, fmt.Errorf("%w: offset %d, log start offset %d, log end offset %d",
			ErrOffsetOutOfRange, startOffset, ls, leo)
	}
	bound := min(upperBound, leo)
	if startOffset >= bound {
		cur = segs[i]
		meta, err := l.offsetMetadata(segs, i, startOffset, leo)
		return FetchData{Start: meta}, false, err
	}
	for ; i < len(segs); i++ {
		cur = segs[i]
		maxPos, err := l.boundPosition(segs, i, bound, leo)
		if err != nil {
			return FetchData{}, false, err
		}
		fd, found, err := cur.read(startOffset, int64(maxBytes), maxPos, minOneBatch)
		if err != nil || found {
			return fd, false, err
		}
	}
	// Every batch at or above startOffset is gone (deleted under us, or
	// compacted away): an empty read at the log end.
	return FetchData{Start: l.LogEndOffsetMetadata()}, false, nil
}

// offsetMetadata locates offset, which is below leo, or leo itself.
func (l *Log) offsetMetadata(segs []*Segment, i int, offset, leo int64) (OffsetMetadata, error) {
	if offset < leo {
		for ; i < len(segs); i++ {
			s := segs[i]
			pos, _, ok, err := s.translateOffset(offset, 0, s.Size())
			if err != nil {
				return OffsetMetadata{}, err
			}
			if ok {
				return OffsetMetadata{Offset: offset, SegmentBase: s.base, Position: pos}, nil
			}
		}
	}
	a := segs[len(segs)-1]
	return OffsetMetadata{Offset: leo, SegmentBase: a.base, Position: a.Size()}, nil
}

// boundPosition returns the position in segs[i] below which every batch
// ends below bound.
func (l *Log) boundPosition(segs []*Segment, i int, bound, leo int64) (int64, error) {
	s := segs[i]
	if bound >= leo || (i+1 < len(segs) && segs[i+1].base <= bound) {
		return s.Size(), nil
	}
	gen := l.truncGen.Load()
	if c := l.bound.Load(); c != nil && c.offset == bound && c.gen == gen && c.segBase == s.base {
		return c.pos, nil
	}
	pos, _, ok, err := s.translateOffset(bound, 0, s.Size())
	if err != nil || !ok {
		return s.Size(), err
	}
	l.bound.Store(&boundPos{offset: bound, gen: gen, segBase: s.base, pos: pos})
	return pos, nil
}

// read reads from the batch holding startOffset up to maxPos
// (LogSegment.read); found is false when no batch in the segment holds an
// offset at or above startOffset. A region found pins the file.
func (s *Segment) read(startOffset, maxBytes, maxPos int64, minOneBatch bool) (FetchData, bool, error) {
	h, err := s.log.acquire()
	if err != nil {
		return FetchData{}, false, err
	}
	pinned := false
	defer func() {
		if !pinned {
			s.log.release(h)
		}
	}()
	size := s.size.Load()
	maxPos = min(maxPos, size)
	pos, batchSize, ok, err := s.translateOffsetIn(h.f, startOffset, 0, size)
	if err != nil || !ok {
		return FetchData{}, false, err
	}
	fd := FetchData{Start: OffsetMetadata{Offset: startOffset, SegmentBase: s.base, Position: pos}}
	region := FileRegion{Pos: pos}
	allowed := maxBytes
	if minOneBatch {
		allowed = max(allowed, batchSize)
	}
	if allowed > 0 && pos < maxPos {
		limit := min(maxPos-pos, allowed)
		if limit < batchSize {
			region.Len = limit
			fd.FirstBatchIncomplete = true
		} else {
			end, err := s.batchEndIn(h.f, pos+batchSize, pos+limit)
			if err != nil {
				return FetchData{}, false, err
			}
			region.Len = end - pos
		}
	}
	region.File, pinned = &regionFile{sf: s.log, h: h}, true
	fd.Region = region
	return fd, true, nil
}
