package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// These tests run against a real Apache ZooKeeper 3.8 (Debian package),
// one server shared by the package, or against any server whose address is
// in WHARF_ZK_ADDR (a Wharf server, another Apache version). Without either
// they are skipped (failed under CI, which installs the peers).

var apache struct {
	once sync.Once
	srv  *zkproc.Server
	addr string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if apache.srv != nil {
		apache.srv.Stop()
		os.RemoveAll(apache.srv.Dir)
	}
	os.Exit(code)
}

// serverAddr starts the shared server on first use.
func serverAddr(t *testing.T) string {
	t.Helper()
	if a := os.Getenv("WHARF_ZK_ADDR"); a != "" {
		return a
	}
	testutil.Slow(t)
	apache.once.Do(func() {
		if apache.err = zkproc.ApacheAvailable(); apache.err != nil {
			return
		}
		dir, err := os.MkdirTemp("", "zkclient")
		if err != nil {
			apache.err = err
			return
		}
		// tickTime 500 allows 1 s sessions, which keeps expiry tests short.
		apache.srv, apache.err = zkproc.Start(zkproc.Apache, dir, zkproc.Options{TickTime: 500, ExtendedTypes: true})
		if apache.err == nil {
			apache.addr = apache.srv.Addr
		}
	})
	if apache.addr == "" {
		testutil.RequirePeer(t, fmt.Sprintf("Apache ZooKeeper 3.8 (%v) or WHARF_ZK_ADDR", apache.err), false)
	}
	return apache.addr
}

// recorder collects the events of a watcher.
type recorder struct {
	mu  sync.Mutex
	evs []Event
	ch  chan Event
}

func newRecorder() *recorder { return &recorder{ch: make(chan Event, 100)} }

func (r *recorder) watcher() func(Event) {
	return func(e Event) {
		r.mu.Lock()
		r.evs = append(r.evs, e)
		r.mu.Unlock()
		r.ch <- e
	}
}

// next waits for the next event.
func (r *recorder) next(t *testing.T) Event {
	t.Helper()
	select {
	case e := <-r.ch:
		return e
	case <-time.After(10 * time.Second):
		r.mu.Lock()
		defer r.mu.Unlock()
		t.Fatalf("no event within 10s; seen %v", r.evs)
		return Event{}
	}
}

// none asserts no event is pending once the client's events are delivered.
func (r *recorder) none(t *testing.T, c *Client) {
	t.Helper()
	if err := c.WaitEvents(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-r.ch:
		t.Fatalf("unexpected event %v", e)
	default:
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func connect(t *testing.T, cfg Config) *Client {
	t.Helper()
	if cfg.Servers == "" {
		cfg.Servers = serverAddr(t)
	}
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = 10 * time.Second
	}
	c, err := Connect(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.WaitConnected(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	return c
}

var open = []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "world", ID: "anyone"}}}

// testRoot makes a fresh znode for one test and removes it afterwards.
func testRoot(t *testing.T, c *Client) string {
	t.Helper()
	root := fmt.Sprintf("/%s-%d", t.Name(), time.Now().UnixNano())
	if _, err := c.Create(ctxT(t), root, nil, open, ModePersistent); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteTree(c, root) })
	return root
}

func deleteTree(c *Client, p string) {
	ctx := context.Background()
	kids, _ := c.Children(ctx, p, nil)
	for _, k := range kids {
		deleteTree(c, p+"/"+k)
	}
	c.Delete(ctx, p, -1)
}

