package tree

import (
	"errors"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestReadsOfMissingNodes(t *testing.T) {
	tr := New(Options{})
	if _, _, ok := tr.Node("/x"); ok {
		t.Error("Node")
	}
	if _, _, ok := tr.GetData("/x"); ok {
		t.Error("GetData")
	}
	if _, _, ok := tr.Children("/x"); ok {
		t.Error("Children")
	}
	if _, _, ok := tr.ACL("/x"); ok {
		t.Error("ACL")
	}
	if _, ok := tr.Raw("/x"); ok {
		t.Error("Raw")
	}
	if n := tr.AllChildrenNumber("/x"); n != 0 {
		t.Error("AllChildrenNumber")
	}
	if len(tr.Ephemerals(5)) != 0 || tr.Ephemerals(5) == nil {
		t.Error("Ephemerals of an unknown session must be an empty slice")
	}
}

func TestAllChildrenNumber(t *testing.T) {
	a := newApplier(t, Options{})
	for _, p := range []string{"/a", "/a/b", "/a/b/c", "/a/d", "/ab"} {
		mustOK(t, a.create(p, ""))
	}
	for path, want := range map[string]int{"/": 8, "/a": 3, "/a/b": 1, "/a/b/c": 0, "/ab": 0, "/zookeeper": 2, "": 0} {
		if got := a.tree.AllChildrenNumber(path); got != want {
			t.Errorf("AllChildrenNumber(%q) = %d, want %d", path, got, want)
		}
	}
}

// The data size counts paths in UTF-16 units, as String.length() does.
func TestApproximateDataSizeCountsJavaChars(t *testing.T) {
	a := newApplier(t, Options{})
	base := a.tree.ApproximateDataSize()
	mustOK(t, a.create("/été", "xy"))      // 4 chars + 2 bytes
	mustOK(t, a.create("/\U0001F600", "")) // a surrogate pair: 3 chars
	if got := a.tree.ApproximateDataSize() - base; got != 6+3 {
		t.Fatalf("size grew by %d, want 9", got)
	}
	mustOK(t, a.set("/été", "xyz"))
	mustOK(t, a.del("/\U0001F600"))
	if got := a.tree.ApproximateDataSize() - base; got != 7 {
		t.Fatalf("size %d, want 7", got)
	}
	if javaLen("abc") != 3 || javaLen("é") != 1 || javaLen("\U0001F600") != 2 {
		t.Fatal("javaLen")
	}
}

func TestFromSnapshotErrors(t *testing.T) {
	good := New(Options{ExtendedTypes: true}).Snapshot()
	node := func(path string, owner int64) jute.SnapNode {
		return jute.SnapNode{Path: path, Node: jute.DataNode{ACL: -1, Stat: jute.StatPersisted{EphemeralOwner: owner}}}
	}
	with := func(extra ...jute.SnapNode) *jute.SnapshotData {
		s := *good
		s.Nodes = append(append([]jute.SnapNode{}, good.Nodes...), extra...)
		return &s
	}
	cases := []struct {
		name string
		s    *jute.SnapshotData
		want error
	}{
		{"no nodes", &jute.SnapshotData{}, ErrSnapshotNoRoot},
		{"no root", &jute.SnapshotData{Nodes: []jute.SnapNode{node("/a", 0)}}, ErrSnapshotParent},
		{"missing parent", with(node("/a/b", 0)), ErrSnapshotParent},
		{"child of the root alias", with(node("//a", 0)), ErrSnapshotParent},
		{"duplicate", with(node("/a", 0), node("/a", 0)), ErrSnapshotDuplicate},
		{"second root", with(node("", 0)), ErrSnapshotDuplicate},
		{"slash path", with(node("/", 0)), ErrSnapshotPath},
		{"relative path", with(node("a", 0)), ErrSnapshotPath},
		{"unknown extended owner", with(node("/a", -0x00ff000000000000+0x10000000000)), ErrEphemeralOwner},
	}
	for _, c := range cases {
		if _, err := FromSnapshot(c.s, Options{ExtendedTypes: true}); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if EphemeralTTL.String() != "TTL" || EphemeralVoid.String() != "VOID" || EphemeralType(9).String() != "EphemeralType(9)" {
		t.Error("EphemeralType.String")
	}
}

func TestSnapshotIsPreOrderAndShallow(t *testing.T) {
	a := newApplier(t, Options{})
	for _, p := range []string{"/b", "/a", "/a/x", "/b/y"} {
		mustOK(t, a.create(p, p))
	}
	s := a.tree.Snapshot()
	seen := map[string]bool{}
	for i, n := range s.Nodes {
		if i == 0 && n.Path != "" {
			t.Fatalf("first node %q, want the root as \"\"", n.Path)
		}
		if i > 0 {
			parent, _, _ := splitPath(n.Path)
			if !seen[parent] {
				t.Fatalf("%q before its parent", n.Path)
			}
		}
		seen[n.Path] = true
	}
	if len(s.Nodes) != a.tree.NodeCount()-1 {
		t.Fatalf("%d nodes in the snapshot", len(s.Nodes))
	}
	d, _, _ := a.tree.GetData("/a/x")
	for _, n := range s.Nodes {
		if n.Path == "/a/x" && &n.Node.Data[0] != &d[0] {
			t.Fatal("snapshot copied the data")
		}
	}
}

func TestManyChildren(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/q", ""))
	for i := 0; i < 40; i++ {
		mustOK(t, a.create("/q/"+string(rune('A'+i)), ""))
	}
	for i := 0; i < 40; i += 3 {
		mustOK(t, a.del("/q/"+string(rune('A'+i))))
	}
	kids, st, _ := a.tree.Children("/q")
	if len(kids) != 26 || st.NumChildren != 26 || kids[0] != "B" || kids[25] != "g" {
		t.Fatalf("children %v", kids)
	}
	for i := 0; i < 40; i++ {
		a.del("/q/" + string(rune('A'+i)))
	}
	if n := a.tree.nodes["/q"]; len(n.kids) != 0 || n.kidIdx != nil {
		t.Fatal("children left")
	}
}
