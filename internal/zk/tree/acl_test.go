package tree

import (
	"reflect"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestACLCacheCountsAndIndexes(t *testing.T) {
	a := newApplier(t, Options{})
	// The config node's READ_ACL_UNSAFE took index 1.
	if got := a.tree.acls.entries(); len(got) != 1 || got[0].Index != 1 || !reflect.DeepEqual(got[0].ACLs, ReadACL) {
		t.Fatalf("fresh cache %+v", got)
	}
	mustOK(t, a.createACL("/a", digestACL))
	mustOK(t, a.createACL("/b", append([]jute.ACL{}, digestACL...))) // equal list, same index
	mustOK(t, a.createACL("/c", nil))                                // open: index -1, not cached
	mustOK(t, a.createACL("/d", []jute.ACL{}))                       // empty is a list of its own
	ra, _ := a.tree.Raw("/a")
	rb, _ := a.tree.Raw("/b")
	rc, _ := a.tree.Raw("/c")
	rd, _ := a.tree.Raw("/d")
	if ra.ACLIndex != 2 || rb.ACLIndex != 2 || rc.ACLIndex != OpenACLIndex || rd.ACLIndex != 3 {
		t.Fatalf("indexes %d %d %d %d", ra.ACLIndex, rb.ACLIndex, rc.ACLIndex, rd.ACLIndex)
	}
	if !reflect.DeepEqual(rc.ACL, OpenACL) {
		t.Fatalf("open ACL reads as %v", rc.ACL)
	}
	if a.tree.acls.byIndex[2].refs != 2 {
		t.Fatalf("refs %d", a.tree.acls.byIndex[2].refs)
	}
	// Dropping the last user drops the entry; indexes are not reused.
	mustOK(t, a.del("/a"))
	mustOK(t, a.apply(1, jute.OpSetACL, &jute.SetACLTxn{Path: "/b", ACL: readACL, Version: 1}))
	if a.tree.acls.byIndex[2] != nil {
		t.Fatal("unused entry kept")
	}
	rb, _ = a.tree.Raw("/b")
	if rb.ACLIndex != 1 {
		t.Fatalf("/b took index %d, want the existing read ACL 1", rb.ACLIndex)
	}
	mustOK(t, a.createACL("/e", digestACL))
	if re, _ := a.tree.Raw("/e"); re.ACLIndex != 4 {
		t.Fatalf("new entry index %d, want 4", re.ACLIndex)
	}
	// setACL with the node's own list: released first, so re-interned.
	mustOK(t, a.apply(1, jute.OpSetACL, &jute.SetACLTxn{Path: "/e", ACL: digestACL, Version: 1}))
	if re, _ := a.tree.Raw("/e"); re.ACLIndex != 5 {
		t.Fatalf("re-interned index %d, want 5", re.ACLIndex)
	}
	// A create over an existing node gives it the txn's ACL.
	r := a.apply(1, jute.OpCreate, &jute.CreateTxn{Path: "/e", ACL: readACL, ParentCVersion: -1})
	if r.Err != jute.NodeExists {
		t.Fatal(r.Err)
	}
	if _, acl, _ := a.tree.Node("/e"); !reflect.DeepEqual(acl, readACL) {
		t.Fatalf("ACL after NodeExists %v", acl)
	}
}

func TestSnapshotACLsPurgedAndIndexKept(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.createACL("/a", digestACL))
	s := a.tree.Snapshot()
	// An entry no node uses is dropped on load; the index counter keeps the
	// highest index seen.
	s.ACLs = append(s.ACLs, jute.ACLCacheEntry{Index: 40, ACLs: readACL[:1:1]})
	tr, err := FromSnapshot(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, tr)
	if tr.acls.byIndex[40] != nil || tr.acls.next != 40 {
		t.Fatalf("entry 40 %v, next %d", tr.acls.byIndex[40], tr.acls.next)
	}
	// A node referencing an index missing from the cache loads, reads as
	// granting nothing, and a replayed create repairs it.
	s = a.tree.Snapshot()
	for i := range s.Nodes {
		if s.Nodes[i].Path == "/a" {
			s.Nodes[i].Node.ACL = 77
		}
	}
	tr, err = FromSnapshot(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, acl, _ := tr.Node("/a"); len(acl) != 1 || acl[0].Perms != 0 {
		t.Fatalf("missing ACL reads as %v", acl)
	}
	r := tr.Apply(&jute.TxnHeader{Zxid: 1 << 40, Type: jute.OpCreate}, &jute.CreateTxn{Path: "/a", ACL: digestACL, ParentCVersion: -1})
	if r.Err != jute.NodeExists {
		t.Fatal(r.Err)
	}
	checkInvariants(t, tr)
	if _, acl, _ := tr.Node("/a"); !reflect.DeepEqual(acl, digestACL) {
		t.Fatalf("repaired ACL %v", acl)
	}
}