func TestCRUD(t *testing.T) {
	c := connect(t, Config{})
	ctx := ctxT(t)
	root := testRoot(t, c)

	p, err := c.Create(ctx, root+"/a", []byte("hello"), open, ModePersistent)
	if err != nil || p != root+"/a" {
		t.Fatalf("create = %q, %v", p, err)
	}
	if _, err := c.Create(ctx, root+"/a", nil, open, ModePersistent); err != jute.NoNode && err != jute.NodeExists {
		t.Fatalf("second create: %v, want NodeExists", err)
	}
	data, st, err := c.Get(ctx, root+"/a", nil)
	if err != nil || string(data) != "hello" || st.DataLength != 5 || st.Version != 0 {
		t.Fatalf("get = %q %+v %v", data, st, err)
	}
	st2, err := c.Set(ctx, root+"/a", []byte("x"), 0)
	if err != nil || st2.Version != 1 {
		t.Fatalf("set = %+v %v", st2, err)
	}
	if _, err := c.Set(ctx, root+"/a", []byte("y"), 0); err != jute.BadVersion {
		t.Fatalf("stale set: %v, want BadVersion", err)
	}
	if s, err := c.Exists(ctx, root+"/nope", nil); s != nil || err != nil {
		t.Fatalf("exists(missing) = %v, %v", s, err)
	}
	if s, err := c.Exists(ctx, root+"/a", nil); s == nil || err != nil || s.Version != 1 {
		t.Fatalf("exists = %+v, %v", s, err)
	}

	seq1, err := c.Create(ctx, root+"/s-", nil, open, ModePersistentSequential)
	if err != nil || seq1 != root+"/s-0000000001" {
		t.Fatalf("sequential = %q, %v", seq1, err)
	}
	eph, _, err := c.CreateTTL(ctx, root+"/e", []byte("e"), open, ModeEphemeral, -1)
	if err != nil || eph != root+"/e" {
		t.Fatalf("create2 ephemeral = %q %v", eph, err)
	}
	if _, _, err := c.CreateTTL(ctx, root+"/ttl", nil, open, ModePersistentWithTTL, 60000); err != nil {
		t.Fatalf("createTTL: %v", err)
	}
	if _, err := c.Create(ctx, root+"/cont", nil, open, ModeContainer); err != nil {
		t.Fatalf("container: %v", err)
	}
	if _, err := c.Create(ctx, root+"/e/child", nil, open, ModePersistent); err != jute.NoChildrenForEphemerals {
		t.Fatalf("child of ephemeral: %v", err)
	}

	kids, err := c.Children(ctx, root, nil)
	slices.Sort(kids)
	if err != nil || !slices.Equal(kids, []string{"a", "cont", "e", "s-0000000001", "ttl"}) {
		t.Fatalf("children = %v %v", kids, err)
	}
	kids2, pst, err := c.Children2(ctx, root, nil)
	if err != nil || len(kids2) != 5 || pst.NumChildren != 5 {
		t.Fatalf("children2 = %v %+v %v", kids2, pst, err)
	}
	if n, err := c.AllChildrenNumber(ctx, root); err != nil || n != 5 {
		t.Fatalf("allChildrenNumber = %d %v", n, err)
	}
	if eps, err := c.Ephemerals(ctx, root); err != nil || !slices.Equal(eps, []string{root + "/e"}) {
		t.Fatalf("ephemerals = %v %v", eps, err)
	}
	if err := c.Sync(ctx, root); err != nil {
		t.Fatalf("sync: %v", err)
	}
	acl, _, err := c.GetACL(ctx, root+"/a")
	if err != nil || !slices.Equal(acl, open) {
		t.Fatalf("getACL = %v %v", acl, err)
	}
	if _, err := c.SetACL(ctx, root+"/a", nil, -1); !errors.Is(err, ErrNoACL) || !errors.Is(err, jute.InvalidACL) {
		t.Fatalf("empty ACL: %v", err)
	}
	if err := c.Delete(ctx, root, -1); err != jute.NotEmpty {
		t.Fatalf("delete non-empty: %v", err)
	}
	if err := c.Delete(ctx, root+"/a", 0); err != jute.BadVersion {
		t.Fatalf("delete bad version: %v", err)
	}
	if err := c.Delete(ctx, root+"/a", 1); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, _, err := c.Get(ctx, root+"/a", nil); err != jute.NoNode {
		t.Fatalf("get deleted: %v", err)
	}
	if _, _, err := c.Get(ctx, "relative", nil); !errors.Is(err, ErrBadArgument) {
		t.Fatalf("relative path: %v", err)
	}
	who, err := c.WhoAmI(ctx)
	if err != nil || len(who) != 1 || who[0].AuthScheme != "ip" {
		t.Fatalf("whoAmI = %v %v", who, err)
	}
	if _, _, err := c.Reconfig(ctx, "", "5", "", -1); err != jute.ReconfigDisabled && err != jute.Unimplemented {
		t.Fatalf("reconfig on standalone: %v", err)
	}
}

