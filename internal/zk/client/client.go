package client

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// ErrClosed is returned by WaitConnected once the client can no longer
// connect (closed, expired or authentication failed).
var ErrClosed = errors.New("client: closed")

// ErrNoACL is returned for a create or setACL with an empty ACL list; like
// Java's client-side check it is the InvalidACL code, without a path.
var ErrNoACL = errors.Join(errors.New("client: empty ACL"), jute.InvalidACL)

// Config configures a Client. Servers is the only required field.
type Config struct {
	// Servers is the connect string: "host:port[,host:port...][/chroot]".
	Servers string
	// SessionTimeout is the timeout asked of the server (default 30s); the
	// server clamps it to [2, 20] ticks.
	SessionTimeout time.Duration
	// Watcher is the default watcher: it receives every session event and
	// the events of watches set with Client.DefaultWatcher().
	Watcher func(Event)
	// OnState is called on the event goroutine after each State change.
	OnState func(State)
	// CanBeReadOnly lets the client accept a read-only server (-r).
	CanBeReadOnly bool
	// SessionID and SessionPasswd resume an existing session.
	SessionID     int64
	SessionPasswd []byte
	// MaxPacket bounds incoming packets (jute.maxbuffer; default 0xfffff).
	MaxPacket int
	// DisableAutoWatchReset drops one-shot watches on disconnect instead of
	// re-registering them (zookeeper.disableAutoWatchReset).
	DisableAutoWatchReset bool
	// RequestTimeout bounds each request (zookeeper.request.timeout); when
	// it passes, the request fails with RequestTimeout and the connection is
	// dropped. Zero waits as long as the connection lives.
	RequestTimeout time.Duration
	// NoShuffle keeps the server order of the connect string.
	NoShuffle bool
	// Dial opens a connection; default net.Dialer.DialContext.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Logger receives connection diagnostics; default discards them.
	Logger *slog.Logger
}

// setWatchesMaxLength bounds the paths in one setWatches packet, as
// ClientCnxn.SET_WATCHES_MAX_LENGTH does, keeping each under jute.maxbuffer.
const setWatchesMaxLength = 128 * 1024

// Client is a ZooKeeper session: it connects, reconnects to the next server
// on failure, resumes the session, re-registers watches and re-sends
// credentials, and pipelines requests. All methods are safe for concurrent use.
type Client struct {
	cfg    Config
	chroot string
	hosts  *hostList
	log    *slog.Logger
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)

	watches *watchManager
	events  *dispatcher
	defW    *Watcher

	kick     chan struct{} // capacity 1: the sender has work
	stop     chan struct{} // closed by Close to end the connection loop
	loopDone chan struct{} // closed when the connection loop has exited

	mu         sync.Mutex // guards everything below; never held while calling out
	state      State
	stateCh    chan struct{} // closed and replaced on every state change
	closing    bool          // a closeSession is queued: no reconnect
	stopped    bool          // stop has been closed
	outq       []*request    // queued, not yet written
	pending    []*request    // written, awaiting a reply in order
	authWait   []*request    // auth packets written, awaiting their reply
	auths      []authData    // credentials re-sent on every connect
	conn       net.Conn      // current connection, nil when disconnected
	server     string        // address of the current connection
	sessionID  int64
	passwd     []byte
	negotiated time.Duration
	seenRW     bool // connected to a read-write server before: resume the session
	lastZxid   int64
	lastHeard  time.Time
	xid        int32
}

type authData struct {
	scheme string
	auth   []byte
}

// request is one packet and its outcome.
type request struct {
	xid     int32 // 0: assigned when written
	op      int32
	body    jute.Record // nil: header only
	resp    jute.Record // nil: no reply body expected
	reg     *watchReg
	unreg   *watchUnreg
	done    chan struct{}
	code    jute.Code
	zxid    int64
	replied bool // a reply was read (vs. failed locally)
}

// watchReg registers a watch when the reply arrives (WatchRegistration).
type watchReg struct {
	w      *Watcher
	path   string
	kind   watchKind
	exists bool // ExistsWatchRegistration: a NoNode reply registers an exist watch
}

// watchUnreg removes watches when the reply arrives (WatchDeregistration).
type watchUnreg struct {
	path  string
	w     *Watcher
	typ   WatcherType
	local bool
}

// Connect starts a client; it returns at once and connects in the
// background, as Java's ZooKeeper constructor does. Use WaitConnected to wait
// for the session.
func Connect(cfg Config) (*Client, error) {
	addrs, chroot, err := ParseConnectString(cfg.Servers)
	if err != nil {
		return nil, err
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 30 * time.Second
	}
	if cfg.MaxPacket <= 0 {
		cfg.MaxPacket = jute.MaxBuffer
	}
	c := &Client{
		cfg:      cfg,
		chroot:   chroot,
		hosts:    newHostList(addrs, !cfg.NoShuffle),
		log:      cfg.Logger,
		dial:     cfg.Dial,
		kick:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		loopDone: make(chan struct{}),
		stateCh:  make(chan struct{}),
		xid:      1,
		passwd:   make([]byte, 16),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.dial == nil {
		var d net.Dialer
		c.dial = d.DialContext
	}
	if cfg.Watcher != nil {
		c.defW = NewWatcher(cfg.Watcher)
	}
	if cfg.SessionID != 0 {
		c.sessionID = cfg.SessionID
		c.passwd = append([]byte(nil), cfg.SessionPasswd...)
		c.seenRW = true
	}
	c.watches = newWatchManager(c.defW, cfg.DisableAutoWatchReset)
	c.events = newDispatcher(c.log)
	go c.loop()
	return c, nil
}

// DefaultWatcher is the watcher built from Config.Watcher (nil if none).
// Pass it to a read to watch with the default watcher, as Java's
// getData(path, true) does.
func (c *Client) DefaultWatcher() *Watcher { return c.defW }

// State returns the connection state.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// SessionID returns the session id (0 before the first connect).
func (c *Client) SessionID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionID
}

