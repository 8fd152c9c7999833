package tree

import (
	"encoding/binary"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// fuzzTxns splits fuzz input into length-prefixed txn entries (as the log
// stores them: header, body, optional digest) and decodes each.
func fuzzTxns(b []byte, each func(h *jute.TxnHeader, rec jute.Record)) {
	for len(b) >= 2 {
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if n > len(b) {
			n = len(b)
		}
		h, rec, _, err := jute.DecodeTxn(b[:n])
		b = b[n:]
		if err != nil && rec == nil {
			if h.Type == 0 {
				continue
			}
			rec = nil // a header alone: Apply must cope with a missing record
		}
		each(&h, rec)
	}
}

func encodeFuzzTxn(dst []byte, h jute.TxnHeader, rec jute.Record) []byte {
	e := jute.NewEncoder(nil)
	jute.EncodeTxn(e, &h, rec, nil)
	dst = binary.BigEndian.AppendUint16(dst, uint16(e.Len()))
	return append(dst, e.Bytes()...)
}

func fuzzSeed() []byte {
	var b []byte
	z := int64(0x100000000)
	add := func(typ int32, sess int64, rec jute.Record) {
		z++
		b = encodeFuzzTxn(b, jute.TxnHeader{ClientID: sess, Zxid: z, Time: z, Type: typ}, rec)
	}
	add(jute.OpCreate, 1, &jute.CreateTxn{Path: "/a", Data: bs("x"), ACL: openACL, ParentCVersion: -1})
	add(jute.OpCreate2, 2, &jute.CreateTxn{Path: "/a/e", ACL: readACL, Ephemeral: true, ParentCVersion: 1})
	add(jute.OpCreateTTL, 1, &jute.CreateTTLTxn{Path: "/t", ACL: openACL, ParentCVersion: -1, TTL: 9})
	add(jute.OpCreateContainer, 1, &jute.CreateContainerTxn{Path: "/c", ACL: openACL, ParentCVersion: -1})
	add(jute.OpSetData, 1, &jute.SetDataTxn{Path: "/a", Data: bs("y"), Version: 1})
	add(jute.OpSetACL, 1, &jute.SetACLTxn{Path: "/a", ACL: digestACL, Version: 1})
	add(jute.OpCreate, 1, &jute.CreateTxn{Path: "/zookeeper/quota/a", ParentCVersion: -1})
	add(jute.OpCreate, 1, &jute.CreateTxn{Path: "/zookeeper/quota/a/zookeeper_limits", Data: bs("count=1,bytes=2"), ParentCVersion: -1})
	add(jute.OpCreate, 1, &jute.CreateTxn{Path: "/zookeeper/quota/a/zookeeper_stats", ParentCVersion: -1})
	add(jute.OpMulti, 1, &jute.MultiTxn{Txns: []jute.Txn{
		sub(jute.OpCreate, &jute.CreateTxn{Path: "/m", ParentCVersion: -1}),
		sub(jute.OpCheck, &jute.CheckVersionTxn{Path: "/m"}),
		sub(jute.OpError, &jute.ErrorTxn{Err: -101}),
	}})
	add(jute.OpDelete, 1, &jute.DeleteTxn{Path: "/c"})
	add(jute.OpCloseSession, 2, &jute.CloseSessionTxn{Paths: []string{"/a/e"}, Present: true})
	add(jute.OpError, 1, &jute.ErrorTxn{Err: -110})
	return b
}

func FuzzApply(f *testing.F) {
	f.Add(fuzzSeed(), true)
	f.Add([]byte{0, 0}, false)
	f.Fuzz(func(t *testing.T, b []byte, extended bool) {
		opts := Options{ExtendedTypes: extended}
		tr := New(opts)
		tr.AddWatch("/", 1, WatchPersistentRecursive)
		tr.AddWatch("/a", 2, WatchData)
		tr.AddWatch("/a", 2, WatchChild)
		fuzzTxns(b, func(h *jute.TxnHeader, rec jute.Record) {
			r := tr.Apply(h, rec)
			for _, e := range r.Events {
				if e.Zxid != h.Zxid {
					t.Fatalf("event zxid %d for txn %d", e.Zxid, h.Zxid)
				}
			}
			checkInvariants(t, tr)
		})
		c, err := FromSnapshot(tr.Snapshot(), opts)
		if err != nil {
			t.Fatal(err)
		}
		c.SetLastProcessedZxid(tr.LastProcessedZxid())
		checkInvariants(t, c)
		treesEqual(t, tr, c)
	})
}

// FromSnapshot never panics on any snapshot content, and what it accepts
// round-trips.
func FuzzFromSnapshot(f *testing.F) {
	f.Add(encodeSnapshotBody(New(Options{}).Snapshot()))
	a := &tracer{t: New(Options{ExtendedTypes: true}), time: 1}
	a.apply("x", 1, 5, jute.OpCreate, &jute.CreateTxn{Path: "/a", ACL: digestACL, Ephemeral: true, ParentCVersion: -1})
	f.Add(encodeSnapshotBody(a.t.Snapshot()))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := jute.NewDecoder(b)
		s := &jute.SnapshotData{}
		for n := d.Int(); n > 0 && n < 1000 && d.Err() == nil; n-- {
			idx := d.Long()
			s.ACLs = append(s.ACLs, jute.ACLCacheEntry{Index: idx, ACLs: jute.DecodeACLs(d)})
		}
		for d.Err() == nil {
			path := d.String()
			if path == "/" || d.Err() != nil {
				break
			}
			var dn jute.DataNode
			dn.Decode(d)
			s.Nodes = append(s.Nodes, jute.SnapNode{Path: path, Node: dn})
		}
		for _, ext := range []bool{false, true} {
			tr, err := FromSnapshot(s, Options{ExtendedTypes: ext})
			if err != nil {
				continue
			}
			tr.Apply(&jute.TxnHeader{Zxid: 1, Type: jute.OpCreate}, &jute.CreateTxn{Path: "/zz", ParentCVersion: -1})
			tr.Apply(&jute.TxnHeader{Zxid: 2, ClientID: 1, Type: jute.OpCloseSession}, nil)
			c, err := FromSnapshot(tr.Snapshot(), Options{ExtendedTypes: ext})
			if err != nil {
				t.Fatalf("round trip: %v", err)
			}
			if c.Digest() != tr.Digest() || c.NodeCount() != tr.NodeCount() {
				t.Fatal("round trip changed the tree")
			}
		}
	})
}
