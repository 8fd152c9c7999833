package client

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

var (
	errExpired    = errors.New("client: session expired")
	errAuthFailed = errors.New("client: authentication failed")
	errStopped    = errors.New("client: stopped")
)

// maxSendPingInterval caps the time between pings (ClientCnxn's 10 s).
const maxSendPingInterval = 10 * time.Second

// loop owns the connection: it connects, serves, and reconnects until the
// client is closed, the session expires or authentication fails
// (ClientCnxn.SendThread.run).
func (c *Client) loop() {
	defer close(c.loopDone)
	first := true
	var cause error
	for cause == nil {
		c.mu.Lock()
		switch {
		case c.stopped || !c.state.Alive() || c.closing:
			cause = errStopped
		case c.sessionID != 0 && !c.lastHeard.IsZero() && c.negotiated > 0 &&
			time.Since(c.lastHeard) > c.negotiated*4/3:
			// The server cannot have kept the session this long without
			// hearing from us (ZOOKEEPER-4508): give up as expired.
			c.setStateLocked(StateClosed)
			cause = errExpired
		}
		c.mu.Unlock()
		if cause != nil {
			break
		}
		addr, roundDone := c.hosts.next()
		if !first || roundDone {
			pause := rand.N(time.Second)
			if roundDone {
				pause += time.Second
			}
			if !c.sleep(pause) {
				break
			}
		}
		first = false
		cause = c.attempt(addr)
		if cause == nil {
			c.cleanup()
		}
	}
	c.cleanup()
	c.mu.Lock()
	st, closing := c.state, c.closing || c.stopped
	c.mu.Unlock()
	switch {
	case closing && st != StateAuthFailed:
		c.events.event(Event{Type: jute.EventNone, State: jute.StateClosed, Zxid: NoZxid}, c.watches.materialize(jute.StateClosed, jute.EventNone, ""))
	case errors.Is(cause, errExpired):
		c.events.event(Event{Type: jute.EventNone, State: jute.StateExpired, Zxid: NoZxid}, c.watches.materialize(jute.StateExpired, jute.EventNone, ""))
	}
	c.events.die()
}

// sleep waits d unless the client is stopped first.
func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.stop:
		return false
	}
}

