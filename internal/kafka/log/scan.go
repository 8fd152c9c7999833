package log

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// errTorn ends a scan at bytes that do not hold a whole batch: a length
// below the header size, or a batch running past the scan's limit.
var errTorn = errors.New("log: torn or malformed batch")

const scanChunk = 4096

var scanPool = sync.Pool{New: func() any { b := make([]byte, scanChunk); return &b }}

// headerScanner walks the batch headers of a segment file from a position
// without reading whole batches: a fetch, an offset lookup or an end-of-log
// search touches a few KiB, whatever the batch sizes. It trusts the length
// fields it reads (no CRC); a length that cannot be right stops the scan.
type headerScanner struct {
	f      vfs.File
	pos    int64 // position of the next batch
	limit  int64 // scan [pos, limit)
	bp     *[]byte
	buf    []byte // bytes at [bufPos, bufPos+len(buf))
	bufPos int64
}

func newHeaderScanner(f vfs.File, pos, limit int64) *headerScanner {
	bp := scanPool.Get().(*[]byte)
	return &headerScanner{f: f, pos: pos, limit: limit, bp: bp}
}

func (s *headerScanner) release() {
	if s.bp != nil {
		scanPool.Put(s.bp)
		s.bp, s.buf = nil, nil
	}
}

// next returns the header of the batch at the scan position (a view valid
// until the next call), the batch's position and size. It returns io.EOF at
// the limit and errTorn at a malformed or cut header.
func (s *headerScanner) next() (hdr record.Batch, pos, size int64, err error) {
	if s.pos >= s.limit {
		return nil, 0, 0, io.EOF
	}
	if s.limit-s.pos < record.HeaderSize {
		return nil, 0, 0, errTorn
	}
	off := s.pos - s.bufPos
	if s.buf == nil || off < 0 || off+record.HeaderSize > int64(len(s.buf)) {
		n := min(int64(len(*s.bp)), s.limit-s.pos)
		b := (*s.bp)[:n]
		m, err := s.f.ReadAt(b, s.pos)
		if m < record.HeaderSize {
			if err == nil || err == io.EOF {
				err = errTorn
			}
			return nil, 0, 0, err
		}
		s.buf, s.bufPos, off = b[:m], s.pos, 0
	}
	hdr = record.Batch(s.buf[off : off+record.HeaderSize])
	size = record.SizeOf(hdr)
	if size < record.HeaderSize || size > s.limit-s.pos {
		return nil, 0, 0, errTorn
	}
	pos = s.pos
	s.pos += size
	return hdr, pos, size, nil
}

// batchReader reads whole batches from a segment file (recovery, the
// cleaner, timestamp searches). It reads in large chunks and grows its
// buffer to the largest batch, which the caller bounds by the file size.
type batchReader struct {
	f      vfs.File
	pos    int64 // position of the next batch
	limit  int64
	chunk  int64 // bytes read at once, at least
	buf    []byte
	bufPos int64 // file position of buf[0]
	n      int   // valid bytes in buf
}

// Chunk sizes: recovery reads whole segments, other walks (timestamp
// searches, the cleaner) usually stop early.
const (
	recoveryChunk = 1 << 20
	walkChunk     = 64 << 10
)

func newBatchReader(f vfs.File, pos, limit, chunk int64) *batchReader {
	return &batchReader{f: f, pos: pos, limit: limit, chunk: chunk, bufPos: pos}
}

// next returns the batch at the read position (aliasing the reader's buffer
// until the next call) and its position. It returns io.EOF at the limit,
// errTorn when the bytes left cannot hold the batch the header announces.
// The batch is not validated.
func (r *batchReader) next() (record.Batch, int64, error) {
	if r.pos >= r.limit {
		return nil, 0, io.EOF
	}
	if err := r.fill(record.LogOverhead); err != nil {
		return nil, 0, err
	}
	off := r.pos - r.bufPos
	size := record.SizeOf(r.buf[off : off+record.LogOverhead])
	if size < record.HeaderSize || size > r.limit-r.pos {
		return nil, 0, errTorn
	}
	if err := r.fill(size); err != nil {
		return nil, 0, err
	}
	off = r.pos - r.bufPos
	b := record.Batch(r.buf[off : off+size])
	pos := r.pos
	r.pos += size
	return b, pos, nil
}

// fill makes [pos, pos+need) available in buf.
func (r *batchReader) fill(need int64) error {
	off := r.pos - r.bufPos
	if off >= 0 && off+need <= int64(r.n) {
		return nil
	}
	if need > r.limit-r.pos {
		return errTorn
	}
	want := max(need, min(r.chunk, r.limit-r.pos))
	// Keep what is already buffered from pos on, then read the rest.
	var held []byte
	if off >= 0 && off < int64(r.n) {
		held = r.buf[off:r.n]
	}
	dst := r.buf
	if int64(len(dst)) < want {
		dst = make([]byte, want)
	}
	kept := copy(dst, held)
	r.buf = dst
	r.bufPos = r.pos
	m, err := r.f.ReadAt(r.buf[kept:want], r.pos+int64(kept))
	r.n = kept + m
	if int64(r.n) < need {
		if err == nil || err == io.EOF {
			err = errTorn
		}
		return err
	}
	return nil
}

// FileRegion is a range of a segment file, for zero-copy sends (sendfile
// from File.Fd) or for reading into memory. A region from Log.Read pins the
// file open (File.Fd stays valid) until Release; File's reads fail after it.
type FileRegion struct {
	File vfs.File
	Pos  int64
	Len  int64
}

// Release unpins the region's file: the cache may close it from then on.
// Call it once done with the region (after sendfile or AppendTo); further
// calls do nothing. A region never released keeps its segment's file open
// until the segment is removed or the log closed. Closing File is the same.
func (r FileRegion) Release() {
	if rf, ok := r.File.(*regionFile); ok {
		rf.release()
	}
}

// AppendTo appends the region's bytes to dst. A region whose file was
// truncated or deleted under it since the read reads short: ErrOffsetOutOfRange.
func (r FileRegion) AppendTo(dst []byte) ([]byte, error) {
	if r.Len == 0 {
		return dst, nil
	}
	start := len(dst)
	dst = append(dst, make([]byte, r.Len)...)
	n, err := r.File.ReadAt(dst[start:], r.Pos)
	if int64(n) < r.Len {
		if err == nil || err == io.EOF {
			err = fmt.Errorf("%w: region [%d, %d) reads %d bytes", ErrOffsetOutOfRange, r.Pos, r.Pos+r.Len, n)
		}
		return dst[:start], err
	}
	return dst, nil
}
