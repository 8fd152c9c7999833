package server

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/wharf-project/wharf/internal/zk/acl"
	"github.com/wharf-project/wharf/internal/zk/jute"
	"github.com/wharf-project/wharf/internal/zk/prep"
	"github.com/wharf-project/wharf/internal/zk/session"
	"github.com/wharf-project/wharf/internal/zk/tree"
)

// core owns the tree, the sessions, the preparer and the connections' queues.
// Only the core goroutine touches its fields.
type core struct {
	srv      *Server
	log      *slog.Logger
	events   chan event
	tree     *tree.Tree
	sessions *session.Tracker
	prep     *prep.Preparer
	pers     *persister

	conns     map[uint64]*conn // connections with a session (watchers)
	bySession map[int64]*conn
	committed map[int64]int32 // sessions whose createSession is applied: what snapshots store

	lastPrepared int64 // zxid of the last prepared txn
	lastApplied  int64 // zxid of the last applied txn
	snapshotting bool
	containerTok int // container deletions allowed in the current minute

	epoch time.Time // origin of the monotonic clock the session tracker runs on
}

func (k *core) post(ev event) {
	select {
	case k.events <- ev:
	case <-k.srv.coreDone:
	}
}

// call runs fn on the core goroutine and waits for it; false if the server stopped.
func (k *core) call(fn func()) bool {
	done := make(chan struct{})
	select {
	case k.events <- evCall{fn: fn, done: done}:
	case <-k.srv.coreDone:
		return false
	}
	select {
	case <-done:
		return true
	case <-k.srv.coreDone:
		return false
	}
}

// monoNow is the session tracker's clock: monotonic, but anchored at the
// wall-clock time the server started, the clock session.New was given (it
// seeds both the session ids and the first expiry bucket from it).
func (k *core) monoNow() int64 { return k.epoch.UnixMilli() + time.Since(k.epoch).Milliseconds() }
func wallNow() int64           { return time.Now().UnixMilli() }

// run is the core loop.
func (k *core) run() {
	defer close(k.srv.coreDone)
	tick := time.NewTicker(time.Duration(k.srv.opts.TickTime) * time.Millisecond / 2)
	defer tick.Stop()
	containers := time.NewTicker(k.srv.opts.ContainerCheckInterval)
	defer containers.Stop()
	for {
		select {
		case ev := <-k.events:
			k.handle(ev)
		case <-tick.C:
			k.expireSessions()
		case <-containers.C:
			k.reapContainers()
		case <-k.srv.stopping:
			k.shutdown()
			return
		}
	}
}

func (k *core) handle(ev event) {
	switch ev := ev.(type) {
	case evRequest:
		k.onRequest(ev)
	case evConnect:
		k.onConnect(ev.c, ev.req)
	case evClosed:
		k.onClosed(ev.c)
	case evPersisted:
		k.onPersisted(ev)
	case evSnapshotDue:
		k.takeSnapshot()
	case evSnapshotDone:
		k.snapshotting = false
		if ev.err == nil {
			k.srv.lastSnapZxid.Store(ev.zxid)
			k.srv.lastSnapTime.Store(time.Now().UnixMilli())
		}
		if ev.err != nil {
			k.log.Error("snapshot failed", "zxid", hex(ev.zxid), "err", ev.err)
		} else {
			k.log.Info("snapshot written", "zxid", hex(ev.zxid))
		}
	case evCall:
		ev.fn()
		close(ev.done)
	}
}

