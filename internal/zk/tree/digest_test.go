package tree

import (
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestCompareTxnDigest(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/a", "x"))
	d := a.tree.Digest()
	cases := []struct {
		dg   *jute.TxnDigest
		want bool
	}{
		{nil, true},
		{&jute.TxnDigest{Version: 2, TreeDigest: d}, true},
		{&jute.TxnDigest{Version: 1, TreeDigest: d + 1}, true}, // other version: not compared
		{&jute.TxnDigest{Version: 2, TreeDigest: d + 1}, false},
	}
	for _, c := range cases {
		if got := a.tree.CompareDigest(a.zxid, c.dg); got != c.want {
			t.Errorf("CompareDigest(%+v) = %v", c.dg, got)
		}
	}
	if a.tree.DigestMismatches() != 1 {
		t.Fatalf("mismatches %d", a.tree.DigestMismatches())
	}
	off := New(Options{DigestDisabled: true})
	if off.Digest() != 0 || !off.CompareDigest(1, &jute.TxnDigest{Version: 2, TreeDigest: 5}) || off.DigestEnabled() {
		t.Fatal("disabled digest")
	}
	if off.Snapshot().Digest != nil {
		t.Fatal("disabled digest in snapshot")
	}
}

func TestDigestLogAndLastZxidDigest(t *testing.T) {
	tr := New(Options{})
	if _, ok := tr.LastZxidDigest(); ok {
		t.Fatal("digest before any txn")
	}
	for z := int64(1); z <= 130*1024+5; z++ {
		tr.Apply(&jute.TxnHeader{Zxid: z, Type: jute.OpCreateSession}, &jute.CreateSessionTxn{})
	}
	d, ok := tr.LastZxidDigest()
	if !ok || d.Zxid != 130*1024+5 || d.Digest != tr.Digest() || d.DigestVersion != 2 {
		t.Fatalf("last digest %+v", d)
	}
	log := tr.DigestLog()
	if len(log) != 1024 || log[0].Zxid != (1040-1024+1)*128 || log[1023].Zxid != 1040*128 {
		t.Fatalf("log of %d from %d to %d", len(log), log[0].Zxid, log[len(log)-1].Zxid)
	}
}

func TestSnapshotDigest(t *testing.T) {
	a := newApplier(t, Options{})
	if s := a.tree.Snapshot(); s.Digest == nil || *s.Digest != (jute.ZxidDigest{DigestVersion: 2}) {
		t.Fatalf("fresh snapshot digest %+v", s.Digest)
	}
	mustOK(t, a.create("/a", "x"))
	s := a.tree.Snapshot()
	if *s.Digest != (jute.ZxidDigest{Zxid: a.zxid, DigestVersion: 2, Digest: a.tree.Digest()}) {
		t.Fatalf("snapshot digest %+v", s.Digest)
	}
	// A snapshot whose digest zxid precedes the snapshot's zxid is not
	// checked (FileSnap drops it).
	tr, _ := FromSnapshot(s, Options{})
	tr.SetLastProcessedZxid(a.zxid + 1)
	if tr.snapDigest != nil {
		t.Fatal("stale snapshot digest kept")
	}
	// A snapshot taken at its digest's zxid is checked as soon as the
	// tree learns that zxid.
	tr, _ = FromSnapshot(s, Options{})
	tr.SetLastProcessedZxid(a.zxid)
	if tr.snapDigest != nil || tr.DigestMismatches() != 0 {
		t.Fatalf("pending %v, mismatches %d", tr.snapDigest, tr.DigestMismatches())
	}
	bad := *s
	bad.Digest = &jute.ZxidDigest{Zxid: a.zxid, DigestVersion: 2, Digest: 1}
	tr, _ = FromSnapshot(&bad, Options{})
	tr.SetLastProcessedZxid(a.zxid)
	if tr.DigestMismatches() != 1 {
		t.Fatal("corrupt snapshot digest not reported")
	}
	// A wrong snapshot digest is reported when the replay reaches it; until
	// then txn digests are not compared and the tree takes no digest.
	s.Digest = &jute.ZxidDigest{Zxid: a.zxid + 2, DigestVersion: 2, Digest: 12345}
	tr, _ = FromSnapshot(s, Options{})
	tr.SetLastProcessedZxid(a.zxid)
	tr.Apply(&jute.TxnHeader{Zxid: a.zxid + 1, Type: jute.OpCreateSession}, &jute.CreateSessionTxn{})
	if !tr.CompareDigest(a.zxid+1, &jute.TxnDigest{Version: 2, TreeDigest: 1}) {
		t.Fatal("txn digest compared while fuzzy")
	}
	if sd := tr.Snapshot().Digest; sd.Zxid != 0 {
		t.Fatalf("fuzzy tree snapshot digest %+v", sd)
	}
	tr.Apply(&jute.TxnHeader{Zxid: a.zxid + 2, Type: jute.OpCreateSession}, &jute.CreateSessionTxn{})
	if tr.DigestMismatches() != 1 || tr.snapDigest != nil {
		t.Fatalf("mismatches %d", tr.DigestMismatches())
	}
	if tr.CompareDigest(a.zxid+2, &jute.TxnDigest{Version: 2, TreeDigest: 1}) {
		t.Fatal("txn digest not compared after the snapshot digest")
	}
}

// Large data is summed in a second pass: the same CRC as one stream.
func TestDigestOfLargeData(t *testing.T) {
	st := jute.StatPersisted{Czxid: 1, Mzxid: 2, Pzxid: 3, Ctime: 4, Mtime: 5, Version: 6, Cversion: 7, Aversion: 8, EphemeralOwner: 9}
	for _, n := range []int{0, 1, 1024, 1025, 5000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i * 7)
		}
		h := crc32.NewIEEE()
		h.Write([]byte("/big"))
		h.Write(data)
		var b [60]byte
		for i, v := range []uint64{1, 2, 3, 4, 5} {
			binary.BigEndian.PutUint64(b[i*8:], v)
		}
		binary.BigEndian.PutUint32(b[40:], 6)
		binary.BigEndian.PutUint32(b[44:], 7)
		binary.BigEndian.PutUint32(b[48:], 8)
		binary.BigEndian.PutUint64(b[52:], 9)
		h.Write(b[:])
		if got, want := DigestOf("/big", data, &st), int64(h.Sum32()); got != want {
			t.Errorf("%d bytes: %d, want %d", n, got, want)
		}
	}
}
