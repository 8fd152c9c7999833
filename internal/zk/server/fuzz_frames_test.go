package server

import (
	"bytes"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// fuzzSeeds are client streams: a handshake and requests of every kind,
// four-letter words, and broken frames.
func fuzzSeeds() [][]byte {
	frame := func(b []byte) []byte { return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...) }
	connect := frame(jute.Marshal(&jute.ConnectRequest{TimeOut: 400, Passwd: make([]byte, 16), HasReadOnly: true}))
	stream := func(reqs ...[]byte) []byte {
		out := append([]byte(nil), connect...)
		for _, r := range reqs {
			out = append(out, frame(r)...)
		}
		return out
	}
	return [][]byte{
		stream(request(1, jute.OpCreate, createReq("/f", "data", 0)),
			request(2, jute.OpGetData, pw("/f", true)),
			request(3, jute.OpSetData, &jute.SetDataRequest{Path: "/f", Data: []byte("x"), Version: -1}),
			request(4, jute.OpGetChildren2, pw("/", true)),
			request(5, jute.OpDelete, &jute.PathVersionRequest{Path: "/f", Version: -1}),
			request(6, jute.OpCloseSession, nil)),
		stream(request(1, jute.OpMulti, &jute.MultiRequest{Ops: []jute.MultiOp{
			{Type: jute.OpCreate, Op: createReq("/m", "", jute.ModeEphemeral)},
			{Type: jute.OpCheck, Op: &jute.PathVersionRequest{Path: "/m", Version: 0}},
			{Type: jute.OpSetData, Op: &jute.SetDataRequest{Path: "/m", Version: -1}}}}),
			request(2, jute.OpMultiRead, &jute.MultiRequest{Ops: []jute.MultiOp{
				{Type: jute.OpGetData, Op: pw("/m", false)}, {Type: jute.OpGetChildren, Op: pw("/", false)}}}),
			request(3, jute.OpGetEphemerals, &jute.PathRequest{Path: "/"})),
		stream(request(jute.XidAuth, jute.OpAuth, &jute.AuthPacket{Scheme: "digest", Auth: []byte("u:p")}),
			request(1, jute.OpCreate, &jute.CreateRequest{Path: "/a", ACL: []jute.ACL{{Perms: 31, ID: jute.Id{Scheme: "auth"}}}}),
			request(2, jute.OpGetACL, &jute.PathRequest{Path: "/a"}),
			request(3, jute.OpWhoAmI, nil),
			request(4, jute.OpSetACL, &jute.SetACLRequest{Path: "/a", ACL: openACL, Version: 0})),
		stream(request(jute.XidSetWatches, jute.OpSetWatches2, &jute.SetWatches{V2: true, DataWatches: []string{"/x"},
			ExistWatches: []string{}, ChildWatches: []string{"/"}, PersistentWatches: []string{}, PersistentRecursiveWatches: []string{"/"}}),
			request(1, jute.OpAddWatch, &jute.PathTypeRequest{Path: "/w", Type: 1}),
			request(2, jute.OpRemoveWatches, &jute.PathTypeRequest{Path: "/w", Type: 5}),
			request(3, jute.OpCheckWatches, &jute.PathTypeRequest{Path: "/", Type: 3}),
			request(jute.XidPing, jute.OpPing, nil),
			request(4, jute.OpSync, &jute.PathRequest{Path: "/"})),
		stream(request(1, jute.OpCreateTTL, &jute.CreateTTLRequest{Path: "/t", ACL: openACL, Flags: 5, TTL: 10}),
			request(2, jute.OpCreateContainer, createReq("/c", "", 4)),
			request(3, jute.OpGetAllChildrenNumber, &jute.PathRequest{Path: "/"}),
			request(4, jute.OpSASL, &jute.SASLToken{Token: []byte{1}}),
			request(5, jute.OpReconfig, &jute.ReconfigRequest{CurConfigID: -1}),
			request(6, 999, nil)),
		stream([]byte{0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff}),
		append(connect, 0x7f, 0xff, 0xff, 0xff),
		connect[:20],
		[]byte("ruok"), []byte("srvr"), []byte("stmk\x00\x00\x00\x00\x00\x00\x01\x00"), []byte("mntr"), []byte("dump"),
		{0xff, 0xf4, 0xff, 0xfd},
		{},
	}
}

