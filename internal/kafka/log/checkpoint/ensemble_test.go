package checkpoint

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/vfs"
)

func writeMeta(t *testing.T, fsys vfs.FS, dir string, m MetaProperties) {
	t.Helper()
	mkdirs(t, fsys, dir)
	if err := WriteMetaProperties(fsys, dir+"/"+MetaPropertiesFileName, m, testTime); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMetaEnsemble(t *testing.T) {
	fsys := vfs.NewMem()
	writeMeta(t, fsys, "/d1", ZkMetaProperties("c", 1))
	mkdirs(t, fsys, "/d2")
	writeMeta(t, fsys, "/d3", ZkMetaProperties("c", 1))
	mkdirs(t, fsys, "/d4")
	mustWrite(t, fsys, "/d4/meta.properties", "version=7\n")
	e, err := LoadMetaEnsemble(fsys, []string{"/d3", "/d1", "/d2", "/d4", "/missing", "/d1"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(slices.Sorted(maps.Keys(e.Props)), []string{"/d1", "/d3"}) {
		t.Errorf("Props: %v", e.Props)
	}
	if !slices.Equal(e.Empty, []string{"/d2", "/missing"}) {
		t.Errorf("Empty: %v", e.Empty)
	}
	if len(e.Errors) != 1 || !errors.Is(e.Errors["/d4"], ErrMetaProperties) {
		t.Errorf("Errors: %v", e.Errors)
	}
	if id, ok := e.NodeID(); !ok || id != 1 {
		t.Errorf("NodeID = %d, %v", id, ok)
	}
	if id, ok := e.ClusterID(); !ok || id != "c" {
		t.Errorf("ClusterID = %q, %v", id, ok)
	}
	if err := e.Verify("c", 1, RequireV0|RequireAtLeastOneValid); err != nil {
		t.Errorf("Verify: %v", err)
	}
	// An I/O error is an error directory too.
	e, _ = LoadMetaEnsemble(vfs.WithErrors(fsys, vfs.OnOp(vfs.OpFileRead)), []string{"/d1"})
	if len(e.Errors) != 1 || !errors.Is(e.Errors["/d1"], vfs.ErrInjected) {
		t.Errorf("Errors with failing reads: %v", e.Errors)
	}
	if _, err := LoadMetaEnsemble(fsys, nil); !errors.Is(err, ErrMetaProperties) {
		t.Errorf("no log dirs: %v", err)
	}
	e, _ = LoadMetaEnsemble(fsys, []string{"/d2"})
	if _, ok := e.NodeID(); ok {
		t.Error("NodeID of an empty ensemble")
	}
	if _, ok := e.ClusterID(); ok {
		t.Error("ClusterID of an empty ensemble")
	}
}

func TestMetaEnsembleVerify(t *testing.T) {
	v1 := func(cluster string, node int32) MetaProperties {
		return MetaProperties{Version: MetaV1, ClusterID: cluster, HasClusterID: true, NodeID: node, HasNodeID: true}
	}
	withDir := func(m MetaProperties, id Uuid) MetaProperties { m.DirectoryID, m.HasDirectoryID = id, true; return m }
	dirA, dirB := NewUuid(7, 7), NewUuid(8, 8)
	for _, tc := range []struct {
		name    string
		props   map[string]MetaProperties
		cluster string
		node    int32
		flags   VerifyFlag
		err     error
		msg     string
	}{
		{name: "consistent", props: map[string]MetaProperties{"/a": ZkMetaProperties("c", 1), "/b": ZkMetaProperties("c", 1)},
			cluster: "c", node: 1, flags: RequireV0},
		{name: "nothing expected", props: map[string]MetaProperties{"/a": ZkMetaProperties("c", 1), "/b": ZkMetaProperties("c", 1)}, node: -1},
		{name: "v0 without ids", props: map[string]MetaProperties{"/a": {}, "/b": ZkMetaProperties("c", 1)}, cluster: "c", node: 1},
		{name: "no files is fine by default", props: map[string]MetaProperties{}, cluster: "c", node: 1, flags: RequireV0},
		{name: "no files", props: map[string]MetaProperties{}, flags: RequireAtLeastOneValid, err: ErrMetaProperties,
			msg: "No readable meta.properties files found."},
		{name: "cluster differs from ZooKeeper's", props: map[string]MetaProperties{"/a": ZkMetaProperties("old", 1)},
			cluster: "new", node: 1, err: ErrInconsistentMeta,
			msg: "Invalid cluster.id in: /a/meta.properties. Expected new, but read old"},
		{name: "clusters differ across dirs", props: map[string]MetaProperties{"/a": ZkMetaProperties("x", 1), "/b": ZkMetaProperties("y", 1)},
			node: -1, err: ErrInconsistentMeta, msg: "Invalid cluster.id in: /b/meta.properties. Expected x, but read y"},
		{name: "broker.id differs from config", props: map[string]MetaProperties{"/a": ZkMetaProperties("c", 2)},
			cluster: "c", node: 1, err: ErrInconsistentMeta,
			msg: "Stored node id 2 doesn't match previous node id 1 in /a/meta.properties. If you moved your data, make sure " +
				"your configured node id matches. If you intend to create a new node, you should remove all data in your data directories."},
		{name: "broker.ids differ across dirs", props: map[string]MetaProperties{"/a": ZkMetaProperties("c", 1), "/b": ZkMetaProperties("c", 2)},
			cluster: "c", node: -1, err: ErrInconsistentMeta, msg: "Stored node id 2 doesn't match previous node id 1 in /b/meta.properties. " +
				"If you moved your data, make sure your configured node id matches. If you intend to create a new node, you should remove all data in your data directories."},
		{name: "v1 in ZooKeeper mode", props: map[string]MetaProperties{"/a": v1("c", 1)}, cluster: "c", node: 1, flags: RequireV0,
			err: ErrMetaProperties, msg: "Found unexpected version in /a/meta.properties. ZK-based brokers that are not migrating only " +
				"support version 0 (which is implicit when the `version` field is missing)."},
		{name: "v1 allowed when migrating", props: map[string]MetaProperties{"/a": v1("c", 1), "/b": ZkMetaProperties("c", 1)}, cluster: "c", node: 1},
		{name: "v1 without cluster.id", props: map[string]MetaProperties{"/a": {Version: MetaV1, NodeID: 1, HasNodeID: true}},
			node: -1, err: ErrMetaProperties, msg: "cluster.id was not specified in the v1 file: /a/meta.properties"},
		{name: "v1 without node.id", props: map[string]MetaProperties{"/a": {Version: MetaV1, ClusterID: "c", HasClusterID: true}},
			node: -1, err: ErrMetaProperties, msg: "node.id was not specified in /a/meta.properties"},
		{name: "distinct directory IDs", props: map[string]MetaProperties{"/a": withDir(ZkMetaProperties("c", 1), dirA),
			"/b": withDir(ZkMetaProperties("c", 1), dirB)}, cluster: "c", node: 1},
		{name: "reserved directory ID", props: map[string]MetaProperties{"/a": withDir(ZkMetaProperties("c", 1), NewUuid(0, 2))},
			cluster: "c", node: 1, err: ErrMetaProperties, msg: "Invalid resrved directory ID AAAAAAAAAAAAAAAAAAAAAg found in /a"},
		{name: "shared directory ID", props: map[string]MetaProperties{"/a": withDir(ZkMetaProperties("c", 1), dirA),
			"/b": withDir(ZkMetaProperties("c", 1), dirA)}, cluster: "c", node: 1, err: ErrInconsistentMeta,
			msg: "Duplicate directory ID Optional[" + dirA.String() + "] found. It was the ID of /a, but also of /b"},
	} {
		e := &MetaEnsemble{Props: tc.props}
		err := e.Verify(tc.cluster, tc.node, tc.flags)
		if tc.err == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var ce *Error
		if !errors.Is(err, tc.err) || !errors.As(err, &ce) || ce.Msg != tc.msg {
			t.Errorf("%s: got %v\nwant %v %q", tc.name, err, tc.err, tc.msg)
		}
	}
}

func TestMetaEnsembleRewrite(t *testing.T) {
	fsys := vfs.NewCrashableMem()
	old := MetaProperties{Version: MetaV0, DirectoryID: NewUuid(9, 9), HasDirectoryID: true} // no ids yet
	writeMeta(t, fsys, "/a", old)
	writeMeta(t, fsys, "/b", ZkMetaProperties("c", 1)) // already right
	before := string(mustRead(t, fsys, "/b/meta.properties"))
	mkdirs(t, fsys, "/bad")
	mustWrite(t, fsys, "/bad/meta.properties", "version=x")
	e, err := LoadMetaEnsemble(fsys, []string{"/a", "/b", "/bad", "/new/nested"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Verify("c", 1, RequireV0); err != nil {
		t.Fatal(err)
	}
	later := testTime.Add(time.Hour)
	out := e.Rewrite(fsys, "c", 1, later)
	if len(e.Props) != 2 || len(e.Empty) != 1 {
		t.Fatal("Rewrite changed its receiver")
	}
	if len(out.Empty) != 0 || !slices.Equal(slices.Sorted(maps.Keys(out.Props)), []string{"/a", "/b", "/new/nested"}) ||
		len(out.Errors) != 1 || out.Errors["/bad"] == nil {
		t.Fatalf("Rewrite: %+v", out)
	}
	if err := out.Verify("c", 1, RequireV0|RequireAtLeastOneValid); err != nil {
		t.Fatal(err)
	}
	// Everything it wrote survives a crash, the new directory included;
	// the unchanged file was not rewritten.
	crashed := fsys.CrashClone()
	again, _ := LoadMetaEnsemble(crashed, []string{"/a", "/b", "/new/nested"})
	want := map[string]MetaProperties{
		"/a":          {Version: MetaV0, ClusterID: "c", HasClusterID: true, NodeID: 1, HasNodeID: true, DirectoryID: NewUuid(9, 9), HasDirectoryID: true},
		"/b":          ZkMetaProperties("c", 1),
		"/new/nested": ZkMetaProperties("c", 1),
	}
	if !maps.Equal(again.Props, want) {
		t.Fatalf("after a crash: %v", again.Props)
	}
	if got := string(mustRead(t, crashed, "/b/meta.properties")); got != before {
		t.Fatalf("unchanged file rewritten: %q", got)
	}
	if got := string(mustRead(t, crashed, "/a/meta.properties")); !strings.Contains(got, "#Sat Nov 21 10:49:22 UTC 2026\n") {
		t.Fatalf("rewritten file: %q", got)
	}
}

func TestMetaEnsembleRewriteFailures(t *testing.T) {
	fsys := vfs.NewMem()
	writeMeta(t, fsys, "/a", ZkMetaProperties("c", 1))
	mkdirs(t, fsys, "/b")
	e, _ := LoadMetaEnsemble(fsys, []string{"/a", "/b"})
	// Writes to /b fail: /b goes to Errors, /a is untouched.
	failing := vfs.WithErrors(fsys, vfs.InjectorFunc(func(op vfs.Op) error {
		if strings.HasPrefix(op.Path, "/b/") {
			return vfs.ErrInjected
		}
		return nil
	}))
	out := e.Rewrite(failing, "c", 1, testTime)
	if !errors.Is(out.Errors["/b"], vfs.ErrInjected) || len(out.Props) != 1 {
		t.Fatalf("Rewrite: %+v", out)
	}
	// Failing to create the directory counts the same.
	out = e.Rewrite(vfs.WithErrors(fsys, vfs.OnOp(vfs.OpMkdirAll)), "c", 1, testTime)
	if len(out.Errors) != 0 {
		t.Fatalf("existing dirs are not created: %v", out.Errors)
	}
	e.Empty = append(e.Empty, "/c")
	out = e.Rewrite(vfs.WithErrors(fsys, vfs.OnOp(vfs.OpMkdirAll)), "c", 1, testTime)
	if !errors.Is(out.Errors["/c"], vfs.ErrInjected) {
		t.Fatalf("mkdir failure: %v", out.Errors)
	}
}

func TestMetaEnsembleRewriteCrashSafety(t *testing.T) {
	const dir = "/logs/new"
	c := writeCase{
		name: "rewrite into a new directory", file: dir + "/" + MetaPropertiesFileName,
		setup: func(t *testing.T, fsys vfs.FS) { mkdirs(t, fsys, "/logs") },
		write: func(fsys vfs.FS) error {
			e := &MetaEnsemble{Empty: []string{dir}}
			return e.Rewrite(fsys, "c", 1, testTime).Errors[dir]
		},
	}
	checkCrashes(t, c)
	checkErrors(t, c)
}
