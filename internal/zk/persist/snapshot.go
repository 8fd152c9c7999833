package persist

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/adler32"
	"io"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Snapshot file format (FileSnap, SnapStream), <dataDir>/version-2/
// snapshot.<zxid hex>[.gz|.snappy]. The zxid in the name is the last txn
// applied when the (fuzzy) snapshot started. The layout below is the
// uncompressed stream; ".gz" and ".snappy" files hold it compressed, and the
// checksums are over the uncompressed bytes. All integers big-endian.
//
//	+-----------------------------------------------------------+
//	| FileHeader: int magic 0x5a4b534e "ZKSN", int version 2,    |
//	|             long dbid -1                                  |
//	+-----------------------------------------------------------+
//	| sessions:  int count, then count x (long id, int timeout) |
//	+-----------------------------------------------------------+
//	| ACL cache: int count, then count x                        |
//	|            (long index, int n, n x ACL{int perms,          |
//	|             ustring scheme, ustring id})                   |
//	+-----------------------------------------------------------+
//	| nodes, parents first:                                     |
//	|   ustring path ("" for the root, then "/a", "/a/b" ...)   |
//	|   DataNode{buffer data, long acl, StatPersisted (60 B)}   |
//	|   ...                                                     |
//	| ustring "/"                        end of the nodes       |
//	+-----------------------------------------------------------+
//	| seal:  long Adler32 of every byte above, ustring "/"      |
//	+-----------------------------------------------------------+
//	| ZxidDigest{long zxid, int version, long digest}  (3.6+;   |
//	|            zxid 0 = none)                                 |
//	| seal:  long Adler32 of every byte above, ustring "/"      |
//	+-----------------------------------------------------------+
//	| long lastProcessedZxid                            (3.9+,  |
//	| seal:  long Adler32 of every byte above, ustring "/"  opt)|
//	+-----------------------------------------------------------+
//
// The optional blocks are present or not as a whole: a reader that meets
// the end of the stream where a block would start has read an older
// snapshot (ZooKeeper reads the same way).

const (
	snapDBID       = -1
	statPersisted  = 60 // StatPersisted: 4 longs, 3 ints, 2 longs
	digestVersion2 = 2  // DigestCalculator.DIGEST_VERSION
)

// sealWriter writes a snapshot stream, keeping its running Adler32.
type sealWriter struct {
	w   *bufio.Writer
	sum hash.Hash32
	enc *jute.Encoder // scratch for one record at a time
	err error
}

func newSealWriter(w io.Writer) *sealWriter {
	return &sealWriter{w: bufio.NewWriterSize(w, 64<<10), sum: adler32.New(), enc: jute.NewEncoder(make([]byte, 0, 512))}
}

// emit writes and checksums the scratch encoder's bytes, then resets it.
func (s *sealWriter) emit() {
	if s.err == nil {
		b := s.enc.Bytes()
		s.sum.Write(b)
		_, s.err = s.w.Write(b)
	}
	s.enc.Reset()
}

// seal writes the checksum so far and the "/" marker (SnapStream.sealStream).
func (s *sealWriter) seal() {
	s.enc.Long(int64(s.sum.Sum32()))
	s.enc.String("/")
	s.emit()
}

// encodeSnapshot writes data as a snapshot stream. lastZxid, when non-nil,
// adds ZooKeeper 3.9's lastProcessedZxid block.
func encodeSnapshot(w io.Writer, data *jute.SnapshotData, lastZxid *int64) error {
	if err := checkSnapshotData(data); err != nil {
		return err
	}
	s := newSealWriter(w)
	e := s.enc
	(&jute.FileHeader{Magic: jute.SnapshotMagic, Version: jute.FileVersion, DBID: snapDBID}).Encode(e)
	e.Int(int32(len(data.Sessions)))
	for _, ss := range data.Sessions {
		e.Long(ss.ID)
		e.Int(ss.Timeout)
	}
	s.emit()
	e.Int(int32(len(data.ACLs)))
	for _, a := range data.ACLs {
		e.Long(a.Index)
		e.Int(int32(len(a.ACLs))) // never -1: ZooKeeper cannot read a null list here
		for i := range a.ACLs {
			a.ACLs[i].Encode(e)
		}
		s.emit()
	}
	for i := range data.Nodes {
		n := &data.Nodes[i]
		e.String(n.Path)
		n.Node.Encode(e)
		s.emit()
	}
	e.String("/")
	s.emit()
	s.seal()
	dg := data.Digest
	if dg == nil {
		// ZooKeeper with digests on (the default) always writes the block,
		// zxid 0 meaning "no digest"; readers with digests off stop before it.
		dg = &jute.ZxidDigest{DigestVersion: digestVersion2}
	}
	dg.Encode(e)
	s.emit()
	s.seal()
	if lastZxid != nil {
		e.Long(*lastZxid)
		s.emit()
		s.seal()
	}
	if s.err != nil {
		return s.err
	}
	return s.w.Flush()
}