// onConnect is ZooKeeperServer.processConnectRequest.
func (k *core) onConnect(c *conn, req *jute.ConnectRequest) {
	if c.closed {
		return
	}
	if req.LastZxidSeen > k.lastApplied {
		k.log.Info("refusing session: client has seen a later zxid; client must try another server",
			"session", hex(req.SessionID), "remote", c.remote,
			"clientZxid", hex(req.LastZxidSeen), "lastZxid", hex(k.lastApplied))
		k.closeConn(c)
		return
	}
	timeout := req.TimeOut
	if min := int32(k.srv.opts.MinSessionTimeout); timeout < min {
		timeout = min
	}
	if max := int32(k.srv.opts.MaxSessionTimeout); timeout > max {
		timeout = max
	}
	c.timeout = timeout
	atomic.StoreInt32(&c.timeoutView, timeout)
	c.hasReadOnly = req.HasReadOnly
	k.conns[c.id] = c
	now := k.monoNow()
	if req.SessionID == 0 {
		id := k.sessions.Create(timeout, now)
		c.sessionID = id
		atomic.StoreInt64(&c.sessionView, id)
		k.bySession[id] = c
		it := &item{c: c, op: jute.OpCreateSession, kind: kindWrite, received: time.Now()}
		c.queue = append(c.queue, it)
		k.prepare(it, &jute.CreateSessionTxn{TimeOut: timeout})
		return
	}
	// A reconnect: the old connection of this session goes (CLIENT_RECONNECT).
	id := req.SessionID
	if old := k.bySession[id]; old != nil && old != c {
		k.closeConn(old)
	}
	c.sessionID = id
	atomic.StoreInt64(&c.sessionView, id)
	valid := session.CheckPassword(id, req.Passwd)
	if valid {
		k.sessions.SetTimeout(id, timeout)
		valid = k.sessions.Touch(id, now)
	}
	if !valid {
		k.log.Info("invalid session, probably expired", "session", hex(id), "remote", c.remote)
		k.sendConnectResponse(c, false)
		c.closed = true
		c.closeAfterFlush()
		return
	}
	k.bySession[id] = c
	k.sendConnectResponse(c, true)
}

func (k *core) sendConnectResponse(c *conn, valid bool) {
	resp := jute.ConnectResponse{HasReadOnly: c.hasReadOnly}
	if valid {
		resp.TimeOut = c.timeout
		resp.SessionID = c.sessionID
		resp.Passwd = session.Password(c.sessionID)
		c.established = true
		k.log.Debug("established session", "session", hex(c.sessionID), "timeout", c.timeout, "remote", c.remote)
	} else {
		resp.Passwd = make([]byte, 16)
	}
	c.sendRaw(jute.Marshal(&resp))
}

func (k *core) onClosed(c *conn) {
	if !c.closed {
		c.closed = true
	}
	k.forget(c)
}

// forget drops a closed connection's registrations; its session lives on
// until it expires or is closed.
func (k *core) forget(c *conn) {
	if _, ok := k.conns[c.id]; !ok {
		return
	}
	delete(k.conns, c.id)
	if k.bySession[c.sessionID] == c {
		delete(k.bySession, c.sessionID)
	}
	k.tree.RemoveWatcher(tree.WatcherID(c.id))
	c.queue = nil
}

func (k *core) closeConn(c *conn) {
	c.closed = true
	c.close()
	k.forget(c)
}

func (k *core) onRequest(ev evRequest) {
	c := ev.c
	if c.closed {
		c.release()
		return
	}
	if c.sessionID != 0 {
		k.sessions.Touch(c.sessionID, k.monoNow())
	}
	it := &item{c: c, xid: ev.xid, op: ev.op, kind: ev.kind, body: ev.body, err: ev.decodeErr, received: ev.received}
	switch {
	case ev.kind == kindInvalid:
		// UnimplementedRequestProcessor: reply, then close the connection.
		k.log.Warn("received packet of unknown type", "type", ev.op, "remote", c.remote)
		c.send(&jute.ReplyHeader{Xid: ev.xid, Zxid: -1, Err: int32(jute.Unimplemented)}, nil)
		c.release()
		c.closed = true
		c.closeAfterFlush()
		k.forget(c)
	case ev.kind == kindAuth:
		k.onAuth(c, it)
	case ev.kind == kindSASL:
		k.onSASL(c, it)
	case ev.decodeErr != jute.OK && ev.op == jute.OpMulti:
		// ZooKeeper gives a multi a zxid before it reads the ops, so one
		// that does not decode is logged as an error txn of its own
		// (PrepRequestProcessor): the preparer makes it MarshallingError.
		it.err = jute.OK
		c.queue = append(c.queue, it)
		k.prepare(it, nil)
	case ev.decodeErr != jute.OK || ev.kind == kindRead || ev.kind == kindPing:
		if len(c.queue) == 0 {
			k.answer(it)
		} else {
			c.queue = append(c.queue, it)
		}
	case ev.kind == kindBarrier:
		c.queue = append(c.queue, it)
		k.pers.submit(it)
	default:
		c.queue = append(c.queue, it)
		k.prepare(it, ev.body)
	}
}

