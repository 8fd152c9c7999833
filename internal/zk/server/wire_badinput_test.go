package server

import (
	"bytes"
	"encoding/binary"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// liveConns is how many client connections the server holds.
func liveConns(s *Server) int {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return len(s.conns)
}

// TestHostileFrameLengths: a frame length above jute.maxbuffer, or
// negative, closes the connection before anything is allocated for it,
// whether it comes first or after the handshake; other clients never notice.
func TestHostileFrameLengths(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	addr := s.Addr().String()
	healthy := rawSession(t, addr, 10000)
	for _, n := range []uint32{0x7fffffff, 0xffffffff, 0x80000000, jute.MaxBuffer + 1, 0x10000000} {
		for _, afterHandshake := range []bool{false, true} {
			var c *rawConn
			if afterHandshake {
				c = rawSession(t, addr, 10000)
			} else {
				c = rawDial(t, addr)
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, err := c.nc.Write(binary.BigEndian.AppendUint32(nil, n)); err != nil {
				t.Fatal(err)
			}
			if frames := c.expectClosed(); len(frames) != 0 {
				t.Fatalf("length %#x: got %d frames, want the connection closed", n, len(frames))
			}
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
				t.Fatalf("length %#x (after handshake %v): the process allocated %d bytes", n, afterHandshake, grew)
			}
			healthy.mustCall(jute.OpExists, pw("/", false), &jute.ExistsResponse{}, jute.OK)
		}
	}
}

// TestMalformedConnectRequest: a first frame that is not a ConnectRequest
// closes the connection without an answer.
func TestMalformedConnectRequest(t *testing.T) {
	s := startServer(t, nil)
	full := jute.Marshal(&jute.ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16)})
	for name, frame := range map[string][]byte{
		"empty":            {},
		"three bytes":      {1, 2, 3},
		"cut in the long":  full[:10],
		"cut in passwd":    full[:30],
		"passwd too long":  append(full[:24:24], 0x7f, 0, 0, 0),
		"negative passwd":  append(full[:24:24], 0xff, 0xff, 0xff, 0xf0),
		"request header":   request(1, jute.OpGetData, pw("/", false)),
		"ping as a header": request(jute.XidPing, jute.OpPing, nil),
	} {
		c := rawDial(t, s.Addr().String())
		if err := c.writeFrame(frame); err != nil {
			t.Fatal(err)
		}
		if frames := c.expectClosed(); len(frames) != 0 {
			t.Errorf("%s: answered %x, want the connection closed", name, frames)
		}
	}
	// A ConnectRequest with trailing bytes beyond readOnly is still one.
	c := rawDial(t, s.Addr().String())
	req := jute.ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16), HasReadOnly: true}
	if err := c.writeFrame(append(jute.Marshal(&req), 0xde, 0xad)); err != nil {
		t.Fatal(err)
	}
	if b, err := c.readFrame(); err != nil || len(b) != 37 {
		t.Fatalf("ConnectRequest with trailing bytes: %x %v", b, err)
	}
}

// TestUnknownAndInvalidOpcodes: an opcode ZooKeeper does not serve as a
// request (unknown, notification 0, the multi-only check 13, the internal
// createSession) is answered Unimplemented at zxid -1 and the connection is
// closed (UnimplementedRequestProcessor).
func TestUnknownAndInvalidOpcodes(t *testing.T) {
	s := startServer(t, nil)
	healthy := rawSession(t, s.Addr().String(), 4000)
	for _, op := range []jute.OpCode{999, -999, jute.OpNotification, jute.OpCheck, jute.OpSASL + 1000, jute.OpError,
		jute.OpCreateSession, jute.OpDeleteContainer + 50} {
		c := rawSession(t, s.Addr().String(), 4000)
		c.mustCall(jute.OpExists, pw("/", false), &jute.ExistsResponse{}, jute.OK)
		xid := c.send(op, &jute.PathVersionRequest{Path: "/", Version: -1})
		rep, err := c.next()
		if err != nil {
			t.Fatalf("opcode %d: %v", op, err)
		}
		if rep.Hdr != (jute.ReplyHeader{Xid: xid, Zxid: -1, Err: int32(jute.Unimplemented)}) || len(rep.Body) != 0 {
			t.Fatalf("opcode %d: reply %+v %x", op, rep.Hdr, rep.Body)
		}
		if frames := c.expectClosed(); len(frames) != 0 {
			t.Fatalf("opcode %d: frames after Unimplemented: %x", op, frames)
		}
		healthy.mustCall(jute.OpExists, pw("/", false), &jute.ExistsResponse{}, jute.OK)
	}
}