// checkSnapshotData refuses what would not read back as written.
func checkSnapshotData(data *jute.SnapshotData) error {
	if data == nil {
		return fmt.Errorf("%w: nil snapshot data", ErrInvalid)
	}
	for i := range data.Nodes {
		if data.Nodes[i].Path == "/" {
			return fmt.Errorf("%w: node path \"/\" (the root is \"\")", ErrInvalid)
		}
	}
	if data.Digest != nil && data.Digest.DigestVersion < digestVersion2 {
		// ZooKeeper reads digest versions below 2 as a hex string but has
		// never written one: such a digest cannot be written readably.
		return fmt.Errorf("%w: digest version %d", ErrInvalid, data.Digest.DigestVersion)
	}
	return nil
}

// snapReader reads a snapshot stream, keeping its running Adler32 and, when
// the stream's length is known, checking every length and count against the
// bytes left before allocating.
type snapReader struct {
	r      *bufio.Reader
	sum    hash.Hash32
	remain int64 // bytes left in the stream; -1 when unknown (compressed)
	err    error
	b      [statPersisted]byte
}

func newSnapReader(r io.Reader, size int64) *snapReader {
	return &snapReader{r: bufio.NewReaderSize(r, 64<<10), sum: adler32.New(), remain: size}
}

func (s *snapReader) fail(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("%w: snapshot: "+format, append([]any{ErrCorrupt}, args...)...)
	}
}

// fill reads exactly len(p) bytes into p.
func (s *snapReader) fill(p []byte) {
	if s.err != nil {
		return
	}
	if s.remain >= 0 && int64(len(p)) > s.remain {
		s.fail("truncated")
		return
	}
	if _, err := io.ReadFull(s.r, p); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			s.fail("truncated")
		} else {
			s.err = err
		}
		return
	}
	s.sum.Write(p)
	if s.remain >= 0 {
		s.remain -= int64(len(p))
	}
}

func (s *snapReader) int() int32 {
	s.fill(s.b[:4])
	if s.err != nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(s.b[:4]))
}

func (s *snapReader) long() int64 {
	s.fill(s.b[:8])
	if s.err != nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(s.b[:8]))
}

// count reads a vector count of elements taking at least min bytes each.
func (s *snapReader) count(what string, min int64) int {
	n := s.int()
	switch {
	case s.err != nil:
		return 0
	case n < 0:
		s.fail("negative %s count %d", what, n)
		return 0
	case s.remain >= 0 && int64(n)*min > s.remain:
		s.fail("%s count %d exceeds the %d bytes left", what, n, s.remain)
		return 0
	}
	return int(n)
}

// bytes reads a buffer of length n. With an unknown stream length it grows
// with the data that actually arrives, so a huge length costs nothing until
// its bytes exist.
func (s *snapReader) bytes(n int64) []byte {
	if s.err != nil {
		return nil
	}
	if s.remain >= 0 && n > s.remain {
		s.fail("truncated")
		return nil
	}
	if s.remain >= 0 || n <= 64<<10 {
		p := make([]byte, n)
		s.fill(p)
		return p
	}
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, s.r, n); err != nil {
		if err == io.EOF {
			s.fail("truncated")
		} else {
			s.err = err
		}
		return nil
	}
	s.sum.Write(buf.Bytes())
	return buf.Bytes()
}

// buffer reads a jute buffer; -1 is nil.
func (s *snapReader) buffer() []byte {
	n := s.int()
	switch {
	case s.err != nil:
		return nil
	case n == -1:
		return nil
	case n < 0:
		s.fail("negative length %d", n)
		return nil
	}
	return s.bytes(int64(n))
}

