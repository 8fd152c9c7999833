package tree

import (
	"reflect"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestOneShotDataWatch(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/a", "1"))
	a.tree.AddWatch("/a", 7, WatchData)
	r := mustOK(t, a.set("/a", "2"))
	eventsEqual(t, "first setData", r.Events, []Event{ev(7, jute.EventNodeDataChanged, "/a", a.zxid)})
	r = mustOK(t, a.set("/a", "3"))
	eventsEqual(t, "second setData", r.Events, nil)
	if n := a.tree.WatchCount(); n != 0 {
		t.Fatalf("watch count %d after the watch fired", n)
	}
}

func TestExistWatchOnMissingNode(t *testing.T) {
	a := newApplier(t, Options{})
	a.tree.AddWatch("/x", 3, WatchExist)
	// ZooKeeper keeps exist watches in the data table.
	if a.tree.CheckWatches("/x", 3, jute.WatcherData) != jute.OK {
		t.Fatal("exist watch is not a data watch")
	}
	r := mustOK(t, a.create("/x", ""))
	eventsEqual(t, "create", r.Events, []Event{ev(3, jute.EventNodeCreated, "/x", a.zxid)})
}

func TestCreateTriggersCreatedAndParentChildren(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/p", ""))
	a.tree.AddWatch("/p/c", 1, WatchExist)
	a.tree.AddWatch("/p", 2, WatchChild)
	a.tree.AddWatch("/p", 3, WatchData) // a data watch on the parent does not fire
	a.tree.AddWatch("/", 4, WatchChild)
	r := mustOK(t, a.create("/p/c", ""))
	eventsEqual(t, "create", r.Events, []Event{
		ev(1, jute.EventNodeCreated, "/p/c", a.zxid),
		ev(2, jute.EventNodeChildrenChanged, "/p", a.zxid),
	})
	r = mustOK(t, a.create("/q", ""))
	eventsEqual(t, "create under root", r.Events, []Event{ev(4, jute.EventNodeChildrenChanged, "/", a.zxid)})
}

func TestDeleteSuppressesDuplicateForDataAndChildWatch(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/p", ""))
	mustOK(t, a.create("/p/c", ""))
	a.tree.AddWatch("/p/c", 1, WatchData)
	a.tree.AddWatch("/p/c", 1, WatchChild)
	a.tree.AddWatch("/p/c", 2, WatchChild)
	a.tree.AddWatch("/p", 1, WatchChild)
	r := mustOK(t, a.del("/p/c"))
	eventsEqual(t, "delete", r.Events, []Event{
		ev(1, jute.EventNodeDeleted, "/p/c", a.zxid),
		ev(2, jute.EventNodeDeleted, "/p/c", a.zxid),
		ev(1, jute.EventNodeChildrenChanged, "/p", a.zxid),
	})
	// The suppressed child watch was consumed all the same.
	if c := a.tree.CheckWatches("/p/c", 1, jute.WatcherChildren); c != jute.NoWatcher {
		t.Fatalf("child watch left: %v", c)
	}
	if n := a.tree.WatchCount(); n != 0 {
		t.Fatalf("watch count %d", n)
	}
}

func TestPersistentWatch(t *testing.T) {
	a := newApplier(t, Options{})
	a.tree.AddWatch("/p", 5, WatchPersistent)
	steps := []struct {
		do   func() Result
		want []Event
	}{
		{func() Result { return a.create("/p", "") }, []Event{{5, jute.EventNodeCreated, "/p", 0}}},
		{func() Result { return a.set("/p", "x") }, []Event{{5, jute.EventNodeDataChanged, "/p", 0}}},
		{func() Result { return a.create("/p/c", "") }, []Event{{5, jute.EventNodeChildrenChanged, "/p", 0}}},
		{func() Result { return a.set("/p/c", "y") }, nil},
		{func() Result { return a.del("/p/c") }, []Event{{5, jute.EventNodeChildrenChanged, "/p", 0}}},
		{func() Result { return a.del("/p") }, []Event{{5, jute.EventNodeDeleted, "/p", 0}}},
		{func() Result { return a.create("/p", "") }, []Event{{5, jute.EventNodeCreated, "/p", 0}}},
	}
	for i, s := range steps {
		r := mustOK(t, s.do())
		for j := range s.want {
			s.want[j].Zxid = a.zxid
		}
		eventsEqual(t, "step "+string(rune('0'+i)), r.Events, s.want)
	}
	if a.tree.CheckWatches("/p", 5, jute.WatcherPersistent) != jute.OK {
		t.Fatal("persistent watch gone")
	}
	if n := a.tree.WatchCount(); n != 2 { // one in each table
		t.Fatalf("watch count %d, want 2", n)
	}
}

func TestPersistentRecursiveWatch(t *testing.T) {
	a := newApplier(t, Options{})
	a.tree.AddWatch("/r", 9, WatchPersistentRecursive)
	a.tree.AddWatch("/r/a", 9, WatchData) // the same watcher twice on one change: one event
	mustOK(t, a.create("/x", ""))
	type step struct {
		r    Result
		want []Event
	}
	var steps []step
	add := func(r Result, typ jute.EventType, path string) {
		var want []Event
		if typ != 0 {
			want = []Event{ev(9, typ, path, a.zxid)}
		}
		steps = append(steps, step{r, want})
	}
	add(a.create("/r", ""), jute.EventNodeCreated, "/r")
	add(a.create("/r/a", ""), jute.EventNodeCreated, "/r/a")
	add(a.create("/r/a/b", ""), jute.EventNodeCreated, "/r/a/b")
	add(a.set("/r/a/b", "1"), jute.EventNodeDataChanged, "/r/a/b")
	add(a.set("/r/a", "1"), jute.EventNodeDataChanged, "/r/a")
	add(a.set("/r/a", "2"), jute.EventNodeDataChanged, "/r/a")
	add(a.set("/x", "1"), 0, "")
	add(a.create("/rr", ""), 0, "") // a sibling sharing the prefix is not in the subtree
	add(a.del("/r/a/b"), jute.EventNodeDeleted, "/r/a/b")
	for i, s := range steps {
		mustOK(t, s.r)
		eventsEqual(t, "step "+string(rune('0'+i)), s.r.Events, s.want)
	}
	if c := a.tree.CheckWatches("/r", 9, jute.WatcherPersistentRecursive); c != jute.OK {
		t.Fatal("recursive watch gone")
	}
	if c := a.tree.CheckWatches("/r", 9, jute.WatcherChildren); c != jute.NoWatcher {
		t.Fatal("recursive watch registered in the child table")
	}
}

func TestRecursiveWatchOnRootSeesEverything(t *testing.T) {
	a := newApplier(t, Options{})
	a.tree.AddWatch("/", 1, WatchPersistentRecursive)
	r := mustOK(t, a.create("/a", ""))
	eventsEqual(t, "create", r.Events, []Event{ev(1, jute.EventNodeCreated, "/a", a.zxid)})
	ev := a.tree.SetConfigNode([]byte("server.1=x"), 0x100000000, 5)
	eventsEqual(t, "config", ev, []Event{{1, jute.EventNodeDataChanged, "/zookeeper/config", 0x100000000}})
}

// CVE-2024-23944: no event for a node the watcher may not read. CanRead gets
// the created node's ACL from the txn, the parent's for NodeChildrenChanged,
// the node's for data changes and deletes.
func TestCanReadFiltersEvents(t *testing.T) {
	type call struct {
		w   WatcherID
		acl []jute.ACL
	}
	var calls []call
	secret := []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "digest", ID: "alice:h"}}}
	canRead := func(w WatcherID, acl []jute.ACL) bool {
		calls = append(calls, call{w, acl})
		return w == 1 || !reflect.DeepEqual(acl, secret)
	}
	a := newApplier(t, Options{CanRead: canRead})
	a.tree.AddWatch("/", 1, WatchPersistentRecursive)
	a.tree.AddWatch("/", 2, WatchPersistentRecursive)
	a.tree.AddWatch("/s/x", 2, WatchExist)
	mustOK(t, a.createACL("/s", secret))
	r := mustOK(t, a.create("/pub", ""))
	eventsEqual(t, "public create", r.Events, []Event{ev(1, jute.EventNodeCreated, "/pub", a.zxid), ev(2, jute.EventNodeCreated, "/pub", a.zxid)})

	calls = nil
	r = mustOK(t, a.createACL("/s/x", nil))
	// /s/x has the open ACL (nil in the txn): both see NodeCreated.
	eventsEqual(t, "create in secret", r.Events, []Event{ev(1, jute.EventNodeCreated, "/s/x", a.zxid), ev(2, jute.EventNodeCreated, "/s/x", a.zxid)})
	if len(calls) != 2 || calls[0].acl != nil || calls[1].acl != nil {
		t.Fatalf("CanRead calls %+v, want the txn's nil ACL", calls)
	}
	// The exist watch of 2 fired (merged with its recursive watch) and is gone.
	if c := a.tree.CheckWatches("/s/x", 2, jute.WatcherData); c != jute.NoWatcher {
		t.Fatal("exist watch not consumed")
	}

	r = mustOK(t, a.set("/s", "v"))
	eventsEqual(t, "set secret", r.Events, []Event{ev(1, jute.EventNodeDataChanged, "/s", a.zxid)})

	a.tree.AddWatch("/s", 2, WatchChild)
	calls = nil
	r = mustOK(t, a.del("/s/x"))
	eventsEqual(t, "delete in secret", r.Events, []Event{ev(1, jute.EventNodeDeleted, "/s/x", a.zxid), ev(2, jute.EventNodeDeleted, "/s/x", a.zxid)})
	if got := calls[len(calls)-1]; got.w != 2 || !reflect.DeepEqual(got.acl, secret) {
		t.Fatalf("NodeChildrenChanged checked %+v, want the parent's ACL", got)
	}
	// Filtered, but consumed.
	if c := a.tree.CheckWatches("/s", 2, jute.WatcherChildren); c != jute.NoWatcher {
		t.Fatal("filtered child watch not consumed")
	}
}

