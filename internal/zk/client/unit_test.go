package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

func TestValidatePath(t *testing.T) {
	cases := []struct {
		path string
		seq  bool
		want string // "" = valid
	}{
		{"/", false, ""},
		{"/a/b", false, ""},
		{"/a/", true, ""},
		{"", false, "Path length must be > 0"},
		{"a", false, "Path must start with / character"},
		{"/a/", false, "Path must not end with / character"},
		{"//x", false, `Invalid path string "//x" caused by empty node name specified @1`},
		{"/a/./b", false, `Invalid path string "/a/./b" caused by relative paths not allowed @3`},
		{"/a/../b", false, `Invalid path string "/a/../b" caused by relative paths not allowed @4`},
		{"/a/..b", false, ""},
		{"/a\x00", false, `Invalid path string "/a` + "\x00" + `" caused by null character not allowed @2`},
		{"/a\x01", false, `Invalid path string "/a` + "\x01" + `" caused by invalid character @2`},
		{"/\u00e9t\u00e9", false, ""},
		{"/\U0001F600", false, `Invalid path string "/` + "\U0001F600" + `" caused by invalid character @1`},
	}
	for _, c := range cases {
		err := ValidatePath(c.path, c.seq)
		var got string
		if err != nil {
			var ae *ArgumentError
			if !errors.As(err, &ae) || !errors.Is(err, ErrBadArgument) {
				t.Fatalf("%q: error %v is not an ArgumentError", c.path, err)
			}
			got = ae.Msg
		}
		if got != c.want {
			t.Errorf("ValidatePath(%q, %v) = %q, want %q", c.path, c.seq, got, c.want)
		}
	}
}

func TestParseConnectString(t *testing.T) {
	cases := []struct {
		in     string
		addrs  []string
		chroot string
		bad    bool
	}{
		{"127.0.0.1:2181", []string{"127.0.0.1:2181"}, "", false},
		{"a:1, b ,c:3/app/x", []string{"a:1", "b:2181", "c:3"}, "/app/x", false},
		{"h/", []string{"h:2181"}, "", false},
		{"[::1]:2182,[fe80::1]", []string{"[::1]:2182", "[fe80::1]:2181"}, "", false},
		{"h:", []string{"h:2181"}, "", false},
		{"h:x", nil, "", true},
		{"h/bad/", nil, "", true},
		{"", nil, "", true},
	}
	for _, c := range cases {
		addrs, chroot, err := ParseConnectString(c.in)
		if (err != nil) != c.bad {
			t.Fatalf("%q: err %v", c.in, err)
		}
		if !slices.Equal(addrs, c.addrs) || chroot != c.chroot {
			t.Errorf("%q = %v %q, want %v %q", c.in, addrs, chroot, c.addrs, c.chroot)
		}
	}
}

func TestHostListRounds(t *testing.T) {
	h := newHostList([]string{"a", "b", "c"}, false)
	var got []string
	var rounds []bool
	for range 7 {
		a, r := h.next()
		got = append(got, a)
		rounds = append(rounds, r)
	}
	if !slices.Equal(got, []string{"a", "b", "c", "a", "b", "c", "a"}) {
		t.Fatalf("order %v", got)
	}
	// A pause is due whenever we come back to where the last round began.
	if !slices.Equal(rounds, []bool{false, false, false, true, false, false, true}) {
		t.Fatalf("rounds %v", rounds)
	}
	h.connected() // on "a"
	a, r := h.next()
	if a != "b" || r {
		t.Fatalf("after connect: %s %v", a, r)
	}
}

