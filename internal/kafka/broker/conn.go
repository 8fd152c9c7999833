package broker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/wire"
)

// readBufferSize is the per-connection read buffer: pipelined small
// requests come in with one system call; large ones bypass it.
const readBufferSize = 16 << 10

var (
	// ErrKeyNotEnabled: a request for an API key without a handler. Kafka
	// closes the connection ("Received request api key X which is not
	// enabled").
	ErrKeyNotEnabled = errors.New("broker: api key not enabled")
	// ErrUnsupportedVersion: a request at a version outside its handler's
	// range (ApiVersions excepted, KIP-511). Kafka closes the connection.
	ErrUnsupportedVersion = errors.New("broker: unsupported api version")
	// ErrIdle: connections.max.idle.ms passed without traffic.
	ErrIdle = errors.New("broker: connection idle")
	// ErrOutputOverflow: the client does not read its responses and they
	// exceed the connection's output buffer.
	ErrOutputOverflow = errors.New("broker: client not reading; output buffer exceeded")
	// errClientClosed: the client closed its side between requests.
	errClientClosed = errors.New("broker: client closed the connection")
	// errDropped: the connection closed before the reply could be sent.
	errDropped = errors.New("broker: connection closed before the response was sent")
)

// conn is one client connection: a reading goroutine that parses requests
// and runs their handlers in order, and a writing goroutine that sends the
// replies in the same order as they settle.
//
// Ownership: the reader appends slots to queue; a slot is settled once
// (by its handler's reply, maybe later from another goroutine); the writer
// takes settled slots from the head and owns them from then on, counting
// them in inflight and outBytes until written; close takes the rest. c.mu
// guards queue, inflight, outBytes and closed; it is a leaf lock: no other
// lock is taken, and no callback runs, while it is held.
type conn struct {
	srv  *Server
	nc   net.Conn
	info *ConnInfo
	fr   *wire.FrameReader
	w    *wire.Writer
	idle time.Duration

	mu       sync.Mutex
	queue    []*slot // requests read and not yet taken by the writer, in order
	inflight int     // requests read and not yet written (queue + the writer's batch)
	outBytes int64   // settled frames' memory not yet written
	closed   bool
	reason   error // why the connection closed

	wake       chan struct{} // capacity 1: the writer may have work
	room       chan struct{} // capacity 1: the reader may have room
	done       chan struct{} // closed by close
	writerDone chan struct{}
	lastActive atomic.Int64 // unix nanoseconds of the last byte in or out
}

// slot is one request's place in the response order.
type slot struct {
	stats    RequestStats
	silent   bool // not a request (the client's EOF): no metrics
	corr     int32
	version  int16
	settled  bool
	frame    *wire.Frame // settled: the response to send, if any
	mem      int64       // frame's memory, counted in conn.outBytes
	closeErr error       // settled: close the connection here
	// request is the request's frame, given back to Server.frames once the
	// reply has settled (Produce only; nil otherwise).
	request []byte
}

// produceKey is the API key whose frames are recycled: the large ones.
// Its handler and everything below it (the ReplicaManager, the log) use
// the records of a request only until they reply, so the frame is free
// once the reply settles. (Kafka's own produce path has the same rule:
// its request buffers return to the memory pool after the append.)
const produceKey = 0