// str reads a ustring; a null string is corrupt here.
func (s *snapReader) str() string {
	n := s.int()
	if s.err == nil && n < 0 {
		s.fail("null or negative string length %d", n)
	}
	if s.err != nil {
		return ""
	}
	return string(s.bytes(int64(n)))
}

// checkSeal reads a seal and compares it with the checksum of everything
// before it (SnapStream.checkSealIntegrity).
func (s *snapReader) checkSeal() {
	want := s.sum.Sum32()
	got := s.long()
	s.str()
	if s.err == nil && got != int64(want) {
		s.fail("checksum mismatch: stored 0x%x, computed 0x%x", got, want)
	}
}

// atEnd reports whether the stream ends here, where an optional block
// would start.
func (s *snapReader) atEnd() bool {
	if s.err != nil {
		return true
	}
	if s.remain == 0 {
		return true
	}
	_, err := s.r.Peek(1)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return err != nil
}

// decodeSnapshot reads a whole snapshot stream of size bytes (-1 when not
// known) and verifies its seals. With keepNodes false the nodes are checked
// and dropped (to validate a snapshot in bounded memory).
func decodeSnapshot(r io.Reader, size int64, keepNodes bool) (*jute.SnapshotData, *int64, error) {
	s := newSnapReader(r, size)
	var hb [fileHeaderSize]byte
	s.fill(hb[:])
	if s.err == nil && int32(binary.BigEndian.Uint32(hb[:4])) != jute.SnapshotMagic {
		// FileSnap.deserialize checks the magic only.
		s.fail("bad magic 0x%x", binary.BigEndian.Uint32(hb[:4]))
	}
	data := &jute.SnapshotData{}
	n := s.count("session", 12)
	data.Sessions = make([]jute.SessionEntry, 0, min(n, 4096))
	for i := 0; i < n && s.err == nil; i++ {
		id := s.long()
		to := s.int()
		data.Sessions = append(data.Sessions, jute.SessionEntry{ID: id, Timeout: to})
	}
	n = s.count("ACL cache", 12)
	data.ACLs = make([]jute.ACLCacheEntry, 0, min(n, 4096))
	for i := 0; i < n && s.err == nil; i++ {
		e := jute.ACLCacheEntry{Index: s.long()}
		m := s.count("ACL", 12)
		e.ACLs = make([]jute.ACL, 0, min(m, 256))
		for j := 0; j < m && s.err == nil; j++ {
			perms := s.int()
			scheme := s.str()
			id := s.str()
			e.ACLs = append(e.ACLs, jute.ACL{Perms: perms, ID: jute.Id{Scheme: scheme, ID: id}})
		}
		data.ACLs = append(data.ACLs, e)
	}
	for s.err == nil {
		path := s.str()
		if s.err != nil || path == "/" {
			break
		}
		node := jute.SnapNode{Path: path}
		node.Node.Data = s.buffer()
		node.Node.ACL = s.long()
		s.fill(s.b[:statPersisted])
		if s.err == nil {
			node.Node.Stat.Decode(jute.NewDecoder(s.b[:statPersisted]))
		}
		if keepNodes && s.err == nil {
			data.Nodes = append(data.Nodes, node)
		}
	}
	s.checkSeal()
	var lastZxid *int64
	if !s.atEnd() {
		// Re-encode the block as read and let jute parse it: the digest's
		// form (hex string or long) depends on its version.
		e := jute.NewEncoder(nil)
		e.Long(s.long())
		ver := s.int()
		e.Int(ver)
		if ver < digestVersion2 {
			e.String(s.str())
		} else {
			e.Long(s.long())
		}
		dg := &jute.ZxidDigest{}
		dg.Decode(jute.NewDecoder(e.Bytes()))
		s.checkSeal()
		if dg.Zxid > 0 {
			data.Digest = dg // DataTree.deserializeZxidDigest: zxid 0 is "none"
		}
		if !s.atEnd() {
			z := s.long()
			s.checkSeal()
			lastZxid = &z
		}
	}
	if s.err != nil {
		return nil, nil, s.err
	}
	return data, lastZxid, nil
}