func TestEventString(t *testing.T) {
	cases := []struct {
		e    Event
		want string
	}{
		{Event{Type: jute.EventNone, State: jute.StateSyncConnected, Zxid: NoZxid}, "WatchedEvent state:SyncConnected type:None path:null zxid: -1"},
		{Event{Type: jute.EventNodeDataChanged, State: jute.StateSyncConnected, Path: "/x", Zxid: 42}, "WatchedEvent state:SyncConnected type:NodeDataChanged path:/x zxid: 42"},
		{Event{Type: jute.EventPersistentWatchRemoved, State: jute.StateDisconnected, Path: "/y", Zxid: NoZxid}, "WatchedEvent state:Disconnected type:PersistentWatchRemoved path:/y zxid: -1"},
		{Event{Type: 99, State: 98, Path: "/z"}, "WatchedEvent state:Unknown(98) type:Unknown(99) path:/z zxid: 0"},
	}
	for _, c := range cases {
		if got := c.e.String(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	if StateConnectedReadOnly.String() != "CONNECTEDREADONLY" || StateAuthFailed.Alive() || !StateConnecting.Alive() {
		t.Fatal("state names")
	}
}

func TestMaterialize(t *testing.T) {
	def, w1, w2 := NewWatcher(nil), NewWatcher(nil), NewWatcher(nil)
	m := newWatchManager(def, false)
	m.add(kindData, "/a", w1)
	m.add(kindData, "/a", w1) // same watcher twice: one delivery
	m.add(kindExist, "/a", w2)
	m.add(kindChild, "/a", w1)
	m.add(kindPersistent, "/a", w2)
	m.add(kindRecursive, "/", def)

	if got := m.materialize(jute.StateSyncConnected, jute.EventNodeDataChanged, "/a"); !slices.Equal(got, []*Watcher{w1, w2, def}) {
		t.Fatalf("data changed: %v", got)
	}
	// The one-shot data watches are gone; the child watch and persistent ones stay.
	if got := m.materialize(jute.StateSyncConnected, jute.EventNodeDataChanged, "/a"); !slices.Equal(got, []*Watcher{w2, def}) {
		t.Fatalf("second data change: %v", got)
	}
	// Recursive watches never see child events.
	if got := m.materialize(jute.StateSyncConnected, jute.EventNodeChildrenChanged, "/a"); !slices.Equal(got, []*Watcher{w1, w2}) {
		t.Fatalf("children changed: %v", got)
	}
	if got := m.materialize(jute.StateSyncConnected, jute.EventNodeCreated, "/b/c"); !slices.Equal(got, []*Watcher{def}) {
		t.Fatalf("recursive: %v", got)
	}
	// Session events go to the default watcher and every registered one.
	m.add(kindChild, "/x", w1)
	if got := m.materialize(jute.StateDisconnected, jute.EventNone, ""); len(got) != 3 || got[0] != def {
		t.Fatalf("session event: %v", got)
	}
	if len(m.paths(kindChild)) != 1 {
		t.Fatal("auto reset off must keep one-shot watches")
	}
	m2 := newWatchManager(def, true)
	m2.add(kindChild, "/x", w1)
	m2.add(kindPersistent, "/x", w1)
	m2.materialize(jute.StateDisconnected, jute.EventNone, "")
	if len(m2.paths(kindChild)) != 0 || len(m2.paths(kindPersistent)) != 1 {
		t.Fatal("disableAutoWatchReset drops one-shot watches only")
	}
}

func TestRemoveWatches(t *testing.T) {
	w1, w2 := NewWatcher(nil), NewWatcher(nil)
	m := newWatchManager(nil, false)
	m.add(kindData, "/a", w1)
	m.add(kindChild, "/a", w2)
	if _, rc := m.remove("/a", nil, WatcherPersistent, false, jute.OK); rc != jute.NoWatcher {
		t.Fatalf("no persistent watch: %v", rc)
	}
	if _, rc := m.remove("/a", w2, WatcherData, false, jute.OK); rc != jute.NoWatcher {
		t.Fatalf("w2 has no data watch: %v", rc)
	}
	// A server error wins unless local.
	if _, rc := m.remove("/a", nil, WatcherData, false, jute.ConnectionLoss); rc != jute.ConnectionLoss {
		t.Fatalf("server error: %v", rc)
	}
	gone, rc := m.remove("/a", nil, WatcherAny, true, jute.ConnectionLoss)
	if rc != jute.OK || !slices.Equal(gone[jute.EventDataWatchRemoved], []*Watcher{w1}) ||
		!slices.Equal(gone[jute.EventChildWatchRemoved], []*Watcher{w2}) {
		t.Fatalf("local remove: %v %v", gone, rc)
	}
	if len(m.paths(kindData))+len(m.paths(kindChild)) != 0 {
		t.Fatal("watches left behind")
	}
}

func TestPrimeSplitsSetWatches(t *testing.T) {
	c := &Client{chroot: "/root", cfg: Config{}}
	c.watches = newWatchManager(nil, false)
	w := NewWatcher(nil)
	long := strings.Repeat("x", 1000)
	for i := range 300 {
		c.watches.add(kindData, "/"+long+string(rune('a'+i%26))+strings.Repeat("y", i/26), w)
	}
	c.watches.add(kindRecursive, "/", w)
	c.auths = []authData{{"digest", []byte("u:p")}}
	c.lastZxid = 77
	reqs := c.primeLocked()
	if reqs[0].op != jute.OpAuth || reqs[0].xid != jute.XidAuth {
		t.Fatalf("first packet %+v", reqs[0])
	}
	total := 0
	for _, r := range reqs[1:] {
		sw := r.body.(*jute.SetWatches)
		if r.xid != jute.XidSetWatches || sw.RelativeZxid != 77 {
			t.Fatalf("packet %+v", r)
		}
		if len(jute.Marshal(sw)) > setWatchesMaxLength+2*1024+4096 {
			t.Fatalf("setWatches packet of %d bytes", len(jute.Marshal(sw)))
		}
		if (r.op == jute.OpSetWatches2) != (len(sw.PersistentRecursiveWatches) > 0) {
			t.Fatalf("op %d for %+v", r.op, sw.PersistentRecursiveWatches)
		}
		for _, p := range sw.DataWatches {
			if !strings.HasPrefix(p, "/root/") {
				t.Fatalf("path without chroot: %s", p)
			}
		}
		if slices.Contains(sw.PersistentRecursiveWatches, "/root") {
			total++
		}
		total += len(sw.DataWatches)
	}
	if len(reqs) < 4 || total != 301 {
		t.Fatalf("%d packets, %d watches", len(reqs), total)
	}
}

func TestReadFrameBounds(t *testing.T) {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, int32(100))
	if _, err := readFrame(&b, nil, 100); err == nil {
		t.Fatal("a frame of max bytes must be refused")
	}
	b.Reset()
	binary.Write(&b, binary.BigEndian, int32(-5))
	if _, err := readFrame(&b, nil, 100); err == nil {
		t.Fatal("negative length accepted")
	}
	b.Reset()
	binary.Write(&b, binary.BigEndian, int32(3))
	b.WriteString("ab")
	if _, err := readFrame(&b, nil, 100); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short frame: %v", err)
	}
}