func TestPipelining(t *testing.T) {
	c := connect(t, Config{})
	ctx := ctxT(t)
	root := testRoot(t, c)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := fmt.Sprintf("%s/n%03d", root, i)
			if _, err := c.Create(ctx, p, []byte(p), open, ModePersistent); err != nil {
				errs <- err
				return
			}
			if d, _, err := c.Get(ctx, p, nil); err != nil || string(d) != p {
				errs <- fmt.Errorf("get %s = %q %v", p, d, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n2, err := c.AllChildrenNumber(ctx, root); err != nil || n2 != n {
		t.Fatalf("count = %d %v", n2, err)
	}
}

func TestChroot(t *testing.T) {
	admin := connect(t, Config{})
	root := testRoot(t, admin)
	rec := newRecorder()
	c := connect(t, Config{Servers: serverAddr(t) + root, Watcher: rec.watcher()})
	ctx := ctxT(t)
	if e := rec.next(t); e.State != jute.StateSyncConnected {
		t.Fatalf("first event %v", e)
	}
	if c.Chroot() != root {
		t.Fatalf("chroot %q", c.Chroot())
	}
	if _, err := c.Exists(ctx, "/x", c.DefaultWatcher()); err != nil {
		t.Fatal(err)
	}
	p, err := c.Create(ctx, "/x", []byte("1"), open, ModePersistentSequential)
	if err != nil || p != "/x0000000000" {
		t.Fatalf("create under chroot = %q %v", p, err)
	}
	if _, err := c.Create(ctx, "/x", nil, open, ModePersistent); err != nil {
		t.Fatal(err)
	}
	if e := rec.next(t); e.Type != jute.EventNodeCreated || e.Path != "/x" {
		t.Fatalf("event %v, want NodeCreated /x", e)
	}
	kids, err := c.Children(ctx, "/", nil)
	slices.Sort(kids)
	if err != nil || !slices.Equal(kids, []string{"x", "x0000000000"}) {
		t.Fatalf("children of chroot = %v %v", kids, err)
	}
	if _, _, err := admin.Get(ctx, root+"/x", nil); err != nil {
		t.Fatalf("not under chroot on the server: %v", err)
	}
	res, err := c.Multi(ctx, CreateOp("/m", nil, open, ModePersistent, -1), DeleteOp("/m", -1))
	if err != nil || len(res) != 2 || res[0].Path != "/m" {
		t.Fatalf("multi under chroot = %+v %v", res, err)
	}
	if _, _, err := c.GetConfig(ctx, nil); err != nil {
		t.Fatalf("getConfig ignores the chroot: %v", err)
	}
}

func TestOneShotWatches(t *testing.T) {
	rec := newRecorder()
	c := connect(t, Config{Watcher: rec.watcher()})
	rec.next(t) // SyncConnected
	other := connect(t, Config{})
	ctx := ctxT(t)
	root := testRoot(t, c)

	def := c.DefaultWatcher()
	if _, _, err := c.Get(ctx, root, def); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Children(ctx, root, def); err != nil {
		t.Fatal(err)
	}
	if s, err := c.Exists(ctx, root+"/n", def); s != nil || err != nil {
		t.Fatal(s, err)
	}
	// The exist watch fires on create, the child watch on the same create.
	if _, err := other.Create(ctx, root+"/n", nil, open, ModePersistent); err != nil {
		t.Fatal(err)
	}
	got := []Event{rec.next(t), rec.next(t)}
	slices.SortFunc(got, func(a, b Event) int { return int(a.Type - b.Type) })
	if got[0].Type != jute.EventNodeCreated || got[0].Path != root+"/n" ||
		got[1].Type != jute.EventNodeChildrenChanged || got[1].Path != root {
		t.Fatalf("events %v", got)
	}
	// One-shot: a second change fires nothing, the data watch fires once.
	if _, err := other.Set(ctx, root, []byte("1"), -1); err != nil {
		t.Fatal(err)
	}
	if e := rec.next(t); e.Type != jute.EventNodeDataChanged || e.Path != root || e.State != jute.StateSyncConnected {
		t.Fatalf("event %v", e)
	}
	if _, err := other.Set(ctx, root, []byte("2"), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Create(ctx, root+"/m", nil, open, ModePersistent); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx, root); err != nil {
		t.Fatal(err)
	}
	rec.none(t, c)

	// Events come before the reply that follows them: our own set fires our
	// watch, and WaitEvents after the reply sees it delivered.
	w, ch := WatchChan(1)
	if _, _, err := c.Get(ctx, root+"/m", w); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(ctx, root+"/m", []byte("z"), -1); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitEvents(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ch:
		if e.Type != jute.EventNodeDataChanged || e.Path != root+"/m" {
			t.Fatalf("event %v", e)
		}
		if e.Zxid != NoZxid && e.Zxid <= 0 {
			t.Fatalf("zxid %d", e.Zxid)
		}
	default:
		t.Fatal("data watch not delivered before the set reply")
	}
	rec.none(t, c)

	// A watch on a deleted node fires NodeDeleted for data and child watches.
	if _, _, err := c.Get(ctx, root+"/m", w); err != nil {
		t.Fatal(err)
	}
	if err := other.Delete(ctx, root+"/m", -1); err != nil {
		t.Fatal(err)
	}
	c.Sync(ctx, root)
	c.WaitEvents(ctx)
	if e := <-ch; e.Type != jute.EventNodeDeleted {
		t.Fatalf("event %v", e)
	}
}

func TestPersistentWatches(t *testing.T) {
	rec := newRecorder()
	c := connect(t, Config{Watcher: rec.watcher()})
	rec.next(t)
	ctx := ctxT(t)
	root := testRoot(t, c)
	def := c.DefaultWatcher()
	// A 3.8 server keeps one mode per watcher and path, so the two kinds go
	// on different paths here.
	if err := c.AddWatch(ctx, root, def, AddWatchPersistentRecursive); err != nil {
		t.Fatal(err)
	}
	if err := c.AddWatch(ctx, root+"/a", def, AddWatchPersistent); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		do   func() error
		want []Event
	}{
		{func() error { _, err := c.Create(ctx, root+"/a", nil, open, ModePersistent); return err },
			[]Event{{Type: jute.EventNodeCreated, Path: root + "/a"}}},
		{func() error { _, err := c.Create(ctx, root+"/a/b", nil, open, ModePersistent); return err },
			// recursive: created; persistent on /a: children changed
			[]Event{{Type: jute.EventNodeCreated, Path: root + "/a/b"}, {Type: jute.EventNodeChildrenChanged, Path: root + "/a"}}},
		{func() error { _, err := c.Set(ctx, root+"/a", []byte("1"), -1); return err },
			// both watches are the default watcher: delivered once
			[]Event{{Type: jute.EventNodeDataChanged, Path: root + "/a"}}},
		{func() error { _, err := c.Set(ctx, root+"/a/b", []byte("1"), -1); return err },
			[]Event{{Type: jute.EventNodeDataChanged, Path: root + "/a/b"}}},
		{func() error { return c.Delete(ctx, root+"/a/b", -1) },
			[]Event{{Type: jute.EventNodeDeleted, Path: root + "/a/b"}, {Type: jute.EventNodeChildrenChanged, Path: root + "/a"}}},
	}
	for i, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		var got []Event
		for range s.want {
			e := rec.next(t)
			got = append(got, Event{Type: e.Type, Path: e.Path})
		}
		slices.SortFunc(got, func(a, b Event) int { return int(a.Type - b.Type) })
		if !slices.Equal(got, s.want) {
			t.Fatalf("step %d: events %v, want %v", i, got, s.want)
		}
		rec.none(t, c)
	}
	// Removing by the persistent types needs a 3.9 server; 3.8 answers
	// MarshallingError and keeps the watch, and so does the client.
	err := c.RemoveWatches(ctx, root+"/a", nil, WatcherPersistent, false)
	if err == jute.MarshallingError {
		err = c.RemoveWatches(ctx, root+"/a", nil, WatcherAny, false)
	}
	if err != nil {
		t.Fatal(err)
	}
	if e := rec.next(t); e.Type != jute.EventPersistentWatchRemoved || e.Path != root+"/a" {
		t.Fatalf("removed event %v", e)
	}
	if err := c.RemoveWatches(ctx, root+"/a", nil, WatcherAny, false); err != jute.NoWatcher {
		t.Fatalf("second remove: %v, want NoWatcher", err)
	}
	if err := c.RemoveWatches(ctx, root, nil, WatcherData, false); err != jute.NoWatcher {
		t.Fatalf("remove missing data watch: %v", err)
	}
	if err := c.RemoveWatches(ctx, root, nil, WatcherAny, false); err != nil {
		t.Fatal(err)
	}
	if e := rec.next(t); e.Type != jute.EventPersistentWatchRemoved {
		t.Fatalf("removed event %v", e)
	}
	if _, err := c.Create(ctx, root+"/b", nil, open, ModePersistent); err != nil {
		t.Fatal(err)
	}
	rec.none(t, c)
	// A one-shot data watch removed by watcher identity (checkWatches).
	w, ch := WatchChan(4)
	if _, _, err := c.Get(ctx, root+"/b", w); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveWatches(ctx, root+"/b", w, WatcherData, false); err != nil {
		t.Fatal(err)
	}
	c.WaitEvents(ctx)
	if e := <-ch; e.Type != jute.EventDataWatchRemoved {
		t.Fatalf("event %v", e)
	}
	// Local removal needs no server answer.
	if _, err := c.Children(ctx, root, w); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveWatches(ctx, root, w, WatcherChildren, true); err != nil {
		t.Fatal(err)
	}
	c.WaitEvents(ctx)
	if e := <-ch; e.Type != jute.EventChildWatchRemoved {
		t.Fatalf("event %v", e)
	}
}

