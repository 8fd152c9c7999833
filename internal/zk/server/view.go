package server

import (
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/wharf-project/wharf/internal/zk/admin"
)

// view takes a point-in-time copy of everything the four-letter words and the
// AdminServer print. The core's share is copied on the core goroutine.
func (s *Server) view() *admin.View {
	v := &admin.View{
		Server: admin.Server{
			Version:   ZooKeeperVersion,
			BuildDate: BuildDate,
			State:     "standalone",
			TraceMask: s.traceMask.Load(),
		},
		Clock: admin.Clock{NowMs: time.Now().UnixMilli()},
		Env:   admin.HostEnvironment(),
	}
	s.fillStats(v)
	s.fillConfig(v)
	if !s.core.call(func() { s.core.fillView(v) }) {
		v.Server.NotServing = true
	}
	return v
}

func (s *Server) fillStats(v *admin.View) {
	st := &v.Stats
	s.stats.mu.Lock()
	st.Latency = admin.Latency{Min: s.stats.minLatency, Max: s.stats.maxLatency, Total: s.stats.totalLatency, Count: s.stats.count}
	s.stats.mu.Unlock()
	st.PacketsReceived = s.stats.packetsReceived.Load()
	st.PacketsSent = s.stats.packetsSent.Load()
	st.UptimeMs = time.Since(s.started).Milliseconds()
	st.OpenFileDescriptors, st.MaxFileDescriptors = admin.FileDescriptors()
	st.ClientResponse = admin.BufferStats{Last: -1, Min: -1, Max: -1}
	s.connMu.Lock()
	st.AliveConnections = len(s.conns)
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.connMu.Unlock()
	for _, c := range conns {
		out := int64(len(c.tokens))
		st.Outstanding += out
		cs := &c.stats
		lastOp, _ := cs.lastOp.Load().(string)
		interest := 1
		if c.fourLetter {
			interest = 0
		} else if out > 0 {
			interest = 5
		}
		v.Connections = append(v.Connections, admin.Connection{
			Remote:           c.remote,
			InterestOps:      interest,
			Outstanding:      out,
			Received:         cs.packetsReceived.Load(),
			Sent:             cs.packetsSent.Load(),
			SessionID:        atomic.LoadInt64(&c.sessionView),
			SessionTimeoutMs: atomic.LoadInt32(&c.timeoutView),
			LastOp:           lastOp,
			LastCxid:         cs.lastCxid.Load(),
			LastZxid:         cs.lastZxid.Load(),
			LastResponse:     cs.lastResponse.Load(),
			LastLatency:      cs.lastLatency.Load(),
			Latency: admin.Latency{Min: max(cs.minLatency.Load(), 0), Max: cs.maxLatency.Load(),
				Total: cs.totalLatency.Load(), Count: cs.count.Load()},
			Established: c.started.UnixMilli(),
		})
	}
}

func (s *Server) fillConfig(v *admin.View) {
	c := &v.Config
	c.ClientPort = -1
	if s.ln != nil {
		if _, p, err := net.SplitHostPort(s.ln.Addr().String()); err == nil {
			c.ClientPort, _ = strconv.Atoi(p)
		}
	}
	c.SecureClientPort = -1
	c.DataDir = admin.VersionDir(s.opts.DataDir)
	c.DataLogDir = admin.VersionDir(s.opts.DataLogDir)
	c.DataDirSize = admin.DirSize(c.DataDir)
	c.DataLogSize = admin.DirSize(c.DataLogDir)
	c.TickTime = s.opts.TickTime
	c.MaxClientCnxns = s.opts.MaxClientCnxns
	c.MinSessionTimeout = s.opts.MinSessionTimeout
	c.MaxSessionTimeout = s.opts.MaxSessionTimeout
	c.ClientPortListenBacklog = -1
	c.InitialConfig = s.initialConfig
	if ts := s.lastSnapTime.Load(); ts != 0 {
		c.LastSnapshot = &admin.Snapshot{Zxid: s.lastSnapZxid.Load(), Timestamp: ts}
	}
}

// fillView copies the core's state: runs on the core goroutine.
func (k *core) fillView(v *admin.View) {
	t := k.tree
	d := &v.Data
	d.LastZxid = k.lastApplied
	d.NodeCount = t.NodeCount()
	d.ApproximateDataSize = t.ApproximateDataSize()
	d.EphemeralCount = t.EphemeralCount()
	d.WatchCount = t.WatchCount()
	d.Ephemerals = t.EphemeralsBySession()
	for _, dg := range t.DigestLog() {
		d.Digests = append(d.Digests, admin.Digest{Zxid: dg.Zxid, Version: dg.DigestVersion, Digest: dg.Digest})
	}
	sessionOf := func(w uint64) int64 {
		if c := k.conns[w]; c != nil {
			return c.sessionID
		}
		return 0
	}
	d.Watches.ByConnection = map[int64][]string{}
	for w, paths := range t.WatchesByConnection() {
		d.Watches.ByConnection[sessionOf(uint64(w))] = paths
	}
	d.Watches.ByPath = map[string][]int64{}
	for p, ws := range t.WatchesByPath() {
		ids := make([]int64, len(ws))
		for i, w := range ws {
			ids[i] = sessionOf(uint64(w))
		}
		d.Watches.ByPath[p] = ids
	}
	ws := t.WatchesSummary()
	d.Watches.Summary = admin.WatchSummary{Connections: ws.Connections, Paths: ws.Paths, Total: ws.Total}
	v.Sessions.Global = k.sessions.Len()
	for _, se := range k.sessions.Sessions() {
		exp, _ := k.sessions.Expiry(se.ID) // monoNow's clock: wall-anchored already
		v.Sessions.List = append(v.Sessions.List, admin.Session{ID: se.ID, TimeoutMs: se.Timeout, Expiry: exp})
	}
}

// The Resets the AdminServer and crst/srst/stmk apply.

func (s *Server) ResetConnectionStats() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	for c := range s.conns {
		c.stats.reset()
	}
}

func (s *Server) ResetServerStats() { s.stats.reset() }

func (s *Server) SetTraceMask(mask int64) { s.traceMask.Store(mask) }
