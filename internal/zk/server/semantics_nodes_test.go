package server

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// TestSequentialSuffix: the sequence suffix is the parent's stored cversion
// as %010d. ZooKeeper stores the number of child creates (a delete does not
// raise it) and shows clients 2*creates - children (DataNode.copyStat).
func TestSequentialSuffix(t *testing.T) {
	s := startServer(t, nil)
	r := rawSession(t, s.Addr().String(), 4000)
	r.mustCall(jute.OpCreate, createReq("/seq", "", 0), &jute.CreateResponse{}, jute.OK)
	steps := []struct {
		op    jute.OpCode
		path  string
		flags int32
		want  string
	}{
		{jute.OpCreate, "/seq/a-", jute.ModePersistentSequential, "/seq/a-0000000000"},
		{jute.OpCreate, "/seq/plain", 0, "/seq/plain"},
		{jute.OpCreate, "/seq/a-", jute.ModeEphemeralSequential, "/seq/a-0000000002"},
		{jute.OpDelete, "/seq/plain", 0, ""},
		{jute.OpCreate2, "/seq/", jute.ModePersistentSequential, "/seq/0000000003"},
		{jute.OpCreate, "/seq/a-", jute.ModePersistentSequential, "/seq/a-0000000004"},
	}
	for _, st := range steps {
		if st.op == jute.OpDelete {
			r.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: st.path, Version: -1}, nil, jute.OK)
			continue
		}
		var got string
		if st.op == jute.OpCreate2 {
			var cr jute.Create2Response
			r.mustCall(st.op, createReq(st.path, "", st.flags), &cr, jute.OK)
			got = cr.Path
		} else {
			var cr jute.CreateResponse
			r.mustCall(st.op, createReq(st.path, "", st.flags), &cr, jute.OK)
			got = cr.Path
		}
		if got != st.want {
			t.Fatalf("create %s (flags %d): %q, want %q", st.path, st.flags, got, st.want)
		}
	}
	// A sequential create under a missing parent is NoNode.
	r.mustCall(jute.OpCreate, createReq("/nope/a-", "", jute.ModePersistentSequential), nil, jute.NoNode)
	// Clients see 2*5 creates - 4 children.
	var ex jute.ExistsResponse
	r.mustCall(jute.OpExists, pw("/seq", false), &ex, jute.OK)
	if ex.Stat.Cversion != 6 || ex.Stat.NumChildren != 4 {
		t.Fatalf("/seq stat %+v", ex.Stat)
	}
}

// TestContainerNodes: a container is deleted once its last child goes
// (by the container check), never while it has none yet; clients see its
// ephemeralOwner as 0.
func TestContainerNodes(t *testing.T) {
	s := startServer(t, func(o *Options) { o.ContainerCheckInterval = 20 * time.Millisecond; o.TickTime = 1000 })
	r := rawSession(t, s.Addr().String(), 10000)
	w := rawSession(t, s.Addr().String(), 10000)
	var cr jute.Create2Response
	r.mustCall(jute.OpCreateContainer, createReq("/never-used", "", jute.ModeContainer), &cr, jute.OK)
	r.mustCall(jute.OpCreateContainer, createReq("/c", "d", jute.ModeContainer), &cr, jute.OK)
	if cr.Path != "/c" || cr.Stat.EphemeralOwner != 0 || cr.Stat.DataLength != 1 {
		t.Fatalf("createContainer reply %+v", cr)
	}
	// create (1) with the container flag makes a CreateTxn, which has no
	// container marker: the node is a plain persistent one (as in ZooKeeper).
	r.mustCall(jute.OpCreate, createReq("/c-by-create", "", jute.ModeContainer), &jute.CreateResponse{}, jute.OK)
	r.mustCall(jute.OpCreate, createReq("/c-by-create/x", "", 0), &jute.CreateResponse{}, jute.OK)
	r.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/c-by-create/x", Version: -1}, nil, jute.OK)

	r.mustCall(jute.OpCreate, createReq("/c/child", "", 0), &jute.CreateResponse{}, jute.OK)
	w.mustCall(jute.OpExists, pw("/c", true), &jute.ExistsResponse{}, jute.OK)
	r.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/c/child", Version: -1}, nil, jute.OK)
	if ev := w.waitEvent(); ev.Type != jute.EventNodeDeleted || ev.Path != "/c" {
		t.Fatalf("event %+v, want the container deleted", ev)
	}
	r.mustCall(jute.OpExists, pw("/c", false), nil, jute.NoNode)
	// The never-used container and the plain node survived the checks
	// that deleted /c.
	r.mustCall(jute.OpExists, pw("/c-by-create", false), &jute.ExistsResponse{}, jute.OK)
	var ex jute.ExistsResponse
	r.mustCall(jute.OpExists, pw("/never-used", false), &ex, jute.OK)
	if ex.Stat.EphemeralOwner != 0 || ex.Stat.Cversion != 0 {
		t.Fatalf("never-used container %+v", ex.Stat)
	}
}