// startFuzzServer runs a server for a fuzz target; fuzzing gets one
// server for all its inputs.
func startFuzzServer(tb testing.TB) *Server {
	tb.Helper()
	s, err := New(Options{ClientAddr: "127.0.0.1:0", DataDir: tb.TempDir(), TickTime: 200, ExtendedTypes: true,
		FourLetterWords: []string{"*"}, PreAllocSize: 64 << 10, ContainerCheckInterval: 50 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// FuzzClientStream feeds arbitrary bytes to the server as one client
// connection's stream, through the real connection reader, in uneven
// pieces. The server must not crash, must end the connection once the
// client has stopped sending, and must keep serving another client.
func FuzzClientStream(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	s := startFuzzServer(f)
	addr := s.Addr().String()
	healthy := rawSession(f, addr, 4000)
	f.Fuzz(func(t *testing.T, data []byte) {
		healthy.t = t
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		done := make(chan error, 1)
		go func() {
			// The first bytes go in pieces of 1 to 7 bytes.
			rest := data
			step := 1
			if len(data) > 0 {
				step = 1 + int(data[len(data)-1])%7
			}
			for len(rest) > 0 && len(data)-len(rest) < 64 {
				n := min(step, len(rest))
				if _, err := nc.Write(rest[:n]); err != nil {
					done <- nil // the server may close first
					return
				}
				rest = rest[n:]
			}
			nc.Write(rest)
			nc.(*net.TCPConn).CloseWrite()
			done <- nil
		}()
		if _, err := io.Copy(io.Discard, nc); err != nil && !isReset(err) {
			t.Fatalf("the server did not end the connection: %v", err)
		}
		<-done
		healthy.mustCall(jute.OpExists, pw("/", false), &jute.ExistsResponse{}, jute.OK)
	})
}

// FuzzDecodeRequest checks the request decoder alone: it never panics,
// refuses only frames without a header, and whatever body it decodes
// survives a round trip unchanged.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range fuzzSeeds() {
		// Cut the seed streams into frames after the handshake.
		for b := s; len(b) >= 4; {
			n := int(binary.BigEndian.Uint32(b))
			if n < 0 || n > len(b)-4 {
				break
			}
			f.Add(b[4 : 4+n])
			b = b[4+n:]
		}
	}
	c := &conn{srv: &Server{log: slog.New(slog.DiscardHandler)}, remote: "fuzz"}
	f.Fuzz(func(t *testing.T, buf []byte) {
		ev, ok := c.decodeRequest(buf)
		if !ok {
			if len(buf) >= 8 {
				t.Fatalf("a frame with a header was refused: %x", buf)
			}
			return
		}
		if ev.xid != int32(binary.BigEndian.Uint32(buf)) || ev.op != int32(binary.BigEndian.Uint32(buf[4:])) {
			t.Fatalf("header %d/%d from %x", ev.xid, ev.op, buf[:8])
		}
		info, known := ops[ev.op]
		switch {
		case !known:
			if ev.kind != kindInvalid || ev.body != nil {
				t.Fatalf("unknown op %d: kind %d body %v", ev.op, ev.kind, ev.body)
			}
			return
		case ev.kind != info.kind:
			t.Fatalf("op %d: kind %d, want %d", ev.op, ev.kind, info.kind)
		case info.body == nil || ev.decodeErr != jute.OK:
			return
		}
		enc := jute.Marshal(ev.body)
		again := info.body()
		if err := jute.Unmarshal(enc, again); err != nil {
			t.Fatalf("op %d: %T does not decode its own encoding: %v", ev.op, ev.body, err)
		}
		if !reflect.DeepEqual(again, ev.body) || !bytes.Equal(jute.Marshal(again), enc) {
			t.Fatalf("op %d: round trip changed %+v into %+v", ev.op, ev.body, again)
		}
	})
}
