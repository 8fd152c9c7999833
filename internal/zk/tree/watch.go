package tree

import (
	"slices"
	"sync"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Watches follow WatchManager (3.9): two tables, data and child, each
// mapping a path to its watchers with a mode set per (path, watcher).
//   - getData and exists (on a present or a missing node) register STANDARD
//     in the data table; getChildren registers STANDARD in the child table.
//   - addWatch PERSISTENT registers in both tables, PERSISTENT_RECURSIVE in
//     the data table only, so recursive watches never see
//     NodeChildrenChanged.
//   - A trigger on a path notifies every watcher of that path, consuming
//     STANDARD modes; when any recursive watch exists it also walks the
//     ancestors and notifies their PERSISTENT_RECURSIVE watchers.

// watchMode is a set of WatcherMode flags (WatchStats).
type watchMode uint8

const (
	modeStandard   watchMode = 1 << iota // one-shot
	modePersistent                       // not removed when triggered
	modeRecursive                        // persistent, for the whole subtree
)

// Event is a watch notification for one watcher. State is always
// SyncConnected. Zxid is the txn's zxid (3.9 sends it in the reply header);
// NoZxid (-1) for the events SetWatches produces.
type Event struct {
	Watcher WatcherID
	Type    jute.EventType
	Path    string
	Zxid    int64
}

// NoZxid is the zxid of events not caused by a txn (WatchedEvent.NO_ZXID).
const NoZxid int64 = -1

type watchTable struct {
	byPath    map[string]map[WatcherID]watchMode
	byWatcher map[WatcherID]map[string]struct{} // kept, maybe empty, after triggers (as watch2Paths)
	recursive int                               // (path, watcher) pairs with modeRecursive
}

func newWatchTable() watchTable {
	return watchTable{byPath: map[string]map[WatcherID]watchMode{}, byWatcher: map[WatcherID]map[string]struct{}{}}
}

type watches struct {
	mu          sync.Mutex
	data, child watchTable
}

func newWatches() watches { return watches{data: newWatchTable(), child: newWatchTable()} }

func (wt *watchTable) add(path string, w WatcherID, m watchMode) {
	ws := wt.byPath[path]
	if ws == nil {
		ws = make(map[WatcherID]watchMode, 1)
		wt.byPath[path] = ws
	}
	paths := wt.byWatcher[w]
	if paths == nil {
		paths = map[string]struct{}{}
		wt.byWatcher[w] = paths
	}
	old := ws[w]
	if old|m != old {
		ws[w] = old | m
		paths[path] = struct{}{}
		if m == modeRecursive {
			wt.recursive++
		}
	}
}

// trigger collects the watchers a change of path notifies, sorted, and
// consumes their one-shot modes.
func (wt *watchTable) trigger(path string) []WatcherID {
	var out []WatcherID
	p := path
	for level := 0; p != ""; level++ {
		if level > 0 && wt.recursive == 0 {
			break
		}
		if ws := wt.byPath[p]; len(ws) > 0 {
			for w, m := range ws {
				if level == 0 {
					out = append(out, w)
					nm := m &^ modeStandard
					if nm == 0 {
						delete(ws, w)
						delete(wt.byWatcher[w], p)
					} else if nm != m {
						ws[w] = nm
					}
				} else if m&modeRecursive != 0 {
					out = append(out, w)
				}
			}
			if len(ws) == 0 {
				delete(wt.byPath, p)
			}
		}
		p = parentForWatch(p)
	}
	if len(out) > 1 {
		slices.Sort(out)
		out = slices.Compact(out)
	}
	return out
}

// parentForWatch is PathParentIterator's step: "/a/b" → "/a" → "/" → "".
func parentForWatch(p string) string {
	if p == "/" {
		return ""
	}
	parent, _, _ := splitPath(p)
	if parent == "" {
		return "/"
	}
	return parent
}

// remove removes mode m (0: every mode) of w's watch on path; it reports
// whether anything changed (WatchManager.removeWatcher(path, w, mode)).
func (wt *watchTable) remove(path string, w WatcherID, m watchMode) bool {
	paths := wt.byWatcher[w]
	ws := wt.byPath[path]
	if paths == nil || ws == nil {
		return false
	}
	old := ws[w]
	nm := watchMode(0)
	if m != 0 {
		nm = old &^ m
	}
	switch {
	case nm == old:
		return false
	case nm != 0:
		ws[w] = nm
	default:
		delete(paths, path)
		if len(paths) == 0 {
			delete(wt.byWatcher, w)
		}
		delete(ws, w)
		if len(ws) == 0 {
			delete(wt.byPath, path)
		}
	}
	if old&modeRecursive != 0 && nm&modeRecursive == 0 {
		wt.recursive--
	}
	return true
}

// removeWatcher drops every watch of w (a closed connection).
func (wt *watchTable) removeWatcher(w WatcherID) {
	paths := wt.byWatcher[w]
	delete(wt.byWatcher, w)
	for p := range paths {
		ws := wt.byPath[p]
		if ws == nil {
			continue
		}
		if ws[w]&modeRecursive != 0 {
			wt.recursive--
		}
		delete(ws, w)
		if len(ws) == 0 {
			delete(wt.byPath, p)
		}
	}
}

// contains reports whether w watches path with mode m (0: any mode).
func (wt *watchTable) contains(path string, w WatcherID, m watchMode) bool {
	mode, ok := wt.byPath[path][w]
	return ok && (m == 0 || mode&m != 0)
}

func (wt *watchTable) size() int {
	n := 0
	for _, ws := range wt.byPath {
		n += len(ws)
	}
	return n
}

// fire triggers a table and queues the events: every triggered watcher not
// in suppress that CanRead accepts gets one. It returns all triggered
// watchers, delivered or not, for the next trigger's suppression.
func (t *Tree) fire(wt *watchTable, path string, typ jute.EventType, zxid int64, acl []jute.ACL, suppress []WatcherID) []WatcherID {
	t.w.mu.Lock()
	ws := wt.trigger(path)
	t.w.mu.Unlock()
	for _, w := range ws {
		if _, found := slices.BinarySearch(suppress, w); found {
			continue
		}
		if t.opts.CanRead != nil && !t.opts.CanRead(w, acl) {
			continue
		}
		t.events = append(t.events, Event{Watcher: w, Type: typ, Path: path, Zxid: zxid})
	}
	return ws
}
