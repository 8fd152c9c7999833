package tree

import (
	"encoding/binary"
	"hash/crc32"
	"strings"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// DigestVersion is DigestCalculator.DIGEST_VERSION.
const DigestVersion int32 = 2

const (
	// zookeeperSubtree is excluded from the digest: quota nodes are updated
	// locally on each server (ZooDefs.ZOOKEEPER_NODE_SUBTREE). "/zookeeper"
	// itself is included.
	zookeeperSubtree = "/zookeeper/"
	digestLogLimit   = 1024 // DataTree.DIGEST_LOG_LIMIT
	digestLogEvery   = 128  // DataTree.DIGEST_LOG_INTERVAL
)

// DigestOf is DigestCalculator.calculateDigest (version 2): the CRC-32 of the
// path, the data and 60 bytes of the persisted stat (czxid, mzxid, pzxid,
// ctime, mtime, version, cversion, aversion, ephemeralOwner). Paths under
// "/zookeeper/" digest to 0; "/" digests as "" (the root's other name).
func DigestOf(path string, data []byte, s *jute.StatPersisted) int64 {
	var d digester
	return d.digest(path, data, s)
}

// digester reuses one buffer across digests.
type digester struct{ buf []byte }

func (d *digester) digest(path string, data []byte, s *jute.StatPersisted) int64 {
	if strings.HasPrefix(path, zookeeperSubtree) {
		return 0
	}
	if path == "/" {
		path = ""
	}
	// One CRC pass over path, data and stat; large data is summed in place
	// rather than copied.
	b := append(d.buf[:0], path...)
	var crc uint32
	if len(data) <= 1024 {
		b = append(b, data...)
	} else {
		crc = crc32.Update(crc32.ChecksumIEEE(b), crc32.IEEETable, data)
		b = b[:0]
	}
	b = binary.BigEndian.AppendUint64(b, uint64(s.Czxid))
	b = binary.BigEndian.AppendUint64(b, uint64(s.Mzxid))
	b = binary.BigEndian.AppendUint64(b, uint64(s.Pzxid))
	b = binary.BigEndian.AppendUint64(b, uint64(s.Ctime))
	b = binary.BigEndian.AppendUint64(b, uint64(s.Mtime))
	b = binary.BigEndian.AppendUint32(b, uint32(s.Version))
	b = binary.BigEndian.AppendUint32(b, uint32(s.Cversion))
	b = binary.BigEndian.AppendUint32(b, uint32(s.Aversion))
	b = binary.BigEndian.AppendUint64(b, uint64(s.EphemeralOwner))
	crc = crc32.Update(crc, crc32.IEEETable, b)
	d.buf = b
	return int64(crc)
}

// The tree digest is the sum of the node digests (AdHash), kept current on
// every change as NodeHashMapImpl does: subtract a node's digest before it
// changes, add the new one after. Sums wrap like Java longs.

func (t *Tree) nodeDigest(n *node) int64 {
	if t.opts.DigestDisabled {
		return 0
	}
	return t.dg.digest(n.path, n.data, &n.stat)
}

func (t *Tree) addDigest(n *node) {
	n.digest = t.nodeDigest(n)
	t.digest += n.digest
}

func (t *Tree) preChange(n *node)  { t.digest -= n.digest }
func (t *Tree) postChange(n *node) { t.addDigest(n) }

// Digest is the tree digest (DataTree.getTreeDigest); 0 when disabled.
func (t *Tree) Digest() int64 { return t.digest }

// DigestEnabled reports whether the tree keeps a digest
// (zookeeper.digest.enabled).
func (t *Tree) DigestEnabled() bool { return !t.opts.DigestDisabled }

// LastZxidDigest is the digest recorded after the last applied txn
// (DataTree.getLastProcessedZxidDigest); ok is false before the first one.
func (t *Tree) LastZxidDigest() (d jute.ZxidDigest, ok bool) {
	return t.lastDigest, t.lastDigestOK
}

// DigestLog returns the digests recorded every 128 zxids, oldest first, at
// most 1024 (DataTree.getDigestLog, the "hash" four-letter word).
func (t *Tree) DigestLog() []jute.ZxidDigest {
	return append([]jute.ZxidDigest(nil), t.digestLog...)
}

// DigestMismatches counts the digest mismatches found so far, against txn
// digests (CompareDigest) and against a loaded snapshot's digest.
func (t *Tree) DigestMismatches() int64 { return t.mismatches }

// CompareDigest checks a txn's digest against the tree after the txn was
// applied (DataTree.compareDigest). It returns true when there is nothing to
// compare: digest disabled, no txn digest, another digest version, or the
// tree still replaying past a loaded snapshot's digest zxid.
func (t *Tree) CompareDigest(zxid int64, d *jute.TxnDigest) bool {
	if t.opts.DigestDisabled || d == nil || t.snapDigest != nil || d.Version != DigestVersion {
		return true
	}
	if d.TreeDigest != t.digest {
		t.mismatches++
		t.log.Warn("tree: digest mismatch", "zxid", zxid, "txnDigest", d.TreeDigest, "treeDigest", t.digest)
		return false
	}
	return true
}

// afterTxn is the bookkeeping ZooKeeper does once a whole txn is applied.
func (t *Tree) afterTxn(zxid int64) {
	if zxid > t.lastZxid {
		t.lastZxid = zxid
	}
	if t.snapDigest != nil {
		t.compareSnapshotDigest(zxid)
		return
	}
	t.lastDigest = jute.ZxidDigest{Zxid: zxid, DigestVersion: DigestVersion, Digest: t.digest}
	t.lastDigestOK = true
	if zxid%digestLogEvery == 0 {
		if len(t.digestLog) == digestLogLimit {
			copy(t.digestLog, t.digestLog[1:])
			t.digestLog = t.digestLog[:digestLogLimit-1]
		}
		t.digestLog = append(t.digestLog, t.lastDigest)
	}
}

// compareSnapshotDigest checks the digest a loaded snapshot recorded, when
// the replay reaches its zxid (DataTree.compareSnapshotDigests). Until then
// the tree is "fuzzy": txn digests are not compared and not logged.
func (t *Tree) compareSnapshotDigest(zxid int64) {
	sd := t.snapDigest
	switch {
	case zxid == sd.Zxid:
		if sd.DigestVersion == DigestVersion && sd.Digest != t.digest {
			t.mismatches++
			t.log.Warn("tree: snapshot digest mismatch", "zxid", zxid, "snapshotDigest", sd.Digest, "treeDigest", t.digest)
		}
		t.snapDigest = nil
	case sd.Zxid != 0 && zxid > sd.Zxid && !t.snapDigestMissed:
		t.snapDigestMissed = true
		t.log.Warn("tree: the txn of the snapshot digest does not exist", "digestZxid", sd.Zxid)
	}
}

// snapshotDigest is the ZxidDigest a snapshot of the current state records:
// the digest at the last processed zxid, or an empty one (zxid 0) when no
// zxid is known or the tree is still fuzzy.
func (t *Tree) snapshotDigest() *jute.ZxidDigest {
	if t.opts.DigestDisabled {
		return nil
	}
	if t.lastZxid == 0 || t.snapDigest != nil {
		return &jute.ZxidDigest{DigestVersion: DigestVersion}
	}
	return &jute.ZxidDigest{Zxid: t.lastZxid, DigestVersion: DigestVersion, Digest: t.digest}
}