// TestTTLNodes: TTL modes are Unimplemented unless extended types are
// enabled; with them, a bad TTL is BadArguments and a childless TTL node
// goes once its TTL has passed without a change.
func TestTTLNodes(t *testing.T) {
	plain := startServer(t, nil)
	r := rawSession(t, plain.Addr().String(), 4000)
	ttl := func(path string, flags int32, ttl int64) *jute.CreateTTLRequest {
		return &jute.CreateTTLRequest{Path: path, ACL: openACL, Flags: flags, TTL: ttl}
	}
	r.mustCall(jute.OpCreateTTL, ttl("/t", jute.ModePersistentWithTTL, 1000), nil, jute.Unimplemented)
	r.mustCall(jute.OpCreateTTL, ttl("/t", jute.ModePersistentSequentialWithTTL, 1000), nil, jute.Unimplemented)
	r.mustCall(jute.OpCreate, createReq("/t", "", jute.ModePersistentWithTTL), nil, jute.Unimplemented)
	r.mustCall(jute.OpExists, pw("/t", false), nil, jute.NoNode)

	ext := startServer(t, func(o *Options) {
		o.ExtendedTypes = true
		o.ContainerCheckInterval = 20 * time.Millisecond
		o.TickTime = 1000
	})
	r = rawSession(t, ext.Addr().String(), 10000)
	for _, bad := range []*jute.CreateTTLRequest{
		ttl("/t", jute.ModePersistentWithTTL, 0),
		ttl("/t", jute.ModePersistentWithTTL, -1),
		ttl("/t", jute.ModePersistentWithTTL, 0xFFFFFFFFFF+1),
		ttl("/t", jute.ModePersistent, 100),
		ttl("/t", jute.ModeEphemeral, 100),
	} {
		r.mustCall(jute.OpCreateTTL, bad, nil, jute.BadArguments)
	}
	// create (1) has no ttl field: a TTL flag there has ttl -1, which is bad.
	r.mustCall(jute.OpCreate, createReq("/t", "", jute.ModePersistentWithTTL), nil, jute.BadArguments)

	var cr jute.Create2Response
	r.mustCall(jute.OpCreateTTL, ttl("/t", jute.ModePersistentWithTTL, 150), &cr, jute.OK)
	if cr.Path != "/t" || cr.Stat.EphemeralOwner != 0 {
		t.Fatalf("createTTL reply %+v", cr)
	}
	r.mustCall(jute.OpCreateTTL, ttl("/t-seq-", jute.ModePersistentSequentialWithTTL, 60000), &cr, jute.OK)
	if cr.Path != "/t-seq-0000000001" || cr.Stat.EphemeralOwner != 0 {
		t.Fatalf("sequential TTL node %+v", cr)
	}
	long := cr.Path
	r.mustCall(jute.OpCreateTTL, ttl("/t-parent", jute.ModePersistentWithTTL, 50), &cr, jute.OK)
	r.mustCall(jute.OpCreate, createReq("/t-parent/kid", "", 0), &jute.CreateResponse{}, jute.OK)
	start := time.Now()
	r.mustCall(jute.OpExists, pw("/t", true), &jute.ExistsResponse{}, jute.OK)
	if ev := r.waitEvent(); ev.Type != jute.EventNodeDeleted || ev.Path != "/t" {
		t.Fatalf("event %+v, want /t deleted", ev)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("TTL node deleted after %v, before its 150ms TTL", d)
	}
	r.mustCall(jute.OpExists, pw(long, false), &jute.ExistsResponse{}, jute.OK)
	r.mustCall(jute.OpExists, pw("/t-parent", false), &jute.ExistsResponse{}, jute.OK)
}

