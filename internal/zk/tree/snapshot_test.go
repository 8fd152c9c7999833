package tree

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

var update = flag.Bool("update", false, "rewrite testdata/go_snapshot.bin")

// encodeSnapshotBody writes what DataTree.serialize and serializeZxidDigest
// write: the ACL cache, the nodes, the "/" end marker, then the digest.
func encodeSnapshotBody(s *jute.SnapshotData) []byte {
	e := jute.NewEncoder(nil)
	e.Int(int32(len(s.ACLs)))
	for _, a := range s.ACLs {
		e.Long(a.Index)
		jute.EncodeACLs(e, a.ACLs)
	}
	for i := range s.Nodes {
		e.String(s.Nodes[i].Path)
		s.Nodes[i].Node.Encode(e)
	}
	e.String("/")
	if s.Digest != nil {
		s.Digest.Encode(e)
	}
	return e.Bytes()
}

func decodeSnapshotBody(t *testing.T, b []byte) *jute.SnapshotData {
	t.Helper()
	d := jute.NewDecoder(b)
	s := &jute.SnapshotData{}
	for n := d.Int(); n > 0 && d.Err() == nil; n-- {
		idx := d.Long()
		s.ACLs = append(s.ACLs, jute.ACLCacheEntry{Index: idx, ACLs: jute.DecodeACLs(d)})
	}
	for d.Err() == nil {
		path := d.String()
		if path == "/" {
			break
		}
		var dn jute.DataNode
		dn.Decode(d)
		s.Nodes = append(s.Nodes, jute.SnapNode{Path: path, Node: dn})
	}
	if d.Remaining() > 0 {
		s.Digest = &jute.ZxidDigest{}
		s.Digest.Decode(d)
	}
	if d.Err() != nil {
		t.Fatalf("decode snapshot: %v", d.Err())
	}
	return s
}

// dumpOf is the trace's node dump of a tree.
func dumpOf(tr *Tree) string {
	x := &tracer{t: tr}
	x.dump("/")
	return x.out.String()
}

// goldenSection returns the lines of a golden trace from the line starting
// with label up to the end.
func goldenSection(t *testing.T, file, label string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "\n"+label)
	if i < 0 {
		t.Fatalf("%s: no %q", file, label)
	}
	return string(b[i+1:])
}

// A snapshot Apache ZooKeeper wrote loads into the same tree: same nodes,
// Stats, ACLs and digest.
func TestFromJavaSnapshot(t *testing.T) {
	b, err := os.ReadFile("testdata/java_snapshot.bin")
	if err != nil {
		t.Fatal(err)
	}
	s := decodeSnapshotBody(t, b)
	tr, err := FromSnapshot(s, Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, tr)
	if tr.Digest() != 19234640179 || s.Digest == nil || s.Digest.Digest != 19234640179 || s.Digest.Zxid != 0x200000009 {
		t.Fatalf("digest %d, snapshot's %+v", tr.Digest(), s.Digest)
	}
	final := goldenSection(t, "testdata/trace.golden", "final ")
	wantDump := final[strings.Index(final, "\n")+1:]
	if got := dumpOf(tr); got != wantDump {
		t.Errorf("loaded tree:\n%s\nwant:\n%s", got, wantDump)
	}
	if got := tr.Quotas(); len(got) != 1 || got[0] != (QuotaStats{Path: "/q", Count: 3, Bytes: 10, CountLimit: 10, BytesLimit: 100, CountHardLimit: -1, ByteHardLimit: -1}) {
		t.Errorf("quotas %+v", got)
	}
	// The snapshot's digest is checked when the replay reaches its zxid.
	tr.SetLastProcessedZxid(0x200000008)
	if tr.snapDigest == nil {
		t.Fatal("snapshot digest dropped")
	}
	tr.Apply(&jute.TxnHeader{Zxid: 0x200000009, Type: jute.OpCreate, Time: 1}, &jute.CreateTxn{Path: "/q/a/deep", ACL: openACL, ParentCVersion: 1})
	if tr.snapDigest != nil || tr.DigestMismatches() != 0 {
		t.Fatalf("snapshot digest not verified: pending %v, mismatches %d", tr.snapDigest, tr.DigestMismatches())
	}
}

// A snapshot of the Go tree loads into Apache ZooKeeper's DataTree
// unchanged: testdata/go_snapshot.java.golden is what the Java program
// printed after loading testdata/go_snapshot.bin.
func TestSnapshotLoadsInJava(t *testing.T) {
	tr := newTracer()
	runTraceScenario(t, tr)
	body := encodeSnapshotBody(tr.t.Snapshot())
	if *update {
		if err := os.WriteFile("testdata/go_snapshot.bin", body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/go_snapshot.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, want) {
		t.Fatalf("snapshot bytes changed; rerun with -update and regenerate go_snapshot.java.golden")
	}
	loaded, err := FromSnapshot(decodeSnapshotBody(t, body), Options{ExtendedTypes: true})
	if err != nil {
		t.Fatal(err)
	}
	x := &tracer{t: loaded}
	fmt.Fprintf(&x.out, "snapshot digest zxid=%d digest=%d\n", loaded.snapDigest.Zxid, loaded.snapDigest.Digest)
	x.summary("loaded")
	javaOut, err := os.ReadFile("testdata/go_snapshot.java.golden")
	if err != nil {
		t.Fatal(err)
	}
	if x.out.String() != string(javaOut) {
		t.Errorf("Go:\n%s\nJava:\n%s", x.out.String(), javaOut)
	}
}
