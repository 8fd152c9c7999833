package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// rawConn is a ZooKeeper client connection driven frame by frame, for
// tests that check what goes over the wire: xids, zxids, reply order,
// notifications and the bytes of every reply.
type rawConn struct {
	t       testing.TB
	nc      net.Conn
	br      *bufio.Reader
	xid     int32
	resp    jute.ConnectResponse
	events  []rawEvent // notifications read while waiting for replies
	timeout time.Duration
}

// rawEvent is one notification frame.
type rawEvent struct {
	Zxid int64
	jute.WatcherEvent
}

// rawReply is one reply frame: its header and undecoded body.
type rawReply struct {
	Hdr  jute.ReplyHeader
	Body []byte
}

const rawDefaultTimeout = 10 * time.Second

// rawDial opens a TCP connection to addr without a handshake.
func rawDial(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, br: bufio.NewReader(nc), xid: 1, timeout: rawDefaultTimeout}
}

// rawSession dials addr and opens a new session asking for timeoutMs, with
// the readOnly byte on the request (as the Java client sends it).
func rawSession(t testing.TB, addr string, timeoutMs int32) *rawConn {
	t.Helper()
	r := rawDial(t, addr)
	resp, err := r.handshake(jute.ConnectRequest{TimeOut: timeoutMs, Passwd: make([]byte, 16), HasReadOnly: true})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if resp.SessionID == 0 || resp.TimeOut <= 0 {
		t.Fatalf("handshake refused: %+v", resp)
	}
	return r
}

// writeFrame sends one length-prefixed frame.
func (r *rawConn) writeFrame(b []byte) error {
	buf := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(b)), uint32(len(b)))
	buf = append(buf, b...)
	r.nc.SetWriteDeadline(time.Now().Add(r.timeout))
	_, err := r.nc.Write(buf)
	return err
}