// TestNoChildrenForEphemerals: ephemerals cannot have children, alone or
// in a multi.
func TestNoChildrenForEphemerals(t *testing.T) {
	s := startServer(t, nil)
	r := rawSession(t, s.Addr().String(), 4000)
	r.mustCall(jute.OpCreate, createReq("/eph", "", jute.ModeEphemeral), &jute.CreateResponse{}, jute.OK)
	for _, flags := range []int32{0, jute.ModeEphemeral, jute.ModePersistentSequential, jute.ModeEphemeralSequential} {
		r.mustCall(jute.OpCreate, createReq("/eph/c", "", flags), nil, jute.NoChildrenForEphemerals)
	}
	r.mustCall(jute.OpCreateContainer, createReq("/eph/c", "", jute.ModeContainer), nil, jute.NoChildrenForEphemerals)
	var mr jute.MultiResponse
	r.mustCall(jute.OpMulti, &jute.MultiRequest{Ops: []jute.MultiOp{
		{Type: jute.OpCreate, Op: createReq("/eph2", "", jute.ModeEphemeral)},
		{Type: jute.OpCreate, Op: createReq("/eph2/c", "", 0)},
	}}, &mr, jute.OK)
	if len(mr.Results) != 2 || mr.Results[0].Err != 0 || mr.Results[1].Err != int32(jute.NoChildrenForEphemerals) {
		t.Fatalf("multi results %+v", mr.Results)
	}
	r.mustCall(jute.OpExists, pw("/eph2", false), nil, jute.NoNode)
}

// TestCountingAndEphemeralReads: getAllChildrenNumber counts every node
// below a path; getEphemerals lists the session's own ephemerals by prefix.
func TestCountingAndEphemeralReads(t *testing.T) {
	s := startServer(t, nil)
	r := rawSession(t, s.Addr().String(), 4000)
	other := rawSession(t, s.Addr().String(), 4000)
	for _, p := range []string{"/a", "/a/b", "/a/b/c", "/a/d", "/e"} {
		r.mustCall(jute.OpCreate, createReq(p, "", 0), &jute.CreateResponse{}, jute.OK)
	}
	for _, p := range []string{"/e/a1", "/e/a2", "/e/b1", "/x1", "/a/eph"} {
		r.mustCall(jute.OpCreate, createReq(p, "", jute.ModeEphemeral), &jute.CreateResponse{}, jute.OK)
	}
	other.mustCall(jute.OpCreate, createReq("/e/a3", "", jute.ModeEphemeral), &jute.CreateResponse{}, jute.OK)
	for path, want := range map[string]int32{
		"/a": 4, "/a/b": 1, "/a/b/c": 0, "/e": 4,
		// The root counts everything but itself, /zookeeper's three included.
		"/": 3 + 5 + 6, "/zookeeper": 2,
	} {
		var n jute.GetAllChildrenNumberResponse
		r.mustCall(jute.OpGetAllChildrenNumber, &jute.PathRequest{Path: path}, &n, jute.OK)
		if n.Value != want {
			t.Errorf("getAllChildrenNumber(%s) = %d, want %d", path, n.Value, want)
		}
	}
	r.mustCall(jute.OpGetAllChildrenNumber, &jute.PathRequest{Path: "/missing"}, nil, jute.NoNode)

	all := []string{"/a/eph", "/e/a1", "/e/a2", "/e/b1", "/x1"}
	for prefix, want := range map[string][]string{
		"/": all, "": all, "  ": all, "/e/a": {"/e/a1", "/e/a2"}, "/e": {"/e/a1", "/e/a2", "/e/b1"},
		"/nothing": {}, "/x": {"/x1"},
	} {
		var eph jute.GetEphemeralsResponse
		r.mustCall(jute.OpGetEphemerals, &jute.PathRequest{Path: prefix}, &eph, jute.OK)
		got := slices.Sorted(slices.Values(eph.Strings))
		if len(got) != len(want) || (len(want) > 0 && !slices.Equal(got, want)) {
			t.Errorf("getEphemerals(%q) = %q, want %q", prefix, eph.Strings, want)
		}
	}
	var eph jute.GetEphemeralsResponse
	other.mustCall(jute.OpGetEphemerals, &jute.PathRequest{Path: "/"}, &eph, jute.OK)
	if !slices.Equal(eph.Strings, []string{"/e/a3"}) {
		t.Errorf("other session's ephemerals %q", eph.Strings)
	}
}

