package server

import (
	"sync"
	"sync/atomic"
	"time"
)

// serverStats is ServerStats: what srvr, stat and mntr print.
type serverStats struct {
	packetsReceived atomic.Int64
	packetsSent     atomic.Int64

	mu           sync.Mutex
	minLatency   int64 // ms
	maxLatency   int64
	totalLatency int64
	count        int64
}

func (s *serverStats) reset() {
	s.packetsReceived.Store(0)
	s.packetsSent.Store(0)
	s.resetLatency()
}

func (s *serverStats) resetLatency() {
	s.mu.Lock()
	s.minLatency, s.maxLatency, s.totalLatency, s.count = 0, 0, 0, 0
	s.mu.Unlock()
}

// latency returns min/avg/max in ms, as ServerStats reports them.
func (s *serverStats) latency() (min int64, avg float64, max int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count > 0 {
		avg = float64(s.totalLatency) / float64(s.count)
	}
	return s.minLatency, avg, s.maxLatency
}

// record updates the server's and the connection's figures for one reply.
func (s *serverStats) record(c *conn, it *item, lastOp string, zxid int64) {
	lat := time.Since(it.received).Milliseconds()
	s.mu.Lock()
	if s.count == 0 || lat < s.minLatency {
		s.minLatency = lat
	}
	if lat > s.maxLatency {
		s.maxLatency = lat
	}
	s.totalLatency += lat
	s.count++
	s.mu.Unlock()
	if c == nil {
		return
	}
	cs := &c.stats
	cs.count.Add(1)
	cs.totalLatency.Add(lat)
	if m := cs.minLatency.Load(); m < 0 || lat < m {
		cs.minLatency.Store(lat)
	}
	if lat > cs.maxLatency.Load() {
		cs.maxLatency.Store(lat)
	}
	cs.lastLatency.Store(lat)
	if it.xid >= 0 {
		// Pings (-2) and other special xids keep the client's last real
		// operation, as ServerCnxn.updateStatsForResponse does; cons
		// omits lcxid while it is negative.
		cs.lastCxid.Store(int64(it.xid))
	}
	cs.lastZxid.Store(zxid)
	cs.lastOp.Store(lastOp)
	cs.lastResponse.Store(time.Now().UnixMilli())
}