// readFrame reads one length-prefixed frame.
func (r *rawConn) readFrame() ([]byte, error) {
	r.nc.SetReadDeadline(time.Now().Add(r.timeout))
	var lb [4]byte
	if _, err := io.ReadFull(r.br, lb[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(lb[:]))
	if n < 0 || n > 16<<20 {
		return nil, fmt.Errorf("reply frame length %d", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.br, b); err != nil {
		return nil, err
	}
	return b, nil
}

// handshake sends a ConnectRequest and reads the ConnectResponse.
func (r *rawConn) handshake(req jute.ConnectRequest) (jute.ConnectResponse, error) {
	if err := r.writeFrame(jute.Marshal(&req)); err != nil {
		return jute.ConnectResponse{}, err
	}
	b, err := r.readFrame()
	if err != nil {
		return jute.ConnectResponse{}, err
	}
	var resp jute.ConnectResponse
	d := jute.NewDecoder(b)
	resp.Decode(d)
	if d.Err() != nil || d.Remaining() != 0 {
		return resp, fmt.Errorf("ConnectResponse %x: %v (%d bytes left)", b, d.Err(), d.Remaining())
	}
	r.resp = resp
	return resp, nil
}

// request encodes a request frame: header and optional body.
func request(xid int32, op jute.OpCode, body jute.Record) []byte {
	e := jute.NewEncoder(nil)
	(&jute.RequestHeader{Xid: xid, Type: op}).Encode(e)
	if body != nil {
		body.Encode(e)
	}
	return e.Bytes()
}

// nextXid returns the xid for the next ordinary request.
func (r *rawConn) nextXid() int32 {
	x := r.xid
	r.xid++
	return x
}

// send writes one request with the next xid and returns that xid.
func (r *rawConn) send(op jute.OpCode, body jute.Record) int32 {
	r.t.Helper()
	xid := int32(0)
	switch op {
	case jute.OpPing:
		xid = jute.XidPing
	case jute.OpAuth:
		xid = jute.XidAuth
	case jute.OpSetWatches, jute.OpSetWatches2:
		xid = jute.XidSetWatches
	default:
		xid = r.nextXid()
	}
	if err := r.writeFrame(request(xid, op, body)); err != nil {
		r.t.Fatalf("send %s: %v", jute.OpName(op), err)
	}
	return xid
}

// next reads one frame and splits off its ReplyHeader. Notifications are
// returned like any other frame.
func (r *rawConn) next() (rawReply, error) {
	b, err := r.readFrame()
	if err != nil {
		return rawReply{}, err
	}
	if len(b) < jute.ReplyHeaderSize {
		return rawReply{}, fmt.Errorf("short reply %x", b)
	}
	var rep rawReply
	d := jute.NewDecoder(b)
	rep.Hdr.Decode(d)
	rep.Body = b[jute.ReplyHeaderSize:]
	return rep, nil
}

// await reads frames until the reply to xid, keeping notifications in
// r.events. A reply with another xid fails the test.
func (r *rawConn) await(xid int32) rawReply {
	r.t.Helper()
	for {
		rep, err := r.next()
		if err != nil {
			r.t.Fatalf("waiting for the reply to xid %d: %v", xid, err)
		}
		if rep.Hdr.Xid == jute.XidNotification {
			r.events = append(r.events, decodeEvent(r.t, rep))
			continue
		}
		if rep.Hdr.Xid != xid {
			r.t.Fatalf("reply out of order: want xid %d, got %+v", xid, rep.Hdr)
		}
		return rep
	}
}

func decodeEvent(t testing.TB, rep rawReply) rawEvent {
	t.Helper()
	ev := rawEvent{Zxid: rep.Hdr.Zxid}
	if err := decodeExact(rep.Body, &ev.WatcherEvent); err != nil {
		t.Fatalf("notification: %v", err)
	}
	return ev
}

// decodeExact decodes b into rec and requires every byte to be used.
func decodeExact(b []byte, rec jute.Record) error {
	d := jute.NewDecoder(b)
	rec.Decode(d)
	if d.Err() != nil {
		return d.Err()
	}
	if d.Remaining() != 0 {
		return fmt.Errorf("%T: %d trailing bytes in %x", rec, d.Remaining(), b)
	}
	return nil
}

// call sends one request and waits for its reply; on success the body is
// decoded into resp (if not nil), which must use every byte.
func (r *rawConn) call(op jute.OpCode, body, resp jute.Record) jute.ReplyHeader {
	r.t.Helper()
	rep := r.await(r.send(op, body))
	if rep.Hdr.Err == 0 && resp != nil {
		if err := decodeExact(rep.Body, resp); err != nil {
			r.t.Fatalf("%s reply: %v", jute.OpName(op), err)
		}
	}
	if rep.Hdr.Err != 0 && len(rep.Body) != 0 {
		r.t.Fatalf("%s error reply %d carries a body %x", jute.OpName(op), rep.Hdr.Err, rep.Body)
	}
	return rep.Hdr
}

// mustCall is call that requires the code want.
func (r *rawConn) mustCall(op jute.OpCode, body, resp jute.Record, want jute.Code) jute.ReplyHeader {
	r.t.Helper()
	h := r.call(op, body, resp)
	if jute.Code(h.Err) != want {
		r.t.Fatalf("%s %+v: got %v, want %v", jute.OpName(op), body, jute.Code(h.Err), want)
	}
	return h
}

// ping round-trips a ping, which collects the notifications queued before it.
func (r *rawConn) ping() jute.ReplyHeader {
	r.t.Helper()
	return r.call(jute.OpPing, nil, nil)
}

// takeEvents returns and clears the notifications read so far.
func (r *rawConn) takeEvents() []rawEvent {
	ev := r.events
	r.events = nil
	return ev
}

// waitEvent returns the next notification, reading frames if none is kept.
func (r *rawConn) waitEvent() rawEvent {
	r.t.Helper()
	if len(r.events) > 0 {
		ev := r.events[0]
		r.events = r.events[1:]
		return ev
	}
	rep, err := r.next()
	if err != nil {
		r.t.Fatalf("waiting for a notification: %v", err)
	}
	if rep.Hdr.Xid != jute.XidNotification {
		r.t.Fatalf("want a notification, got %+v", rep.Hdr)
	}
	return decodeEvent(r.t, rep)
}

// expectClosed requires the server to close the connection, after at most
// the frames it returns.
func (r *rawConn) expectClosed() [][]byte {
	r.t.Helper()
	var frames [][]byte
	for {
		b, err := r.readFrame()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err) {
				return frames
			}
			r.t.Fatalf("want the connection closed, got %v", err)
		}
		frames = append(frames, b)
		if len(frames) > 1000 {
			r.t.Fatal("want the connection closed, it keeps sending")
		}
	}
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && !ne.Timeout()
}

// closeSession sends closeSession and waits for its reply.
func (r *rawConn) closeSession() jute.ReplyHeader {
	r.t.Helper()
	return r.call(jute.OpCloseSession, nil, nil)
}

// Shorthands for request bodies.

var openACL = []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "world", ID: "anyone"}}}

func createReq(path, data string, flags int32) *jute.CreateRequest {
	return &jute.CreateRequest{Path: path, Data: []byte(data), ACL: openACL, Flags: flags}
}

func pw(path string, watch bool) *jute.PathWatchRequest {
	return &jute.PathWatchRequest{Path: path, Watch: watch}
}

// waitUntil polls cond every few milliseconds until it holds or d passes.
func waitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