func TestEventsOrderedByWatcher(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/a", ""))
	for _, w := range []WatcherID{30, 10, 20} {
		a.tree.AddWatch("/a", w, WatchData)
	}
	r := mustOK(t, a.set("/a", "x"))
	eventsEqual(t, "set", r.Events, []Event{
		ev(10, jute.EventNodeDataChanged, "/a", a.zxid),
		ev(20, jute.EventNodeDataChanged, "/a", a.zxid),
		ev(30, jute.EventNodeDataChanged, "/a", a.zxid),
	})
}

func TestRemoveAndCheckWatches(t *testing.T) {
	tr := New(Options{})
	const w = 4
	tr.AddWatch("/a", w, WatchData)
	tr.AddWatch("/a", w, WatchChild)
	tr.AddWatch("/b", w, WatchPersistent)
	tr.AddWatch("/c", w, WatchPersistentRecursive)
	cases := []struct {
		op   string
		path string
		typ  int32
		want jute.Code
	}{
		{"check", "/a", jute.WatcherData, jute.OK},
		{"check", "/a", jute.WatcherChildren, jute.OK},
		{"check", "/a", jute.WatcherPersistent, jute.NoWatcher},
		{"check", "/b", jute.WatcherPersistent, jute.OK},
		{"check", "/b", jute.WatcherData, jute.NoWatcher},
		{"check", "/b", jute.WatcherAny, jute.OK},
		{"check", "/c", jute.WatcherPersistentRecursive, jute.OK},
		{"check", "/c", jute.WatcherPersistent, jute.NoWatcher},
		{"check", "/zz", jute.WatcherAny, jute.NoWatcher},
		{"check", "/a", 9, jute.BadArguments},
		{"remove", "/a", jute.WatcherData, jute.OK},
		{"remove", "/a", jute.WatcherData, jute.NoWatcher},
		{"check", "/a", jute.WatcherChildren, jute.OK},
		{"remove", "/a", jute.WatcherAny, jute.OK},
		{"remove", "/a", jute.WatcherAny, jute.NoWatcher},
		{"remove", "/b", jute.WatcherData, jute.NoWatcher},
		{"remove", "/b", jute.WatcherPersistent, jute.OK},
		{"check", "/b", jute.WatcherAny, jute.NoWatcher},
		{"remove", "/c", jute.WatcherPersistent, jute.NoWatcher},
		{"remove", "/c", jute.WatcherAny, jute.OK},
		{"remove", "/c", jute.WatcherPersistentRecursive, jute.NoWatcher},
		{"remove", "/a", 0, jute.BadArguments},
	}
	for _, c := range cases {
		var got jute.Code
		if c.op == "check" {
			got = tr.CheckWatches(c.path, w, c.typ)
		} else {
			got = tr.RemoveWatches(c.path, w, c.typ)
		}
		if got != c.want {
			t.Errorf("%s %s type %d = %v, want %v", c.op, c.path, c.typ, got, c.want)
		}
	}
	if n := tr.WatchCount(); n != 0 {
		t.Fatalf("watch count %d", n)
	}
	if tr.w.data.recursive != 0 {
		t.Fatalf("recursive count %d", tr.w.data.recursive)
	}
}

