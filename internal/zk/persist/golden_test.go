package persist

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// goldenTxns is what ZooKeeper 3.8 logged for goldenSession1, goldenMultis
// and goldenSession2, zxid 1 onwards (see describeTxn for the notation).
var goldenTxns = []string{
	"createSession 30000",
	"create /a hello",
	"create /eph e ephemeral",
	"create /s p",
	"create /s/x-0000000000 d",
	"create /s/x-0000000001 d",
	"createContainer /c cont",
	"create /c/child x",
	"setData /a world v1",
	"create /d x acl=digest:u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ=",
	"setACL /a v1 acl=world:anyone,ip:127.0.0.1",
	"error -101",
	"create /e -",
	"createTTL /ttl t ttl=100000",
	"multi[delete /s/x-0000000000; delete /s/x-0000000001; delete /s]",
	"closeSession [/eph]",
	"createSession 10000",
	"multi[create /m m; setData /m m2 v1; check /m v2]", // a check logs the version it expects next
	"multi[create /n n; error -103]",                    // a failed multi keeps the ops before the failure
	"create /owned o ephemeral",
	"createSession 30000",
	"create /f 1",
	"setData /f 2 v1",
	"delete /f",
	"closeSession []",
}

// describeTxn renders a txn compactly for comparisons.
func describeTxn(t int32, rec jute.Record) string {
	data := func(b []byte) string {
		if b == nil {
			return "-"
		}
		return string(b)
	}
	acls := func(a []jute.ACL) string {
		var s []string
		for _, x := range a {
			s = append(s, x.ID.Scheme+":"+x.ID.ID)
		}
		return strings.Join(s, ",")
	}
	switch r := rec.(type) {
	case *jute.CreateSessionTxn:
		return fmt.Sprintf("createSession %d", r.TimeOut)
	case *jute.CloseSessionTxn:
		return fmt.Sprintf("closeSession [%s]", strings.Join(r.Paths, ","))
	case *jute.CreateTxn:
		s := fmt.Sprintf("create %s %s", r.Path, data(r.Data))
		if r.Ephemeral {
			s += " ephemeral"
		}
		if a := acls(r.ACL); a != "world:anyone" {
			s += " acl=" + a
		}
		return s
	case *jute.CreateContainerTxn:
		return fmt.Sprintf("createContainer %s %s", r.Path, data(r.Data))
	case *jute.CreateTTLTxn:
		return fmt.Sprintf("createTTL %s %s ttl=%d", r.Path, data(r.Data), r.TTL)
	case *jute.SetDataTxn:
		return fmt.Sprintf("setData %s %s v%d", r.Path, data(r.Data), r.Version)
	case *jute.SetACLTxn:
		return fmt.Sprintf("setACL %s v%d acl=%s", r.Path, r.Version, acls(r.ACL))
	case *jute.DeleteTxn:
		return "delete " + r.Path
	case *jute.CheckVersionTxn:
		return fmt.Sprintf("check %s v%d", r.Path, r.Version)
	case *jute.ErrorTxn:
		return fmt.Sprintf("error %d", r.Err)
	case *jute.MultiTxn:
		var parts []string
		for _, sub := range r.Txns {
			rec, err := jute.NewTxnRecord(sub.Type)
			if err != nil {
				return err.Error()
			}
			if err := jute.Unmarshal(sub.Data, rec); err != nil {
				return err.Error()
			}
			parts = append(parts, describeTxn(sub.Type, rec))
		}
		return "multi[" + strings.Join(parts, "; ") + "]"
	}
	return fmt.Sprintf("type %d %T", t, rec)
}

