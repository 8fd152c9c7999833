package tree

import (
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// applier applies txns to a tree with increasing zxids and times, checking
// the invariants after each.
type applier struct {
	t    testing.TB
	tree *Tree
	zxid int64
	now  int64
}

func newApplier(t testing.TB, opts Options) *applier {
	return &applier{t: t, tree: New(opts), zxid: 0x100000000, now: 1_000_000}
}

func (a *applier) apply(session int64, typ int32, txn jute.Record) Result {
	a.t.Helper()
	a.zxid++
	a.now += 10
	r := a.tree.Apply(&jute.TxnHeader{ClientID: session, Zxid: a.zxid, Time: a.now, Type: typ}, txn)
	checkInvariants(a.t, a.tree)
	return r
}

func (a *applier) create(path, data string) Result {
	a.t.Helper()
	return a.apply(1, jute.OpCreate, &jute.CreateTxn{Path: path, Data: []byte(data), ACL: openACL, ParentCVersion: -1})
}

func (a *applier) createACL(path string, acl []jute.ACL) Result {
	a.t.Helper()
	return a.apply(1, jute.OpCreate, &jute.CreateTxn{Path: path, ACL: acl, ParentCVersion: -1})
}

func (a *applier) ephemeral(session int64, path string) Result {
	a.t.Helper()
	return a.apply(session, jute.OpCreate, &jute.CreateTxn{Path: path, ACL: openACL, Ephemeral: true, ParentCVersion: -1})
}

func (a *applier) set(path, data string) Result {
	a.t.Helper()
	_, st, _ := a.tree.GetData(path)
	return a.apply(1, jute.OpSetData, &jute.SetDataTxn{Path: path, Data: []byte(data), Version: st.Version + 1})
}

func (a *applier) del(path string) Result {
	a.t.Helper()
	return a.apply(1, jute.OpDelete, &jute.DeleteTxn{Path: path})
}

func mustOK(t testing.TB, r Result) Result {
	t.Helper()
	if r.Err != jute.OK {
		t.Fatalf("txn %d on %q: %v", r.Type, r.Path, r.Err)
	}
	return r
}

func ev(w WatcherID, typ jute.EventType, path string, zxid int64) Event {
	return Event{Watcher: w, Type: typ, Path: path, Zxid: zxid}
}

func eventsEqual(t testing.TB, what string, got, want []Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: events\n got  %+v\n want %+v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: events\n got  %+v\n want %+v", what, got, want)
		}
	}
}
