package persist

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// TestJavaReadsWharfFiles has ZooKeeper's own tools read what Wharf wrote:
// TxnLogToolkit must find every txn with a good checksum, SnapshotFormatter
// every node of plain, gzip and snappy snapshots.
func TestJavaReadsWharfFiles(t *testing.T) {
	cp := zkClasspath(t)
	dir := t.TempDir()
	sl, err := Open(vfs.Default, dir, dir, Options{PreAllocSize: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := sl.Restore(func(*jute.TxnHeader, jute.Record, *jute.TxnDigest) error { return nil }); err != nil {
		t.Fatal(err)
	}
	appendTxns(t, sl.TxnLog(), 1, 20)
	if err := sl.TxnLog().Roll(); err != nil {
		t.Fatal(err)
	}
	appendTxns(t, sl.TxnLog(), 21, 60)
	if err := sl.Close(); err != nil {
		t.Fatal(err)
	}
	zxidRE := regexp.MustCompile(`zxid 0x([0-9a-f]+) `)
	var seen []int64
	for _, name := range []string{"log.1", "log.15"} {
		out := runJava(t, cp, "", "org.apache.zookeeper.server.persistence.TxnLogToolkit", filepath.Join(sl.LogDir(), name))
		if strings.Contains(out, "CRC ERROR") || !strings.Contains(out, "EOF reached after ") {
			t.Errorf("%s:\n%s", name, out)
		}
		for _, m := range zxidRE.FindAllStringSubmatch(out, -1) {
			var z int64
			fmt.Sscanf(m[1], "%x", &z)
			seen = append(seen, z)
		}
	}
	if !slices.Equal(seen, seq(1, 60)) {
		t.Errorf("TxnLogToolkit saw zxids %x", seen)
	}

	data := testSnapshot(20)
	for _, comp := range []string{CompressionNone, CompressionGzip, CompressionSnappy} {
		sl, err := Open(vfs.Default, dir, dir, Options{SnapshotCompression: comp, SerializeLastProcessedZxid: comp == CompressionGzip})
		if err != nil {
			t.Fatal(err)
		}
		name, err := sl.WriteSnapshot(0x3c, data)
		if err != nil {
			t.Fatal(err)
		}
		out := runJava(t, cp, "", "org.apache.zookeeper.server.SnapshotFormatter", "-d", filepath.Join(sl.SnapDir(), name))
		// ZooKeeper's DataTree adds /zookeeper/config itself.
		if !strings.Contains(out, fmt.Sprintf("ZNode Details (count=%d)", len(data.Nodes)+1)) ||
			!strings.Contains(out, "Last zxid: 0x3c") || !strings.Contains(out, "100000002, 4000, ") {
			t.Errorf("%s:\n%s", name, out)
		}
		for _, n := range data.Nodes[1:] {
			if !strings.Contains(out, "\n"+n.Path+"\n") {
				t.Errorf("%s: node %s missing", name, n.Path)
			}
		}
	}
}

// TestZooKeeperRestoresWharfDir runs Apache ZooKeeper on a data directory
// Wharf wrote (ZooKeeper's own snapshot, rewritten, and txns after it), so
// that ZooKeeper checks the seals and replays the log; then Wharf reads the
// snapshot ZooKeeper takes on startup.
func TestZooKeeperRestoresWharfDir(t *testing.T) {
	cp := zkClasspath(t)
	golden, _, err := readSnapshotFile(goldenFS(t), "/data/"+versionDir, "snapshot.19", true)
	if err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	sl, err := Open(vfs.Default, dataDir, dataDir, Options{PreAllocSize: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sl.WriteSnapshot(0x19, golden); err != nil {
		t.Fatal(err)
	}
	if _, _, last, err := sl.Restore(func(*jute.TxnHeader, jute.Record, *jute.TxnDigest) error { return nil }); err != nil || last != 0x19 {
		t.Fatalf("restore: 0x%x, %v", last, err)
	}
	root := golden.Nodes[0].Node.Stat
	session := golden.Sessions[0].ID
	acl := []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	txns := []struct {
		typ int32
		rec jute.Record
	}{
		{jute.OpCreate, &jute.CreateTxn{Path: "/wharf", Data: []byte("hi"), ACL: acl, ParentCVersion: root.Cversion + 1}},
		{jute.OpSetData, &jute.SetDataTxn{Path: "/a", Data: []byte("from-wharf"), Version: 2}},
		{jute.OpMulti, &jute.MultiTxn{Txns: []jute.Txn{
			{Type: jute.OpCreate, Data: jute.Marshal(&jute.CreateTxn{Path: "/wharf/m", Data: []byte("multi"), ACL: acl, ParentCVersion: 1})},
			{Type: jute.OpDelete, Data: jute.Marshal(&jute.DeleteTxn{Path: "/e"})},
		}}},
	}
	for i, x := range txns {
		z := int64(0x1a + i)
		h := &jute.TxnHeader{ClientID: session, Cxid: int32(100 + i), Zxid: z, Time: 1700000000000, Type: x.typ}
		if err := sl.TxnLog().Append(h, x.rec, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := sl.Close(); err != nil {
		t.Fatal(err)
	}

	srv := startZK(t, cp, dataDir)
	out := zkCli(t, cp, srv.addr, "get /wharf", "get /a", "get /wharf/m", "ls /")
	srv.stop()
	for _, want := range []string{"\nhi\n", "\nfrom-wharf\n", "\nmulti\n", "[a, c, d, m, owned, ttl, wharf, zookeeper]"} {
		if !strings.Contains(out, want) {
			t.Errorf("zkCli output lacks %q:\n%s", want, out)
		}
	}

	// ZooKeeper snapshotted the replayed tree on startup: read it back.
	sl, err = Open(vfs.Default, dataDir, dataDir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap, snapZxid, last, err := sl.Restore(func(*jute.TxnHeader, jute.Record, *jute.TxnDigest) error { return nil })
	// zkCli's session added a createSession and a closeSession after it.
	if err != nil || snapZxid != 0x1c || last != 0x1e {
		t.Fatalf("restore of ZooKeeper's snapshot: 0x%x 0x%x %v", snapZxid, last, err)
	}
	var paths []string
	for _, n := range snap.Nodes {
		paths = append(paths, n.Path)
		if n.Path == "/wharf/m" && string(n.Node.Data) != "multi" {
			t.Errorf("/wharf/m holds %q", n.Node.Data)
		}
	}
	if !slices.Contains(paths, "/wharf/m") || slices.Contains(paths, "/e") {
		t.Errorf("ZooKeeper's snapshot has %q", paths)
	}
	sl.Close()
}