// SessionPasswd returns the session password, for resuming the session.
func (c *Client) SessionPasswd() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.passwd...)
}

// SessionTimeout returns the timeout the server granted (0 before).
func (c *Client) SessionTimeout() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.negotiated
}

// LastZxid returns the highest zxid seen in a reply.
func (c *Client) LastZxid() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastZxid
}

// Server returns the address of the current connection ("" if none).
func (c *Client) Server() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.server
}

// Chroot returns the chroot of the connect string ("" if none).
func (c *Client) Chroot() string { return c.chroot }

// WaitConnected waits until a session is established (or re-established),
// the client dies (ErrClosed), or ctx ends.
func (c *Client) WaitConnected(ctx context.Context) error {
	for {
		c.mu.Lock()
		st, ch := c.state, c.stateCh
		c.mu.Unlock()
		if st.Connected() {
			return nil
		}
		if !st.Alive() {
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitEvents returns once every event received so far has been delivered to
// its watchers. Calling it after a request returns orders the reply after the
// events the server sent before it. It must not be called from a watcher.
func (c *Client) WaitEvents(ctx context.Context) error { return c.events.wait(ctx) }

// setStateLocked changes the state; c.mu is held.
func (c *Client) setStateLocked(s State) {
	if c.state == s {
		return
	}
	c.state = s
	close(c.stateCh)
	c.stateCh = make(chan struct{})
	if f := c.cfg.OnState; f != nil {
		c.events.push(func() { f(s) })
	}
}

// failCode is what a request fails with when it cannot be sent
// (ClientCnxn.conLossPacket).
func (c *Client) failCodeLocked() jute.Code {
	switch c.state {
	case StateAuthFailed:
		return jute.AuthFailed
	case StateClosed:
		return jute.SessionExpired
	}
	return jute.ConnectionLoss
}

// enqueue queues r for the sender, or fails it at once if the client is dead.
func (c *Client) enqueue(r *request) {
	c.mu.Lock()
	if !c.state.Alive() || c.closing {
		code := c.failCodeLocked()
		c.mu.Unlock()
		c.finish(r, code)
		return
	}
	if r.op == jute.OpCloseSession {
		c.closing = true
	}
	c.outq = append(c.outq, r)
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// call sends a request and waits for its reply.
func (c *Client) call(ctx context.Context, r *request) (jute.Code, error) {
	r.done = make(chan struct{})
	c.enqueue(r)
	var timeout <-chan time.Time
	if d := c.cfg.RequestTimeout; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-r.done:
		return r.code, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-timeout:
		c.dropConnection()
		return jute.RequestTimeout, nil
	}
}

// dropConnection closes the current connection; the loop reconnects.
func (c *Client) dropConnection() {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

// finish completes r with code: watch (de)registration first, then the
// waiter is released (ClientCnxn.finishPacket).
func (c *Client) finish(r *request, code jute.Code) {
	if reg := r.reg; reg != nil {
		switch {
		case code == jute.OK && reg.exists:
			c.watches.add(kindData, reg.path, reg.w)
		case code == jute.NoNode && reg.exists:
			c.watches.add(kindExist, reg.path, reg.w)
		case code == jute.OK:
			c.watches.add(reg.kind, reg.path, reg.w)
		case code == jute.NoNode && (reg.kind == kindPersistent || reg.kind == kindRecursive):
			c.watches.add(reg.kind, reg.path, reg.w)
		}
	}
	if u := r.unreg; u != nil {
		gone, rc := c.watches.remove(u.path, u.w, u.typ, u.local, code)
		state := jute.StateSyncConnected
		if code == jute.SessionExpired || code == jute.ConnectionLoss {
			state = jute.StateDisconnected
		}
		// Java's order (a HashMap's, stable in practice): child, data, persistent.
		for _, typ := range []jute.EventType{jute.EventChildWatchRemoved, jute.EventDataWatchRemoved, jute.EventPersistentWatchRemoved} {
			if ws := gone[typ]; len(ws) > 0 {
				c.events.event(Event{Type: typ, State: state, Path: u.path, Zxid: NoZxid}, ws)
			}
		}
		code = rc
	}
	r.code = code
	if r.done != nil {
		close(r.done)
	}
}

// Close ends the session (closeSession) and stops the client. It is a no-op
// on a dead client. The Closed event is queued before Close returns.
func (c *Client) Close() error {
	c.mu.Lock()
	if !c.state.Alive() || c.closing {
		c.mu.Unlock()
		<-c.loopDone
		return nil
	}
	connected := c.state.Connected()
	c.mu.Unlock()
	if connected {
		r := &request{op: jute.OpCloseSession, done: make(chan struct{})}
		c.enqueue(r)
		<-r.done
	}
	c.mu.Lock()
	c.closing = true
	c.setStateLocked(StateClosed)
	if !c.stopped {
		c.stopped = true
		close(c.stop)
	}
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
	<-c.loopDone
	return nil
}

// Disconnect drops the connection without closing the session, as a
// process exit would: the session lives on at the server until it expires.
func (c *Client) Disconnect() {
	c.mu.Lock()
	if !c.stopped {
		c.stopped = true
		close(c.stop)
	}
	c.setStateLocked(StateClosed)
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
	<-c.loopDone
}
