package zkdata

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// OpenACL is ZooDefs.Ids.OPEN_ACL_UNSAFE, the ACL of every znode Kafka
// creates when zookeeper.set.acl is false.
var OpenACL = []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "world", ID: "anyone"}}}

// Errors of the client. Server errors come back as jute.Code values.
var (
	// ErrTimeout is ZooKeeperClientTimeoutException: no session within the
	// connection timeout.
	ErrTimeout = errors.New("zkdata: Timed out waiting for connection")
	// ErrClosed is returned once Close has been called.
	ErrClosed = errors.New("zkdata: client closed")
	// ErrControllerMoved is ControllerMovedException: a write fenced by the
	// controller epoch's zkVersion found a newer controller.
	ErrControllerMoved = errors.New("zkdata: controller moved")
)

// Config configures a Client.
type Config struct {
	// Connect is zookeeper.connect: "host:port[,host:port...][/chroot]".
	Connect string
	// SessionTimeout is zookeeper.session.timeout.ms (Kafka 2.8: 18s).
	SessionTimeout time.Duration
	// ConnectionTimeout is zookeeper.connection.timeout.ms; it defaults to
	// the session timeout, as in Kafka.
	ConnectionTimeout time.Duration
	// Flavor chooses the field order of the JSON written (Scala213 default).
	Flavor Flavor
	// Dial overrides the TCP dialer (tests).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Logger receives diagnostics; default discards them.
	Logger *slog.Logger
	// Now returns the wall clock in ms for timestamps; default time.Now.
	Now func() int64
}

// SessionHandler is notified around a session expiry, as Kafka's
// StateChangeHandler is: Before runs once the old session is known to be
// expired, After once a new session is connected and the client's watches
// are set again on it. Both run on the renewal goroutine, in registration
// order, and may use the client (After sees the new session).
type SessionHandler struct {
	Before func()
	After  func()
}

// Client is Kafka's KafkaZkClient and ZooKeeperClient over Wharf's
// ZooKeeper client: one session at a time, replaced by a new one when it
// expires; requests that meet a lost connection wait for it to come back
// and are sent again; watches are persistent (AddWatch) and are set again
// on every new session.
//
// Lock order: Client.mu is a leaf; no callback runs with it held.
type Client struct {
	cfg    Config
	log    *slog.Logger
	chroot string

	mu       sync.Mutex
	zk       *client.Client
	watcher  *client.Watcher // the persistent watcher of the current session
	watches  map[string]func(client.Event)
	handlers []namedHandler
	closed   bool
	renewing bool
	done     chan struct{} // closed by Close
}

type namedHandler struct {
	name string
	h    SessionHandler
}

// Dial connects and waits for the first session (at most the connection
// timeout). If the connect string has a chroot, it first makes sure the
// chroot exists through a session without it, as KafkaServer does.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 18 * time.Second
	}
	if cfg.ConnectionTimeout <= 0 {
		cfg.ConnectionTimeout = cfg.SessionTimeout
	}
	if cfg.Now == nil {
		cfg.Now = func() int64 { return time.Now().UnixMilli() }
	}
	_, chroot, err := client.ParseConnectString(cfg.Connect)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, log: cfg.Logger, chroot: chroot, watches: map[string]func(client.Event){}, done: make(chan struct{})}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if chroot != "" {
		if err := c.ensureChroot(ctx); err != nil {
			return nil, err
		}
	}
	zk, w, err := c.connect(ctx, cfg.Connect)
	if err != nil {
		return nil, err
	}
	c.zk, c.watcher = zk, w
	return c, nil
}

func (c *Client) ensureChroot(ctx context.Context) error {
	root := c.cfg.Connect[:strings.Index(c.cfg.Connect, "/")]
	zk, _, err := c.connect(ctx, root)
	if err != nil {
		return err
	}
	defer zk.Close()
	tmp := &Client{cfg: c.cfg, log: c.log, zk: zk, watches: map[string]func(client.Event){}, done: make(chan struct{})}
	if err := tmp.MakeSurePersistentPathExists(ctx, c.chroot); err != nil {
		return fmt.Errorf("zkdata: create chroot %s: %w", c.chroot, err)
	}
	c.log.Info("Created zookeeper path", "path", c.chroot)
	return nil
}

// connect opens a session on servers and waits for it.
func (c *Client) connect(ctx context.Context, servers string) (*client.Client, *client.Watcher, error) {
	w := client.NewWatcher(c.dispatch)
	zk, err := client.Connect(client.Config{
		Servers:        servers,
		SessionTimeout: c.cfg.SessionTimeout,
		Watcher:        c.sessionEvent,
		Dial:           c.cfg.Dial,
		Logger:         c.log,
	})
	if err != nil {
		return nil, nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectionTimeout)
	defer cancel()
	if err := zk.WaitConnected(wctx); err != nil {
		zk.Close()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, fmt.Errorf("%w while in state: %v", ErrTimeout, zk.State())
	}
	return zk, w, nil
}

// Chroot is the chroot of the connect string ("" if none).
func (c *Client) Chroot() string { return c.chroot }

