package server

import (
	"bytes"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
	"github.com/wharf-project/wharf/internal/zk/session"
)

// TestSessionTimeoutNegotiation: the granted timeout is the asked one
// clamped to [minSessionTimeout, maxSessionTimeout] (2 and 20 ticks by
// default, or as configured).
func TestSessionTimeoutNegotiation(t *testing.T) {
	def := startServer(t, nil) // tickTime 200: [400, 4000]
	custom := startServer(t, func(o *Options) { o.MinSessionTimeout = 1000; o.MaxSessionTimeout = 3000 })
	for _, tc := range []struct {
		srv       *Server
		ask, want int32
	}{
		{def, 0, 400}, {def, 100, 400}, {def, 400, 400}, {def, 2500, 2500}, {def, 4000, 4000},
		{def, 4001, 4000}, {def, 1 << 30, 4000}, {def, -5, 400},
		{custom, 500, 1000}, {custom, 2000, 2000}, {custom, 9000, 3000},
	} {
		r := rawDial(t, tc.srv.Addr().String())
		resp, err := r.handshake(jute.ConnectRequest{TimeOut: tc.ask, Passwd: make([]byte, 16), HasReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if resp.TimeOut != tc.want || resp.SessionID == 0 {
			t.Errorf("asked %d (min %d, max %d): granted %d, session %#x", tc.ask,
				tc.srv.opts.MinSessionTimeout, tc.srv.opts.MaxSessionTimeout, resp.TimeOut, resp.SessionID)
		}
		// A standalone ZooKeeperServer stamps session ids with server id 1
		// (createSessionTrackerServerId), whatever myid says.
		if resp.SessionID>>56 != 1 {
			t.Errorf("session id %#x: top byte is not 1", resp.SessionID)
		}
		if want := session.Password(resp.SessionID); !bytes.Equal(resp.Passwd, want) {
			t.Errorf("password %x, want %x", resp.Passwd, want)
		}
		r.closeSession()
	}
}

// TestConnectReadOnlyByteMirrored: a ConnectRequest with the trailing
// readOnly byte gets a ConnectResponse with one; an old-style request
// (go-zookeeper's) gets one without (ZOOKEEPER-4814).
func TestConnectReadOnlyByteMirrored(t *testing.T) {
	s := startServer(t, nil)
	for _, withRO := range []bool{true, false} {
		r := rawDial(t, s.Addr().String())
		req := jute.ConnectRequest{TimeOut: 2000, Passwd: make([]byte, 16), HasReadOnly: withRO}
		frame := jute.Marshal(&req)
		if want := map[bool]int{true: 45, false: 44}[withRO]; len(frame) != want {
			t.Fatalf("request is %d bytes, want %d", len(frame), want)
		}
		if err := r.writeFrame(frame); err != nil {
			t.Fatal(err)
		}
		b, err := r.readFrame()
		if err != nil {
			t.Fatal(err)
		}
		// protocolVersion, timeOut, sessionId, passwd (4+16) [, readOnly]
		want := 4 + 4 + 8 + 4 + 16
		if withRO {
			want++
		}
		if len(b) != want {
			t.Fatalf("readOnly %v: response is %d bytes (%x), want %d", withRO, len(b), b, want)
		}
		var resp jute.ConnectResponse
		if err := decodeExact(b, &resp); err != nil {
			t.Fatal(err)
		}
		if resp.ProtocolVersion != 0 || resp.TimeOut != 2000 || resp.HasReadOnly != withRO || resp.ReadOnly {
			t.Fatalf("readOnly %v: %+v", withRO, resp)
		}
		// The session works either way.
		r.mustCall(jute.OpExists, pw("/", false), &jute.ExistsResponse{}, jute.OK)
	}
}

// TestReconnectWrongPassword: the right session id with a wrong password
// gets ConnectResponse{timeOut 0, sessionId 0, 16 zero bytes} and the
// connection is closed. As in ZooKeeper (processConnectRequest closes the
// session's current connection before reopenSession checks the password),
// the session's old connection is closed too; the session itself lives.
func TestReconnectWrongPassword(t *testing.T) {
	s := startServer(t, nil)
	r1 := rawSession(t, s.Addr().String(), 4000)
	r1.mustCall(jute.OpCreate, createReq("/eph", "", jute.ModeEphemeral), &jute.CreateResponse{}, jute.OK)
	bad := append([]byte(nil), r1.resp.Passwd...)
	bad[0] ^= 0xff
	for _, withRO := range []bool{true, false} {
		r2 := rawDial(t, s.Addr().String())
		resp, err := r2.handshake(jute.ConnectRequest{TimeOut: 4000, SessionID: r1.resp.SessionID, Passwd: bad, HasReadOnly: withRO})
		if err != nil {
			t.Fatal(err)
		}
		want := jute.ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: withRO}
		if resp.TimeOut != 0 || resp.SessionID != 0 || !bytes.Equal(resp.Passwd, want.Passwd) || resp.HasReadOnly != withRO {
			t.Fatalf("wrong password: %+v, want %+v", resp, want)
		}
		if frames := r2.expectClosed(); len(frames) != 0 {
			t.Fatalf("frames after the refusal: %x", frames)
		}
	}
	r1.expectClosed()
	// The session is still alive: resume it with the right password.
	r3 := rawDial(t, s.Addr().String())
	resp, err := r3.handshake(jute.ConnectRequest{TimeOut: 4000, SessionID: r1.resp.SessionID, Passwd: r1.resp.Passwd, HasReadOnly: true})
	if err != nil || resp.SessionID != r1.resp.SessionID {
		t.Fatalf("resume: %+v %v", resp, err)
	}
	var eph jute.GetEphemeralsResponse
	r3.mustCall(jute.OpGetEphemerals, &jute.PathRequest{Path: "/"}, &eph, jute.OK)
	if len(eph.Strings) != 1 || eph.Strings[0] != "/eph" {
		t.Fatalf("ephemerals after resume: %q", eph.Strings)
	}
}

// TestSessionMovesToNewConnection: resuming a session on a new connection
// closes the old one (CLIENT_RECONNECT); the session, its ephemerals and
// its zxid view carry over, and the new timeout is the one negotiated now.
func TestSessionMovesToNewConnection(t *testing.T) {
	s := startServer(t, nil)
	r1 := rawSession(t, s.Addr().String(), 4000)
	var cr jute.Create2Response
	h := r1.mustCall(jute.OpCreate2, createReq("/moved", "", jute.ModeEphemeral), &cr, jute.OK)
	if cr.Stat.EphemeralOwner != r1.resp.SessionID {
		t.Fatalf("ephemeralOwner %#x, session %#x", cr.Stat.EphemeralOwner, r1.resp.SessionID)
	}
	r2 := rawDial(t, s.Addr().String())
	resp, err := r2.handshake(jute.ConnectRequest{LastZxidSeen: h.Zxid, TimeOut: 1000,
		SessionID: r1.resp.SessionID, Passwd: r1.resp.Passwd, HasReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.SessionID != r1.resp.SessionID || resp.TimeOut != 1000 || !bytes.Equal(resp.Passwd, r1.resp.Passwd) {
		t.Fatalf("resumed: %+v", resp)
	}
	if frames := r1.expectClosed(); len(frames) != 0 {
		t.Fatalf("old connection got %d frames before closing", len(frames))
	}
	var ex jute.ExistsResponse
	r2.mustCall(jute.OpExists, pw("/moved", false), &ex, jute.OK)
	if ex.Stat.EphemeralOwner != r1.resp.SessionID {
		t.Fatalf("ephemeral lost its owner: %+v", ex.Stat)
	}
	// The session's writes continue on the new connection.
	r2.mustCall(jute.OpDelete, &jute.PathVersionRequest{Path: "/moved", Version: -1}, nil, jute.OK)
}

// TestSessionExpiry: a silent session expires after its timeout; its
// ephemerals are deleted with one closeSession txn whose events reach other
// clients' watches; its connection is closed; resuming it afterwards gets
// the expired answer.
func TestSessionExpiry(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 100 })
	addr := s.Addr().String()
	doomed := rawSession(t, addr, 300)
	watcher := rawSession(t, addr, 2000)
	watcher.mustCall(jute.OpCreate, createReq("/parent", "", 0), &jute.CreateResponse{}, jute.OK)
	doomed.mustCall(jute.OpCreate, createReq("/e1", "", jute.ModeEphemeral), &jute.CreateResponse{}, jute.OK)
	doomed.mustCall(jute.OpCreate, createReq("/parent/e2", "", jute.ModeEphemeral), &jute.CreateResponse{}, jute.OK)
	watcher.mustCall(jute.OpExists, pw("/e1", true), &jute.ExistsResponse{}, jute.OK)
	watcher.mustCall(jute.OpGetData, pw("/parent/e2", true), &jute.GetDataResponse{}, jute.OK)
	watcher.mustCall(jute.OpGetChildren, pw("/parent", true), &jute.GetChildrenResponse{}, jute.OK)
	lastWrite := watcher.ping().Zxid
	start := time.Now()

	got := map[string]rawEvent{}
	for len(got) < 3 {
		ev := watcher.waitEvent()
		got[ev.Path+" "+map[int32]string{2: "deleted", 4: "children"}[ev.Type]] = ev
	}
	elapsed := time.Since(start)
	if elapsed < 200*time.Millisecond {
		t.Fatalf("expired after %v, before its 300ms timeout", elapsed)
	}
	for _, k := range []string{"/e1 deleted", "/parent/e2 deleted", "/parent children"} {
		ev, ok := got[k]
		if !ok {
			t.Fatalf("events %+v: missing %s", got, k)
		}
		if ev.Zxid != lastWrite+1 {
			t.Fatalf("%s at zxid %#x, want the closeSession txn's %#x", k, ev.Zxid, lastWrite+1)
		}
	}
	watcher.mustCall(jute.OpExists, pw("/e1", false), nil, jute.NoNode)
	var gc jute.GetChildren2Response
	watcher.mustCall(jute.OpGetChildren2, pw("/parent", false), &gc, jute.OK)
	if len(gc.Children) != 0 || gc.Stat.Pzxid != lastWrite+1 {
		t.Fatalf("/parent after expiry: %q %+v", gc.Children, gc.Stat)
	}
	doomed.expectClosed()

	// Resuming the expired session: the expired answer, then close.
	again := rawDial(t, addr)
	resp, err := again.handshake(jute.ConnectRequest{LastZxidSeen: lastWrite, TimeOut: 300,
		SessionID: doomed.resp.SessionID, Passwd: doomed.resp.Passwd, HasReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.TimeOut != 0 || resp.SessionID != 0 || !bytes.Equal(resp.Passwd, make([]byte, 16)) {
		t.Fatalf("resuming an expired session: %+v", resp)
	}
	again.expectClosed()
}

// TestConnectZxidAhead: a client that has seen a zxid this server has not
// is refused: the connection is closed without a ConnectResponse.
func TestConnectZxidAhead(t *testing.T) {
	s := startServer(t, nil)
	r := rawSession(t, s.Addr().String(), 4000)
	last := r.ping().Zxid
	for _, ahead := range []int64{last + 1, 1 << 40} {
		c := rawDial(t, s.Addr().String())
		if err := c.writeFrame(jute.Marshal(&jute.ConnectRequest{LastZxidSeen: ahead, TimeOut: 4000,
			Passwd: make([]byte, 16), HasReadOnly: true})); err != nil {
			t.Fatal(err)
		}
		if frames := c.expectClosed(); len(frames) != 0 {
			t.Fatalf("lastZxidSeen %#x > %#x: got %x, want the connection closed", ahead, last, frames)
		}
	}
	// Equal is fine.
	c := rawDial(t, s.Addr().String())
	resp, err := c.handshake(jute.ConnectRequest{LastZxidSeen: last, TimeOut: 4000, Passwd: make([]byte, 16), HasReadOnly: true})
	if err != nil || resp.SessionID == 0 {
		t.Fatalf("lastZxidSeen == last: %+v %v", resp, err)
	}
}

// TestCloseSession: closeSession is answered (at the closeSession txn's
// zxid), then the connection is closed; the session's ephemerals are gone
// and it cannot be resumed.
func TestCloseSession(t *testing.T) {
	s := startServer(t, nil)
	r := rawSession(t, s.Addr().String(), 4000)
	other := rawSession(t, s.Addr().String(), 4000)
	r.mustCall(jute.OpCreate, createReq("/gone", "", jute.ModeEphemeral), &jute.CreateResponse{}, jute.OK)
	other.mustCall(jute.OpExists, pw("/gone", true), &jute.ExistsResponse{}, jute.OK)
	last := r.ping().Zxid
	h := r.closeSession()
	if h.Err != 0 || h.Zxid != last+1 || h.Xid != r.xid-1 {
		t.Fatalf("closeSession reply %+v, want zxid %#x", h, last+1)
	}
	if frames := r.expectClosed(); len(frames) != 0 {
		t.Fatalf("frames after the closeSession reply: %x", frames)
	}
	if ev := other.waitEvent(); ev.Type != jute.EventNodeDeleted || ev.Path != "/gone" || ev.Zxid != last+1 {
		t.Fatalf("event %+v", ev)
	}
	again := rawDial(t, s.Addr().String())
	resp, err := again.handshake(jute.ConnectRequest{TimeOut: 4000, SessionID: r.resp.SessionID, Passwd: r.resp.Passwd, HasReadOnly: true})
	if err != nil || resp.TimeOut != 0 || resp.SessionID != 0 {
		t.Fatalf("resuming a closed session: %+v %v", resp, err)
	}
}