func TestRemoveWatcherOnDisconnect(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/a", ""))
	a.tree.AddWatch("/a", 1, WatchData)
	a.tree.AddWatch("/a", 1, WatchChild)
	a.tree.AddWatch("/", 1, WatchPersistentRecursive)
	a.tree.AddWatch("/a", 2, WatchData)
	a.tree.RemoveWatcher(1)
	if n := a.tree.WatchCount(); n != 1 {
		t.Fatalf("watch count %d, want 1", n)
	}
	if a.tree.w.data.recursive != 0 {
		t.Fatal("recursive count not released")
	}
	r := mustOK(t, a.set("/a", "x"))
	eventsEqual(t, "set", r.Events, []Event{ev(2, jute.EventNodeDataChanged, "/a", a.zxid)})
}

func TestSetWatchesAfterReconnect(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/same", ""))
	mustOK(t, a.create("/changed", ""))
	mustOK(t, a.create("/kids", ""))
	mustOK(t, a.create("/gone", ""))
	rel := a.zxid
	mustOK(t, a.set("/changed", "x"))
	mustOK(t, a.create("/kids/k", ""))
	mustOK(t, a.del("/gone"))
	mustOK(t, a.create("/born", ""))
	const w = 8
	got := a.tree.SetWatches(rel,
		[]string{"/same", "/changed", "/gone"},
		[]string{"/born", "/unborn"},
		[]string{"/same", "/kids", "/gone"},
		[]string{"/p"}, []string{"/r"}, w)
	eventsEqual(t, "setWatches", got, []Event{
		{w, jute.EventNodeDataChanged, "/changed", NoZxid},
		{w, jute.EventNodeDeleted, "/gone", NoZxid},
		{w, jute.EventNodeCreated, "/born", NoZxid},
		{w, jute.EventNodeChildrenChanged, "/kids", NoZxid},
		{w, jute.EventNodeDeleted, "/gone", NoZxid},
	})
	for _, c := range []struct {
		path string
		typ  int32
	}{{"/same", jute.WatcherData}, {"/unborn", jute.WatcherData}, {"/same", jute.WatcherChildren},
		{"/p", jute.WatcherPersistent}, {"/r", jute.WatcherPersistentRecursive}} {
		if a.tree.CheckWatches(c.path, w, c.typ) != jute.OK {
			t.Errorf("no watch type %d on %s", c.typ, c.path)
		}
	}
	for _, p := range []string{"/changed", "/gone", "/born", "/kids"} {
		if a.tree.CheckWatches(p, w, jute.WatcherAny) != jute.NoWatcher {
			t.Errorf("watch registered on %s despite the missed event", p)
		}
	}
	// The persistent watch is in both tables.
	if a.tree.CheckWatches("/p", w, jute.WatcherChildren) != jute.NoWatcher || !a.tree.w.child.contains("/p", w, modePersistent) {
		t.Error("persistent watch not in the child table")
	}
}

