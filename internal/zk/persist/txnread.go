package persist

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"io"
	"path/filepath"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Entry is one txn read from a txn log.
type Entry struct {
	Header jute.TxnHeader
	Record jute.Record     // nil for a txn without a body
	Digest *jute.TxnDigest // nil when the txn has none
	// Raw is the txn as logged (header, record, digest), the bytes a leader
	// sends as a proposal. It is valid until the next call to Next.
	Raw []byte
}

// entryEnd says how reading an entry ended.
type entryEnd int

const (
	endNone  entryEnd = iota // an entry was read
	endClean                 // end of file at an entry boundary, or a zero length (preallocated space)
	endTorn                  // a partial or invalid entry: torn write, or damage
)

// segment reads the entries of one log file in order.
type segment struct {
	name    string
	first   int64 // the zxid in the file's name
	f       vfs.File
	r       *bufio.Reader
	size    int64
	off     int64 // offset of the next entry
	payload []byte

	badHeader bool  // the header is short or has the wrong magic
	lastZxid  int64 // zxid of the last valid entry read, first-1 before any
	tornEnd   int64 // for endTorn: where the damaged bytes end, as far as known
}

func openSegment(fs vfs.FS, dir string, nf namedFile) (*segment, error) {
	f, err := fs.Open(filepath.Join(dir, nf.name))
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	s := &segment{name: nf.name, first: nf.zxid, f: f, size: fi.Size(), lastZxid: nf.zxid - 1}
	s.r = bufio.NewReaderSize(f, 64<<10)
	var hb [fileHeaderSize]byte
	switch _, err := io.ReadFull(s.r, hb[:]); {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		s.badHeader = true
	case err != nil:
		f.Close()
		return nil, err
	case int32(binary.BigEndian.Uint32(hb[:])) != jute.TxnLogMagic:
		// FileTxnIterator checks the magic only, not version or dbid.
		s.badHeader = true
	}
	s.off = fileHeaderSize
	return s, nil
}

func (s *segment) close() { s.f.Close() }

// next reads the entry at s.off. I/O errors are returned as errors, never
// mistaken for a torn tail.
func (s *segment) next() ([]byte, entryEnd, error) {
	var eh [entryHeaderSize]byte
	n, err := io.ReadFull(s.r, eh[:])
	switch {
	case n == 0 && err == io.EOF:
		return nil, endClean, nil
	case err == io.ErrUnexpectedEOF:
		s.tornEnd = s.size
		return nil, endTorn, nil
	case err != nil:
		return nil, endNone, err
	}
	crc := binary.BigEndian.Uint64(eh[:8])
	length := int64(int32(binary.BigEndian.Uint32(eh[8:])))
	rest := s.size - s.off - entryHeaderSize
	switch {
	case length == 0 && crc == 0:
		return nil, endClean, nil
	case length <= 0:
		// A zero length after a checksum, or a negative one.
		s.tornEnd = s.off + entryHeaderSize
		return nil, endTorn, nil
	case length+1 > rest:
		// The entry runs past the end of the file. Length is checked
		// against the file before anything is allocated.
		s.tornEnd = s.size
		return nil, endTorn, nil
	}
	if int64(cap(s.payload)) < length+1 {
		s.payload = make([]byte, length+1)
	}
	p := s.payload[:length+1]
	if _, err := io.ReadFull(s.r, p); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF { // the file shrank under us
			s.tornEnd = s.size
			return nil, endTorn, nil
		}
		return nil, endNone, err
	}
	txn := p[:length]
	if p[length] != eor || crc>>32 != 0 || uint32(crc) != adler32.Checksum(txn) {
		s.tornEnd = s.off + entryHeaderSize + length + 1
		return nil, endTorn, nil
	}
	s.off += entryHeaderSize + length + 1
	return txn, endNone, nil
}