func newConn(s *Server, nc net.Conn, info *ConnInfo) *conn {
	c := &conn{
		srv:        s,
		nc:         nc,
		info:       info,
		idle:       s.cfg.ConnectionsMaxIdle,
		w:          wire.NewWriter(nc),
		wake:       make(chan struct{}, 1),
		room:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	c.fr = wire.NewFrameReader(bufio.NewReaderSize(connReader{c}, readBufferSize), s.cfg.SocketRequestMaxBytes)
	c.fr.SetPool(&s.frames)
	c.touch()
	return c
}

// serve runs the connection until it closes.
func (c *conn) serve() {
	go c.writeLoop()
	if err := c.readLoop(); err != nil {
		c.close(err)
	}
	<-c.done // after a close slot, the writer closes once the replies before it are out
	<-c.writerDone
}

// readLoop reads and dispatches requests. It returns an error to close the
// connection now, nil when it queued a close after the pending replies.
func (c *conn) readLoop() error {
	for {
		if err := c.waitRoom(); err != nil {
			return err
		}
		frame, err := c.fr.Next()
		switch {
		case err == nil:
		case err == io.EOF:
			c.enqueueClose(RequestStats{}, errClientClosed) // answer what was asked first
			return nil
		case errors.Is(err, wire.ErrFrameTooLarge) || errors.Is(err, wire.ErrNegativeSize) || err == io.ErrUnexpectedEOF:
			c.enqueueClose(RequestStats{Listener: c.info.Listener, Key: -1, Version: -1, Received: time.Now()}, err)
			return nil
		default:
			return err // idle, reset, closed
		}
		if !c.dispatch(frame, time.Now()) {
			return nil
		}
	}
}

// waitRoom blocks while queued.max.requests of this connection's requests
// are unanswered.
func (c *conn) waitRoom() error {
	for {
		c.mu.Lock()
		full, closed := c.inflight >= c.srv.cfg.QueuedMaxRequests, c.closed
		c.mu.Unlock()
		if closed {
			return errServerClosed
		}
		if !full {
			return nil
		}
		select {
		case <-c.room:
		case <-c.done:
		}
	}
}

// dispatch parses a frame, checks it against the registry and runs its
// handler. It returns false when the connection is to close (after the
// replies already queued), as Kafka closes it for an unknown key, an
// unsupported version or a body that does not parse.
func (c *conn) dispatch(frame []byte, received time.Time) bool {
	st := RequestStats{Listener: c.info.Listener, Key: -1, Version: -1, BytesIn: len(frame), Received: received}
	req, err := wire.ParseRequest(frame)
	if err != nil {
		c.enqueueClose(st, err)
		return false
	}
	st.Key, st.Version = req.Key, req.Version
	e, ok := c.srv.registry.lookup(req.Key)
	if !ok {
		c.enqueueClose(st, fmt.Errorf("%w: %d (%s)", ErrKeyNotEnabled, req.Key, kmsg.NameForKey(req.Key)))
		return false
	}
	if req.Version < e.min || req.Version > e.max {
		if req.Key == apiVersionsKey {
			// KIP-511: answer in v0 with the versions we do support, body unread.
			s := c.newSlot(st, req.CorrelationID, 0)
			c.settle(s, Respond(apiVersionsUnsupported(e.min, e.max)))
			return true
		}
		c.enqueueClose(st, fmt.Errorf("%w: %s v%d (supported %d..%d)", ErrUnsupportedVersion, kmsg.NameForKey(req.Key), req.Version, e.min, e.max))
		return false
	}
	if err := req.Decode(); err != nil {
		c.enqueueClose(st, err)
		return false
	}
	ctx := &RequestContext{
		Conn:          c.info,
		Key:           req.Key,
		Version:       req.Version,
		CorrelationID: req.CorrelationID,
		ClientID:      req.ClientIDString(),
		Received:      received,
		Size:          req.Size,
		Broker:        c.srv.broker,
		Logger:        c.srv.log,
		Registry:      c.srv.registry,
		done:          c.done,
	}
	s := c.newSlot(st, req.CorrelationID, req.Version)
	if req.Key == produceKey {
		s.request = frame
	}
	reply := c.call(e.h, ctx, req.Body)
	s.stats.Handled = time.Now()
	c.settle(s, reply)
	return reply.CloseReason() == nil
}

// call runs a handler; a panic closes this connection, not the broker.
func (c *conn) call(h Handler, ctx *RequestContext, req kmsg.Request) (r Reply) {
	defer func() {
		if p := recover(); p != nil {
			c.srv.log.Error("broker: handler panicked", "api", kmsg.NameForKey(ctx.Key), "version", ctx.Version,
				"conn", c.info.ID, "panic", p, "stack", string(debug.Stack()))
			r = CloseConnection(fmt.Errorf("broker: %s handler panicked: %v", kmsg.NameForKey(ctx.Key), p))
		}
	}()
	return h(ctx, req)
}

// newSlot queues a request's place in the response order.
func (c *conn) newSlot(st RequestStats, corr int32, version int16) *slot {
	s := &slot{stats: st, corr: corr, version: version}
	c.mu.Lock()
	c.queue = append(c.queue, s)
	c.inflight++
	c.mu.Unlock()
	return s
}

// enqueueClose queues a close after the replies already queued; a zero
// st means no request caused it (the client's EOF).
func (c *conn) enqueueClose(st RequestStats, err error) {
	silent := st.Received.IsZero()
	s := c.newSlot(st, 0, 0)
	s.silent = silent
	s.stats.Handled = s.stats.Received
	c.settle(s, CloseConnection(err))
}

// settle records a slot's reply: encodes its response now (so the
// output buffer counts real bytes), or waits for a Pending.
func (c *conn) settle(s *slot, r Reply) {
	if p := r.Pending(); p != nil {
		p.then(func(r Reply) { c.settle(s, r) })
		return
	}
	// The handler is done with the request, so is this function.
	defer c.recycle(s)
	if c.isClosed() { // a late completion: nothing to encode
		r.release()
		c.dropped(s, r.CloseReason())
		return
	}
	frame, resp, closeErr := c.encode(s, r)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		frame.Release()
		c.dropped(s, closeErr)
		return
	}
	s.settled, s.frame, s.closeErr = true, frame, closeErr
	s.stats.Completed, s.stats.Response = time.Now(), resp
	if frame != nil {
		s.mem = frame.MemLen()
		c.outBytes += s.mem
	}
	overflow := c.outBytes > c.srv.cfg.OutputBufferBytes && c.inflight > 1
	c.mu.Unlock()
	if overflow {
		c.close(ErrOutputOverflow)
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// recycle gives a settled request's frame back for the next requests.
func (c *conn) recycle(s *slot) {
	if s.request != nil {
		c.srv.frames.Put(s.request)
		s.request = nil
	}
}

func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// dropped reports a request whose reply settled after the connection closed.
func (c *conn) dropped(s *slot, closeErr error) {
	now := time.Now()
	s.stats.Completed, s.stats.Sent = now, now
	s.stats.Err = c.closeReasonFor(closeErr)
	c.report(s)
}

// report hands a request's stats to the metrics sink.
func (c *conn) report(s *slot) {
	if !s.silent {
		c.srv.metrics.RequestDone(&s.stats)
	}
}

// closeReasonFor is the error reported for a request dropped by the close:
// its own close reason if it had one, else errDropped and the
// connection's reason.
func (c *conn) closeReasonFor(err error) error {
	if err != nil {
		return err
	}
	c.mu.Lock()
	reason := c.reason
	c.mu.Unlock()
	if reason == nil {
		return errDropped
	}
	return fmt.Errorf("%w: %w", errDropped, reason)
}

// encode turns a settled reply into a frame, or a close reason. An
// encoding panic (a handler's malformed response) closes the connection.
func (c *conn) encode(s *slot, r Reply) (f *wire.Frame, resp kmsg.Response, closeErr error) {
	defer func() {
		if p := recover(); p != nil {
			r.release()
			f, resp, closeErr = nil, nil, fmt.Errorf("broker: encoding %s v%d panicked: %v", kmsg.NameForKey(s.stats.Key), s.version, p)
			c.srv.log.Error("broker: response encoding panicked", "conn", c.info.ID, "err", closeErr)
		}
	}()
	switch r.kind {
	case replyRespond:
		r.resp.SetVersion(s.version)
		return wire.ResponseFrame(s.corr, r.resp), r.resp, nil
	case replySpliced:
		r.resp.SetVersion(s.version)
		f, err := r.splicer.Frame(s.corr, r.resp)
		if err != nil {
			c.srv.log.Error("broker: response not framed", "api", kmsg.NameForKey(s.stats.Key), "conn", c.info.ID, "err", err)
			return nil, nil, err
		}
		return f, r.resp, nil
	case replyNone:
		return nil, nil, nil
	default:
		return nil, nil, r.CloseReason()
	}
}

// close closes the connection now: replies not yet written are dropped.
func (c *conn) close(err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.reason = true, err
	q := c.queue
	c.queue = nil
	c.mu.Unlock()
	close(c.done)
	c.nc.Close()
	now := time.Now()
	for _, s := range q {
		if !s.settled {
			continue // reported when it settles
		}
		s.frame.Release()
		s.stats.Err = c.closeReasonFor(s.closeErr)
		s.stats.Sent = now
		c.report(s)
	}
	level := slog.LevelInfo
	if errors.Is(err, errClientClosed) || errors.Is(err, errServerClosed) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		level = slog.LevelDebug
	}
	c.srv.log.Log(context.Background(), level, "broker: connection closed", "conn", c.info.ID, "listener", c.info.Listener, "reason", err)
}

// touch records traffic for the idle timeout.
func (c *conn) touch() { c.lastActive.Store(time.Now().UnixNano()) }

// busy reports requests in flight: such a connection is never idle.
func (c *conn) busy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inflight > 0
}

// connReader reads from the socket under the idle timeout: the deadline is
// the last traffic plus connections.max.idle.ms, pushed back while
// requests are in flight.
type connReader struct{ c *conn }

func (r connReader) Read(p []byte) (int, error) {
	c := r.c
	for {
		if c.idle >= 0 {
			now := time.Now()
			deadline := time.Unix(0, c.lastActive.Load()).Add(c.idle)
			if !deadline.After(now) {
				if !c.busy() {
					return 0, fmt.Errorf("%w: %v without traffic", ErrIdle, c.idle)
				}
				deadline = now.Add(c.idle)
			}
			c.nc.SetReadDeadline(deadline)
		}
		n, err := c.nc.Read(p)
		if n > 0 {
			c.touch()
			return n, nil
		}
		var ne net.Error
		if c.idle >= 0 && errors.As(err, &ne) && ne.Timeout() {
			continue // re-checked against the last traffic above
		}
		return n, err
	}
}