func TestWatchReports(t *testing.T) {
	a := newApplier(t, Options{})
	mustOK(t, a.create("/a", ""))
	a.tree.AddWatch("/a", 1, WatchData)
	a.tree.AddWatch("/b", 1, WatchExist)
	a.tree.AddWatch("/a", 2, WatchData)
	a.tree.AddWatch("/a", 3, WatchChild) // not in the reports: ZooKeeper reports the data table
	if got := a.tree.WatchesByPath(); !reflect.DeepEqual(got, map[string][]WatcherID{"/a": {1, 2}, "/b": {1}}) {
		t.Errorf("by path %v", got)
	}
	if got := a.tree.WatchesByConnection(); !reflect.DeepEqual(got, map[WatcherID][]string{1: {"/a", "/b"}, 2: {"/a"}}) {
		t.Errorf("by connection %v", got)
	}
	if got := a.tree.WatchesSummary(); got != (WatchSummary{Connections: 2, Paths: 2, Total: 3}) {
		t.Errorf("summary %+v", got)
	}
	if n := a.tree.WatchCount(); n != 4 {
		t.Errorf("watch count %d", n)
	}
	mustOK(t, a.set("/a", "x"))
	// Watcher 2's only watch fired: it stays listed with no paths.
	if got := a.tree.WatchesByConnection(); !reflect.DeepEqual(got, map[WatcherID][]string{1: {"/b"}, 2: {}}) {
		t.Errorf("by connection after trigger %v", got)
	}
	if got := a.tree.WatchesSummary(); got != (WatchSummary{Connections: 2, Paths: 1, Total: 1}) {
		t.Errorf("summary after trigger %+v", got)
	}
}

func TestAddWatchKind(t *testing.T) {
	if k, ok := AddWatchKind(0); !ok || k != WatchPersistent {
		t.Error("mode 0")
	}
	if k, ok := AddWatchKind(1); !ok || k != WatchPersistentRecursive {
		t.Error("mode 1")
	}
	if _, ok := AddWatchKind(2); ok {
		t.Error("mode 2 accepted")
	}
	if New(Options{}).AddWatch("/", 1, WatchKind(99)) {
		t.Error("unknown kind accepted")
	}
}