// goldenFS returns an in-memory copy of the golden data directory at /data.
func goldenFS(t *testing.T) vfs.FS {
	t.Helper()
	fs := vfs.NewMem()
	dst := "/data/" + versionDir
	if err := fs.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatalf("golden files missing (see testdata/README.md): %v", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(goldenDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := vfs.WriteFileAtomic(fs, dst+"/"+e.Name(), b); err != nil {
			t.Fatal(err)
		}
	}
	return fs
}

func TestGoldenTxns(t *testing.T) {
	fs := goldenFS(t)
	it, err := ReadTxns(fs, "/data/"+versionDir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var got []string
	for it.Next() {
		e := it.Entry()
		if want := int64(len(got) + 1); e.Header.Zxid != want {
			t.Fatalf("txn %d has zxid 0x%x", want, e.Header.Zxid)
		}
		// ZooKeeper 3.8 logs a digest with every txn but a failed one.
		if hasDigest := e.Header.Type != jute.OpError; (e.Digest != nil) != hasDigest ||
			hasDigest && e.Digest.Version != digestVersion2 {
			t.Errorf("zxid 0x%x: digest %+v", e.Header.Zxid, e.Digest)
		}
		// Raw must be exactly what re-encoding the decoded txn gives.
		enc := jute.NewEncoder(nil)
		jute.EncodeTxn(enc, &e.Header, e.Record, e.Digest)
		if !bytes.Equal(enc.Bytes(), e.Raw) {
			t.Errorf("zxid 0x%x: re-encoded txn differs from the logged bytes", e.Header.Zxid)
		}
		got = append(got, describeTxn(e.Header.Type, e.Record))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, goldenTxns) {
		t.Errorf("txns:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(goldenTxns, "\n"))
	}
}

func TestGoldenSnapshots(t *testing.T) {
	fs := goldenFS(t)
	sl, err := Open(fs, "/data", "/data", Options{PreAllocSize: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	names, err := sl.Snapshots()
	if err != nil || len(names) < 2 {
		t.Fatalf("snapshots %v, %v", names, err)
	}
	for _, name := range names {
		data, zxid, err := sl.ReadSnapshot(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if data.Digest != nil && data.Digest.Zxid < zxid {
			// Snapshots are fuzzy: the digest is taken at the end.
			t.Errorf("%s: digest of zxid 0x%x", name, data.Digest.Zxid)
		}
		// Writing what was read gives ZooKeeper's bytes back.
		var buf bytes.Buffer
		if err := encodeSnapshot(&buf, data, nil); err != nil {
			t.Fatal(err)
		}
		orig, err := os.ReadFile(filepath.Join(goldenDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), orig) {
			t.Errorf("%s: re-encoded snapshot differs (%d vs %d bytes)", name, buf.Len(), len(orig))
		}
	}

	// The newest is the restart's snapshot of the whole tree at 0x19.
	data, zxid, err := sl.ReadSnapshot(names[0])
	if err != nil || zxid != 0x19 {
		t.Fatalf("newest snapshot %s: zxid 0x%x, %v", names[0], zxid, err)
	}
	nodes := map[string]jute.DataNode{}
	var paths []string
	for _, n := range data.Nodes {
		nodes[n.Path] = n.Node
		paths = append(paths, n.Path)
	}
	slices.Sort(paths)
	wantPaths := []string{"", "/a", "/c", "/c/child", "/d", "/e", "/m", "/owned", "/ttl", "/zookeeper", "/zookeeper/config", "/zookeeper/quota"}
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("paths %q, want %q", paths, wantPaths)
	}
	if data.Nodes[0].Path != "" {
		t.Errorf("first node %q, want the root", data.Nodes[0].Path)
	}
	acl := map[int64][]jute.ACL{}
	for _, a := range data.ACLs {
		acl[a.Index] = a.ACLs
	}
	a := nodes["/a"]
	if string(a.Data) != "world" || a.Stat.Version != 1 || a.Stat.Aversion != 1 || a.Stat.Czxid != 2 || a.Stat.Mzxid != 9 {
		t.Errorf("/a: %q %+v", a.Data, a.Stat)
	}
	if got := acl[a.ACL]; len(got) != 2 || got[0].Perms != jute.PermRead || got[1].ID != (jute.Id{Scheme: "ip", ID: "127.0.0.1"}) {
		t.Errorf("/a ACL %+v", got)
	}
	if got := acl[nodes["/d"].ACL]; len(got) != 1 || got[0].ID.Scheme != "digest" {
		t.Errorf("/d ACL %+v", got)
	}
	if e := nodes["/e"]; e.Data != nil && len(e.Data) != 0 {
		t.Errorf("/e data %q", e.Data)
	}
	if len(data.Sessions) != 1 || data.Sessions[0].Timeout != 10000 || nodes["/owned"].Stat.EphemeralOwner != data.Sessions[0].ID {
		t.Errorf("sessions %+v, /owned owner 0x%x", data.Sessions, nodes["/owned"].Stat.EphemeralOwner)
	}
	if owner := nodes["/c"].Stat.EphemeralOwner; owner != -1<<63 {
		t.Errorf("container owner 0x%x", owner)
	}
	if data.Digest == nil || data.Digest.Zxid != 0x19 || data.Digest.DigestVersion != digestVersion2 {
		t.Errorf("digest %+v", data.Digest)
	}
}

// TestGoldenRestore restores ZooKeeper's directory, then again with the
// newer snapshots gone, so that txns are replayed from an older one.
func TestGoldenRestore(t *testing.T) {
	fs := goldenFS(t)
	restore := func() (int64, int64, []string) {
		t.Helper()
		sl, err := Open(fs, "/data", "/data", Options{PreAllocSize: 16 << 10})
		if err != nil {
			t.Fatal(err)
		}
		var replayed []string
		_, snapZxid, last, err := sl.Restore(func(h *jute.TxnHeader, rec jute.Record, _ *jute.TxnDigest) error {
			replayed = append(replayed, describeTxn(h.Type, rec))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := sl.Close(); err != nil {
			t.Fatal(err)
		}
		return snapZxid, last, replayed
	}
	snapZxid, last, replayed := restore()
	if snapZxid != 0x19 || last != 0x19 || len(replayed) != 0 {
		t.Errorf("restore: snapshot 0x%x, last 0x%x, replayed %q", snapZxid, last, replayed)
	}
	names, _ := fs.List("/data/" + versionDir)
	for _, n := range names {
		if z := ZxidFromName(n, snapPrefix); z > 0x7 {
			if err := fs.Remove("/data/" + versionDir + "/" + n); err != nil {
				t.Fatal(err)
			}
		}
	}
	snapZxid, last, replayed = restore()
	if snapZxid > 0x7 || last != 0x19 || !slices.Equal(replayed, goldenTxns[snapZxid:]) {
		t.Errorf("restore from an older snapshot: snapshot 0x%x, last 0x%x, replayed %q", snapZxid, last, replayed)
	}
}

// TestGoldenLogRewrite writes ZooKeeper's txns again, through Append and
// AppendRaw, committing each and rolling where ZooKeeper rolled: the files
// must come out byte for byte as ZooKeeper wrote them, padding included.
func TestGoldenLogRewrite(t *testing.T) {
	src := goldenFS(t)
	names, err := src.List("/data/" + versionDir)
	if err != nil {
		t.Fatal(err)
	}
	logs := listNamed(names, logPrefix)
	for _, raw := range []bool{false, true} {
		fs := vfs.NewMem()
		sl := openRestored(t, fs, Options{PreAllocSize: 16 << 10})
		tl := sl.TxnLog()
		for _, lf := range logs {
			it := ReadLogFile(src, "/data/"+versionDir+"/"+lf.name)
			for it.Next() {
				e := it.Entry()
				if raw {
					err = tl.AppendRaw(e.Raw)
				} else {
					err = tl.Append(&e.Header, e.Record, e.Digest)
				}
				if err == nil {
					err = tl.Commit()
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if it.Err() != nil {
				t.Fatal(it.Err())
			}
			if err := tl.Roll(); err != nil {
				t.Fatal(err)
			}
		}
		if err := sl.Close(); err != nil {
			t.Fatal(err)
		}
		for _, lf := range logs {
			want, _ := vfs.ReadFile(src, "/data/"+versionDir+"/"+lf.name)
			got, err := vfs.ReadFile(fs, "/data/"+versionDir+"/"+lf.name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("raw=%v: %s differs from ZooKeeper's (%d vs %d bytes)", raw, lf.name, len(got), len(want))
			}
		}
	}
}

// openRestored opens an empty SnapLog at /data and restores it.
func openRestored(t testing.TB, fs vfs.FS, opts Options) *SnapLog {
	t.Helper()
	sl, err := Open(fs, "/data", "/data", opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := sl.Restore(func(*jute.TxnHeader, jute.Record, *jute.TxnDigest) error { return nil }); err != nil {
		t.Fatal(err)
	}
	return sl
}