// zeroFrom reports whether every byte of the file from off on is zero.
func (s *segment) zeroFrom(off int64) (bool, error) {
	buf := make([]byte, 64<<10)
	for off < s.size {
		n, err := s.f.ReadAt(buf[:min(int64(len(buf)), s.size-off)], off)
		for _, b := range buf[:n] {
			if b != 0 {
				return false, nil
			}
		}
		off += int64(n)
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
	return true, nil
}

// tailState describes how the newest log file ended.
type tailState struct {
	name      string
	end       int64 // offset after the last valid entry
	size      int64
	torn      bool // an invalid entry or header follows end
	badHeader bool
}

// TxnIterator reads txns with zxid >= a starting zxid across log files, in
// file order. The newest file ends at its first invalid entry (a torn tail);
// an invalid entry inside an older file is ErrCorrupt unless it is provably a
// torn tail (see Next).
type TxnIterator struct {
	fs    vfs.FS
	dir   string
	files []namedFile
	from  int64

	idx  int
	seg  *segment
	cur  Entry
	err  error
	done bool
	tail tailState
}

// ReadTxns returns an iterator over the txns with zxid >= from in the log
// files of logDir (a version-2 directory), choosing files as
// FileTxnLog.getLogFiles does.
func ReadTxns(fs vfs.FS, logDir string, from int64) (*TxnIterator, error) {
	names, err := fs.List(logDir)
	if err != nil {
		return nil, err
	}
	files := logFilesFrom(listNamed(names, logPrefix), from)
	return &TxnIterator{fs: fs, dir: logDir, files: files, from: from}, nil
}

// ReadLogFile returns an iterator over every txn of one log file, read as the
// newest file of a log (a torn tail ends it). The name need not follow the
// log.<zxid> pattern.
func ReadLogFile(fs vfs.FS, path string) *TxnIterator {
	nf := namedFile{name: filepath.Base(path), zxid: max(ZxidFromName(filepath.Base(path), logPrefix), 0)}
	return &TxnIterator{fs: fs, dir: filepath.Dir(path), files: []namedFile{nf}, from: -1 << 63}
}

// Next advances to the next txn; it returns false at the end or on error
// (see Err).
//
// An older file (one followed by another) may end with an invalid entry
// only where ZooKeeper itself leaves one: a torn write that nothing was
// written after (the rest of the file is zero), or one whose txns the next
// file starts again from. Anything else there would silently drop txns that
// may have been committed, so it is ErrCorrupt. Whether zxids continue
// across files and epochs is Restore's check, not the iterator's.
func (it *TxnIterator) Next() bool {
	for it.err == nil && !it.done {
		if it.seg == nil {
			if it.idx >= len(it.files) {
				it.done = true
				return false
			}
			seg, err := openSegment(it.fs, it.dir, it.files[it.idx])
			if err != nil {
				it.err = err
				return false
			}
			it.seg = seg
			if seg.badHeader {
				it.endFile(endTorn, fileHeaderSize)
				continue
			}
		}
		raw, end, err := it.seg.next()
		if err != nil {
			it.err = err
			return false
		}
		if end != endNone {
			it.endFile(end, it.seg.tornEnd)
			continue
		}
		if len(raw) < txnHeaderSize {
			it.err = fmt.Errorf("%w: %s at %d: txn of %d bytes", ErrCorrupt, it.seg.name, it.seg.off, len(raw))
			return false
		}
		zxid := txnZxid(raw)
		it.seg.lastZxid = zxid
		if zxid < it.from {
			continue // fast-forward without decoding
		}
		hdr, rec, dg, err := jute.DecodeTxn(raw)
		if err != nil {
			// The checksum matched, so these are the bytes that were
			// written: a txn this version cannot read, not a torn write.
			it.err = fmt.Errorf("%w: %s: txn 0x%x: %w", ErrCorrupt, it.seg.name, zxid, err)
			return false
		}
		it.cur = Entry{Header: hdr, Record: rec, Digest: dg, Raw: raw}
		return true
	}
	return false
}

// endFile handles the end of the current file: the newest file records its
// tail and ends the iteration; an older one is checked and left.
func (it *TxnIterator) endFile(end entryEnd, damagedTo int64) {
	s := it.seg
	defer func() {
		s.close()
		it.seg = nil
		it.idx++
	}()
	torn := end == endTorn
	validEnd := s.off
	if s.badHeader {
		validEnd = 0
	}
	last := it.idx == len(it.files)-1
	if torn && it.tornIsCorrupt(last, damagedTo, validEnd) {
		return
	}
	if last {
		it.tail = tailState{name: s.name, end: validEnd, size: s.size, torn: torn, badHeader: s.badHeader}
		it.done = true
	}
}

// tornIsCorrupt decides whether an invalid entry (or header) is damage
// rather than a torn tail, setting it.err if so. The newest file's first
// invalid entry just ends the log (Restore then cuts it off); a header is
// only torn if nothing follows it. Elsewhere a torn write is told from
// damage by what follows it: zeros, or a next file that starts again right
// after the last valid txn.
func (it *TxnIterator) tornIsCorrupt(last bool, damagedTo, validEnd int64) bool {
	s := it.seg
	if last && !s.badHeader {
		return false
	}
	if !last && !s.badHeader && it.files[it.idx+1].zxid <= s.lastZxid+1 {
		return false
	}
	zero, err := s.zeroFrom(max(damagedTo, validEnd))
	switch {
	case err != nil:
		it.err = err
	case !zero:
		it.err = fmt.Errorf("%w: %s: invalid data at offset %d followed by more data", ErrCorrupt, s.name, validEnd)
	}
	return it.err != nil
}

// Entry returns the current txn.
func (it *TxnIterator) Entry() *Entry { return &it.cur }

// Err returns the error that ended the iteration, if any.
func (it *TxnIterator) Err() error { return it.err }

// Close releases the open file.
func (it *TxnIterator) Close() error {
	if it.seg != nil {
		it.seg.close()
		it.seg = nil
	}
	it.done = true
	return nil
}
