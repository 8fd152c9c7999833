package zkdurability

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// On-disk compatibility both ways: one implementation writes a data
// directory and is killed with its clients' sessions open; the other starts
// on the same port and directory and must show the same tree (data, Stat,
// ACL of every node), the same sessions with the same ephemerals, and take
// the live client's session back (session passwords derive from the session
// id the same way in both).

// compatOpts: TTL nodes, a super user to read every node, and a small
// snapCount so the directory holds several snapshots and log files.
// Containers and TTL nodes are reaped every 300ms, so that their types can
// be seen to survive a handover (Apache reads the interval from a system
// property, Wharf from zoo.cfg).
func compatOpts() testutil.ZKOptions {
	return testutil.ZKOptions{ExtendedTypes: true, SuperDigest: testutil.TestSuperDigest, SnapCount: 50, PreAllocSizeKB: 16,
		Extra:    map[string]string{"znode.container.checkIntervalMs": "300"},
		JVMFlags: []string{"-Dznode.container.checkIntervalMs=300"}}
}

const liveTimeout = 30 * time.Second

// compatEnv is the clients that live across the handovers.
type compatEnv struct {
	live   *zk.Conn // owns ephemerals; its session must survive every handover
	watch  *sessionWatch
	sid    int64
	writer *zk.Conn // authenticated as user:pass, owns the auth ACLs
	bases  []string // populated subtrees whose node types are still to check
}

func superConn(t testing.TB, addr string) *zk.Conn {
	t.Helper()
	c := connect(t, addr, 10*time.Second)
	if err := c.AddAuth("digest", []byte("super:test")); err != nil {
		t.Fatal(err)
	}
	return c
}

func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}

// populate writes every kind of node under base (several hundred txns).
func (e *compatEnv) populate(t *testing.T, base string) {
	t.Helper()
	c, live := e.writer, e.live
	create := func(conn *zk.Conn, path string, data []byte, flags int32, acl []zk.ACL) string {
		t.Helper()
		p, err := conn.Create(path, data, flags, acl)
		if err != nil {
			t.Fatalf("create %s: %v", path, err)
		}
		return p
	}
	create(c, base, []byte(base), 0, openACL)
	for i, n := range []int{0, 1, 100, 4096, 100 << 10, 900 << 10} {
		create(c, fmt.Sprintf("%s/size-%d", base, n), payload(n, byte(i)), 0, openACL)
	}
	create(c, base+"/empty-nil", nil, 0, openACL)
	// Ephemerals of the live session, plain and sequential.
	create(live, base+"/eph", []byte("live"), zk.FlagEphemeral, openACL)
	create(live, base+"/eph-seq-", []byte("live seq"), zk.FlagEphemeralSequential, openACL)
	// Sequential, container, TTL.
	for range 3 {
		create(c, base+"/seq-", []byte("seq"), zk.FlagSequence, openACL)
	}
	// (Through createContainer: Apache 3.8 answers a plain create with the
	// container flag with a persistent node whose txn digest it then finds
	// wrong itself.)
	for _, p := range []string{base + "/container", base + "/container-unused"} {
		if _, err := c.CreateContainer(p, []byte("c"), zk.FlagContainer, openACL); err != nil {
			t.Fatalf("createContainer %s: %v", p, err)
		}
	}
	create(c, base+"/container/child", []byte("in a container"), 0, openACL)
	if _, err := c.CreateTTL(base+"/ttl-short", nil, zk.FlagTTL, openACL, 200*time.Millisecond); err != nil {
		t.Fatalf("createTTL: %v", err)
	}
	create(c, base+"/ttl-short/child", nil, 0, openACL) // keeps it alive
	for _, p := range []string{base + "/ttl", base + "/ttl-seq-"} {
		flags := int32(zk.FlagTTL)
		if p == base+"/ttl-seq-" {
			flags = zk.FlagPersistentSequentialWithTTL
		}
		if _, err := c.CreateTTL(p, []byte("ttl"), flags, openACL, time.Hour); err != nil {
			t.Fatalf("createTTL %s: %v", p, err)
		}
	}
	// ACLs: digest, auth (the writer's digest id), ip, read-only, mixed.
	create(c, base+"/acl-digest", []byte("digest"), 0, zk.DigestACL(zk.PermAll, "user", "pass"))
	create(c, base+"/acl-auth", []byte("auth"), 0, zk.AuthACL(zk.PermRead|zk.PermWrite|zk.PermAdmin))
	create(c, base+"/acl-ip", []byte("ip"), 0, []zk.ACL{{Perms: zk.PermRead | zk.PermWrite, Scheme: "ip", ID: "127.0.0.1"}})
	create(c, base+"/acl-read", []byte("read only"), 0, zk.WorldACL(zk.PermRead))
	mixed := append(zk.WorldACL(zk.PermRead), zk.DigestACL(zk.PermAll, "other", "secret")...)
	create(c, base+"/acl-mixed", []byte("mixed"), 0, mixed)
	if _, err := c.SetACL(base+"/acl-auth", append(zk.AuthACL(zk.PermAll), zk.WorldACL(zk.PermRead)...), 0); err != nil {
		t.Fatalf("setACL: %v", err)
	}
	// A session that ends: its ephemeral goes with it.
	gone := connect(t, e.writer.Server(), 10*time.Second)
	create(gone, base+"/gone", nil, zk.FlagEphemeral, openACL)
	gone.Close()
	// Churn: creates, sets, deletes and multis, enough for several
	// snapshots and log files at snapCount 50.
	create(c, base+"/churn", nil, 0, openACL)
	for i := range 120 {
		p := fmt.Sprintf("%s/churn/n%d", base, i)
		create(c, p, fmt.Appendf(nil, "v0-%d", i), 0, openACL)
		if _, err := c.Set(p, fmt.Appendf(nil, "v1-%d", i), 0); err != nil {
			t.Fatalf("set %s: %v", p, err)
		}
		switch i % 4 {
		case 0:
			if err := c.Delete(p, 1); err != nil {
				t.Fatalf("delete %s: %v", p, err)
			}
		case 1:
			if _, err := c.Multi(
				&zk.SetDataRequest{Path: p, Data: fmt.Appendf(nil, "v2-%d", i), Version: 1},
				&zk.CreateRequest{Path: p + "-m", Data: []byte("multi"), Acl: openACL, Flags: zk.FlagSequence},
				&zk.CheckVersionRequest{Path: base + "/churn", Version: -1}); err != nil {
				t.Fatalf("multi on %s: %v", p, err)
			}
		}
	}
	// A failed multi and a failed request still take zxids (error txns).
	if _, err := c.Multi(&zk.CreateRequest{Path: base + "/never", Acl: openACL}, &zk.DeleteRequest{Path: base + "/nope", Version: -1}); err == nil {
		t.Fatal("multi with a missing node succeeded")
	}
	if _, err := c.Set(base+"/size-0", nil, 42); err != zk.ErrBadVersion {
		t.Fatalf("stale setData: %v", err)
	}
	e.bases = append(e.bases, base)
}