// onAuth is ZooKeeperServer.processPacket's auth branch: answered at once.
func (k *core) onAuth(c *conn, it *item) {
	defer c.release()
	pkt, _ := it.body.(*jute.AuthPacket)
	code := jute.AuthFailed
	var ids []jute.Id
	// A null auth buffer makes ZooKeeper's providers throw: AuthFailed.
	if pkt != nil && it.err == jute.OK && pkt.Auth != nil {
		ids, code = acl.Authenticate(pkt.Scheme, pkt.Auth, c.remoteIP, k.srv.aclOpts)
	}
	if code == jute.OK {
		for _, id := range ids {
			if !hasID(c.auth, id) {
				c.auth = append(c.auth, id)
				javaIDSetOrder(c.auth)
			}
		}
		k.log.Info("auth success", "session", hex(c.sessionID), "remote", c.remote)
		c.send(&jute.ReplyHeader{Xid: it.xid}, nil)
		return
	}
	scheme := ""
	if pkt != nil {
		scheme = pkt.Scheme
	}
	k.log.Warn("authentication failed", "scheme", scheme, "remote", c.remote)
	c.send(&jute.ReplyHeader{Xid: it.xid, Err: int32(jute.AuthFailed)}, nil)
	c.closed = true
	c.closeAfterFlush()
	k.forget(c)
}

// onSASL is ZooKeeperServer.processSasl on a server with no SASL
// configured: the connection has no SaslServer, so the answer, at once, is
// a null token at zxid 0. A token that does not decode, or is null, ends
// the connection (processSasl throws).
func (k *core) onSASL(c *conn, it *item) {
	c.release()
	if tok, ok := it.body.(*jute.SASLToken); !ok || it.err != jute.OK || tok.Token == nil {
		k.closeConn(c)
		return
	}
	c.send(&jute.ReplyHeader{Xid: it.xid}, &jute.SASLToken{})
}

func hasID(ids []jute.Id, id jute.Id) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// prepare turns a write into a txn with the next zxid and sends it to the
// persister. A request that fails validation still consumes a zxid and is
// logged as an error txn, as ZooKeeper does.
func (k *core) prepare(it *item, body jute.Record) {
	zxid := k.lastPrepared + 1
	sid := int64(0)
	var auth []jute.Id
	if it.c != nil {
		sid = it.c.sessionID
		auth = it.c.auth
	}
	now := wallNow()
	req := prep.Request{SessionID: sid, Cxid: it.xid, Type: it.op, Body: body, Auth: auth}
	if it.op != jute.OpCreateSession && it.c != nil {
		req.SessionErr = k.sessions.Check(sid)
	}
	hdr, txn := k.prep.Prepare(req, zxid, now)
	if it.op == jute.OpCloseSession && it.c != nil {
		k.sessions.SetClosing(sid)
	}
	k.lastPrepared = zxid
	it.hdr = &hdr
	it.txn = txn
	k.pers.submit(it)
}

// onPersisted applies a durable batch in zxid order and answers what can be.
func (k *core) onPersisted(ev evPersisted) {
	if ev.err != nil {
		k.srv.fail(ev.err)
		return
	}
	for _, it := range ev.batch {
		if it.hdr != nil {
			k.apply(it)
		}
		it.applied = true
		if it.c != nil && !it.c.closed {
			k.drain(it.c)
		}
	}
}