// Flavor is the JSON flavor the client writes.
func (c *Client) Flavor() Flavor { return c.cfg.Flavor }

// Session returns the current ZooKeeper session.
func (c *Client) Session() *client.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.zk
}

// SessionID is the current session's id.
func (c *Client) SessionID() int64 { return c.Session().SessionID() }

// OnSession registers a handler for session renewals under name (a second
// registration under the same name replaces the first).
func (c *Client) OnSession(name string, h SessionHandler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.handlers {
		if c.handlers[i].name == name {
			c.handlers[i].h = h
			return
		}
	}
	c.handlers = append(c.handlers, namedHandler{name, h})
}

// RemoveSessionHandler drops the handler registered under name.
func (c *Client) RemoveSessionHandler(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.handlers {
		if c.handlers[i].name == name {
			c.handlers = append(c.handlers[:i], c.handlers[i+1:]...)
			return
		}
	}
}

// Close ends the session and stops renewing it.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.done)
	zk := c.zk
	c.mu.Unlock()
	return zk.Close()
}

// sessionEvent receives the session events of every session; an expiry
// starts the renewal.
func (c *Client) sessionEvent(e client.Event) {
	if e.Type != jute.EventNone || e.State != jute.StateExpired {
		return
	}
	c.mu.Lock()
	if c.closed || c.renewing {
		c.mu.Unlock()
		return
	}
	c.renewing = true
	c.mu.Unlock()
	c.log.Info("Session expired")
	go c.renew()
}