// TestSystemNodes: /zookeeper, /zookeeper/quota and /zookeeper/config
// exist from the start with ZooKeeper's Stats and ACLs.
func TestSystemNodes(t *testing.T) {
	s := startServer(t, nil)
	r := rawSession(t, s.Addr().String(), 4000)
	var gc jute.GetChildren2Response
	r.mustCall(jute.OpGetChildren2, pw("/zookeeper", false), &gc, jute.OK)
	if !slices.Equal(slices.Sorted(slices.Values(gc.Children)), []string{"config", "quota"}) ||
		gc.Stat != (jute.Stat{NumChildren: 2, Cversion: -2}) { // 2*0 creates - 2 children
		t.Fatalf("/zookeeper: %q %+v", gc.Children, gc.Stat)
	}
	r.mustCall(jute.OpGetChildren2, pw("/", false), &gc, jute.OK)
	if !slices.Equal(gc.Children, []string{"zookeeper"}) || gc.Stat != (jute.Stat{NumChildren: 1, Cversion: -1}) {
		t.Fatalf("/: %q %+v", gc.Children, gc.Stat)
	}
	// /zookeeper/config got its READ-only ACL through DataTree.setACL with
	// version -1, which stores -1 as the aversion.
	for p, want := range map[string]jute.Stat{"/zookeeper/quota": {}, "/zookeeper/config": {Aversion: -1}} {
		var gd jute.GetDataResponse
		r.mustCall(jute.OpGetData, pw(p, false), &gd, jute.OK)
		if len(gd.Data) != 0 || gd.Stat != want {
			t.Errorf("%s: %q %+v, want %+v", p, gd.Data, gd.Stat, want)
		}
	}
	var ga jute.GetACLResponse
	r.mustCall(jute.OpGetACL, &jute.PathRequest{Path: "/zookeeper/config"}, &ga, jute.OK)
	if !slices.Equal(ga.ACL, []jute.ACL{aclOf(jute.PermRead, "world", "anyone")}) {
		t.Errorf("/zookeeper/config ACL %+v", ga.ACL)
	}
	r.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/zookeeper/config", Version: -1}, nil, jute.NoAuth)
	r.mustCall(jute.OpGetACL, &jute.PathRequest{Path: "/zookeeper"}, &ga, jute.OK)
	if !slices.Equal(ga.ACL, openACL) {
		t.Errorf("/zookeeper ACL %+v", ga.ACL)
	}
	// The root can never go.
	r.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/", Version: -1}, nil, jute.BadArguments)
	r.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/zookeeper", Version: -1}, nil, jute.BadArguments)
}

// TestDataUpToMaxBuffer: a request frame of exactly jute.maxbuffer bytes
// is served, data and all.
func TestDataUpToMaxBuffer(t *testing.T) {
	s := startServer(t, nil)
	r := rawSession(t, s.Addr().String(), 4000)
	frameLen := len(request(1, jute.OpCreate, createReq("/big", "", 0)))
	data := bytes.Repeat([]byte("z"), jute.MaxBuffer-frameLen)
	req := &jute.CreateRequest{Path: "/big", Data: data, ACL: openACL}
	if n := len(request(1, jute.OpCreate, req)); n != jute.MaxBuffer {
		t.Fatalf("frame %d bytes, want %d", n, jute.MaxBuffer)
	}
	r.mustCall(jute.OpCreate, req, &jute.CreateResponse{}, jute.OK)
	var gd jute.GetDataResponse
	r.mustCall(jute.OpGetData, pw("/big", false), &gd, jute.OK)
	if !bytes.Equal(gd.Data, data) || gd.Stat.DataLength != int32(len(data)) {
		t.Fatalf("read back %d bytes, stat %+v", len(gd.Data), gd.Stat)
	}
	// setData of the same size works too; one byte more is a frame too
	// long, which closes the connection.
	sd := &jute.SetDataRequest{Path: "/big", Data: data[:len(data)-4], Version: -1}
	if n := len(request(1, jute.OpSetData, sd)); n > jute.MaxBuffer {
		t.Fatalf("setData frame %d", n)
	}
	r.mustCall(jute.OpSetData, sd, &jute.SetDataResponse{}, jute.OK)
	over := &jute.CreateRequest{Path: "/big2", Data: append(data, 'z'), ACL: openACL}
	// The server closes on reading the length, so the write itself may fail.
	r.writeFrame(request(r.nextXid(), jute.OpCreate, over))
	if frames := r.expectClosed(); len(frames) != 0 {
		t.Fatalf("over-long frame answered: %d frames", len(frames))
	}
	r2 := rawSession(t, s.Addr().String(), 4000)
	r2.mustCall(jute.OpExists, pw("/big2", false), nil, jute.NoNode)
}