// fakeServer accepts connections and hands each to serve.
func fakeServer(t *testing.T, serve func(conn net.Conn)) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				serve(conn)
			}()
		}
	}()
	return l.Addr().String()
}

func readConnect(conn net.Conn) (jute.ConnectRequest, error) {
	var req jute.ConnectRequest
	buf, err := readFrame(conn, nil, jute.MaxBuffer)
	if err == nil {
		err = jute.Unmarshal(buf, &req)
	}
	return req, err
}

func TestExpiredOnReconnect(t *testing.T) {
	var seen []jute.ConnectRequest
	reqs := make(chan jute.ConnectRequest, 10)
	addr := fakeServer(t, func(conn net.Conn) {
		req, err := readConnect(conn)
		if err != nil {
			return
		}
		reqs <- req
		resp := jute.ConnectResponse{TimeOut: 4000, SessionID: 0x1234, Passwd: make([]byte, 16), HasReadOnly: true}
		if req.SessionID != 0 {
			resp.TimeOut = 0 // the session is gone
		}
		conn.Write(frame(nil, &resp))
		if req.SessionID == 0 {
			// Answer one request with the wrong xid: the client must drop
			// the connection and resume the session elsewhere.
			buf, _ := readFrame(conn, nil, jute.MaxBuffer)
			var h jute.RequestHeader
			jute.Unmarshal(buf, &h)
			conn.Write(frame(nil, &jute.ReplyHeader{Xid: h.Xid + 1}))
			io.Copy(io.Discard, conn)
		}
	})
	var events []Event
	evs := make(chan Event, 10)
	c, err := Connect(Config{Servers: addr, Watcher: func(e Event) { evs <- e }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := c.Get(ctx, "/", nil); err != jute.ConnectionLoss {
		t.Fatalf("get answered out of order: %v", err)
	}
	for e := range evs {
		events = append(events, e)
		if e.State == jute.StateExpired {
			break
		}
	}
	for len(reqs) > 0 {
		seen = append(seen, <-reqs)
	}
	want := []jute.KeeperState{jute.StateSyncConnected, jute.StateDisconnected, jute.StateExpired}
	var got []jute.KeeperState
	for _, e := range events {
		got = append(got, e.State)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v", events)
	}
	if len(seen) != 2 || seen[1].SessionID != 0x1234 || !seen[1].HasReadOnly || seen[0].TimeOut != 30000 {
		t.Fatalf("connect requests %+v", seen)
	}
	if c.State() != StateClosed {
		t.Fatalf("state %v", c.State())
	}
	if err := c.WaitConnected(ctx); err != ErrClosed {
		t.Fatal(err)
	}
}

func TestPacketTooLargeDropsConnection(t *testing.T) {
	conns := make(chan struct{}, 10)
	addr := fakeServer(t, func(conn net.Conn) {
		if _, err := readConnect(conn); err != nil {
			return
		}
		conns <- struct{}{}
		conn.Write(frame(nil, &jute.ConnectResponse{TimeOut: 4000, SessionID: 1, Passwd: make([]byte, 16)}))
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], 1<<30)
		conn.Write(l[:])
		io.Copy(io.Discard, conn)
	})
	c, err := Connect(Config{Servers: addr, MaxPacket: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-conns
	<-conns // it reconnected after refusing the oversized packet
}