// TestMalformedBodies: a request whose body does not decode is answered
// MarshallingError and the session goes on; a multi that does not decode
// takes a zxid (ZooKeeper 3.9 logs an error txn for it), other writes and
// reads do not. A read with a null path is a MarshallingError too (ZooKeeper
// fails on the null), as are unknown watcher types and addWatch modes.
func TestMalformedBodies(t *testing.T) {
	s := startServer(t, nil)
	c := rawSession(t, s.Addr().String(), 4000)
	c.mustCall(jute.OpCreate, createReq("/n", "", 0), &jute.CreateResponse{}, jute.OK)
	null := []byte{0xff, 0xff, 0xff, 0xff}
	cases := []struct {
		name    string
		op      jute.OpCode
		body    []byte
		newZxid bool
	}{
		{"truncated create", jute.OpCreate, []byte{0, 0, 0, 2, '/'}, false},
		{"create cut after the path", jute.OpCreate, []byte{0, 0, 0, 2, '/', 'x'}, false},
		{"setData with a negative data length", jute.OpSetData, []byte{0, 0, 0, 2, '/', 'n', 0xff, 0xff, 0xff, 0xf0}, false},
		{"delete without a version", jute.OpDelete, []byte{0, 0, 0, 2, '/', 'n'}, false},
		{"setACL with a huge ACL count", jute.OpSetACL, []byte{0, 0, 0, 2, '/', 'n', 0x7f, 0, 0, 0}, false},
		{"getData without a body", jute.OpGetData, nil, false},
		{"exists without the watch flag", jute.OpExists, []byte{0, 0, 0, 1, '/'}, false},
		{"sync without a body", jute.OpSync, nil, false},
		{"setWatches cut short", jute.OpSetWatches, []byte{0, 0, 0, 0}, false},
		// ZooKeeper iterates the lists: a null one is a NullPointerException.
		{"setWatches with null lists", jute.OpSetWatches, jute.Marshal(&jute.SetWatches{}), false},
		{"setWatches2 with a null persistent list", jute.OpSetWatches2, jute.Marshal(&jute.SetWatches{V2: true,
			DataWatches: []string{}, ExistWatches: []string{}, ChildWatches: []string{}, PersistentRecursiveWatches: []string{}}), false},
		{"multi without a body", jute.OpMulti, nil, true},
		{"multi with an unknown op", jute.OpMulti, []byte{0, 0, 0, 99, 0, 0xff, 0xff, 0xff, 0xff}, true},
		{"multi cut inside an op", jute.OpMulti, append([]byte{0, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff}, 0, 0, 0, 9, '/'), true},
		{"multiRead without a body", jute.OpMultiRead, nil, false},
		{"exists with a null path", jute.OpExists, append(null, 0), false},
		{"getData with a null path", jute.OpGetData, append(null, 0), false},
		{"getChildren with a null path", jute.OpGetChildren, append(null, 0), false},
		{"getChildren2 with a null path", jute.OpGetChildren2, append(null, 1), false},
		{"getACL with a null path", jute.OpGetACL, null, false},
		{"getAllChildrenNumber with a null path", jute.OpGetAllChildrenNumber, null, false},
		{"checkWatches with type 0", jute.OpCheckWatches, jute.Marshal(&jute.PathTypeRequest{Path: "/n", Type: 0}), false},
		{"removeWatches with type 6", jute.OpRemoveWatches, jute.Marshal(&jute.PathTypeRequest{Path: "/n", Type: 6}), false},
		{"addWatch with mode 2", jute.OpAddWatch, jute.Marshal(&jute.PathTypeRequest{Path: "/n", Type: 2}), false},
		{"addWatch with mode -1", jute.OpAddWatch, jute.Marshal(&jute.PathTypeRequest{Path: "/n", Type: -1}), false},
	}
	for _, tc := range cases {
		before := c.ping().Zxid
		xid := c.nextXid()
		if err := c.writeFrame(append(request(xid, tc.op, nil), tc.body...)); err != nil {
			t.Fatal(err)
		}
		rep := c.await(xid)
		want := before
		if tc.newZxid {
			want = before + 1
		}
		if rep.Hdr.Err != int32(jute.MarshallingError) || rep.Hdr.Zxid != want || len(rep.Body) != 0 {
			t.Errorf("%s: reply %+v %x, want MarshallingError at zxid %#x", tc.name, rep.Hdr, rep.Body, want)
		}
	}
	// The session is fine, the tree unchanged, and the addWatch with a bad
	// mode registered nothing.
	var gc jute.GetChildrenResponse
	c.mustCall(jute.OpGetChildren, pw("/", false), &gc, jute.OK)
	if len(gc.Strings) != 2 {
		t.Fatalf("root children %q", gc.Strings)
	}
	c.mustCall(jute.OpCheckWatches, &jute.PathTypeRequest{Path: "/n", Type: jute.WatcherAny}, nil, jute.NoWatcher)
	// A malformed request header (fewer than 8 bytes) ends the connection.
	if err := c.writeFrame([]byte{0, 0, 0, 1, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if frames := c.expectClosed(); len(frames) != 0 {
		t.Fatalf("short header answered %x", frames)
	}
}

// TestStalledClientDoesNotDelayOthers: a client that asks for a large node
// again and again and never reads fills only its own buffer; another
// client's requests stay fast, and the stalled client is dropped when its
// unread output passes the limit.
func TestStalledClientDoesNotDelayOthers(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000; o.MaxOutBuffer = 8 << 20 })
	addr := s.Addr().String()
	w := rawSession(t, addr, 10000)
	big := bytes.Repeat([]byte("x"), 512<<10)
	w.mustCall(jute.OpCreate, &jute.CreateRequest{Path: "/big", Data: big, ACL: openACL}, &jute.CreateResponse{}, jute.OK)
	w.mustCall(jute.OpCreate, &jute.CreateRequest{Path: "/other", Data: big[:256<<10], ACL: openACL}, &jute.CreateResponse{}, jute.OK)

	stalled := rawSession(t, addr, 10000)
	if tc, ok := stalled.nc.(*net.TCPConn); ok {
		tc.SetReadBuffer(4 << 10)
	}
	// 200 requests for 100 MB of replies, written without reading any.
	var burst bytes.Buffer
	for i := range 200 {
		f := request(int32(i+1), jute.OpGetData, pw("/big", false))
		burst.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f))))
		burst.Write(f)
	}
	stalled.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	go stalled.nc.Write(burst.Bytes())

	other := rawSession(t, addr, 10000)
	start := time.Now()
	var slowest time.Duration
	for i := range 300 {
		t0 := time.Now()
		if i%2 == 0 {
			other.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/other", Data: big[:256<<10-i], Version: -1}, &jute.SetDataResponse{}, jute.OK)
		} else {
			var gd jute.GetDataResponse
			other.mustCall(jute.OpGetData, pw("/other", false), &gd, jute.OK)
			if len(gd.Data) != 256<<10-i+1 {
				t.Fatalf("read %d bytes", len(gd.Data))
			}
		}
		slowest = max(slowest, time.Since(t0))
	}
	if slowest > time.Second {
		t.Fatalf("slowest request of the healthy client took %v while another client stalled", slowest)
	}
	t.Logf("300 requests in %v, slowest %v", time.Since(start), slowest)
	// Only the stalled connection goes: w, other and the stalled one were
	// open; two stay.
	waitUntil(t, 10*time.Second, "the stalled client to be dropped", func() bool { return liveConns(s) == 2 })
	other.mustCall(jute.OpExists, pw("/big", false), &jute.ExistsResponse{}, jute.OK)
	w.mustCall(jute.OpExists, pw("/big", false), &jute.ExistsResponse{}, jute.OK)
}

