package persist

import (
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"log/slog"
	"math"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Txn log file format (FileTxnLog), <dataLogDir>/version-2/log.<zxid hex>,
// named by the zxid of the first txn it holds. All integers big-endian.
//
//	offset 0 +-----------------------------------------------+
//	         | FileHeader                                    |
//	         |   int   magic    0x5a4b4c47 "ZKLG"            |
//	         |   int   version  2                            |
//	         |   long  dbid     0                            |
//	      16 +-----------------------------------------------+
//	         | entry                                         |
//	         |   long  checksum Adler32 of txn (high half 0) |
//	         |   int   len      len(txn), > 0                |
//	         |   byte  txn[len] TxnHeader (32 bytes), the    |
//	         |                  txn record, then TxnDigest   |
//	         |                  (12 bytes) when digests are  |
//	         |                  on                           |
//	         |   byte  EOR      0x42 'B'                     |
//	         +-----------------------------------------------+
//	         | entry ...                                     |
//	         +-----------------------------------------------+
//	         | zeros: preallocated space, to the file's end  |
//	         +-----------------------------------------------+
//
// A reader stops at the end of the file or at a zero len. Preallocation is
// FilePadding's: when the write position comes within 4 KiB of the padded
// size, the file grows by preAllocSize by writing one zero byte at the new
// end (so the file is sparse where the OS allows; Wharf also asks the OS to
// reserve the blocks). The first growth takes a new file to 16 + preAllocSize.

const (
	fileHeaderSize  = 16
	entryHeaderSize = 12 // checksum + len
	txnHeaderSize   = 32 // TxnHeader: long, int, long, long, int
	eor             = 'B'
	padSlack        = 4096 // FilePadding grows the file within 4 KiB of its end
	// flushThreshold bounds the bytes Append buffers before it writes them
	// out (without fsync), as BufferedOutputStream does.
	flushThreshold = 1 << 20
)

// TxnLog appends txns to the txn log files of a directory. Append only
// encodes into a buffer; Commit writes the buffer and fsyncs, so many Appends
// share one fsync (group commit).
//
// A TxnLog is used by one goroutine at a time; LastSyncDuration,
// FsyncThresholdExceeded and AppendedBytes may be read from any goroutine. After a write or fsync error every later call returns
// that error (wrapped in ErrLogFailed): what reached the disk is unknown, so
// the owner must reopen the SnapLog and Restore.
type TxnLog struct {
	fs   vfs.FS
	dir  string
	opts Options
	log  *slog.Logger

	ready    bool  // Restore has run: lastZxid is known
	lastZxid int64 // zxid of the last txn appended (or restored)
	err      error // sticky failure
	closed   bool

	cur    *logFile   // the file being appended to; nil: next Append starts one
	rolled []*logFile // rolled files with writes not yet synced
	buf    []byte     // entries appended to cur but not yet written
	enc    jute.Encoder

	lastSyncNanos atomic.Int64
	slowSyncs     atomic.Int64
	appended      atomic.Int64 // bytes of entries appended
}

// logFile is one txn log file being written.
type logFile struct {
	name    string
	f       vfs.File // nil until the first write creates the file
	pos     int64    // bytes of header and entries written to the file
	synced  int64    // pos at the last fsync
	padSize int64    // FilePadding.currentSize: the size the file is padded to
	padDone int64    // padSize as last written to the file
}

func newTxnLog(fs vfs.FS, dir string, opts Options) *TxnLog {
	l := &TxnLog{fs: fs, dir: dir, opts: opts, log: opts.Logger}
	l.lastSyncNanos.Store(-1)
	return l
}

// LastZxid returns the zxid of the last txn appended, or restored.
func (l *TxnLog) LastZxid() int64 { return l.lastZxid }

// CurrentFile returns the name of the file being appended to, or "" when the
// next Append starts a new file.
func (l *TxnLog) CurrentFile() string {
	if l.cur == nil {
		return ""
	}
	return l.cur.name
}

// LastSyncDuration returns how long the fsyncs of the last Commit took
// (FileTxnLog.getTxnLogSyncElapsedTime); -1 before any.
func (l *TxnLog) LastSyncDuration() time.Duration {
	return time.Duration(l.lastSyncNanos.Load())
}

// FsyncThresholdExceeded returns how many Commits had fsyncs slower than
// Options.FsyncWarningThreshold (mntr's zk_fsync_threshold_exceed_count).
func (l *TxnLog) FsyncThresholdExceeded() int64 { return l.slowSyncs.Load() }

// AppendedBytes returns the bytes of log entries appended since the TxnLog
// was opened, growing monotonically: a server compares it between snapshots
// to apply zookeeper.snapSizeLimitInKb.
func (l *TxnLog) AppendedBytes() int64 { return l.appended.Load() }

// Append adds a txn: hdr, its record (nil for none) and its digest (nil when
// digests are off). The txn is durable only once Commit returns nil. Zxids
// must increase.
func (l *TxnLog) Append(hdr *jute.TxnHeader, rec jute.Record, dg *jute.TxnDigest) error {
	start, err := l.beginEntry(hdr.Zxid)
	if err != nil {
		return err
	}
	l.enc = *jute.NewEncoder(l.buf)
	jute.EncodeTxn(&l.enc, hdr, rec, dg)
	l.buf = l.enc.Bytes()
	l.enc = jute.Encoder{}
	return l.endEntry(start, hdr.Zxid)
}

// AppendRaw adds a txn already encoded as jute.EncodeTxn does (a proposal's
// data), without decoding it: its zxid is read from the header.
func (l *TxnLog) AppendRaw(txn []byte) error {
	if len(txn) < txnHeaderSize {
		return fmt.Errorf("%w: txn of %d bytes is shorter than its header", ErrCorrupt, len(txn))
	}
	zxid := txnZxid(txn)
	start, err := l.beginEntry(zxid)
	if err != nil {
		return err
	}
	l.buf = append(l.buf, txn...)
	return l.endEntry(start, zxid)
}

// txnZxid reads the zxid from an encoded txn's header.
func txnZxid(txn []byte) int64 { return int64(binary.BigEndian.Uint64(txn[12:20])) }

// beginEntry checks zxid, opens a file if needed, pads, and reserves the
// entry's checksum and length. It returns the entry's offset in buf.
func (l *TxnLog) beginEntry(zxid int64) (int, error) {
	if err := l.usable(); err != nil {
		return 0, err
	}
	switch {
	case !l.ready:
		return 0, ErrNotRestored
	case zxid <= l.lastZxid:
		return 0, fmt.Errorf("%w: 0x%x after 0x%x", ErrZxidOrder, zxid, l.lastZxid)
	}
	if l.cur == nil {
		l.cur = &logFile{name: LogName(zxid), pos: fileHeaderSize, padSize: fileHeaderSize}
	}
	l.cur.padSize = paddedSize(l.cur.pos, l.cur.padSize, l.opts.PreAllocSize)
	start := len(l.buf)
	l.buf = append(l.buf, make([]byte, entryHeaderSize)...)
	return start, nil
}

// endEntry fills in the checksum and length and appends the EOR marker.
func (l *TxnLog) endEntry(start int, zxid int64) error {
	txn := l.buf[start+entryHeaderSize:]
	if len(txn) > math.MaxInt32 {
		l.buf = l.buf[:start]
		return fmt.Errorf("%w: txn of %d bytes", ErrTooLarge, len(txn))
	}
	binary.BigEndian.PutUint64(l.buf[start:], uint64(adler32.Checksum(txn)))
	binary.BigEndian.PutUint32(l.buf[start+8:], uint32(len(txn)))
	l.buf = append(l.buf, eor)
	l.appended.Add(int64(len(l.buf) - start))
	l.lastZxid = zxid
	if len(l.buf) >= flushThreshold {
		if err := l.flush(); err != nil {
			return l.fail(err)
		}
	}
	return nil
}

// paddedSize is FilePadding.calculateFileSizeWithPadding: the size the file
// must be padded to before writing at position, given its current padded size.
func paddedSize(position, size, prealloc int64) int64 {
	if prealloc > 0 && position+padSlack >= size {
		if position > size {
			size = position + prealloc
			size -= size % prealloc
		} else {
			size += prealloc
		}
	}
	return size
}

// flush writes the buffered entries to the current file, creating and
// padding it first if needed. It does not fsync.
func (l *TxnLog) flush() error {
	c := l.cur
	if c == nil || len(l.buf) == 0 {
		return nil
	}
	if c.f == nil {
		if err := l.create(c); err != nil {
			return err
		}
	}
	if c.padSize > c.padDone {
		from := max(c.padDone, c.pos)
		if err := c.f.Preallocate(from, c.padSize-from); err != nil {
			return err
		}
		if _, err := c.f.WriteAt([]byte{0}, c.padSize-1); err != nil {
			return err
		}
		c.padDone = c.padSize
	}
	if _, err := c.f.WriteAt(l.buf, c.pos); err != nil {
		return err
	}
	c.pos += int64(len(l.buf))
	l.buf = l.buf[:0]
	return nil
}

// create creates c's file and makes its header and its directory entry
// durable before any entry is written, so that after a crash a log file
// either is absent or starts with a whole header.
func (l *TxnLog) create(c *logFile) error {
	f, err := l.fs.Create(filepath.Join(l.dir, c.name))
	if err != nil {
		return err
	}
	c.f = f
	e := jute.NewEncoder(make([]byte, 0, fileHeaderSize))
	(&jute.FileHeader{Magic: jute.TxnLogMagic, Version: jute.FileVersion, DBID: 0}).Encode(e)
	if _, err := f.WriteAt(e.Bytes(), 0); err != nil {
		return err
	}
	c.padDone = fileHeaderSize
	l.log.Info("persist: creating new txn log file", "file", c.name)
	if l.opts.NoSync {
		return nil
	}
	if err := f.Sync(); err != nil {
		return err
	}
	c.synced = fileHeaderSize
	return l.fs.SyncDir(l.dir)
}

// Commit writes every appended txn and, unless NoSync, fsyncs the files
// written since the last Commit. When it returns nil those txns are durable.
func (l *TxnLog) Commit() error {
	if err := l.usable(); err != nil {
		return err
	}
	if err := l.flush(); err != nil {
		return l.fail(err)
	}
	files := l.rolled
	if c := l.cur; c != nil && c.f != nil && c.pos > c.synced {
		files = append(files, c)
	}
	if !l.opts.NoSync && len(files) > 0 {
		start := time.Now()
		for _, c := range files {
			if err := c.f.Sync(); err != nil {
				return l.fail(err)
			}
			c.synced = c.pos
		}
		d := time.Since(start)
		l.lastSyncNanos.Store(int64(d))
		if d > l.opts.FsyncWarningThreshold {
			l.slowSyncs.Add(1)
			l.log.Warn("persist: fsync-ing the write ahead log took too long",
				"duration", d, "threshold", l.opts.FsyncWarningThreshold, "file", files[len(files)-1].name)
		}
	}
	for _, c := range l.rolled {
		if err := c.f.Close(); err != nil {
			return l.fail(err)
		}
	}
	l.rolled = l.rolled[:0]
	if lim := l.opts.TxnLogSizeLimit; lim > 0 && l.cur != nil && l.cur.pos > lim {
		return l.Roll()
	}
	return nil
}

// Roll ends the current file: the next Append starts a new one. Txns appended
// before Roll are written now and fsynced by the next Commit.
func (l *TxnLog) Roll() error {
	if err := l.usable(); err != nil {
		return err
	}
	c := l.cur
	if c == nil {
		return nil
	}
	if err := l.flush(); err != nil {
		return l.fail(err)
	}
	l.cur = nil
	switch {
	case c.f == nil:
	case c.pos > c.synced && !l.opts.NoSync:
		l.rolled = append(l.rolled, c)
	default:
		if err := c.f.Close(); err != nil {
			return l.fail(err)
		}
	}
	return nil
}

// Close commits what was appended and closes the files.
func (l *TxnLog) Close() error {
	if l.closed {
		return nil
	}
	err := l.err
	if err == nil {
		err = l.Commit()
	}
	l.closeFiles()
	l.closed = true
	return err
}

// closeFiles closes every open file without writing; used on Close and when
// the log is reset (TruncateTo).
func (l *TxnLog) closeFiles() {
	for _, c := range l.rolled {
		_ = c.f.Close() // the data was either synced or is being abandoned
	}
	l.rolled = nil
	if l.cur != nil && l.cur.f != nil {
		_ = l.cur.f.Close()
	}
	l.cur = nil
	l.buf = l.buf[:0]
}

// reset drops any unwritten txns and open files and continues after zxid in
// a new file; SnapLog uses it after Restore and TruncateTo.
func (l *TxnLog) reset(lastZxid int64) {
	l.closeFiles()
	l.lastZxid = lastZxid
	l.ready = true
	l.err = nil
	l.closed = false
}

// usable returns why the log cannot be written to, if it cannot.
func (l *TxnLog) usable() error {
	if l.err != nil {
		return l.err
	}
	if l.closed {
		return ErrClosed
	}
	return nil
}

// fail makes err sticky.
func (l *TxnLog) fail(err error) error {
	l.err = fmt.Errorf("%w: %w", ErrLogFailed, err)
	return l.err
}