// renew replaces an expired session (ZooKeeperClient.reinitialize).
func (c *Client) renew() {
	c.mu.Lock()
	handlers := append([]namedHandler(nil), c.handlers...)
	c.mu.Unlock()
	for _, h := range handlers {
		if h.h.Before != nil {
			h.h.Before()
		}
	}
	backoff := 50 * time.Millisecond
	for {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-c.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		zk, w, err := c.connect(ctx, c.cfg.Connect)
		cancel()
		if err == nil {
			c.mu.Lock()
			if c.closed {
				c.mu.Unlock()
				zk.Close()
				return
			}
			old := c.zk
			c.zk, c.watcher = zk, w
			paths := make([]string, 0, len(c.watches))
			for p := range c.watches {
				paths = append(paths, p)
			}
			c.mu.Unlock()
			old.Close()
			for _, p := range paths {
				if err := zk.AddWatch(context.Background(), p, w, client.AddWatchPersistent); err != nil {
					c.log.Warn("re-adding watch failed", "path", p, "err", err)
				}
			}
			break
		}
		c.log.Warn("Unable to reconnect to ZooKeeper", "err", err)
		select {
		case <-c.done:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
	c.mu.Lock()
	c.renewing = false
	handlers = append([]namedHandler(nil), c.handlers...)
	c.mu.Unlock()
	for _, h := range handlers {
		if h.h.After != nil {
			h.h.After()
		}
	}
}

// dispatch routes an event of a persistent watch to its handler.
func (c *Client) dispatch(e client.Event) {
	if e.Type == jute.EventNone {
		return
	}
	c.mu.Lock()
	fn := c.watches[e.Path]
	c.mu.Unlock()
	if fn != nil {
		fn(e)
	}
}

// Watch sets a persistent watch on path: fn gets every creation, deletion,
// data change and child change of path, on the session's event goroutine
// (it must not block). The watch outlives session expiries. A second Watch
// of the same path replaces fn.
func (c *Client) Watch(ctx context.Context, path string, fn func(client.Event)) error {
	c.mu.Lock()
	_, had := c.watches[path]
	c.watches[path] = fn
	c.mu.Unlock()
	if had {
		return nil
	}
	return c.retry(ctx, func(zk *client.Client, w *client.Watcher) error {
		return zk.AddWatch(ctx, path, w, client.AddWatchPersistent)
	})
}

// Unwatch removes the watch of path. It asks for WatcherType Any, not
// Persistent: ZooKeeper 3.8 knows only Children, Data and Any (it fails a
// checkWatches of type Persistent with a RuntimeException), and Any covers
// persistent watches there and in 3.9; the session's watcher holds no other
// kind of watch.
func (c *Client) Unwatch(ctx context.Context, path string) error {
	c.mu.Lock()
	_, had := c.watches[path]
	delete(c.watches, path)
	c.mu.Unlock()
	if !had {
		return nil
	}
	err := c.retry(ctx, func(zk *client.Client, w *client.Watcher) error {
		return zk.RemoveWatches(ctx, path, w, client.WatcherAny, true)
	})
	if err == jute.NoWatcher {
		return nil
	}
	return err
}

// retry runs op on the current session until it gets an answer: a lost
// connection is waited out and the request sent again (Kafka's
// retryRequestsUntilConnected); an expired session is reported as
// jute.SessionExpired.
func (c *Client) retry(ctx context.Context, op func(zk *client.Client, w *client.Watcher) error) error {
	for {
		c.mu.Lock()
		zk, w, closed := c.zk, c.watcher, c.closed
		c.mu.Unlock()
		if closed {
			return ErrClosed
		}
		err := op(zk, w)
		if err != jute.ConnectionLoss {
			return err
		}
		if werr := zk.WaitConnected(ctx); werr != nil {
			if errors.Is(werr, client.ErrClosed) {
				return jute.SessionExpired
			}
			return werr
		}
	}
}

// ---- plain operations, retried across lost connections ----

// Get reads a znode.
func (c *Client) Get(ctx context.Context, path string) (data []byte, stat jute.Stat, err error) {
	err = c.retry(ctx, func(zk *client.Client, _ *client.Watcher) error {
		data, stat, err = zk.Get(ctx, path, nil)
		return err
	})
	return data, stat, err
}

// Children lists a znode's children (sorted: ZooKeeper's order is not).
func (c *Client) Children(ctx context.Context, path string) (kids []string, err error) {
	err = c.retry(ctx, func(zk *client.Client, _ *client.Watcher) error {
		kids, err = zk.Children(ctx, path, nil)
		return err
	})
	sortedStrings(kids)
	return kids, err
}

// Exists returns a znode's Stat, nil if there is none.
func (c *Client) Exists(ctx context.Context, path string) (stat *jute.Stat, err error) {
	err = c.retry(ctx, func(zk *client.Client, _ *client.Watcher) error {
		stat, err = zk.Exists(ctx, path, nil)
		return err
	})
	return stat, err
}

// Create makes a znode with the open ACL and returns its path.
func (c *Client) Create(ctx context.Context, path string, data []byte, mode client.CreateMode) (name string, err error) {
	err = c.retry(ctx, func(zk *client.Client, _ *client.Watcher) error {
		name, err = zk.Create(ctx, path, data, OpenACL, mode)
		return err
	})
	return name, err
}

// Set writes a znode's data if version matches (-1: any).
func (c *Client) Set(ctx context.Context, path string, data []byte, version int32) (stat jute.Stat, err error) {
	err = c.retry(ctx, func(zk *client.Client, _ *client.Watcher) error {
		stat, err = zk.Set(ctx, path, data, version)
		return err
	})
	return stat, err
}

// Delete removes a znode if version matches (-1: any).
func (c *Client) Delete(ctx context.Context, path string, version int32) error {
	return c.retry(ctx, func(zk *client.Client, _ *client.Watcher) error {
		return zk.Delete(ctx, path, version)
	})
}

// Multi runs ops as one transaction.
func (c *Client) Multi(ctx context.Context, ops ...client.Op) (res []client.OpResult, err error) {
	err = c.retry(ctx, func(zk *client.Client, _ *client.Watcher) error {
		res, err = zk.Multi(ctx, ops...)
		return err
	})
	return res, err
}

// multiReadBatch bounds one MultiRead, keeping replies far below
// jute.maxbuffer.
const multiReadBatch = 500

// GetMany reads many znodes with MultiRead; each result carries its own
// error (jute.NoNode for a missing znode).
func (c *Client) GetMany(ctx context.Context, paths []string) ([]client.OpResult, error) {
	out := make([]client.OpResult, 0, len(paths))
	for start := 0; start < len(paths); start += multiReadBatch {
		end := min(start+multiReadBatch, len(paths))
		ops := make([]client.Op, 0, end-start)
		for _, p := range paths[start:end] {
			ops = append(ops, client.GetDataOp(p))
		}
		var res []client.OpResult
		err := c.retry(ctx, func(zk *client.Client, _ *client.Watcher) error {
			var err error
			res, err = zk.MultiRead(ctx, ops...)
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(res) != len(ops) {
			return nil, fmt.Errorf("zkdata: multiRead returned %d results for %d reads", len(res), len(ops))
		}
		out = append(out, res...)
	}
	return out, nil
}

// fenced runs op, guarded by the controller epoch's zkVersion when
// epochZkVersion >= 0 (KafkaZkClient.wrapRequestWithControllerEpochCheck):
// a newer controller makes it fail with ErrControllerMoved. It returns the
// op's own result.
func (c *Client) fenced(ctx context.Context, epochZkVersion int32, op client.Op) (client.OpResult, error) {
	if epochZkVersion < 0 {
		res, err := c.Multi(ctx, op)
		if len(res) == 1 {
			return res[0], res[0].Err
		}
		return client.OpResult{}, err
	}
	res, err := c.Multi(ctx, client.CheckOp(ControllerEpochPath, epochZkVersion), op)
	if len(res) != 2 {
		return client.OpResult{}, err
	}
	switch res[0].Err {
	case nil:
	case jute.BadVersion:
		return res[1], fmt.Errorf("%w: Controller epoch zkVersion check fails. Expected zkVersion = %d", ErrControllerMoved, epochZkVersion)
	default:
		if res[0].Err != jute.RuntimeInconsistency {
			return res[1], res[0].Err
		}
	}
	return res[1], res[1].Err
}

// parallel runs fn(i) for i in [0, n) with bounded concurrency; the
// client pipelines the requests on its connection.
func parallel(n int, fn func(i int)) {
	const width = 64
	var wg sync.WaitGroup
	sem := make(chan struct{}, width)
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}(i)
	}
	wg.Wait()
}
