package prep

import (
	"reflect"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// pipeline prepares requests ahead of applying them, as the server does.
type pipeline struct {
	t       *testing.T
	tree    *fakeTree
	p       *Preparer
	zxid    int64
	pending []prepared
}

type prepared struct {
	hdr jute.TxnHeader
	txn jute.Record
}

func newPipeline(t *testing.T, tree *fakeTree, opts Options) *pipeline {
	tree.types = opts
	return &pipeline{t: t, tree: tree, p: New(opts, tree), zxid: 0x100000000}
}

// prep prepares r with the next zxid and returns its header and txn.
func (pl *pipeline) prep(r Request) (jute.TxnHeader, jute.Record) {
	pl.zxid++
	hdr, txn := pl.p.Prepare(r, pl.zxid, now+pl.zxid)
	if txn != nil {
		pl.pending = append(pl.pending, prepared{hdr, txn})
	}
	return hdr, txn
}

// mustFail prepares r and checks it fails with code.
func (pl *pipeline) mustFail(r Request, code jute.Code) {
	pl.t.Helper()
	hdr, txn := pl.prep(r)
	if hdr.Type != jute.OpError || !reflect.DeepEqual(txn, errTxn(code)) {
		pl.t.Fatalf("%s: %+v %#v, want %v", jute.OpName(r.Type), hdr, txn, code)
	}
}

// mustPass prepares r and checks it succeeds.
func (pl *pipeline) mustPass(r Request) jute.Record {
	pl.t.Helper()
	hdr, txn := pl.prep(r)
	if hdr.Type == jute.OpError {
		pl.t.Fatalf("%s failed: %#v", jute.OpName(r.Type), txn)
	}
	return txn
}

// applyFirst commits the n oldest prepared txns in order, as the tree and
// FinalRequestProcessor do.
func (pl *pipeline) applyFirst(n int) {
	for _, x := range pl.pending[:n] {
		pl.tree.apply(x.hdr, x.txn)
		pl.p.Applied(x.hdr.Zxid)
	}
	pl.pending = pl.pending[n:]
}

// applyAll commits every prepared txn.
func (pl *pipeline) applyAll() {
	pl.applyFirst(len(pl.pending))
	if n := pl.p.Outstanding(); n != 0 {
		pl.t.Fatalf("%d outstanding changes after everything was applied", n)
	}
}

func TestTwoCreatesBeforeApply(t *testing.T) {
	pl := newPipeline(t, fixture(), DefaultOptions())
	pl.mustPass(req(jute.OpCreate, create("/x", 0)))
	pl.mustFail(req(jute.OpCreate, create("/x", 0)), jute.NodeExists)
	pl.mustPass(req(jute.OpCreate, create("/x/y", 0))) // the parent is outstanding
	pl.mustFail(req(jute.OpDelete, &jute.DeleteRequest{Path: "/x", Version: -1}), jute.NotEmpty)
	pl.applyAll()
	pl.mustFail(req(jute.OpCreate, create("/x", 0)), jute.NodeExists)
}

func TestCreateThenDeleteBeforeApply(t *testing.T) {
	pl := newPipeline(t, fixture(), DefaultOptions())
	pl.mustPass(req(jute.OpCreate, create("/x", 0)))
	pl.mustPass(req(jute.OpSetData, &jute.SetDataRequest{Path: "/x", Version: 0}))
	pl.mustFail(req(jute.OpDelete, &jute.DeleteRequest{Path: "/x", Version: 0}), jute.BadVersion)
	pl.mustPass(req(jute.OpDelete, &jute.DeleteRequest{Path: "/x", Version: 1}))
	pl.mustFail(req(jute.OpSetData, &jute.SetDataRequest{Path: "/x", Version: -1}), jute.NoNode)
	pl.mustFail(req(jute.OpDelete, &jute.DeleteRequest{Path: "/x", Version: -1}), jute.NoNode)
	txn := pl.mustPass(req(jute.OpCreate, create("/x", 0)))
	if pcv := txn.(*jute.CreateTxn).ParentCVersion; pcv != 2 {
		t.Fatalf("third child change of / has parentCVersion %d, want 2", pcv)
	}
	pl.applyAll()
	if _, _, ok := pl.tree.Node("/x"); !ok {
		t.Fatal("/x not in the tree")
	}
}

func TestSequentialNumbersAcrossInflightCreates(t *testing.T) {
	pl := newPipeline(t, fixture(), DefaultOptions())
	var got []string
	for i := 0; i < 3; i++ {
		got = append(got, pl.mustPass(req(jute.OpCreate, create("/a/lock-", 3))).(*jute.CreateTxn).Path)
	}
	// A failed write in between consumes a zxid but no sequence number.
	pl.mustFail(req(jute.OpCreate, create("/a/b", 0)), jute.NodeExists)
	pl.applyAll()
	got = append(got, pl.mustPass(req(jute.OpCreate, create("/a/lock-", 3))).(*jute.CreateTxn).Path)
	want := []string{"/a/lock-0000000007", "/a/lock-0000000008", "/a/lock-0000000009", "/a/lock-0000000010"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestCloseSessionWhileCreatesInFlight(t *testing.T) {
	tree := fixture()
	tree.put("/s", jute.Stat{}, world)
	tree.put("/s/e1", jute.Stat{EphemeralOwner: sess}, world)
	tree.put("/s/e3", jute.Stat{EphemeralOwner: sess}, world)
	pl := newPipeline(t, tree, DefaultOptions())
	pl.mustPass(req(jute.OpCreate, create("/s/e2", 1)))                                  // outstanding ephemeral
	pl.mustPass(req(jute.OpDelete, &jute.DeleteRequest{Path: "/s/e3", Version: -1}))     // outstanding delete
	pl.mustPass(Request{SessionID: other, Type: jute.OpCreate, Body: create("/s/o", 1)}) // another session's
	pl.mustPass(req(jute.OpSetData, &jute.SetDataRequest{Path: "/s/e1", Version: -1}))   // still the session's
	txn := pl.mustPass(Request{SessionID: sess, Type: jute.OpCloseSession})
	want := &jute.CloseSessionTxn{Paths: []string{"/s/e1", "/s/e2"}, Present: true}
	if !reflect.DeepEqual(txn, want) {
		t.Fatalf("closeSession %#v, want %#v", txn, want)
	}
	// The ephemerals are gone for what is prepared next.
	pl.mustFail(req(jute.OpSetData, &jute.SetDataRequest{Path: "/s/e2", Version: -1}), jute.NoNode)
	pl.mustPass(Request{SessionID: other, Type: jute.OpCreate, Body: create("/s/e1", 1)})
	pl.mustPass(Request{SessionID: other, Type: jute.OpDelete, Body: &jute.DeleteRequest{Path: "/s/e1", Version: -1}})
	pl.mustPass(Request{SessionID: other, Type: jute.OpDelete, Body: &jute.DeleteRequest{Path: "/s/o", Version: -1}})
	// Only the parent's child count was waiting on the close.
	pl.mustPass(req(jute.OpDelete, &jute.DeleteRequest{Path: "/s", Version: -1}))
	pl.applyAll()
	if _, _, ok := pl.tree.Node("/s"); ok {
		t.Fatal("/s survived")
	}
}

func TestSetACLAppliesToLaterWrites(t *testing.T) {
	pl := newPipeline(t, fixture(), DefaultOptions())
	pl.mustPass(req(jute.OpSetACL, &jute.SetACLRequest{Path: "/a", ACL: []jute.ACL{{Perms: jute.PermRead, ID: acl.Anyone}}, Version: -1}))
	pl.mustFail(req(jute.OpSetData, &jute.SetDataRequest{Path: "/a", Version: -1}), jute.NoAuth)
	pl.mustFail(req(jute.OpCreate, create("/a/x", 0)), jute.NoAuth)
	pl.mustFail(req(jute.OpSetACL, &jute.SetACLRequest{Path: "/a", ACL: world, Version: 2}), jute.NoAuth)
}

func TestEphemeralParentInFlight(t *testing.T) {
	pl := newPipeline(t, fixture(), DefaultOptions())
	pl.mustPass(req(jute.OpCreate, create("/e", 1)))
	pl.mustFail(req(jute.OpCreate, create("/e/x", 0)), jute.NoChildrenForEphemerals)
	pl.mustPass(req(jute.OpCreateContainer, create("/k", 4)))
	pl.mustPass(req(jute.OpCreate, create("/k/x", 0)))
	pl.mustFail(Request{Type: jute.OpDeleteContainer, Body: &jute.DeleteTxn{Path: "/k"}}, jute.NotEmpty)
	pl.mustFail(Request{Type: jute.OpDeleteContainer, Body: &jute.DeleteTxn{Path: "/e"}}, jute.BadVersion)
}

func TestAppliedDropsOnlyApplied(t *testing.T) {
	pl := newPipeline(t, fixture(), DefaultOptions())
	pl.mustPass(req(jute.OpCreate, create("/x", 0)))   // 2 changes
	pl.mustPass(req(jute.OpCreate, create("/x/y", 0))) // 2 changes
	pl.mustPass(req(jute.OpSetData, &jute.SetDataRequest{Path: "/x", Version: -1}))
	if n := pl.p.Outstanding(); n != 5 {
		t.Fatalf("%d outstanding, want 5", n)
	}
	pl.applyFirst(1)
	if n := pl.p.Outstanding(); n != 3 {
		t.Fatalf("%d outstanding after the first is applied, want 3", n)
	}
	// /x now comes from the tree, /x/y and the new version from the changes.
	pl.mustFail(req(jute.OpSetData, &jute.SetDataRequest{Path: "/x", Version: 0}), jute.BadVersion)
	pl.mustPass(req(jute.OpSetData, &jute.SetDataRequest{Path: "/x/y", Version: 0}))
	pl.applyAll()
}

func TestResetForgetsEverything(t *testing.T) {
	pl := newPipeline(t, fixture(), DefaultOptions())
	pl.mustPass(req(jute.OpCreate, create("/x", 0)))
	pl.mustPass(req(jute.OpDelete, &jute.DeleteRequest{Path: "/a/b", Version: -1}))
	pl.p.Reset()
	pl.pending = nil
	if pl.p.Outstanding() != 0 {
		t.Fatal("changes survived Reset")
	}
	pl.mustPass(req(jute.OpCreate, create("/x", 0)))
	pl.mustPass(req(jute.OpSetData, &jute.SetDataRequest{Path: "/a/b", Version: 0}))
	pl.applyAll()
}

// Many changes applied in small steps exercise the list's compaction.
func TestLongPipeline(t *testing.T) {
	pl := newPipeline(t, fixture(), DefaultOptions())
	for i := 0; i < 2000; i++ {
		pl.mustPass(req(jute.OpSetData, &jute.SetDataRequest{Path: "/a", Version: int32(3 + i)}))
		if i%7 == 6 {
			pl.applyFirst(5)
		}
	}
	pl.applyAll()
	if st, _, _ := pl.tree.Node("/a"); st.Version != 2003 {
		t.Fatalf("version %d", st.Version)
	}
}

func TestPrepareAllocations(t *testing.T) {
	tree := fixture()
	p := New(DefaultOptions(), tree)
	set := req(jute.OpSetData, &jute.SetDataRequest{Path: "/a", Data: []byte("x"), Version: -1})
	z := int64(1)
	n := testing.AllocsPerRun(200, func() {
		p.Prepare(set, z, now)
		p.Applied(z)
		z++
	})
	if n > 2 {
		t.Fatalf("setData allocates %v times", n)
	}
}