// checkTypes shows that container and TTL nodes kept their types, which a
// client's Stat does not show: once their last child goes, the server
// removes them; an unused container and a persistent parent stay.
func (e *compatEnv) checkTypes(t *testing.T, srv *testutil.ZKServer) {
	t.Helper()
	for _, base := range e.bases {
		for _, p := range []string{base + "/container/child", base + "/ttl-short/child", base + "/churn/n1"} {
			if err := e.writer.Delete(p, -1); err != nil {
				t.Fatalf("delete %s: %v", p, err)
			}
		}
		for _, p := range []string{base + "/container", base + "/ttl-short"} {
			if !testutil.WaitFor(func() bool { ok, _, err := e.writer.Exists(p); return err == nil && !ok }, 10*time.Second) {
				t.Fatalf("%s on %s: not removed once empty; it lost its type", p, srv.Kind)
			}
		}
		for _, p := range []string{base + "/container-unused", base + "/churn", base + "/ttl"} {
			if ok, _, err := e.writer.Exists(p); err != nil || !ok {
				t.Fatalf("%s on %s: gone (%v)", p, srv.Kind, err)
			}
		}
	}
	e.bases = nil
}

// state is what one server shows: its tree and sessions.
type state struct {
	tree tree
	dump dumpInfo
}

func capture(t *testing.T, srv *testutil.ZKServer, walker *zk.Conn) state {
	t.Helper()
	return state{tree: walkTree(t, walker), dump: dump(t, srv.Addr)}
}

