package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// conn is one client connection. Its reader and writer goroutines touch only
// the fields marked as theirs; everything else belongs to the core.
type conn struct {
	id       uint64 // also the connection's watcher id in the tree
	srv      *Server
	nc       net.Conn
	remote   string // ip:port
	remoteIP string
	started  time.Time

	// core-owned
	sessionID   int64
	timeout     int32
	auth        []jute.Id
	established bool
	hasReadOnly bool    // the client sent the readOnly byte: mirror it in the reply
	queue       []*item // requests in arrival order, not yet answered
	closed      bool
	fourLetter  bool // a four-letter-word connection (set by its reader)

	// sessionView and timeoutView mirror sessionID and timeout for readers
	// outside the core (the four-letter words); written atomically by the core.
	sessionView int64
	timeoutView int32

	// output: core appends frames, the writer drains them.
	outMu      sync.Mutex
	out        []byte
	spare      []byte
	closeAfter bool // close once everything queued so far is written
	outSignal  chan struct{}
	done       chan struct{}
	closeOnce  sync.Once

	// tokens bounds the requests a connection may have outstanding; the
	// reader takes one per request, the core gives it back with the reply.
	tokens chan struct{}

	stats connStats
}

// connStats are the per-connection figures `cons` prints.
type connStats struct {
	packetsReceived atomic.Int64
	packetsSent     atomic.Int64
	minLatency      atomic.Int64 // ms; -1 until the first reply
	maxLatency      atomic.Int64
	totalLatency    atomic.Int64
	count           atomic.Int64
	lastCxid        atomic.Int64
	lastZxid        atomic.Int64
	lastOp          atomic.Value // string
	lastLatency     atomic.Int64
	lastResponse    atomic.Int64 // unix ms
}

func (s *connStats) reset() {
	s.packetsReceived.Store(0)
	s.packetsSent.Store(0)
	s.minLatency.Store(-1)
	s.maxLatency.Store(0)
	s.totalLatency.Store(0)
	s.count.Store(0)
	s.lastCxid.Store(-1)
	s.lastZxid.Store(-1)
	s.lastOp.Store("NA")
	s.lastLatency.Store(0)
	s.lastResponse.Store(0)
}

func newConn(srv *Server, id uint64, nc net.Conn, maxOutstanding int) *conn {
	c := &conn{
		id:        id,
		srv:       srv,
		nc:        nc,
		remote:    nc.RemoteAddr().String(),
		started:   time.Now(),
		outSignal: make(chan struct{}, 1),
		done:      make(chan struct{}),
		tokens:    make(chan struct{}, maxOutstanding),
	}
	if host, _, err := net.SplitHostPort(c.remote); err == nil {
		c.remoteIP = host
	} else {
		c.remoteIP = c.remote
	}
	// Every connection is identified by its address (NIOServerCnxn adds
	// ip:<addr> to its authInfo): ip ACLs and whoAmI see it.
	c.auth = []jute.Id{acl.IPID(c.remoteIP)}
	c.stats.reset()
	return c
}

var errFrameLength = errors.New("server: frame length out of range")

// readLoop decodes frames and hands them to the core. The first frame is a
// four-letter word or a ConnectRequest; every later one a request.
func (c *conn) readLoop() {
	defer func() {
		c.close()
		c.srv.core.post(evClosed{c: c})
	}()
	br := bufio.NewReaderSize(c.nc, 64<<10)
	var lenBuf [4]byte
	var buf []byte
	first := true
	for {
		if _, err := io.ReadFull(br, lenBuf[:]); err != nil {
			return
		}
		n := int32(binary.BigEndian.Uint32(lenBuf[:]))
		if first {
			if cmd, ok := fourLetterWord(n); ok {
				c.srv.serveFourLetter(c, cmd, br)
				return
			}
		}
		// Checked before allocating: a hostile length costs nothing.
		if n < 0 || int(n) > c.srv.opts.MaxBuffer {
			c.srv.log.Warn("closing connection: frame length out of range",
				"remote", c.remote, "len", n, "jute.maxbuffer", c.srv.opts.MaxBuffer)
			return
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return
		}
		c.stats.packetsReceived.Add(1)
		c.srv.stats.packetsReceived.Add(1)
		if first {
			first = false
			var req jute.ConnectRequest
			if err := jute.Unmarshal(buf, &req); err != nil {
				c.srv.log.Warn("closing connection: malformed ConnectRequest", "remote", c.remote, "err", err)
				return
			}
			c.srv.core.post(evConnect{c: c, req: &req})
			continue
		}
		ev, ok := c.decodeRequest(buf)
		if !ok {
			return
		}
		select {
		case c.tokens <- struct{}{}:
		case <-c.done:
			return
		}
		c.srv.core.post(ev)
	}
}

