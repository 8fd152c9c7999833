package server

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// eventsUntilPing collects the notifications that arrive before a ping's
// reply: everything the server queued for r so far.
func eventsUntilPing(r *rawConn) []string {
	r.t.Helper()
	r.ping()
	var out []string
	for _, ev := range r.takeEvents() {
		out = append(out, fmt.Sprintf("%d %s", ev.Type, ev.Path))
	}
	return out
}

func sameEvents(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: events %q, want %q", what, got, want)
	}
}

// TestOneShotWatches: data, exist and child watches fire once, with the
// event types ZooKeeper sends, and each connection is notified once per
// change even when it holds several watches the change triggers.
func TestOneShotWatches(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	w := rawSession(t, s.Addr().String(), 10000)
	m := rawSession(t, s.Addr().String(), 10000)
	m.mustCall(jute.OpCreate, createReq("/a", "", 0), &jute.CreateResponse{}, jute.OK)

	// Data watch: NodeDataChanged once.
	w.mustCall(jute.OpGetData, pw("/a", true), &jute.GetDataResponse{}, jute.OK)
	w.mustCall(jute.OpGetData, pw("/a", true), &jute.GetDataResponse{}, jute.OK) // same watch again
	m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/a", Data: []byte("1"), Version: -1}, &jute.SetDataResponse{}, jute.OK)
	m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/a", Data: []byte("2"), Version: -1}, &jute.SetDataResponse{}, jute.OK)
	sameEvents(t, "data watch", eventsUntilPing(w), "3 /a")

	// Exist watch on a missing node: NodeCreated; on an existing one:
	// NodeDataChanged, then (re-armed) NodeDeleted.
	w.mustCall(jute.OpExists, pw("/b", true), nil, jute.NoNode)
	m.mustCall(jute.OpCreate, createReq("/b", "", 0), &jute.CreateResponse{}, jute.OK)
	m.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/b", Version: -1}, nil, jute.OK)
	sameEvents(t, "exist watch on a missing node", eventsUntilPing(w), "1 /b")
	w.mustCall(jute.OpExists, pw("/a", true), &jute.ExistsResponse{}, jute.OK)
	m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/a", Version: -1}, &jute.SetDataResponse{}, jute.OK)
	sameEvents(t, "exist watch on a node", eventsUntilPing(w), "3 /a")

	// Child watch: NodeChildrenChanged once; data changes of the node or
	// of a child do not fire it.
	w.mustCall(jute.OpGetChildren, pw("/a", true), &jute.GetChildrenResponse{}, jute.OK)
	m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/a", Version: -1}, &jute.SetDataResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, createReq("/a/c1", "", 0), &jute.CreateResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, createReq("/a/c2", "", 0), &jute.CreateResponse{}, jute.OK)
	sameEvents(t, "child watch", eventsUntilPing(w), "4 /a")

	// Data and child watch on a node that is deleted: one NodeDeleted,
	// plus the parent's NodeChildrenChanged for the parent's child watch.
	w.mustCall(jute.OpGetData, pw("/a/c1", true), &jute.GetDataResponse{}, jute.OK)
	w.mustCall(jute.OpGetChildren2, pw("/a/c1", true), &jute.GetChildren2Response{}, jute.OK)
	w.mustCall(jute.OpGetChildren, pw("/a", true), &jute.GetChildrenResponse{}, jute.OK)
	m.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/a/c1", Version: -1}, nil, jute.OK)
	sameEvents(t, "delete", eventsUntilPing(w), "2 /a/c1", "4 /a")

	// Watches belong to the connection that set them.
	sameEvents(t, "the writer", eventsUntilPing(m))
}

