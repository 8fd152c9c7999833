package client

import (
	"context"
	"log/slog"
	"sync"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Watcher receives watch and session events. Watchers are identified by
// pointer: one *Watcher registered twice on a path is notified once per event,
// as Java's watcher sets are.
type Watcher struct {
	fn func(Event)
}

// NewWatcher wraps fn as a Watcher. fn runs on the client's single event
// goroutine, in the order events arrived; it must not block for long and must
// not call Client.WaitEvents.
func NewWatcher(fn func(Event)) *Watcher { return &Watcher{fn: fn} }

// WatchChan returns a Watcher that sends every event to the returned channel.
// A full channel blocks event delivery for the whole client: size it, or read it.
func WatchChan(size int) (*Watcher, <-chan Event) {
	ch := make(chan Event, size)
	return NewWatcher(func(e Event) { ch <- e }), ch
}

// watchKind indexes the five watch tables of ZKWatchManager.
type watchKind int

const (
	kindData watchKind = iota
	kindExist
	kindChild
	kindPersistent
	kindRecursive
	numKinds
)

// watchManager holds the client-side watch tables: client path → watchers.
// Its mutex is a leaf: nothing else is locked while it is held.
type watchManager struct {
	mu     sync.Mutex
	tables [numKinds]map[string][]*Watcher
	def    *Watcher // the default watcher: receives every session event
	// disableAutoReset drops one-shot watches on a disconnect instead of
	// re-registering them (zookeeper.disableAutoWatchReset).
	disableAutoReset bool
}

func newWatchManager(def *Watcher, disableAutoReset bool) *watchManager {
	m := &watchManager{def: def, disableAutoReset: disableAutoReset}
	for i := range m.tables {
		m.tables[i] = map[string][]*Watcher{}
	}
	return m
}

func addUnique(set []*Watcher, w *Watcher) []*Watcher {
	for _, x := range set {
		if x == w {
			return set
		}
	}
	return append(set, w)
}

func (m *watchManager) add(k watchKind, path string, w *Watcher) {
	m.mu.Lock()
	m.tables[k][path] = addUnique(m.tables[k][path], w)
	m.mu.Unlock()
}

// paths lists the watched paths of one kind (for setWatches).
func (m *watchManager) paths(k watchKind) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.tables[k]))
	for p := range m.tables[k] {
		out = append(out, p)
	}
	return out
}

// materialize returns the watchers an event goes to, removing the one-shot
// watches it fires (ZKWatchManager.materialize).
func (m *watchManager) materialize(state jute.KeeperState, typ jute.EventType, path string) []*Watcher {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Watcher
	take := func(k watchKind, remove bool) {
		for _, w := range m.tables[k][path] {
			out = addUnique(out, w)
		}
		if remove {
			delete(m.tables[k], path)
		}
	}
	switch typ {
	case jute.EventNone:
		if m.def != nil {
			out = append(out, m.def)
		}
		clear := m.disableAutoReset && state != jute.StateSyncConnected
		for k := range m.tables {
			for _, ws := range m.tables[k] {
				for _, w := range ws {
					out = addUnique(out, w)
				}
			}
			if clear && watchKind(k) < kindPersistent {
				m.tables[k] = map[string][]*Watcher{}
			}
		}
		return out
	case jute.EventNodeDataChanged, jute.EventNodeCreated:
		take(kindData, true)
		take(kindExist, true)
	case jute.EventNodeChildrenChanged:
		take(kindChild, true)
	case jute.EventNodeDeleted:
		take(kindData, true)
		take(kindExist, true)
		take(kindChild, true)
	default:
		return nil
	}
	take(kindPersistent, false)
	// A recursive watch never sees child events: the server may send them for
	// a one-shot child watch below it, and they are not for this watcher.
	if typ != jute.EventNodeChildrenChanged {
		for p := path; ; p = parentPath(p) {
			for _, w := range m.tables[kindRecursive][p] {
				out = addUnique(out, w)
			}
			if p == "/" {
				break
			}
		}
	}
	return out
}

// parentPath returns the parent of an absolute path ("/" for "/a" and "/").
func parentPath(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "/"
}

// removed is what a removeWatches took out, by the event type to report.
type removed map[jute.EventType][]*Watcher