// decodeRequest turns a frame into a request event. A body that does not
// decode is answered with MarshallingError; a header that does not decode
// ends the connection.
func (c *conn) decodeRequest(buf []byte) (evRequest, bool) {
	d := jute.NewDecoder(buf)
	var h jute.RequestHeader
	h.Decode(d)
	if d.Err() != nil {
		c.srv.log.Warn("closing connection: malformed request header", "remote", c.remote)
		return evRequest{}, false
	}
	ev := evRequest{c: c, xid: h.Xid, op: h.Type, received: time.Now()}
	info, ok := ops[h.Type]
	if !ok {
		ev.kind = kindInvalid
		return ev, true
	}
	ev.kind = info.kind
	if info.body != nil {
		ev.body = info.body()
		ev.body.Decode(d)
		if d.Err() != nil || nullPathRead(h.Type, buf) {
			ev.decodeErr = jute.MarshallingError
		}
	}
	return ev, true
}

// nullPathRead reports a read whose path is null (length -1): ZooKeeper
// fails on it with a NullPointerException, answered MarshallingError, where
// the decoder would read it as "", the root's alias.
func nullPathRead(op jute.OpCode, frame []byte) bool {
	switch op {
	case jute.OpExists, jute.OpGetData, jute.OpGetChildren, jute.OpGetChildren2, jute.OpGetACL, jute.OpGetAllChildrenNumber:
		return len(frame) >= 12 && int32(binary.BigEndian.Uint32(frame[8:12])) == -1
	}
	return false
}

// writeLoop sends whatever the core has queued, in as few writes as possible.
func (c *conn) writeLoop() {
	for {
		select {
		case <-c.outSignal:
		case <-c.done:
			return
		}
		for {
			c.outMu.Lock()
			buf := c.out
			closeAfter := c.closeAfter
			c.out = c.spare[:0]
			c.spare = nil
			c.outMu.Unlock()
			if len(buf) == 0 {
				if closeAfter {
					c.close()
					return
				}
				break
			}
			if _, err := c.nc.Write(buf); err != nil {
				c.close()
				return
			}
			if cap(buf) <= 1<<20 { // keep ordinary buffers, let huge ones go
				c.outMu.Lock()
				c.spare = buf[:0]
				c.outMu.Unlock()
			}
		}
	}
}

// send queues one reply or notification frame. Called by the core only.
func (c *conn) send(h *jute.ReplyHeader, body jute.Record) {
	if c.closed {
		return
	}
	c.outMu.Lock()
	start := len(c.out)
	c.out = append(c.out, 0, 0, 0, 0)
	e := jute.NewEncoder(c.out)
	h.Encode(e)
	if body != nil {
		body.Encode(e)
	}
	c.out = e.Bytes()
	binary.BigEndian.PutUint32(c.out[start:], uint32(len(c.out)-start-4))
	over := len(c.out) > c.srv.opts.MaxOutBuffer
	c.outMu.Unlock()
	c.stats.packetsSent.Add(1)
	c.srv.stats.packetsSent.Add(1)
	if over {
		c.srv.log.Warn("closing connection: client is not reading its replies", "remote", c.remote,
			"session", hex(c.sessionID))
		c.closed = true
		c.close()
		return
	}
	c.wake()
}

// sendRaw queues a pre-framed payload (the ConnectResponse).
func (c *conn) sendRaw(frame []byte) {
	if c.closed {
		return
	}
	c.outMu.Lock()
	c.out = binary.BigEndian.AppendUint32(c.out, uint32(len(frame)))
	c.out = append(c.out, frame...)
	c.outMu.Unlock()
	c.stats.packetsSent.Add(1)
	c.srv.stats.packetsSent.Add(1)
	c.wake()
}

// closeAfterFlush closes the connection once what is queued has been written.
func (c *conn) closeAfterFlush() {
	c.outMu.Lock()
	c.closeAfter = true
	c.outMu.Unlock()
	c.wake()
}

func (c *conn) wake() {
	select {
	case c.outSignal <- struct{}{}:
	default:
	}
}

// release gives back a request token (core side).
func (c *conn) release() {
	select {
	case <-c.tokens:
	default:
	}
}

func (c *conn) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		c.nc.Close()
	})
}
