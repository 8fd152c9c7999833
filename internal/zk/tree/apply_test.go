package tree

import (
	"reflect"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestEmptyTree(t *testing.T) {
	tr := New(Options{})
	checkInvariants(t, tr)
	if tr.NodeCount() != 5 || tr.ApproximateDataSize() != 44 || tr.AllChildrenNumber("/") != 3 {
		t.Fatalf("count %d size %d all %d", tr.NodeCount(), tr.ApproximateDataSize(), tr.AllChildrenNumber("/"))
	}
	st, acl, ok := tr.Node("/")
	// The root's persisted cversion is 0 with one child: clients see -1.
	if !ok || st.Cversion != -1 || st.NumChildren != 1 || !reflect.DeepEqual(acl, OpenACL) {
		t.Fatalf("root %+v %v", st, acl)
	}
	st, acl, _ = tr.Node(ConfigPath)
	if st.Aversion != -1 || !reflect.DeepEqual(acl, ReadACL) {
		t.Fatalf("config node %+v %v", st, acl)
	}
	kids, _, _ := tr.Children("/zookeeper")
	if !reflect.DeepEqual(kids, []string{"config", "quota"}) {
		t.Fatalf("children %v", kids)
	}
	if d, _, _ := tr.GetData(ConfigPath); d == nil || len(d) != 0 {
		t.Fatalf("config data %v", d)
	}
}

// Stat effects of each txn type, derived from DataTree: create sets
// c/m/pzxid and c/mtime from the header; the parent's cversion becomes the
// txn's parentCVersion (or +1 for -1) and its pzxid the zxid, but only
// forward; delete moves the parent's pzxid only; setData sets mtime, mzxid
// and version (to the txn's value); setACL sets aversion.
func TestStatEffects(t *testing.T) {
	tr := New(Options{ExtendedTypes: true})
	type step struct {
		name     string
		hdr      jute.TxnHeader
		txn      jute.Record
		err      jute.Code
		path     string
		stat     jute.Stat // of path afterwards
		pathStat jute.Stat // of /p afterwards (zero: not checked)
	}
	ttlOwner, _ := TTLOwner(60000)
	_ = ttlOwner
	steps := []step{
		{name: "create /p", hdr: jute.TxnHeader{ClientID: 9, Zxid: 10, Time: 100, Type: jute.OpCreate},
			txn: &jute.CreateTxn{Path: "/p", Data: bs("abc"), ACL: openACL, ParentCVersion: 1}, path: "/p",
			stat: jute.Stat{Czxid: 10, Mzxid: 10, Ctime: 100, Mtime: 100, DataLength: 3, Pzxid: 10}},
		{name: "ephemeral child, explicit parentCVersion", hdr: jute.TxnHeader{ClientID: 9, Zxid: 11, Time: 110, Type: jute.OpCreate2},
			txn: &jute.CreateTxn{Path: "/p/e", ACL: openACL, Ephemeral: true, ParentCVersion: 5}, path: "/p/e",
			stat:     jute.Stat{Czxid: 11, Mzxid: 11, Ctime: 110, Mtime: 110, EphemeralOwner: 9, Pzxid: 11},
			pathStat: jute.Stat{Czxid: 10, Mzxid: 10, Ctime: 100, Mtime: 100, DataLength: 3, Cversion: 5*2 - 1, NumChildren: 1, Pzxid: 11}},
		{name: "lower parentCVersion leaves the parent alone", hdr: jute.TxnHeader{ClientID: 9, Zxid: 12, Time: 120, Type: jute.OpCreateContainer},
			txn: &jute.CreateContainerTxn{Path: "/p/c", ACL: openACL, ParentCVersion: 3}, path: "/p/c",
			stat:     jute.Stat{Czxid: 12, Mzxid: 12, Ctime: 120, Mtime: 120, Pzxid: 12}, // container owner reads as 0
			pathStat: jute.Stat{Czxid: 10, Mzxid: 10, Ctime: 100, Mtime: 100, DataLength: 3, Cversion: 5*2 - 2, NumChildren: 2, Pzxid: 11}},
		{name: "ttl", hdr: jute.TxnHeader{ClientID: 9, Zxid: 13, Time: 130, Type: jute.OpCreateTTL},
			txn: &jute.CreateTTLTxn{Path: "/p/t", Data: bs("t"), ACL: openACL, ParentCVersion: -1, TTL: 60000}, path: "/p/t",
			stat:     jute.Stat{Czxid: 13, Mzxid: 13, Ctime: 130, Mtime: 130, DataLength: 1, Pzxid: 13},
			pathStat: jute.Stat{Czxid: 10, Mzxid: 10, Ctime: 100, Mtime: 100, DataLength: 3, Cversion: 6*2 - 3, NumChildren: 3, Pzxid: 13}},
		{name: "setData", hdr: jute.TxnHeader{ClientID: 9, Zxid: 14, Time: 140, Type: jute.OpSetData},
			txn: &jute.SetDataTxn{Path: "/p", Data: bs("hello"), Version: 7}, path: "/p",
			stat: jute.Stat{Czxid: 10, Mzxid: 14, Ctime: 100, Mtime: 140, Version: 7, DataLength: 5, Cversion: 9, NumChildren: 3, Pzxid: 13}},
		{name: "setACL", hdr: jute.TxnHeader{ClientID: 9, Zxid: 15, Time: 150, Type: jute.OpSetACL},
			txn: &jute.SetACLTxn{Path: "/p", ACL: readACL, Version: 2}, path: "/p",
			stat: jute.Stat{Czxid: 10, Mzxid: 14, Ctime: 100, Mtime: 140, Version: 7, Aversion: 2, DataLength: 5, Cversion: 9, NumChildren: 3, Pzxid: 13}},
		{name: "delete moves pzxid, not cversion", hdr: jute.TxnHeader{ClientID: 9, Zxid: 16, Time: 160, Type: jute.OpDelete},
			txn: &jute.DeleteTxn{Path: "/p/e"}, path: "/p",
			stat: jute.Stat{Czxid: 10, Mzxid: 14, Ctime: 100, Mtime: 140, Version: 7, Aversion: 2, DataLength: 5, Cversion: 6*2 - 2, NumChildren: 2, Pzxid: 16}},
		{name: "delete of a missing child still moves pzxid", hdr: jute.TxnHeader{Zxid: 17, Type: jute.OpDelete},
			txn: &jute.DeleteTxn{Path: "/p/none"}, err: jute.NoNode, path: "/p",
			stat: jute.Stat{Czxid: 10, Mzxid: 14, Ctime: 100, Mtime: 140, Version: 7, Aversion: 2, DataLength: 5, Cversion: 10, NumChildren: 2, Pzxid: 17}},
		{name: "older zxid does not move pzxid back", hdr: jute.TxnHeader{Zxid: 5, Type: jute.OpDeleteContainer},
			txn: &jute.DeleteTxn{Path: "/p/c"}, path: "/p",
			stat: jute.Stat{Czxid: 10, Mzxid: 14, Ctime: 100, Mtime: 140, Version: 7, Aversion: 2, DataLength: 5, Cversion: 6*2 - 1, NumChildren: 1, Pzxid: 17}},
		{name: "NodeExists on create repairs the parent", hdr: jute.TxnHeader{Zxid: 18, Type: jute.OpCreate},
			txn: &jute.CreateTxn{Path: "/p/t", ACL: openACL, ParentCVersion: 8}, err: jute.NodeExists, path: "/p",
			stat: jute.Stat{Czxid: 10, Mzxid: 14, Ctime: 100, Mtime: 140, Version: 7, Aversion: 2, DataLength: 5, Cversion: 8*2 - 1, NumChildren: 1, Pzxid: 18}},
	}
	for _, s := range steps {
		hdr := s.hdr
		r := tr.Apply(&hdr, s.txn)
		checkInvariants(t, tr)
		if r.Err != s.err {
			t.Fatalf("%s: err %v, want %v", s.name, r.Err, s.err)
		}
		st, _, ok := tr.Node(s.path)
		if !ok || st != s.stat {
			t.Fatalf("%s: stat of %s\n got  %+v\n want %+v", s.name, s.path, st, s.stat)
		}
		if r.Err == jute.OK && s.hdr.Type != jute.OpDelete && s.hdr.Type != jute.OpDeleteContainer && r.Stat != st {
			t.Fatalf("%s: result stat %+v, node %+v", s.name, r.Stat, st)
		}
		if s.pathStat != (jute.Stat{}) {
			if ps, _, _ := tr.Node("/p"); ps != s.pathStat {
				t.Fatalf("%s: stat of /p\n got  %+v\n want %+v", s.name, ps, s.pathStat)
			}
		}
	}
	raw, _ := tr.Raw("/p")
	if raw.Stat.Cversion != 8 || raw.NumChildren != 1 {
		t.Fatalf("raw %+v", raw)
	}
	if tr.LastProcessedZxid() != 18 {
		t.Fatalf("last zxid %d", tr.LastProcessedZxid())
	}
}

func TestSetDataReplacesDataSlice(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/a", "one"))
	old, _, _ := a.tree.GetData("/a")
	mustOK(t, a.set("/a", "two"))
	if string(old) != "one" {
		t.Fatalf("old data slice changed to %q", old)
	}
}

func TestInconsistentTxnsReturnCodes(t *testing.T) {
	a := newApplier(t, Options{ExtendedTypes: true})
	mustOK(t, a.create("/a", ""))
	mustOK(t, a.create("/a/b", ""))
	before := a.tree.Digest()
	bad := []struct {
		name string
		typ  int32
		txn  jute.Record
		want jute.Code
	}{
		{"delete root", jute.OpDelete, &jute.DeleteTxn{Path: "/"}, jute.BadArguments},
		{"delete empty path", jute.OpDelete, &jute.DeleteTxn{Path: ""}, jute.BadArguments},
		{"delete non-empty", jute.OpDelete, &jute.DeleteTxn{Path: "/a"}, jute.NotEmpty},
		{"create relative", jute.OpCreate, &jute.CreateTxn{Path: "a", ParentCVersion: -1}, jute.BadArguments},
		{"create under the root alias", jute.OpCreate, &jute.CreateTxn{Path: "//a", ParentCVersion: -1}, jute.BadArguments},
		{"delete under the root alias", jute.OpDelete, &jute.DeleteTxn{Path: "//a"}, jute.BadArguments},
		{"wrong record", jute.OpCreate, &jute.SetDataTxn{Path: "/x"}, jute.MarshallingError},
		{"nil record", jute.OpSetData, nil, jute.MarshallingError},
		{"ttl zero", jute.OpCreateTTL, &jute.CreateTTLTxn{Path: "/t", ParentCVersion: -1}, jute.BadArguments},
		{"ttl too long", jute.OpCreateTTL, &jute.CreateTTLTxn{Path: "/t", ParentCVersion: -1, TTL: MaxTTL + 1}, jute.BadArguments},
		{"setACL missing", jute.OpSetACL, &jute.SetACLTxn{Path: "/x"}, jute.NoNode},
		{"multi with setACL", jute.OpMulti, &jute.MultiTxn{Txns: []jute.Txn{sub(jute.OpSetACL, &jute.SetACLTxn{Path: "/a"})}}, jute.MarshallingError},
		{"multi undecodable", jute.OpMulti, &jute.MultiTxn{Txns: []jute.Txn{{Type: jute.OpSetData, Data: []byte{0, 0}}}}, jute.MarshallingError},
		{"closeSession wrong record", jute.OpCloseSession, &jute.DeleteTxn{}, jute.MarshallingError},
	}
	for _, b := range bad {
		r := a.apply(1, b.typ, b.txn)
		if r.Err != b.want {
			t.Errorf("%s: %v, want %v", b.name, r.Err, b.want)
		}
	}
	if a.tree.Digest() != before {
		t.Fatal("a failed txn changed the tree")
	}
	// An owner with an unknown extended feature is refused.
	r := a.tree.Apply(&jute.TxnHeader{ClientID: -0x00ff000000000000 + 0x10000000000, Zxid: a.zxid + 1, Type: jute.OpCreate},
		&jute.CreateTxn{Path: "/e", Ephemeral: true, ParentCVersion: -1})
	if r.Err != jute.BadArguments {
		t.Fatalf("bad extended owner: %v", r.Err)
	}
	// Unknown and no-op types change nothing and still advance the zxid.
	for _, typ := range []int32{jute.OpCreateSession, 10, 99} {
		r := a.apply(1, typ, &jute.CreateSessionTxn{})
		if r.Err != jute.OK || a.tree.LastProcessedZxid() != a.zxid {
			t.Fatalf("type %d: %v, last zxid %d", typ, r.Err, a.tree.LastProcessedZxid())
		}
	}
	if r := a.tree.Apply(nil, nil); r.Err != jute.BadArguments {
		t.Fatalf("nil header: %v", r.Err)
	}
}

func TestReconfigIsSetData(t *testing.T) {
	a := newApplier(t, Options{})
	r := mustOK(t, a.apply(1, jute.OpReconfig, &jute.SetDataTxn{Path: ConfigPath, Data: bs("server.1=a:1:2"), Version: 3}))
	if d, st, _ := a.tree.GetData(ConfigPath); string(d) != "server.1=a:1:2" || st.Version != 3 || r.Stat != st {
		t.Fatalf("config %q %+v", d, st)
	}
}

func TestSetConfigNode(t *testing.T) {
	tr := New(Options{})
	digest := tr.Digest()
	tr.SetConfigNode([]byte("server.1=h:2888:3888:participant;2181\nversion=100000000"), 0x100000000, 77)
	d, st, _ := tr.GetData(ConfigPath)
	if string(d) != "server.1=h:2888:3888:participant;2181\nversion=100000000" || st.Version != -1 || st.Mzxid != 0x100000000 || st.Mtime != 77 {
		t.Fatalf("config %q %+v", d, st)
	}
	if tr.Digest() != digest {
		t.Fatal("the config node is outside the digest")
	}
	// A pre-3.5 snapshot has no config node: it is re-created.
	s := tr.Snapshot()
	var nodes []jute.SnapNode
	for _, n := range s.Nodes {
		if n.Path != ConfigPath {
			nodes = append(nodes, n)
		}
	}
	s.Nodes = nodes
	old, err := FromSnapshot(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := old.Node(ConfigPath); ok {
		t.Fatal("config node appeared on load")
	}
	old.SetConfigNode([]byte("x"), 1, 1)
	checkInvariants(t, old)
	if _, acl, ok := old.Node(ConfigPath); !ok || !reflect.DeepEqual(acl, ReadACL) {
		t.Fatal("config node not re-created")
	}
}

func TestCloseSession(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/locks", ""))
	const s1, s2 = 0x100, 0x200
	for _, p := range []string{"/locks/a", "/locks/b", "/e"} {
		mustOK(t, a.ephemeral(s1, p))
	}
	mustOK(t, a.ephemeral(s2, "/locks/c"))
	if got := a.tree.Ephemerals(s1); !reflect.DeepEqual(got, []string{"/e", "/locks/a", "/locks/b"}) {
		t.Fatalf("ephemerals %v", got)
	}
	if got := a.tree.EphemeralsByPrefix(s1, "/locks"); !reflect.DeepEqual(got, []string{"/locks/a", "/locks/b"}) {
		t.Fatalf("by prefix %v", got)
	}
	if got := a.tree.EphemeralsByPrefix(s1, " / "); len(got) != 3 {
		t.Fatalf("blank prefix %v", got)
	}
	if a.tree.EphemeralCount() != 4 {
		t.Fatalf("count %d", a.tree.EphemeralCount())
	}
	a.tree.AddWatch("/locks/a", 5, WatchData)
	a.tree.AddWatch("/locks", 5, WatchChild)
	// The txn lists only /locks/b (and a missing path): the rest of the
	// session's index goes too, in path order.
	r := mustOK(t, a.apply(s1, jute.OpCloseSession, &jute.CloseSessionTxn{Paths: []string{"/locks/b", "/nothere"}, Present: true}))
	eventsEqual(t, "close", r.Events, []Event{
		ev(5, jute.EventNodeChildrenChanged, "/locks", a.zxid),
		ev(5, jute.EventNodeDeleted, "/locks/a", a.zxid),
	})
	if a.tree.EphemeralCount() != 1 || len(a.tree.Ephemerals(s1)) != 0 {
		t.Fatal("ephemerals left")
	}
	for _, p := range []string{"/locks/a", "/locks/b", "/e"} {
		if _, _, ok := a.tree.Node(p); ok {
			t.Fatalf("%s survived", p)
		}
	}
	if st, _, _ := a.tree.Node("/locks"); st.Pzxid != a.zxid {
		t.Fatalf("parent pzxid %d", st.Pzxid)
	}
	// An empty-bodied closeSession (pre-3.6 logs) uses the index.
	mustOK(t, a.apply(s2, jute.OpCloseSession, &jute.CloseSessionTxn{}))
	if _, _, ok := a.tree.Node("/locks/c"); ok {
		t.Fatal("/locks/c survived")
	}
	if got := a.tree.Sessions(); len(got) != 0 {
		t.Fatalf("sessions %v", got)
	}
}

func TestSessionsKeepsEmptySetsUntilClose(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.ephemeral(0x42, "/e"))
	mustOK(t, a.del("/e"))
	if got := a.tree.Sessions(); !reflect.DeepEqual(got, []int64{0x42}) {
		t.Fatalf("sessions %v", got)
	}
	if got := a.tree.EphemeralsBySession(); !reflect.DeepEqual(got, map[int64][]string{0x42: {}}) {
		t.Fatalf("by session %v", got)
	}
	mustOK(t, a.ephemeral(0x43, "/f"))
	a.tree.AddWatch("/f", 1, WatchData)
	evs := a.tree.KillSession(0x43, a.zxid)
	eventsEqual(t, "kill", evs, []Event{ev(1, jute.EventNodeDeleted, "/f", a.zxid)})
	checkInvariants(t, a.tree)
	if got := a.tree.Sessions(); !reflect.DeepEqual(got, []int64{0x42}) {
		t.Fatalf("sessions %v", got)
	}
}

func TestContainerAndTTLCandidates(t *testing.T) {
	a := newApplier(t, Options{ExtendedTypes: true})
	mustOK(t, a.apply(1, jute.OpCreateContainer, &jute.CreateContainerTxn{Path: "/used", ACL: openACL, ParentCVersion: -1}))
	mustOK(t, a.apply(1, jute.OpCreateContainer, &jute.CreateContainerTxn{Path: "/never", ACL: openACL, ParentCVersion: -1}))
	mustOK(t, a.apply(1, jute.OpCreateContainer, &jute.CreateContainerTxn{Path: "/busy", ACL: openACL, ParentCVersion: -1}))
	mustOK(t, a.apply(1, jute.OpCreateTTL, &jute.CreateTTLTxn{Path: "/ttl", ACL: openACL, ParentCVersion: -1, TTL: 1000}))
	mustOK(t, a.apply(1, jute.OpCreateTTL, &jute.CreateTTLTxn{Path: "/ttlkids", ACL: openACL, ParentCVersion: -1, TTL: 1000}))
	mustOK(t, a.create("/used/x", ""))
	mustOK(t, a.del("/used/x"))
	mustOK(t, a.create("/busy/x", ""))
	mustOK(t, a.create("/ttlkids/x", ""))
	ttlMtime := int64(1_000_040)
	if st, _, _ := a.tree.Node("/ttl"); st.Mtime != ttlMtime || st.EphemeralOwner != 0 {
		t.Fatalf("ttl stat %+v", st)
	}
	cases := []struct {
		now, never int64
		want       []string
	}{
		{ttlMtime, 0, []string{"/used"}},
		{ttlMtime + 1000, 0, []string{"/used"}}, // a TTL must be exceeded, not reached
		{ttlMtime + 1001, 0, []string{"/ttl", "/used"}},
		{ttlMtime + 1001, 5000, []string{"/ttl", "/used"}},
		{ttlMtime + 100000, 5000, []string{"/never", "/ttl", "/used"}},
	}
	for _, c := range cases {
		if got := a.tree.ContainerCandidates(c.now, c.never); !reflect.DeepEqual(got, c.want) {
			t.Errorf("candidates(now=%d, never=%d) = %v, want %v", c.now, c.never, got, c.want)
		}
	}
	mustOK(t, a.apply(0, jute.OpDeleteContainer, &jute.DeleteTxn{Path: "/used"}))
	if got := a.tree.ContainerCandidates(ttlMtime+1001, 0); !reflect.DeepEqual(got, []string{"/ttl"}) {
		t.Errorf("after delete: %v", got)
	}
}

// Without extended types a TTL owner is just a session id: the node is a
// session ephemeral, shows its raw owner and is never a TTL candidate.
func TestTTLWithExtendedTypesDisabled(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.apply(1, jute.OpCreateTTL, &jute.CreateTTLTxn{Path: "/t", ACL: openACL, ParentCVersion: -1, TTL: 1000}))
	owner, _ := TTLOwner(1000)
	st, _, _ := a.tree.Node("/t")
	if st.EphemeralOwner != owner || a.tree.EphemeralCount() != 1 || !reflect.DeepEqual(a.tree.Ephemerals(owner), []string{"/t"}) {
		t.Fatalf("stat %+v, ephemerals %v", st, a.tree.Ephemerals(owner))
	}
	if got := a.tree.ContainerCandidates(1<<40, 0); len(got) != 0 {
		t.Fatalf("candidates %v", got)
	}
}

// Prep forbids children under ephemerals but a log may hold them: closing
// the session deletes children before parents, and keeps indexed an
// ephemeral that still has someone else's child.
func TestCloseSessionWithEphemeralChildren(t *testing.T) {
	a := newApplier(t, Options{})
	const s = 0x77
	mustOK(t, a.ephemeral(s, "/e"))
	mustOK(t, a.ephemeral(s, "/e/x"))
	mustOK(t, a.ephemeral(s, "/f"))
	mustOK(t, a.create("/f/p", ""))
	mustOK(t, a.ephemeral(s, "/g"))
	mustOK(t, a.ephemeral(s, "/g/y"))
	mustOK(t, a.apply(s, jute.OpCloseSession, &jute.CloseSessionTxn{Paths: []string{"/g", "/g/y"}, Present: true}))
	for _, p := range []string{"/e", "/e/x", "/g", "/g/y"} {
		if _, _, ok := a.tree.Node(p); ok {
			t.Errorf("%s survived", p)
		}
	}
	if got := a.tree.Ephemerals(s); !reflect.DeepEqual(got, []string{"/f"}) {
		t.Fatalf("left %v", got)
	}
}