// TestPersistentWatches: addWatch PERSISTENT fires for the node's own
// changes and its children list, and PERSISTENT_RECURSIVE for every node
// below (never NodeChildrenChanged); neither is used up.
func TestPersistentWatches(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	p := rawSession(t, s.Addr().String(), 10000)
	rec := rawSession(t, s.Addr().String(), 10000)
	m := rawSession(t, s.Addr().String(), 10000)

	var er jute.ErrorResponse
	p.mustCall(jute.OpAddWatch, &jute.PathTypeRequest{Path: "/t", Type: jute.AddWatchPersistent}, &er, jute.OK)
	rec.mustCall(jute.OpAddWatch, &jute.PathTypeRequest{Path: "/t", Type: jute.AddWatchPersistentRecursive}, &er, jute.OK)
	if er.Err != 0 {
		t.Fatalf("addWatch reply body %+v", er)
	}
	for round := range 3 {
		m.mustCall(jute.OpCreate, createReq("/t", "", 0), &jute.CreateResponse{}, jute.OK)
		m.mustCall(jute.OpCreate, createReq("/t/c", "", 0), &jute.CreateResponse{}, jute.OK)
		m.mustCall(jute.OpCreate, createReq("/t/c/g", "", 0), &jute.CreateResponse{}, jute.OK)
		m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/t/c/g", Version: -1}, &jute.SetDataResponse{}, jute.OK)
		m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/t", Version: -1}, &jute.SetDataResponse{}, jute.OK)
		m.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/t/c/g", Version: -1}, nil, jute.OK)
		m.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/t/c", Version: -1}, nil, jute.OK)
		m.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/t", Version: -1}, nil, jute.OK)
		what := fmt.Sprintf("round %d", round)
		sameEvents(t, what+" persistent", eventsUntilPing(p),
			"1 /t", "4 /t", "3 /t", "4 /t", "2 /t")
		sameEvents(t, what+" persistent recursive", eventsUntilPing(rec),
			"1 /t", "1 /t/c", "1 /t/c/g", "3 /t/c/g", "3 /t", "2 /t/c/g", "2 /t/c", "2 /t")
	}
}

// TestCheckAndRemoveWatches covers checkWatches and removeWatches for each
// WatcherType (3.9 semantics, ZOOKEEPER-4466/4471/4472: Data and Children
// mean the one-shot watches only, Persistent and PersistentRecursive their
// own mode, Any everything), NoWatcher when there is nothing to remove, and
// which events are still delivered afterwards.
func TestCheckAndRemoveWatches(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	m := rawSession(t, s.Addr().String(), 10000)
	m.mustCall(jute.OpCreate, createReq("/w", "", 0), &jute.CreateResponse{}, jute.OK)
	types := []int32{jute.WatcherChildren, jute.WatcherData, jute.WatcherPersistent, jute.WatcherPersistentRecursive}
	for i, remove := range []int32{jute.WatcherChildren, jute.WatcherData, jute.WatcherPersistent,
		jute.WatcherPersistentRecursive, jute.WatcherAny} {
		t.Run(fmt.Sprint("type", remove), func(t *testing.T) {
			w := rawSession(t, s.Addr().String(), 10000)
			// Nothing set yet: every check and remove is NoWatcher.
			for _, typ := range append(types, jute.WatcherAny) {
				w.mustCall(jute.OpCheckWatches, &jute.PathTypeRequest{Path: "/w", Type: typ}, nil, jute.NoWatcher)
				w.mustCall(jute.OpRemoveWatches, &jute.PathTypeRequest{Path: "/w", Type: typ}, nil, jute.NoWatcher)
			}
			w.mustCall(jute.OpGetData, pw("/w", true), &jute.GetDataResponse{}, jute.OK)
			w.mustCall(jute.OpGetChildren, pw("/w", true), &jute.GetChildrenResponse{}, jute.OK)
			w.mustCall(jute.OpAddWatch, &jute.PathTypeRequest{Path: "/w", Type: jute.AddWatchPersistent}, &jute.ErrorResponse{}, jute.OK)
			w.mustCall(jute.OpAddWatch, &jute.PathTypeRequest{Path: "/w", Type: jute.AddWatchPersistentRecursive}, &jute.ErrorResponse{}, jute.OK)
			for _, typ := range append(types, jute.WatcherAny) {
				w.mustCall(jute.OpCheckWatches, &jute.PathTypeRequest{Path: "/w", Type: typ}, nil, jute.OK)
			}
			// Watches are per path: nothing on another path.
			w.mustCall(jute.OpCheckWatches, &jute.PathTypeRequest{Path: "/", Type: jute.WatcherAny}, nil, jute.NoWatcher)

			w.mustCall(jute.OpRemoveWatches, &jute.PathTypeRequest{Path: "/w", Type: remove}, nil, jute.OK)
			w.mustCall(jute.OpRemoveWatches, &jute.PathTypeRequest{Path: "/w", Type: remove}, nil, jute.NoWatcher)
			left := map[int32]bool{}
			for _, typ := range types {
				left[typ] = remove != jute.WatcherAny && typ != remove
				want := jute.NoWatcher
				if left[typ] {
					want = jute.OK
				}
				w.mustCall(jute.OpCheckWatches, &jute.PathTypeRequest{Path: "/w", Type: typ}, nil, want)
			}
			// The server sends no event for a removal (the client makes
			// its own).
			sameEvents(t, "after removal", eventsUntilPing(w))

			child := fmt.Sprintf("/w/c%d", i)
			m.mustCall(jute.OpCreate, createReq(child, "", 0), &jute.CreateResponse{}, jute.OK)
			m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/w", Version: -1}, &jute.SetDataResponse{}, jute.OK)
			var want []string
			if left[jute.WatcherPersistentRecursive] {
				want = append(want, "1 "+child)
			}
			if left[jute.WatcherChildren] || left[jute.WatcherPersistent] {
				want = append(want, "4 /w")
			}
			if left[jute.WatcherData] || left[jute.WatcherPersistent] || left[jute.WatcherPersistentRecursive] {
				want = append(want, "3 /w")
			}
			sameEvents(t, "after the changes", eventsUntilPing(w), want...)
		})
	}
}