// TestMaxClientCnxnsPerIP: connections beyond maxClientCnxns from one
// address are closed at once; a slot that frees up can be used again.
func TestMaxClientCnxnsPerIP(t *testing.T) {
	s := startServer(t, func(o *Options) { o.MaxClientCnxns = 3 })
	addr := s.Addr().String()
	var conns []*rawConn
	for range 3 {
		conns = append(conns, rawSession(t, addr, 4000))
	}
	for range 2 {
		extra := rawDial(t, addr)
		extra.writeFrame(jute.Marshal(&jute.ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16)}))
		if frames := extra.expectClosed(); len(frames) != 0 {
			t.Fatalf("connection over the limit answered %x", frames)
		}
	}
	for _, c := range conns {
		c.mustCall(jute.OpExists, pw("/", false), &jute.ExistsResponse{}, jute.OK)
	}
	conns[0].nc.Close()
	waitUntil(t, 5*time.Second, "a slot to free", func() bool { return liveConns(s) == 2 })
	again := rawSession(t, addr, 4000)
	again.mustCall(jute.OpExists, pw("/", false), &jute.ExistsResponse{}, jute.OK)
}

// TestSASLWithoutSASL: a server with no SASL configured answers a sasl
// packet at once with a null token and zxid 0 and keeps the connection, as
// ZooKeeperServer.processSasl does when the connection has no SaslServer.
func TestSASLWithoutSASL(t *testing.T) {
	s := startServer(t, nil)
	c := rawSession(t, s.Addr().String(), 4000)
	xid := c.nextXid()
	if err := c.writeFrame(request(xid, jute.OpSASL, &jute.SASLToken{Token: []byte("token")})); err != nil {
		t.Fatal(err)
	}
	rep := c.await(xid)
	if rep.Hdr != (jute.ReplyHeader{Xid: xid}) || !bytes.Equal(rep.Body, []byte{0xff, 0xff, 0xff, 0xff}) {
		t.Fatalf("sasl reply %+v %x, want a null token", rep.Hdr, rep.Body)
	}
	c.mustCall(jute.OpExists, pw("/", false), &jute.ExistsResponse{}, jute.OK)
	// A sasl packet that does not decode ends the connection.
	if err := c.writeFrame(request(c.nextXid(), jute.OpSASL, nil)); err != nil {
		t.Fatal(err)
	}
	if frames := c.expectClosed(); len(frames) != 0 {
		t.Fatalf("undecodable sasl answered %x", frames)
	}
}
