package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
	"github.com/wharf-project/wharf/internal/zk/session"
)

// The differential runner sends one scripted sequence of raw frames to a
// server and writes down everything that comes back, one line per frame,
// decoded and normalised; two servers are wire-compatible for the script
// when their transcripts are equal.
//
// Every reply body is decoded with the jute record its request calls for
// and re-encoded; a body that does not re-encode to the same bytes is kept
// as hex. So equal lines mean equal bytes, except for what normalisation
// replaces, each checked before it is replaced:
//   - ctime/mtime: nonzero ones must be current times;
//   - session ids and passwords: labelled S1, S2... by first appearance;
//     passwords must be ZooKeeper's for the id, ids must carry server id 1;
//   - ephemeralOwner values that are session ids: their label;
//   - notification zxids: 3.8 sends -1, 3.9 (Wharf) the zxid of the txn
//     that fired the watch, which must be the triggering step's;
//   - children lists: sorted (ZooKeeper's HashSet order is not part of
//     its contract, and changes with a node's history and restarts).
// Zxids, xids, error codes, paths, data, ACLs and Stat versions are
// compared as they are.

// stepKind says what a step does on its connection.
type stepKind int

const (
	stepRequest stepKind = iota // send a request frame and read up to its reply
	stepConnect                 // dial and send a ConnectRequest
	stepFrame                   // send arbitrary bytes (after the length) and read until the connection closes
	stepDrop                    // close the client side of the connection
	stepDial                    // dial without a handshake
)

// step is one scripted action.
type step struct {
	kind stepKind
	conn int
	note string

	// stepRequest
	op   jute.OpCode
	xid  int32       // 0: the connection's next xid (or the op's special xid)
	body jute.Record // encoded after the header
	raw  []byte      // or these bytes after the header
	resp func() jute.Record

	// stepConnect
	connect    jute.ConnectRequest
	resumeFrom int  // >= 0: resume that connection's session
	badPasswd  bool // with a wrong password
	zxidAhead  bool // lastZxidSeen far ahead

	// stepFrame
	frame []byte

	closes bool          // the server closes the connection after (or instead of) the reply
	wait   time.Duration // how long to wait for an answer; 0: the runner's timeout
}

// transcript is what one server answered to a script.
type transcript struct {
	lines []string
	bad   []string // plausibility failures found while normalising
	// reordered counts children lists that came in another order than
	// sorted (ZooKeeper's are in HashSet order, Wharf's sorted; both are
	// sorted before they are written down).
	reordered int
}

// diffConn is one scripted connection.
type diffConn struct {
	nc       net.Conn
	xid      int32
	session  int64
	passwd   []byte
	lastZxid int64
	dead     bool
}

// diffRunner runs a script against one server.
type diffRunner struct {
	addr     string
	kind     string // "apache" or "wharf": notification zxids differ (ZOOKEEPER-4655)
	conns    map[int]*diffConn
	sessions map[int64]int // session id → label
	start    time.Time
	tr       transcript
	timeout  time.Duration
	// stepZxid is the zxid of the current step's reply; events that other
	// connections get because of the step must carry it (3.9).
	stepZxid int64
	draining bool
}

func newDiffRunner(addr, kind string) *diffRunner {
	return &diffRunner{addr: addr, kind: kind, conns: map[int]*diffConn{}, sessions: map[int64]int{},
		start: time.Now(), timeout: 5 * time.Second}
}

func (d *diffRunner) linef(format string, args ...any) {
	d.tr.lines = append(d.tr.lines, fmt.Sprintf(format, args...))
}

func (d *diffRunner) badf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	d.tr.bad = append(d.tr.bad, msg)
	d.linef("BAD %s", msg)
}

func (d *diffRunner) run(script []step) transcript {
	for i, st := range script {
		d.linef("# %d c%d %s", i, st.conn, st.note)
		d.stepZxid = 0
		d.timeout = 5 * time.Second
		if st.wait > 0 {
			d.timeout = st.wait
		}
		switch st.kind {
		case stepConnect:
			d.doConnect(st)
		case stepRequest:
			d.doRequest(st)
		case stepFrame:
			d.doFrame(st)
		case stepDial:
			nc, err := net.DialTimeout("tcp", d.addr, d.timeout)
			if err != nil {
				d.linef("dial error %v", err)
				continue
			}
			d.conns[st.conn] = &diffConn{nc: nc, xid: 1}
		case stepDrop:
			if c := d.conns[st.conn]; c != nil && !c.dead {
				c.nc.Close()
				c.dead = true
			}
		}
		d.drainOthers(st.conn)
	}
	for _, c := range d.conns {
		if !c.dead {
			c.nc.Close()
		}
	}
	return d.tr
}