// TestSetWatchesAfterReconnect: a client that reconnects re-registers its
// watches with setWatches (and setWatches2 for persistent ones) relative
// to the last zxid it saw; what changed meanwhile is delivered at once
// (NodeDataChanged / NodeCreated / NodeChildrenChanged / NodeDeleted, zxid
// -1 since no txn caused them), before the reply; the rest is registered.
func TestSetWatchesAfterReconnect(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	for _, v2 := range []bool{false, true} {
		t.Run(fmt.Sprint("v2=", v2), func(t *testing.T) { testSetWatches(t, s.Addr().String(), v2) })
	}
}

func testSetWatches(t *testing.T, addr string, v2 bool) {
	root := "/sw1"
	if v2 {
		root = "/sw2"
	}
	p := func(s string) string { return root + s }
	m := rawSession(t, addr, 10000)
	for _, n := range []string{"", "/changed", "/same", "/gone", "/kids", "/quiet"} {
		m.mustCall(jute.OpCreate, createReq(p(n), "", 0), &jute.CreateResponse{}, jute.OK)
	}
	r := rawSession(t, addr, 10000)
	seen := r.ping().Zxid
	r.nc.Close() // the connection goes; the session stays

	m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: p("/changed"), Version: -1}, &jute.SetDataResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, createReq(p("/born"), "", 0), &jute.CreateResponse{}, jute.OK)
	m.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: p("/gone"), Version: -1}, nil, jute.OK)
	m.mustCall(jute.OpCreate, createReq(p("/kids/k"), "", 0), &jute.CreateResponse{}, jute.OK)

	r2 := rawDial(t, addr)
	resp, err := r2.handshake(jute.ConnectRequest{LastZxidSeen: seen, TimeOut: 10000,
		SessionID: r.resp.SessionID, Passwd: r.resp.Passwd, HasReadOnly: true})
	if err != nil || resp.SessionID != r.resp.SessionID {
		t.Fatalf("reconnect: %+v %v", resp, err)
	}
	sw := &jute.SetWatches{RelativeZxid: seen, V2: v2,
		DataWatches:  []string{p("/changed"), p("/same"), p("/gone")},
		ExistWatches: []string{p("/born"), p("/unborn")},
		ChildWatches: []string{p("/kids"), p("/quiet"), p("/gone")},
	}
	op := jute.OpSetWatches
	if v2 {
		op = jute.OpSetWatches2
		sw.PersistentWatches = []string{p("/quiet")}
		sw.PersistentRecursiveWatches = []string{p("/kids")}
	}
	h := r2.mustCall(op, sw, nil, jute.OK)
	if h.Xid != jute.XidSetWatches {
		t.Fatalf("setWatches reply xid %d", h.Xid)
	}
	var got []string
	for _, ev := range r2.takeEvents() {
		if ev.Zxid != -1 {
			t.Fatalf("setWatches event %+v: zxid %#x, want -1", ev, ev.Zxid)
		}
		got = append(got, fmt.Sprintf("%d %s", ev.Type, ev.Path))
	}
	sameEvents(t, "setWatches", got,
		"3 "+p("/changed"), "2 "+p("/gone"), "1 "+p("/born"), "4 "+p("/kids"), "2 "+p("/gone"))

	// What did not fire is registered now.
	m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: p("/same"), Version: -1}, &jute.SetDataResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, createReq(p("/unborn"), "", 0), &jute.CreateResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, createReq(p("/quiet/q"), "", 0), &jute.CreateResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, createReq(p("/kids/k2"), "", 0), &jute.CreateResponse{}, jute.OK)
	m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: p("/quiet"), Version: -1}, &jute.SetDataResponse{}, jute.OK)
	want := []string{"3 " + p("/same"), "1 " + p("/unborn"), "4 " + p("/quiet")}
	if v2 {
		want = append(want, "1 "+p("/kids/k2"), "3 "+p("/quiet"))
	}
	sameEvents(t, "registered by setWatches", eventsUntilPing(r2), want...)
}