// attempt connects to addr and serves the connection until it breaks. It
// returns nil to try the next server, or the reason to stop for good.
func (c *Client) attempt(addr string) error {
	c.mu.Lock()
	c.setStateLocked(StateConnecting)
	connectTimeout := c.cfg.SessionTimeout / time.Duration(len(c.hosts.addrs))
	if c.negotiated > 0 {
		connectTimeout = c.negotiated / time.Duration(len(c.hosts.addrs))
	}
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	go func() {
		select {
		case <-c.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	conn, err := c.dial(ctx, "tcp", addr)
	if err != nil {
		c.log.Debug("connect failed", "server", addr, "err", err)
		return nil
	}
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		conn.Close()
		return errStopped
	}
	c.conn, c.server = conn, addr
	c.mu.Unlock()
	defer func() {
		conn.Close()
		c.mu.Lock()
		c.conn, c.server = nil, ""
		c.mu.Unlock()
	}()

	if err := c.handshake(conn, connectTimeout); err != nil {
		if errors.Is(err, errExpired) {
			return err
		}
		c.log.Debug("handshake failed", "server", addr, "err", err)
		return nil
	}
	err = c.serve(conn)
	c.log.Debug("connection lost", "server", addr, "err", err)
	if errors.Is(err, errAuthFailed) {
		return err
	}
	return nil
}

// handshake sends the ConnectRequest and reads the ConnectResponse. On
// success the session is up: state, event, and the auth and setWatches
// packets go to the front of the queue (ClientCnxn.primeConnection).
func (c *Client) handshake(conn net.Conn, timeout time.Duration) error {
	c.mu.Lock()
	req := jute.ConnectRequest{
		LastZxidSeen: c.lastZxid,
		TimeOut:      int32(min(c.cfg.SessionTimeout.Milliseconds(), math.MaxInt32)),
		Passwd:       c.passwd,
		ReadOnly:     c.cfg.CanBeReadOnly,
		HasReadOnly:  true,
	}
	if c.seenRW {
		req.SessionID = c.sessionID
	}
	c.mu.Unlock()

	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(frame(nil, &req)); err != nil {
		return err
	}
	buf, err := readFrame(conn, nil, c.cfg.MaxPacket)
	if err != nil {
		return err
	}
	var resp jute.ConnectResponse
	if err := jute.Unmarshal(buf, &resp); err != nil {
		return err
	}
	conn.SetDeadline(time.Time{})

	c.mu.Lock()
	if resp.TimeOut <= 0 {
		c.setStateLocked(StateClosed)
		c.mu.Unlock()
		return errExpired
	}
	c.negotiated = time.Duration(resp.TimeOut) * time.Millisecond
	c.sessionID, c.passwd = resp.SessionID, resp.Passwd
	c.lastHeard = time.Now()
	c.hosts.connected()
	ro := resp.ReadOnly
	c.seenRW = c.seenRW || !ro
	if ro {
		c.setStateLocked(StateConnectedReadOnly)
	} else {
		c.setStateLocked(StateConnected)
	}
	prime := c.primeLocked()
	c.outq = append(prime, c.outq...)
	c.mu.Unlock()

	st := jute.StateSyncConnected
	if ro {
		st = jute.StateConnectedReadOnly
	}
	c.events.event(Event{Type: jute.EventNone, State: st, Zxid: NoZxid}, c.watches.materialize(st, jute.EventNone, ""))
	return nil
}

// primeLocked builds the packets that restore a session's context on a new
// connection: credentials, then watches in batches under jute.maxbuffer.
func (c *Client) primeLocked() []*request {
	var out []*request
	for _, a := range c.auths {
		out = append(out, &request{xid: jute.XidAuth, op: jute.OpAuth, body: &jute.AuthPacket{Scheme: a.scheme, Auth: a.auth}})
	}
	if c.cfg.DisableAutoWatchReset {
		return out
	}
	var lists [numKinds][]string
	total := 0
	for k := range lists {
		lists[k] = c.serverPaths(c.watches.paths(watchKind(k)))
		total += len(lists[k])
	}
	for total > 0 {
		sw := &jute.SetWatches{RelativeZxid: c.lastZxid}
		dst := [numKinds]*[]string{&sw.DataWatches, &sw.ExistWatches, &sw.ChildWatches, &sw.PersistentWatches, &sw.PersistentRecursiveWatches}
		for k := range dst {
			*dst[k] = []string{}
		}
		size := 0
		for k := 0; k < int(numKinds) && size < setWatchesMaxLength; k++ {
			for len(lists[k]) > 0 && size < setWatchesMaxLength {
				p := lists[k][0]
				lists[k] = lists[k][1:]
				*dst[k] = append(*dst[k], p)
				size += len(p)
				total--
			}
		}
		op := jute.OpSetWatches
		if len(sw.PersistentWatches) > 0 || len(sw.PersistentRecursiveWatches) > 0 {
			op, sw.V2 = jute.OpSetWatches2, true
		}
		out = append(out, &request{xid: jute.XidSetWatches, op: op, body: sw})
	}
	return out
}

// serve runs the sender on this goroutine and the receiver on another until
// the connection fails.
func (c *Client) serve(conn net.Conn) error {
	recvErr := make(chan error, 1)
	go func() { recvErr <- c.receive(conn) }()
	sendErr := c.send(conn, recvErr)
	conn.Close()
	err := <-recvErr // the receiver has finished with the queues
	if sendErr != nil {
		return sendErr
	}
	return err
}

// send writes queued requests as they come and pings when idle. It returns
// the receiver's error once that ends (relayed through recvErr).
func (c *Client) send(conn net.Conn, recvErr chan error) error {
	w := bufio.NewWriterSize(conn, 64*1024)
	c.mu.Lock()
	pingEvery := max(min(c.negotiated/3, maxSendPingInterval), time.Millisecond)
	c.mu.Unlock()
	ping := time.NewTimer(pingEvery)
	defer ping.Stop()
	var buf []byte
	for {
		c.mu.Lock()
		batch := c.outq
		c.outq = nil
		for _, r := range batch {
			if r.xid == 0 {
				r.xid = c.xid
				c.xid++
				if c.xid == math.MaxInt32 {
					c.xid = 1
				}
			}
			if r.op == jute.OpAuth {
				c.authWait = append(c.authWait, r)
			} else {
				c.pending = append(c.pending, r)
			}
		}
		c.mu.Unlock()
		if len(batch) > 0 {
			for _, r := range batch {
				buf = frame(buf[:0], &jute.RequestHeader{Xid: r.xid, Type: r.op}, r.body)
				if _, err := w.Write(buf); err != nil {
					return err
				}
			}
			if err := w.Flush(); err != nil {
				return err
			}
			ping.Reset(pingEvery)
		}
		select {
		case <-c.kick:
		case <-ping.C:
			buf = frame(buf[:0], &jute.RequestHeader{Xid: jute.XidPing, Type: jute.OpPing})
			if _, err := conn.Write(buf); err != nil {
				return err
			}
			ping.Reset(pingEvery)
		case err := <-recvErr:
			recvErr <- err
			return nil
		case <-c.stop:
			return errStopped
		}
	}
}

// receive reads replies and notifications until the connection fails.
func (c *Client) receive(conn net.Conn) error {
	c.mu.Lock()
	readTimeout := c.negotiated * 2 / 3
	c.mu.Unlock()
	r := bufio.NewReaderSize(conn, 64*1024)
	var buf []byte
	for {
		conn.SetReadDeadline(time.Now().Add(readTimeout))
		var err error
		if buf, err = readFrame(r, buf, c.cfg.MaxPacket); err != nil {
			return err
		}
		c.mu.Lock()
		c.lastHeard = time.Now()
		c.mu.Unlock()
		if err := c.handleReply(buf); err != nil {
			return err
		}
	}
}

// handleReply dispatches one packet (ClientCnxn.SendThread.readResponse).
func (c *Client) handleReply(buf []byte) error {
	d := jute.NewDecoder(buf)
	var hdr jute.ReplyHeader
	hdr.Decode(d)
	if d.Err() != nil {
		return d.Err()
	}
	switch hdr.Xid {
	case jute.XidPing:
		return nil
	case jute.XidAuth:
		c.mu.Lock()
		var r *request
		if len(c.authWait) > 0 {
			r, c.authWait = c.authWait[0], c.authWait[1:]
		}
		failed := jute.Code(hdr.Err) == jute.AuthFailed
		if failed {
			c.setStateLocked(StateAuthFailed)
		}
		c.mu.Unlock()
		if failed {
			c.events.event(Event{Type: jute.EventNone, State: jute.StateAuthFailed, Zxid: NoZxid}, c.watches.materialize(jute.StateAuthFailed, jute.EventNone, ""))
		}
		if r != nil {
			c.finish(r, jute.Code(hdr.Err))
		}
		if failed {
			return errAuthFailed
		}
		return nil
	case jute.XidNotification:
		var ev jute.WatcherEvent
		ev.Decode(d)
		if d.Err() != nil {
			return d.Err()
		}
		path := c.stripChroot(ev.Path)
		e := Event{Type: ev.Type, State: ev.State, Path: path, Zxid: hdr.Zxid}
		c.events.event(e, c.watches.materialize(ev.State, ev.Type, path))
		return nil
	}
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return fmt.Errorf("client: nothing in the queue, but got reply xid %d", hdr.Xid)
	}
	r := c.pending[0]
	c.pending = c.pending[1:]
	if hdr.Zxid > 0 {
		c.lastZxid = hdr.Zxid
	}
	c.mu.Unlock()
	if r.xid != hdr.Xid {
		c.finish(r, jute.ConnectionLoss)
		return fmt.Errorf("client: xid out of order: got %d, expected %d", hdr.Xid, r.xid)
	}
	r.zxid, r.replied = hdr.Zxid, true
	code := jute.Code(hdr.Err)
	if r.resp != nil && (code == jute.OK || r.op == jute.OpMulti) {
		r.resp.Decode(d)
		if d.Err() != nil && code == jute.OK {
			c.finish(r, jute.MarshallingError)
			return d.Err()
		}
	}
	c.finish(r, code)
	return nil
}