// kindsFor maps a WatcherType to the tables it covers and the event each
// removal reports.
func kindsFor(t WatcherType) []watchKind {
	switch t {
	case WatcherChildren:
		return []watchKind{kindChild}
	case WatcherData:
		return []watchKind{kindData, kindExist}
	case WatcherPersistent:
		return []watchKind{kindPersistent}
	case WatcherPersistentRecursive:
		return []watchKind{kindRecursive}
	case WatcherAny:
		return []watchKind{kindChild, kindData, kindExist, kindPersistent, kindRecursive}
	}
	return nil
}

var removedEvent = [numKinds]jute.EventType{
	kindData: jute.EventDataWatchRemoved, kindExist: jute.EventDataWatchRemoved,
	kindChild: jute.EventChildWatchRemoved, kindPersistent: jute.EventPersistentWatchRemoved,
	kindRecursive: jute.EventPersistentWatchRemoved,
}

// remove applies a removeWatches reply (ZKWatchManager.removeWatcher): it
// fails with NoWatcher when nothing local matches, with the server's code
// unless local is set, and otherwise removes w (nil = every watcher).
func (m *watchManager) remove(path string, w *Watcher, t WatcherType, local bool, rc jute.Code) (removed, jute.Code) {
	m.mu.Lock()
	defer m.mu.Unlock()
	kinds := kindsFor(t)
	found := false
	for _, k := range kinds {
		for _, x := range m.tables[k][path] {
			if w == nil || x == w {
				found = true
			}
		}
	}
	if !found {
		return nil, jute.NoWatcher
	}
	if rc != jute.OK && !local {
		return nil, rc
	}
	out := removed{}
	for _, k := range kinds {
		ws := m.tables[k][path]
		keep := ws[:0:0]
		for _, x := range ws {
			if w == nil || x == w {
				ev := removedEvent[k]
				out[ev] = addUnique(out[ev], x)
			} else {
				keep = append(keep, x)
			}
		}
		if len(keep) == 0 {
			delete(m.tables[k], path)
		} else {
			m.tables[k][path] = keep
		}
	}
	return out, jute.OK
}

// dispatcher runs watcher callbacks on one goroutine, in the order they were
// queued (Java's EventThread). Its mutex is a leaf.
type dispatcher struct {
	log *slog.Logger

	mu      sync.Mutex
	q       []func()
	wake    chan struct{} // capacity 1: something was queued
	dying   bool          // no more work after the queue drains
	exited  chan struct{} // closed when the goroutine returns
	session jute.KeeperState
}

func newDispatcher(log *slog.Logger) *dispatcher {
	d := &dispatcher{log: log, wake: make(chan struct{}, 1), exited: make(chan struct{}), session: jute.StateDisconnected}
	go d.run()
	return d
}

func (d *dispatcher) push(f func()) {
	d.mu.Lock()
	if d.dying {
		d.mu.Unlock()
		return
	}
	d.q = append(d.q, f)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// event queues delivery of e to ws. Like Java's EventThread.queueEvent, a
// session event that repeats the last state seen is dropped.
func (d *dispatcher) event(e Event, ws []*Watcher) {
	d.mu.Lock()
	if e.Type == jute.EventNone && d.session == e.State {
		d.mu.Unlock()
		return
	}
	d.session = e.State
	d.mu.Unlock()
	if len(ws) == 0 {
		return
	}
	d.push(func() {
		for _, w := range ws {
			d.call(w, e)
		}
	})
}

func (d *dispatcher) call(w *Watcher, e Event) {
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("watcher panicked", "event", e.String(), "panic", r)
		}
	}()
	if w.fn != nil {
		w.fn(e)
	}
}

// die lets the goroutine exit once everything queued so far has run.
func (d *dispatcher) die() {
	d.mu.Lock()
	d.dying = true
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) run() {
	defer close(d.exited)
	for {
		d.mu.Lock()
		q := d.q
		d.q = nil
		dying := d.dying
		d.mu.Unlock()
		for _, f := range q {
			f()
		}
		if len(q) > 0 {
			continue
		}
		if dying {
			return
		}
		<-d.wake
	}
}

// wait returns once every callback queued before the call has run.
func (d *dispatcher) wait(ctx context.Context) error {
	done := make(chan struct{})
	d.mu.Lock()
	if d.dying {
		d.mu.Unlock()
		select {
		case <-d.exited:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	d.q = append(d.q, func() { close(done) })
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