// TestRecursiveWatchNeedsRead is CVE-2024-23944: a persistent recursive
// watcher gets no event for a node it may not read, while it still gets
// the events of the nodes it may read.
func TestRecursiveWatchNeedsRead(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	w := rawSession(t, s.Addr().String(), 10000)
	m := rawSession(t, s.Addr().String(), 10000)
	m.mustCall(jute.OpAuth, &jute.AuthPacket{Scheme: "digest", Auth: []byte("owner:pw")}, nil, jute.OK)
	secret := []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "digest", ID: acl.Digest("owner:pw")}}}
	if !strings.HasPrefix(secret[0].ID.ID, "owner:") {
		t.Fatalf("digest %q", secret[0].ID.ID)
	}
	m.mustCall(jute.OpCreate, createReq("/r", "", 0), &jute.CreateResponse{}, jute.OK)
	w.mustCall(jute.OpAddWatch, &jute.PathTypeRequest{Path: "/r", Type: jute.AddWatchPersistentRecursive}, &jute.ErrorResponse{}, jute.OK)

	m.mustCall(jute.OpCreate, &jute.CreateRequest{Path: "/r/secret", Data: []byte("s"), ACL: secret}, &jute.CreateResponse{}, jute.OK)
	m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/r/secret", Data: []byte("t"), Version: -1}, &jute.SetDataResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, createReq("/r/open", "", 0), &jute.CreateResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, &jute.CreateRequest{Path: "/r/open/deep", ACL: secret}, &jute.CreateResponse{}, jute.OK)
	m.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/r/open/deep", Version: -1}, nil, jute.OK)
	m.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/r/secret", Version: -1}, nil, jute.OK)
	sameEvents(t, "recursive watcher without READ", eventsUntilPing(w), "1 /r/open")
	w.mustCall(jute.OpGetData, pw("/r/secret", false), nil, jute.NoNode)

	// With the credentials the same watcher sees them.
	w.mustCall(jute.OpAuth, &jute.AuthPacket{Scheme: "digest", Auth: []byte("owner:pw")}, nil, jute.OK)
	m.mustCall(jute.OpCreate, &jute.CreateRequest{Path: "/r/secret", ACL: secret}, &jute.CreateResponse{}, jute.OK)
	sameEvents(t, "recursive watcher with READ", eventsUntilPing(w), "1 /r/secret")

	// ZooKeeper 3.9 filters every event by the node's READ permission
	// (ServerCnxn.process), one-shot watches included: a watch set while
	// the node was readable stays silent once its ACL shuts the watcher out.
	u := rawSession(t, s.Addr().String(), 10000)
	m.mustCall(jute.OpCreate, createReq("/z", "", 0), &jute.CreateResponse{}, jute.OK)
	u.mustCall(jute.OpGetData, pw("/z", true), &jute.GetDataResponse{}, jute.OK)
	u.mustCall(jute.OpGetChildren, pw("/z", true), &jute.GetChildrenResponse{}, jute.OK)
	m.mustCall(jute.OpSetACL, &jute.SetACLRequest{Path: "/z", ACL: secret, Version: -1}, &jute.SetACLResponse{}, jute.OK)
	m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/z", Version: -1}, &jute.SetDataResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, createReq("/z/c", "", 0), &jute.CreateResponse{}, jute.OK)
	sameEvents(t, "one-shot watches on a node that lost READ", eventsUntilPing(u))
}