func (k *core) apply(it *item) {
	it.res = k.tree.Apply(it.hdr, it.txn)
	k.lastApplied = it.hdr.Zxid
	k.prep.Applied(it.hdr.Zxid)
	switch it.hdr.Type {
	case jute.OpCreateSession:
		if t, ok := it.txn.(*jute.CreateSessionTxn); ok {
			k.committed[it.hdr.ClientID] = t.TimeOut
		}
	case jute.OpCloseSession:
		sid := it.hdr.ClientID
		delete(k.committed, sid)
		k.sessions.Remove(sid)
		if c := k.bySession[sid]; c != nil && c != it.c {
			// Expired: the session's connection goes too.
			k.closeConn(c)
		}
	}
	k.dispatch(it.res.Events)
}

// dispatch delivers watch events to their connections.
func (k *core) dispatch(evs []tree.Event) {
	for _, e := range evs {
		c := k.conns[uint64(e.Watcher)]
		if c == nil || c.closed {
			continue
		}
		c.send(&jute.ReplyHeader{Xid: jute.XidNotification, Zxid: e.Zxid},
			&jute.WatcherEvent{Type: e.Type, State: jute.StateSyncConnected, Path: e.Path})
	}
}

// drain answers a connection's queue from the front: finished writes, and the
// reads that were waiting behind them, up to the first unfinished write.
func (k *core) drain(c *conn) {
	for len(c.queue) > 0 {
		it := c.queue[0]
		if (it.kind == kindWrite || it.kind == kindBarrier) && it.err == jute.OK && !it.applied {
			return
		}
		c.queue[0] = nil
		c.queue = c.queue[1:]
		k.answer(it)
		if c.closed {
			return
		}
	}
	c.queue = c.queue[:0]
}

// expireSessions closes the sessions whose time ran out.
func (k *core) expireSessions() {
	for _, sid := range k.sessions.Expired(k.monoNow()) {
		k.log.Info("expiring session", "session", hex(sid))
		it := &item{op: jute.OpCloseSession, kind: kindWrite, received: time.Now()}
		k.prepareInternal(it, sid, nil)
	}
}

// prepareInternal prepares a request the server makes on a session's behalf.
func (k *core) prepareInternal(it *item, sid int64, body jute.Record) {
	zxid := k.lastPrepared + 1
	hdr, txn := k.prep.Prepare(prep.Request{SessionID: sid, Type: it.op, Body: body}, zxid, wallNow())
	k.lastPrepared = zxid
	it.hdr = &hdr
	it.txn = txn
	k.pers.submit(it)
}

// reapContainers is ContainerManager: empty containers and expired TTL nodes
// are deleted, at most maxPerMinute a minute.
func (k *core) reapContainers() {
	interval := k.srv.opts.ContainerCheckInterval
	budget := int(int64(k.srv.opts.ContainerMaxPerMinute) * int64(interval) / int64(time.Minute))
	if budget < 1 {
		budget = 1
	}
	for _, path := range k.tree.ContainerCandidates(wallNow(), 0) {
		if budget == 0 {
			break
		}
		budget--
		it := &item{op: jute.OpDeleteContainer, kind: kindWrite, received: time.Now()}
		k.prepareInternal(it, 0, &jute.DeleteTxn{Path: path})
	}
}

func (k *core) takeSnapshot() {
	if k.snapshotting {
		k.log.Warn("too busy to snap, skipping")
		return
	}
	k.snapshotting = true
	data := k.tree.Snapshot()
	data.Sessions = k.committedSessions()
	zxid := k.lastApplied
	k.srv.wg.Add(1)
	go func() {
		defer k.srv.wg.Done()
		_, err := k.pers.log.WriteSnapshot(zxid, data)
		k.post(evSnapshotDone{zxid: zxid, err: err})
	}()
}

func (k *core) committedSessions() []jute.SessionEntry {
	out := make([]jute.SessionEntry, 0, len(k.committed))
	for id, to := range k.committed {
		out = append(out, jute.SessionEntry{ID: id, Timeout: to})
	}
	return out
}

func (k *core) shutdown() {
	for _, c := range k.conns {
		c.closed = true
		c.close()
	}
}