func TestMulti(t *testing.T) {
	c := connect(t, Config{})
	ctx := ctxT(t)
	root := testRoot(t, c)
	res, err := c.Multi(ctx,
		CreateOp(root+"/a", []byte("a"), open, ModePersistent, -1),
		CreateOp(root+"/s", nil, open, ModePersistentSequential, -1),
		SetDataOp(root+"/a", []byte("b"), 0),
		CheckOp(root+"/a", 1),
	)
	if err != nil || len(res) != 4 || res[0].Path != root+"/a" || res[1].Path != root+"/s0000000001" ||
		res[2].Stat == nil || res[2].Stat.Version != 1 {
		t.Fatalf("multi = %+v %v", res, err)
	}
	res, err = c.Multi(ctx,
		CreateOp(root+"/b", nil, open, ModePersistent, -1),
		CheckOp(root+"/a", 7),
		DeleteOp(root+"/a", -1),
	)
	if err != jute.BadVersion || len(res) != 3 || res[1].Err != jute.BadVersion || res[0].Type != jute.OpError {
		t.Fatalf("failed multi = %+v %v", res, err)
	}
	if s, _ := c.Exists(ctx, root+"/b", nil); s != nil {
		t.Fatal("failed multi was not atomic")
	}
	res, err = c.MultiRead(ctx, GetDataOp(root+"/a"), GetChildrenOp(root), GetDataOp(root+"/zz"))
	if err != nil || len(res) != 3 || string(res[0].Data) != "b" || len(res[1].Children) != 2 || res[2].Err != jute.NoNode {
		t.Fatalf("multiRead = %+v %v", res, err)
	}
	if _, err := c.Multi(ctx, DeleteOp("bad", -1)); !errors.Is(err, ErrBadArgument) {
		t.Fatalf("invalid op: %v", err)
	}
}