// TestClientReconnectRestoresWatches drives Wharf's own client through a
// dropped connection: it resumes the session, re-sends its watches
// (setWatches2), and gets what changed while it was away; its recursive
// watch keeps working afterwards.
func TestClientReconnectRestoresWatches(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	addr := s.Addr().String()
	m := rawSession(t, addr, 10000)
	m.mustCall(jute.OpCreate, createReq("/cw", "0", 0), &jute.CreateResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, createReq("/cwr", "", 0), &jute.CreateResponse{}, jute.OK)

	var mu sync.Mutex
	var live net.Conn
	dials := 0
	allow := make(chan struct{})
	var d net.Dialer
	c, err := client.Connect(client.Config{Servers: addr, SessionTimeout: 10 * time.Second,
		Dial: func(ctx context.Context, network, a string) (net.Conn, error) {
			mu.Lock()
			dials++
			n := dials
			mu.Unlock()
			if n > 1 {
				<-allow
			}
			nc, err := d.DialContext(ctx, network, a)
			mu.Lock()
			live = nc
			mu.Unlock()
			return nc, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	w, events := client.WatchChan(16)
	if _, _, err := c.Get(ctx, "/cw", w); err != nil {
		t.Fatal(err)
	}
	if st, err := c.Exists(ctx, "/cw2", w); err != nil || st != nil {
		t.Fatalf("exists: %v %v", st, err)
	}
	if err := c.AddWatch(ctx, "/cwr", w, client.AddWatchPersistentRecursive); err != nil {
		t.Fatal(err)
	}
	sid := c.SessionID()

	mu.Lock()
	live.Close() // the network drops the connection
	mu.Unlock()
	m.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/cw", Data: []byte("1"), Version: -1}, &jute.SetDataResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, createReq("/cw2", "", 0), &jute.CreateResponse{}, jute.OK)
	m.mustCall(jute.OpCreate, createReq("/cwr/missed", "", 0), &jute.CreateResponse{}, jute.OK)
	close(allow)

	// next skips the session events (Disconnected, SyncConnected) every
	// watcher also gets.
	next := func() client.Event {
		t.Helper()
		for {
			select {
			case e := <-events:
				if e.Type != jute.EventNone {
					return e
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no event")
			}
		}
	}
	got := map[string]bool{}
	for range 2 {
		e := next()
		got[fmt.Sprintf("%d %s", e.Type, e.Path)] = true
	}
	if !got["3 /cw"] || !got["1 /cw2"] {
		t.Fatalf("events after the reconnect: %v", got)
	}
	if c.SessionID() != sid {
		t.Fatalf("session changed: %#x -> %#x", sid, c.SessionID())
	}
	// The recursive watch came back too (but the change made while away is
	// not replayed: persistent watches have no missed events).
	m.mustCall(jute.OpCreate, createReq("/cwr/after", "", 0), &jute.CreateResponse{}, jute.OK)
	if e := next(); e.Type != jute.EventNodeCreated || e.Path != "/cwr/after" {
		t.Fatalf("recursive watch after the reconnect: %v", e)
	}
}