// label names a session by the order it was first seen.
func (d *diffRunner) label(id int64) int {
	if l, ok := d.sessions[id]; ok {
		return l
	}
	l := len(d.sessions) + 1
	d.sessions[id] = l
	return l
}

func (d *diffRunner) write(c *diffConn, payload []byte) error {
	buf := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	c.nc.SetWriteDeadline(time.Now().Add(d.timeout))
	_, err := c.nc.Write(append(buf, payload...))
	return err
}

// read reads one frame; io.EOF when the server closed the connection.
func (d *diffRunner) read(c *diffConn) ([]byte, error) {
	c.nc.SetReadDeadline(time.Now().Add(d.timeout))
	var lb [4]byte
	if _, err := io.ReadFull(c.nc, lb[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || isReset(err) && !isTimeout(err) {
			err = io.EOF
		}
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(lb[:]))
	if n < 0 || n > 8<<20 {
		return nil, fmt.Errorf("frame length %d", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c.nc, b); err != nil {
		return nil, err
	}
	return b, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (d *diffRunner) doConnect(st step) {
	nc, err := net.DialTimeout("tcp", d.addr, d.timeout)
	if err != nil {
		d.linef("dial error %v", err)
		return
	}
	c := &diffConn{nc: nc, xid: 1}
	d.conns[st.conn] = c
	req := st.connect
	if req.Passwd == nil {
		req.Passwd = make([]byte, 16)
	}
	if st.resumeFrom >= 0 {
		if from := d.conns[st.resumeFrom]; from != nil {
			req.SessionID, req.Passwd, req.LastZxidSeen = from.session, slices.Clone(from.passwd), from.lastZxid
		}
		if st.badPasswd {
			req.Passwd[3] ^= 0x5a
		}
	}
	if st.zxidAhead {
		req.LastZxidSeen = 0x7fff_0000_0000
	}
	if err := d.write(c, jute.Marshal(&req)); err != nil {
		d.linef("write error %v", err)
		c.dead = true
		return
	}
	b, err := d.read(c)
	if err != nil {
		d.linef("connect: no response (%s)", errName(err))
		c.dead = true
		return
	}
	var resp jute.ConnectResponse
	if err := decodeExact(b, &resp); err != nil {
		d.linef("connect: undecodable %x", b)
		c.dead = true
		return
	}
	if !bytes.Equal(jute.Marshal(&resp), b) {
		d.badf("ConnectResponse does not re-encode: %x", b)
	}
	pass := "zero16"
	if resp.SessionID != 0 {
		c.session, c.passwd = resp.SessionID, resp.Passwd
		if !session.CheckPassword(resp.SessionID, resp.Passwd) {
			d.badf("session %#x: password %x is not ZooKeeper's", resp.SessionID, resp.Passwd)
		}
		if resp.SessionID>>56 != 1 {
			d.badf("session %#x: a standalone server's session ids carry server id 1", resp.SessionID)
		}
		pass = "ok"
	} else if !bytes.Equal(resp.Passwd, make([]byte, 16)) {
		pass = fmt.Sprintf("%x", resp.Passwd)
	}
	sid := "0"
	if resp.SessionID != 0 {
		sid = fmt.Sprintf("S%d", d.label(resp.SessionID))
	}
	d.linef("connect: proto=%d timeout=%d session=%s passwd=%s readOnly=%v/%v len=%d",
		resp.ProtocolVersion, resp.TimeOut, sid, pass, resp.HasReadOnly, resp.ReadOnly, len(b))
	if st.closes || resp.SessionID == 0 {
		d.expectClose(c)
	}
}

func errName(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "closed"
	case isTimeout(err):
		return "timeout"
	}
	return err.Error()
}

// expectClose reads until the server closes the connection, writing down
// any frame it still sends.
func (d *diffRunner) expectClose(c *diffConn) {
	for range 100 {
		b, err := d.read(c)
		if err != nil {
			d.linef("-> %s", errName(err))
			c.dead = true
			return
		}
		d.linef("-> unexpected frame %x", b)
	}
}

func (d *diffRunner) doRequest(st step) {
	c := d.conns[st.conn]
	if c == nil || c.dead {
		d.linef("skipped: connection is closed")
		return
	}
	xid := st.xid
	if xid == 0 {
		switch st.op {
		case jute.OpPing:
			xid = jute.XidPing
		case jute.OpAuth:
			xid = jute.XidAuth
		case jute.OpSetWatches, jute.OpSetWatches2:
			xid = jute.XidSetWatches
		default:
			xid = c.xid
			c.xid++
		}
	}
	e := jute.NewEncoder(nil)
	(&jute.RequestHeader{Xid: xid, Type: st.op}).Encode(e)
	if st.body != nil {
		st.body.Encode(e)
	}
	e.Raw(st.raw)
	if err := d.write(c, e.Bytes()); err != nil {
		d.linef("write error %v", err)
		c.dead = true
		return
	}
	for {
		b, err := d.read(c)
		if err != nil {
			d.linef("-> %s", errName(err))
			c.dead = true
			return
		}
		h, body := splitReply(b)
		if h.Xid == jute.XidNotification {
			d.notification(h, body)
			continue
		}
		d.reply(c, st, h, body)
		if h.Xid != xid {
			d.linef("(reply xid %d, sent %d)", h.Xid, xid)
		}
		break
	}
	if st.closes {
		d.expectClose(c)
	}
}

func splitReply(b []byte) (jute.ReplyHeader, []byte) {
	var h jute.ReplyHeader
	if len(b) < jute.ReplyHeaderSize {
		return jute.ReplyHeader{Xid: -99}, b
	}
	h.Decode(jute.NewDecoder(b))
	return h, b[jute.ReplyHeaderSize:]
}

func (d *diffRunner) doFrame(st step) {
	c := d.conns[st.conn]
	if c == nil || c.dead {
		d.linef("skipped: connection is closed")
		return
	}
	c.nc.SetWriteDeadline(time.Now().Add(d.timeout))
	if _, err := c.nc.Write(st.frame); err != nil {
		d.linef("write error %v", err)
	}
	for range 100 {
		b, err := d.read(c)
		if err != nil {
			d.linef("-> %s", errName(err))
			c.dead = true
			return
		}
		h, body := splitReply(b)
		d.linef("-> frame xid=%d zxid=%#x err=%d body=%x", h.Xid, h.Zxid, h.Err, body)
	}
}

// drainOthers collects, with a ping each, the notifications other
// connections received because of the last step.
func (d *diffRunner) drainOthers(except int) {
	d.draining = true
	defer func() { d.draining = false }()
	keys := make([]int, 0, len(d.conns))
	for k := range d.conns {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		c := d.conns[k]
		if k == except || c.dead || c.session == 0 {
			continue
		}
		if err := d.write(c, request(jute.XidPing, jute.OpPing, nil)); err != nil {
			d.linef("c%d ping write error %v", k, err)
			c.dead = true
			continue
		}
		for {
			b, err := d.read(c)
			if err != nil {
				d.linef("c%d -> %s", k, errName(err))
				c.dead = true
				break
			}
			h, body := splitReply(b)
			if h.Xid == jute.XidNotification {
				d.linef("c%d:", k)
				d.notification(h, body)
				continue
			}
			if h.Xid != jute.XidPing || h.Err != 0 || len(body) != 0 {
				d.linef("c%d ping reply %+v %x", k, h, body)
			}
			break
		}
	}
}

func (d *diffRunner) notification(h jute.ReplyHeader, body []byte) {
	var ev jute.WatcherEvent
	if err := decodeExact(body, &ev); err != nil || !bytes.Equal(jute.Marshal(&ev), body) {
		d.linef("  event undecodable %x", body)
		return
	}
	zxid := h.Zxid
	// ZooKeeper 3.9 sends the zxid of the txn that fired a watch, 3.8 -1
	// (ZOOKEEPER-4655). Wharf speaks 3.9: its zxid must be a real one.
	if d.kind == "wharf" {
		switch {
		case d.draining && zxid != d.stepZxid:
			d.badf("event zxid %#x, want the zxid %#x of the txn that fired it", zxid, d.stepZxid)
		case !d.draining && zxid != -1 && (zxid <= 0 || zxid > d.maxZxid()):
			d.badf("event zxid %#x out of range", zxid)
		}
		zxid = -1
	}
	d.linef("  event zxid=%d err=%d type=%d state=%d path=%q", zxid, h.Err, ev.Type, ev.State, ev.Path)
}

func (d *diffRunner) maxZxid() int64 {
	var m int64
	for _, c := range d.conns {
		m = max(m, c.lastZxid)
	}
	return m
}

func (d *diffRunner) reply(c *diffConn, st step, h jute.ReplyHeader, body []byte) {
	if h.Zxid > c.lastZxid {
		c.lastZxid = h.Zxid
	}
	d.stepZxid = h.Zxid
	line := fmt.Sprintf("reply xid=%d zxid=%#x err=%d", h.Xid, h.Zxid, h.Err)
	if len(body) == 0 {
		d.linef("%s", line)
		return
	}
	if h.Err != 0 || st.resp == nil {
		d.linef("%s body=%x", line, body)
		return
	}
	rec := st.resp()
	dec := jute.NewDecoder(body)
	rec.Decode(dec)
	if dec.Err() != nil || dec.Remaining() != 0 || !bytes.Equal(jute.Marshal(rec), body) {
		d.linef("%s undecodable body=%x", line, body)
		return
	}
	switch st.op {
	case jute.OpGetChildren, jute.OpGetChildren2, jute.OpMultiRead:
		d.sortChildren(rec)
	}
	d.linef("%s %s", line, d.describe(rec))
}

// sortChildren sorts the children lists of a reply: ZooKeeper gives no
// order, and its own changes with the HashSet's history (and restarts).
func (d *diffRunner) sortChildren(rec jute.Record) {
	sortList := func(l []string) {
		if !slices.IsSorted(l) {
			d.tr.reordered++
			slices.Sort(l)
		}
	}
	switch r := rec.(type) {
	case *jute.StringsResponse:
		sortList(r.Strings)
	case *jute.GetChildren2Response:
		sortList(r.Children)
	case *jute.MultiResponse:
		for _, res := range r.Results {
			if k, ok := res.Rec.(*jute.StringsResponse); ok {
				sortList(k.Strings)
			}
		}
	}
}

// describe prints a decoded reply record with the normalisations applied.
func (d *diffRunner) describe(rec jute.Record) string {
	switch r := rec.(type) {
	case *jute.StatResponse:
		return "stat{" + d.stat(r.Stat) + "}"
	case *jute.Create2Response:
		return fmt.Sprintf("path=%q stat{%s}", r.Path, d.stat(r.Stat))
	case *jute.GetDataResponse:
		return fmt.Sprintf("data=%q stat{%s}", dataString(r.Data), d.stat(r.Stat))
	case *jute.GetChildren2Response:
		return fmt.Sprintf("children=%q stat{%s}", r.Children, d.stat(r.Stat))
	case *jute.GetACLResponse:
		return fmt.Sprintf("acl=%v stat{%s}", r.ACL, d.stat(r.Stat))
	case *jute.MultiResponse:
		var parts []string
		for _, res := range r.Results {
			p := fmt.Sprintf("[type=%d err=%d", res.Type, res.Err)
			if res.Rec != nil && res.Type != jute.OpError {
				p += " " + d.describe(res.Rec)
			}
			parts = append(parts, p+"]")
		}
		return "multi " + strings.Join(parts, " ")
	case *jute.StringsResponse:
		return fmt.Sprintf("strings=%q", r.Strings)
	case *jute.PathRequest:
		return fmt.Sprintf("path=%q", r.Path)
	case *jute.IntResponse:
		return fmt.Sprintf("int=%d", r.Value)
	case *jute.ErrorResponse:
		return fmt.Sprintf("errorResponse=%d", r.Err)
	case *jute.WhoAmIResponse:
		return fmt.Sprintf("whoami=%v", r.ClientInfo)
	}
	return fmt.Sprintf("%+v", rec)
}

func dataString(b []byte) string {
	if b == nil {
		return "<null>"
	}
	if len(b) > 64 {
		return fmt.Sprintf("%d bytes %x…", len(b), b[:8])
	}
	return string(b)
}

// stat prints a Stat with its times and session owner normalised.
func (d *diffRunner) stat(s jute.Stat) string {
	lo, hi := d.start.Add(-time.Minute).UnixMilli(), time.Now().Add(time.Minute).UnixMilli()
	tm := func(name string, v int64) string {
		if v == 0 {
			return "0"
		}
		if v < lo || v > hi {
			d.badf("%s %d is not a current time", name, v)
		}
		return "T"
	}
	if s.Mtime < s.Ctime {
		d.badf("mtime %d before ctime %d", s.Mtime, s.Ctime)
	}
	owner := fmt.Sprintf("%#x", s.EphemeralOwner)
	if l, ok := d.sessions[s.EphemeralOwner]; ok {
		owner = fmt.Sprintf("S%d", l)
	}
	return fmt.Sprintf("czxid=%#x mzxid=%#x ctime=%s mtime=%s version=%d cversion=%d aversion=%d owner=%s len=%d children=%d pzxid=%#x",
		s.Czxid, s.Mzxid, tm("ctime", s.Ctime), tm("mtime", s.Mtime), s.Version, s.Cversion, s.Aversion, owner,
		s.DataLength, s.NumChildren, s.Pzxid)
}