func TestAuthAndACL(t *testing.T) {
	c := connect(t, Config{})
	ctx := ctxT(t)
	root := testRoot(t, c)
	if err := c.AddAuth(ctx, "digest", []byte("user:pass")); err != nil {
		t.Fatal(err)
	}
	who, _ := c.WhoAmI(ctx)
	if !slices.Contains(who, jute.ClientInfo{AuthScheme: "digest", User: "user"}) {
		t.Fatalf("whoAmI after auth = %v", who)
	}
	creator := []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "auth", ID: ""}}}
	if _, err := c.Create(ctx, root+"/secret", []byte("s"), creator, ModePersistent); err != nil {
		t.Fatal(err)
	}
	acl, _, err := c.GetACL(ctx, root+"/secret")
	if err != nil || len(acl) != 1 || acl[0].ID.Scheme != "digest" || acl[0].ID.ID != "user:smGaoVKd/cQkjm7b88GyorAUz20=" {
		t.Fatalf("acl %v %v", acl, err)
	}
	other := connect(t, Config{})
	if _, _, err := other.Get(ctx, root+"/secret", nil); err != jute.NoAuth {
		t.Fatalf("unauthenticated get: %v", err)
	}
	if err := other.AddAuth(ctx, "digest", []byte("user:pass")); err != nil {
		t.Fatal(err)
	}
	if d, _, err := other.Get(ctx, root+"/secret", nil); err != nil || string(d) != "s" {
		t.Fatalf("authenticated get: %q %v", d, err)
	}
	if err := other.Delete(ctx, root+"/secret", -1); err != nil {
		t.Fatal(err)
	}

	// An unknown scheme kills the client.
	rec := newRecorder()
	bad := connect(t, Config{Watcher: rec.watcher()})
	rec.next(t)
	if err := bad.AddAuth(ctx, "nosuchscheme", []byte("x")); err != jute.AuthFailed {
		t.Fatalf("bad auth: %v", err)
	}
	if e := rec.next(t); e.State != jute.StateAuthFailed || e.Type != jute.EventNone {
		t.Fatalf("event %v", e)
	}
	if bad.State() != StateAuthFailed {
		t.Fatalf("state %v", bad.State())
	}
	if _, _, err := bad.Get(ctx, "/", nil); err != jute.AuthFailed {
		t.Fatalf("get after auth failure: %v", err)
	}
}

