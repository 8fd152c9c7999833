package tree

import (
	"slices"
	"sort"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// WatchKind is what a read or addWatch registers.
type WatchKind int

const (
	// WatchData is getData's watch (and exists' on a present node).
	WatchData WatchKind = iota + 1
	// WatchExist is exists' watch on a missing node. ZooKeeper keeps it in
	// the data table too, so it behaves exactly as WatchData.
	WatchExist
	// WatchChild is getChildren's watch.
	WatchChild
	// WatchPersistent is addWatch mode 0: data and child events of the
	// path, never removed by a trigger.
	WatchPersistent
	// WatchPersistentRecursive is addWatch mode 1: NodeCreated, NodeDeleted
	// and NodeDataChanged for the path and its whole subtree.
	WatchPersistentRecursive
)

// AddWatchKind maps an addWatch mode to its WatchKind.
func AddWatchKind(mode int32) (WatchKind, bool) {
	switch mode {
	case jute.AddWatchPersistent:
		return WatchPersistent, true
	case jute.AddWatchPersistentRecursive:
		return WatchPersistentRecursive, true
	}
	return 0, false
}

// AddWatch registers a watch of w on path. It reports false for an unknown
// kind. Registering does not need the node to exist.
func (t *Tree) AddWatch(path string, w WatcherID, kind WatchKind) bool {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	switch kind {
	case WatchData, WatchExist:
		t.w.data.add(path, w, modeStandard)
	case WatchChild:
		t.w.child.add(path, w, modeStandard)
	case WatchPersistent:
		t.w.data.add(path, w, modePersistent)
		t.w.child.add(path, w, modePersistent)
	case WatchPersistentRecursive:
		t.w.data.add(path, w, modeRecursive)
	default:
		return false
	}
	return true
}

// RemoveWatches is removeWatches: it removes w's watches of a WatcherType
// (jute.WatcherChildren, Data, Any, Persistent, PersistentRecursive) on path.
// Data and Children remove one-shot watches only; Persistent removes the
// persistent mode from both tables; Any removes every mode from both.
// It returns NoWatcher when nothing was removed, BadArguments for an
// unknown type.
func (t *Tree) RemoveWatches(path string, w WatcherID, watcherType int32) jute.Code {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	removed := false
	switch watcherType {
	case jute.WatcherChildren:
		removed = t.w.child.remove(path, w, modeStandard)
	case jute.WatcherData:
		removed = t.w.data.remove(path, w, modeStandard)
	case jute.WatcherPersistent:
		c := t.w.child.remove(path, w, modePersistent)
		d := t.w.data.remove(path, w, modePersistent)
		removed = c || d
	case jute.WatcherPersistentRecursive:
		removed = t.w.data.remove(path, w, modeRecursive)
	case jute.WatcherAny:
		c := t.w.child.remove(path, w, 0)
		d := t.w.data.remove(path, w, 0)
		removed = c || d
	default:
		return jute.BadArguments
	}
	if !removed {
		return jute.NoWatcher
	}
	return jute.OK
}

// CheckWatches is checkWatches: OK when w has a watch of that WatcherType on
// path, NoWatcher otherwise. Persistent is looked up in the data table.
func (t *Tree) CheckWatches(path string, w WatcherID, watcherType int32) jute.Code {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	found := false
	switch watcherType {
	case jute.WatcherChildren:
		found = t.w.child.contains(path, w, modeStandard)
	case jute.WatcherData:
		found = t.w.data.contains(path, w, modeStandard)
	case jute.WatcherPersistent:
		found = t.w.data.contains(path, w, modePersistent)
	case jute.WatcherPersistentRecursive:
		found = t.w.data.contains(path, w, modeRecursive)
	case jute.WatcherAny:
		found = t.w.child.contains(path, w, 0) || t.w.data.contains(path, w, 0)
	default:
		return jute.BadArguments
	}
	if !found {
		return jute.NoWatcher
	}
	return jute.OK
}

// RemoveWatcher drops every watch of w: its connection closed.
func (t *Tree) RemoveWatcher(w WatcherID) {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	t.w.data.removeWatcher(w)
	t.w.child.removeWatcher(w)
}

// SetWatches re-registers a reconnecting client's watches
// (DataTree.setWatches). For what changed since relativeZxid it returns the
// event the client missed instead of registering: a data watch on a node
// gone → NodeDeleted, changed (mzxid) → NodeDataChanged; an exist watch on
// a node now present → NodeCreated; a child watch on a node gone →
// NodeDeleted, whose children changed (pzxid) → NodeChildrenChanged.
// Persistent watches are always registered. The events carry NoZxid and are
// not filtered by CanRead (ZooKeeper passes no ACL for them).
func (t *Tree) SetWatches(relativeZxid int64, data, exist, child, persistent, persistentRecursive []string, w WatcherID) []Event {
	var ev []Event
	missed := func(typ jute.EventType, path string) {
		ev = append(ev, Event{Watcher: w, Type: typ, Path: path, Zxid: NoZxid})
	}
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	for _, p := range data {
		switch n := t.nodes[p]; {
		case n == nil:
			missed(jute.EventNodeDeleted, p)
		case n.stat.Mzxid > relativeZxid:
			missed(jute.EventNodeDataChanged, p)
		default:
			t.w.data.add(p, w, modeStandard)
		}
	}
	for _, p := range exist {
		if t.nodes[p] != nil {
			missed(jute.EventNodeCreated, p)
		} else {
			t.w.data.add(p, w, modeStandard)
		}
	}
	for _, p := range child {
		switch n := t.nodes[p]; {
		case n == nil:
			missed(jute.EventNodeDeleted, p)
		case n.stat.Pzxid > relativeZxid:
			missed(jute.EventNodeChildrenChanged, p)
		default:
			t.w.child.add(p, w, modeStandard)
		}
	}
	for _, p := range persistent {
		t.w.child.add(p, w, modePersistent)
		t.w.data.add(p, w, modePersistent)
	}
	for _, p := range persistentRecursive {
		t.w.data.add(p, w, modeRecursive)
	}
	return ev
}

// WatchCount is zk_watch_count: (path, watcher) pairs over both tables.
func (t *Tree) WatchCount() int {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	return t.w.data.size() + t.w.child.size()
}

// The reports below cover the data table only, as ZooKeeper's do (wchc,
// wchp, wchs and the AdminServer watch commands): child watches are not
// listed. ZooKeeper keys them by session id; the server maps WatcherIDs.

// WatchesByConnection is wchc: each watcher's watched paths, sorted. A
// watcher whose watches all fired stays listed with no paths until it
// disconnects or removes a watch, as in ZooKeeper.
func (t *Tree) WatchesByConnection() map[WatcherID][]string {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	out := make(map[WatcherID][]string, len(t.w.data.byWatcher))
	for w, paths := range t.w.data.byWatcher {
		ps := make([]string, 0, len(paths))
		for p := range paths {
			ps = append(ps, p)
		}
		sort.Strings(ps)
		out[w] = ps
	}
	return out
}

// WatchesByPath is wchp: each watched path's watchers, sorted.
func (t *Tree) WatchesByPath() map[string][]WatcherID {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	out := make(map[string][]WatcherID, len(t.w.data.byPath))
	for p, ws := range t.w.data.byPath {
		ids := make([]WatcherID, 0, len(ws))
		for w := range ws {
			ids = append(ids, w)
		}
		slices.Sort(ids)
		out[p] = ids
	}
	return out
}

// WatchSummary is wchs: "<Connections> connections watching <Paths> paths",
// "Total watches:<Total>".
type WatchSummary struct {
	Connections int
	Paths       int
	Total       int
}

// WatchesSummary is wchs over the data table.
func (t *Tree) WatchesSummary() WatchSummary {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	s := WatchSummary{Connections: len(t.w.data.byWatcher), Paths: len(t.w.data.byPath)}
	for _, paths := range t.w.data.byWatcher {
		s.Total += len(paths)
	}
	return s
}