// handOver kills from (with every client connected), starts the other kind
// on its port and data directory, and checks that it shows exactly what
// from showed and that the live session resumes. It returns the new server.
func (e *compatEnv) handOver(t *testing.T, from *testutil.ZKServer, before state) *testutil.ZKServer {
	t.Helper()
	_, hasBefore := e.watch.state()
	snaps, logs := len(listData(t, from.DataDir, "snapshot")), len(listData(t, from.DataDir, "log"))
	from.Kill()
	opts := compatOpts()
	opts.Port, opts.DataDir = from.Port, from.DataDir
	var to *testutil.ZKServer
	if from.Kind == zkproc.Apache {
		to = testutil.StartWharfZK(t, opts)
	} else {
		to = testutil.StartApacheZK(t, opts)
	}
	walker := superConn(t, to.Addr)
	after := capture(t, to, walker)
	requireSameTree(t, fmt.Sprintf("%s's data directory opened by %s", from.Kind, to.Kind), before.tree, after.tree)
	if got, want := after.dump.without(walker.SessionID()), before.dump.sessions; !maps.Equal(got, want) {
		t.Fatalf("%s restored sessions %x, %s had %x", to.Kind, slices.Sorted(maps.Keys(got)), from.Kind, slices.Sorted(maps.Keys(want)))
	}
	if !maps.EqualFunc(after.dump.ephemerals, before.dump.ephemerals, slices.Equal) {
		t.Fatalf("ephemerals by session: %s %v, %s %v", to.Kind, after.dump.ephemerals, from.Kind, before.dump.ephemerals)
	}
	// The live client finds its session on the new server, ephemerals and all.
	waitReconnected(t, e.live, e.watch, hasBefore, e.sid)
	owned := before.dump.ephemerals[e.sid]
	if len(owned) == 0 {
		t.Fatal("the live session owned no ephemerals")
	}
	for _, p := range owned {
		ok, st, err := e.live.Exists(p)
		if err != nil || !ok || st.EphemeralOwner != e.sid {
			t.Fatalf("%s after the handover: exists %v %v, owner 0x%x (want 0x%x)", p, ok, err, st.EphemeralOwner, e.sid)
		}
	}
	p := fmt.Sprintf("/resumed-on-%s-%d", to.Kind, hasBefore)
	if _, err := e.live.Create(p, nil, zk.FlagEphemeral, openACL); err != nil {
		t.Fatalf("resumed session writes on %s: %v", to.Kind, err)
	}
	requireNoDigestMismatch(t, to)
	if to.Kind == zkproc.Apache {
		// Apache compared the digest stored in Wharf's snapshot with the
		// tree it read (a mismatch would have counted above).
		requireLogHas(t, to, "The digest in the snapshot has digest version of 2")
	}
	e.checkTypes(t, to)
	t.Logf("%s opened %s's data directory (%d snapshots, %d logs): %d nodes, %d sessions identical",
		to.Kind, from.Kind, snaps, logs,
		len(after.tree), len(before.dump.sessions))
	return to
}

func newCompatEnv(t *testing.T, srv *testutil.ZKServer) *compatEnv {
	t.Helper()
	live, w := watchedConn(t, srv.Addr, liveTimeout)
	writer := connect(t, srv.Addr, liveTimeout)
	if err := writer.AddAuth("digest", []byte("user:pass")); err != nil {
		t.Fatal(err)
	}
	return &compatEnv{live: live, watch: w, sid: live.SessionID(), writer: writer}
}

// settle captures a server's state after checking that the directory holds
// several snapshots and log files, so that both are read on the other side.
func settle(t *testing.T, srv *testutil.ZKServer) state {
	t.Helper()
	if s, l := listData(t, srv.DataDir, "snapshot"), listData(t, srv.DataDir, "log"); len(s) < 3 || len(l) < 3 {
		t.Fatalf("%s wrote %d snapshots and %d logs; the test needs several of each", srv.Kind, len(s), len(l))
	}
	requireNoDigestMismatch(t, srv)
	return capture(t, srv, superConn(t, srv.Addr))
}

// TestApacheDataDirInWharf: Apache ZooKeeper 3.8 writes, is killed, Wharf
// takes over; Wharf writes more, is killed, and Apache takes the mixed
// directory back. A go-zookeeper and a kazoo session live through both.
func TestApacheDataDirInWharf(t *testing.T) {
	apache := testutil.StartApacheZK(t, compatOpts())
	e := newCompatEnv(t, apache)
	kz := startKazoo(t, apache.Addr, "/kazoo-eph")
	e.populate(t, "/by-apache")
	wharf := e.handOver(t, apache, settle(t, apache))
	kz.requireResumed(t, "wharf")
	e.populate(t, "/by-wharf")
	e.handOver(t, wharf, settle(t, wharf))
	kz.requireResumed(t, "zookeeper")
}

// TestWharfDataDirInApache: the reverse, from a directory Wharf created.
func TestWharfDataDirInApache(t *testing.T) {
	wharf := testutil.StartWharfZK(t, compatOpts())
	e := newCompatEnv(t, wharf)
	e.populate(t, "/by-wharf")
	e.handOver(t, wharf, settle(t, wharf))
}