// gate is a Dial that can be held shut, to keep a client disconnected.
type gate struct {
	mu   sync.Mutex
	shut bool
	open chan struct{}
}

func newGate() *gate { return &gate{open: make(chan struct{})} }

func (g *gate) close() {
	g.mu.Lock()
	g.shut, g.open = true, make(chan struct{})
	g.mu.Unlock()
}

func (g *gate) reopen() {
	g.mu.Lock()
	if g.shut {
		g.shut = false
		close(g.open)
	}
	g.mu.Unlock()
}

func (g *gate) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	g.mu.Lock()
	shut, ch := g.shut, g.open
	g.mu.Unlock()
	if shut {
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func TestReconnectRestoresWatchesAndAuth(t *testing.T) {
	rec := newRecorder()
	g := newGate()
	states := make(chan State, 20)
	c := connect(t, Config{Watcher: rec.watcher(), Dial: g.dial, SessionTimeout: 6 * time.Second,
		OnState: func(s State) { states <- s }})
	rec.next(t)
	other := connect(t, Config{})
	ctx := ctxT(t)
	root := testRoot(t, c)
	if err := c.AddAuth(ctx, "digest", []byte("u:p")); err != nil {
		t.Fatal(err)
	}
	def := c.DefaultWatcher()
	if _, _, err := c.Get(ctx, root, def); err != nil {
		t.Fatal(err)
	}
	if err := c.AddWatch(ctx, root+"/p", def, AddWatchPersistent); err != nil {
		t.Fatal(err)
	}
	sid := c.SessionID()

	g.close()
	c.dropConnection()
	if e := rec.next(t); e.State != jute.StateDisconnected {
		t.Fatalf("event %v", e)
	}
	// Changes while disconnected are reported after the reconnect, through
	// setWatches2's relative zxid.
	if _, err := other.Set(ctx, root, []byte("while away"), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Create(ctx, root+"/p", nil, open, ModePersistent); err != nil {
		t.Fatal(err)
	}
	g.reopen()
	if e := rec.next(t); e.State != jute.StateSyncConnected || e.Type != jute.EventNone {
		t.Fatalf("event %v", e)
	}
	// The one-shot watch fires for the change it missed; persistent watches
	// are re-armed without replaying what happened meanwhile.
	if e := rec.next(t); e.Type != jute.EventNodeDataChanged || e.Path != root {
		t.Fatalf("event after reconnect %v", e)
	}
	if c.SessionID() != sid {
		t.Fatal("session not resumed")
	}
	who, _ := c.WhoAmI(ctx)
	if !slices.Contains(who, jute.ClientInfo{AuthScheme: "digest", User: "u"}) {
		t.Fatalf("auth not re-sent: %v", who)
	}
	// The persistent watch survived; the one-shot data watch was consumed.
	if _, err := other.Set(ctx, root+"/p", nil, -1); err != nil {
		t.Fatal(err)
	}
	if e := rec.next(t); e.Type != jute.EventNodeDataChanged || e.Path != root+"/p" {
		t.Fatalf("event %v", e)
	}
	var seen []State
	for len(states) > 0 {
		seen = append(seen, <-states)
	}
	if !slices.Contains(seen, StateConnecting) || seen[len(seen)-1] != StateConnected {
		t.Fatalf("states %v", seen)
	}
}

func TestSessionExpiry(t *testing.T) {
	rec := newRecorder()
	c := connect(t, Config{Watcher: rec.watcher(), SessionTimeout: 2 * time.Second})
	rec.next(t)
	ctx := ctxT(t)
	root := testRoot(t, connect(t, Config{}))
	if _, err := c.Create(ctx, root+"/eph", nil, open, ModeEphemeral); err != nil {
		t.Fatal(err)
	}
	// A second client takes over the session and closes it: the first is
	// moved off, reconnects, and hears that the session has expired.
	twin := connect(t, Config{SessionID: c.SessionID(), SessionPasswd: c.SessionPasswd()})
	if twin.SessionID() != c.SessionID() {
		t.Fatal("twin did not resume the session")
	}
	if err := twin.Close(); err != nil {
		t.Fatal(err)
	}
	var e Event
	for e = rec.next(t); e.State == jute.StateDisconnected; e = rec.next(t) {
	}
	if e.State != jute.StateExpired {
		t.Fatalf("event %v, want Expired", e)
	}
	if c.State() != StateClosed {
		t.Fatalf("state %v", c.State())
	}
	if _, _, err := c.Get(ctx, "/", nil); err != jute.SessionExpired {
		t.Fatalf("get after expiry: %v", err)
	}
	if err := c.WaitConnected(ctx); err != ErrClosed {
		t.Fatalf("WaitConnected: %v", err)
	}
	other := connect(t, Config{})
	if s, _ := other.Exists(ctx, root+"/eph", nil); s != nil {
		t.Fatal("ephemeral outlived its session")
	}
}

func TestCloseAndDisconnect(t *testing.T) {
	rec := newRecorder()
	c := connect(t, Config{Watcher: rec.watcher()})
	rec.next(t)
	ctx := ctxT(t)
	root := testRoot(t, connect(t, Config{}))
	if _, err := c.Create(ctx, root+"/eph", nil, open, ModeEphemeral); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if e := rec.next(t); e.State != jute.StateClosed {
		t.Fatalf("event %v", e)
	}
	rec.none(t, c)
	if _, _, err := c.Get(ctx, "/", nil); err != jute.SessionExpired {
		t.Fatalf("get after close: %v", err)
	}
	other := connect(t, Config{})
	if s, _ := other.Exists(ctx, root+"/eph", nil); s != nil {
		t.Fatal("close did not end the session")
	}
	// Disconnect leaves the session (and its ephemerals) to expire.
	d := connect(t, Config{SessionTimeout: 4 * time.Second})
	if _, err := d.Create(ctx, root+"/eph2", nil, open, ModeEphemeral); err != nil {
		t.Fatal(err)
	}
	d.Disconnect()
	if s, _ := other.Exists(ctx, root+"/eph2", nil); s == nil {
		t.Fatal("disconnect closed the session")
	}
}

func TestUnreachableServerFailsRequests(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c, err := Connect(Config{Servers: addr, SessionTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxT(t)
	if _, _, err := c.Get(ctx, "/", nil); err != jute.ConnectionLoss {
		t.Fatalf("get with no server: %v", err)
	}
}