// cleanup fails every queued and pending request after a connection ends
// (ClientCnxn.cleanup) and reports Disconnected if the client lives on.
func (c *Client) cleanup() {
	c.mu.Lock()
	code := c.failCodeLocked()
	reqs := append(append(c.pending, c.authWait...), c.outq...)
	c.pending, c.authWait, c.outq = nil, nil, nil
	// A closing client reports Closed, not Disconnected.
	reconnecting := c.state.Alive() && !c.closing && !c.stopped
	if reconnecting {
		c.setStateLocked(StateConnecting)
	}
	c.mu.Unlock()
	for _, r := range reqs {
		c.finish(r, code)
	}
	if reconnecting {
		c.events.event(Event{Type: jute.EventNone, State: jute.StateDisconnected, Zxid: NoZxid}, c.watches.materialize(jute.StateDisconnected, jute.EventNone, ""))
	}
}

// frame encodes records behind a 4-byte length into buf.
func frame(buf []byte, recs ...jute.Record) []byte {
	e := jute.NewEncoder(append(buf[:0], 0, 0, 0, 0))
	for _, r := range recs {
		if r != nil {
			r.Encode(e)
		}
	}
	out := e.Bytes()
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out
}

// readFrame reads one length-prefixed packet into buf, refusing a length
// outside (0, max) before allocating (ClientCnxnSocket.readLength).
func readFrame(r io.Reader, buf []byte, max int) ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(l[:]))
	if n < 0 || int(n) >= max {
		return nil, fmt.Errorf("client: packet len %d is out of range", n)
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := io.ReadFull(r, buf)
	return buf, err
}

// serverPath prefixes the chroot to a client path (ZooKeeper.prependChroot).
func (c *Client) serverPath(p string) string {
	if c.chroot == "" {
		return p
	}
	if p == "/" {
		return c.chroot
	}
	return c.chroot + p
}

func (c *Client) serverPaths(ps []string) []string {
	for i, p := range ps {
		ps[i] = c.serverPath(p)
	}
	return ps
}

// stripChroot turns a server path back into a client path; paths outside
// the chroot (/zookeeper/config) are kept whole.
func (c *Client) stripChroot(p string) string {
	if c.chroot == "" || len(p) < len(c.chroot) || p[:len(c.chroot)] != c.chroot {
		return p
	}
	if len(p) == len(c.chroot) {
		return "/"
	}
	if p[len(c.chroot)] != '/' {
		return p
	}
	return p[len(c.chroot):]
}
