package admin

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/javafmt"
)

// NotServing is what commands that need a running server print when it is
// not serving (AbstractFourLetterCommand.ZK_NOT_SERVING).
const NotServing = "This ZooKeeper instance is not currently serving requests"

// FourLetterWords are the four-letter words ZooKeeper 3.9 knows
// (FourLetterCommands), in its order.
var FourLetterWords = []string{
	"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok", "stmk",
	"srvr", "srst", "stat", "wchc", "wchp", "wchs", "mntr", "isro", "hash",
}

// NotWhitelisted is the answer to a known word left out of
// 4lw.commands.whitelist.
func NotWhitelisted(cmd string) string {
	return cmd + " is not executed because it is not in the whitelist.\n"
}

// FourLetter returns the exact text ZooKeeper 3.9 writes for a four-letter
// word, then closes the connection; "" for an unknown word.
//
// It only reads v. The server applies the mutating words itself, before
// calling: crst resets every connection's figures, srst the server's;
// for stmk it reads the 8-byte mask that follows the word, sets it, and
// passes it in v.Server.TraceMask (stmk echoes it).
func FourLetter(cmd string, v *View) string {
	if v == nil {
		v = &View{}
	}
	var b strings.Builder
	switch cmd {
	case "ruok":
		return "imok"
	case "gtmk", "stmk":
		return strconv.FormatInt(v.Server.TraceMask, 10)
	case "envi":
		b.WriteString("Environment:\n")
		for _, e := range environment(v) {
			b.WriteString(e.Key + "=" + e.Value.(string) + "\n")
		}
		return b.String()
	}
	if v.Server.NotServing {
		switch cmd {
		case "isro":
			return "null"
		case "hash":
			return NotServing
		}
		if known(cmd) {
			return NotServing + "\n"
		}
		return ""
	}
	switch cmd {
	case "isro":
		if v.Server.ReadOnly {
			return "ro"
		}
		return "rw"
	case "srvr", "stat":
		writeStat(&b, v, cmd == "stat")
	case "cons":
		for i := range v.Connections {
			writeConnection(&b, &v.Connections[i], false)
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	case "crst":
		b.WriteString("Connection stats reset.\n")
	case "srst":
		b.WriteString("Server stats reset.\n")
	case "conf":
		writeConf(&b, &v.Config)
	case "dirs":
		fmt.Fprintf(&b, "datadir_size: %d\nlogdir_size: %d\n", v.Config.DataDirSize, v.Config.DataLogSize)
	case "mntr":
		writeMonitor(&b, v)
	case "wchs":
		s := v.Data.Watches.Summary
		fmt.Fprintf(&b, "%d connections watching %d paths\nTotal watches:%d\n", s.Connections, s.Paths, s.Total)
	case "wchc":
		byConn := v.Data.Watches.ByConnection
		for _, id := range sortedIDs(byConn) {
			b.WriteString("0x" + hex(id) + "\n")
			for _, p := range sortedCopy(byConn[id]) {
				b.WriteString("\t" + p + "\n")
			}
		}
		b.WriteByte('\n')
	case "wchp":
		byPath := v.Data.Watches.ByPath
		for _, p := range sortedKeys(byPath) {
			b.WriteString(p + "\n")
			for _, id := range sortedInt64s(byPath[p]) {
				b.WriteString("\t0x" + hex(id) + "\n")
			}
		}
		b.WriteByte('\n')
	case "dump":
		writeDump(&b, v)
	case "hash":
		for _, d := range v.Data.Digests {
			fmt.Fprintf(&b, "%s: %d\n", hex(d.Zxid), d.Digest)
		}
	default:
		return ""
	}
	return b.String()
}

func known(cmd string) bool {
	for _, w := range FourLetterWords {
		if w == cmd {
			return true
		}
	}
	return false
}

// writeStat is StatCommand: srvr, and stat with its client list.
func writeStat(b *strings.Builder, v *View, clients bool) {
	b.WriteString("Zookeeper version: " + v.Server.FullVersion() + "\n")
	if v.Server.ReadOnly {
		b.WriteString("READ-ONLY mode; serving only read-only clients\n")
	}
	if clients {
		b.WriteString("Clients:\n")
		for i := range v.Connections {
			writeConnection(b, &v.Connections[i], true)
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	s := &v.Stats
	fmt.Fprintf(b, "Latency min/avg/max: %d/%s/%d\n", s.Latency.min(), javafmt.Double(s.Latency.avg()), s.Latency.max())
	fmt.Fprintf(b, "Received: %d\nSent: %d\nConnections: %d\nOutstanding: %d\nZxid: 0x%s\nMode: %s\n",
		s.PacketsReceived, s.PacketsSent, s.AliveConnections, s.Outstanding, hex(v.Data.LastZxid), v.Server.State)
	fmt.Fprintf(b, "Node count: %d\n", v.Data.NodeCount)
	if v.Server.State == "leader" && v.Quorum != nil && v.Quorum.Leader != nil {
		p := v.Quorum.Leader.ProposalSizes
		fmt.Fprintf(b, "Proposal sizes last/min/max: %d/%d/%d\n", p.Last, p.Min, p.Max)
	}
}

// writeConnection is ServerCnxn.dumpConnectionInfo (no newline).
func writeConnection(b *strings.Builder, c *Connection, brief bool) {
	ops := "0"
	if c.InterestOps != 0 {
		ops = strconv.FormatUint(uint64(uint32(c.InterestOps)), 16)
	}
	fmt.Fprintf(b, " %s[%s](queued=%d,recved=%d,sent=%d", javaSocketAddr(c.Remote), ops, c.Outstanding, c.Received, c.Sent)
	if !brief && c.SessionID != 0 {
		fmt.Fprintf(b, ",sid=0x%s,lop=%s,est=%d,to=%d", hex(c.SessionID), c.LastOp, c.Established, c.SessionTimeoutMs)
		if c.LastCxid >= 0 {
			b.WriteString(",lcxid=0x" + hex(c.LastCxid))
		}
		fmt.Fprintf(b, ",lzxid=0x%s,lresp=%d,llat=%d,minlat=%d,avglat=%d,maxlat=%d",
			hex(c.LastZxid), c.LastResponse, c.LastLatency, c.Latency.min(), c.Latency.intAvg(), c.Latency.max())
	}
	b.WriteByte(')')
}

// writeConf is ZooKeeperServer.dumpConf, and QuorumZooKeeperServer's
// addition for a quorum member.
func writeConf(b *strings.Builder, c *Config) {
	fmt.Fprintf(b, "clientPort=%d\nsecureClientPort=%d\ndataDir=%s\ndataDirSize=%d\ndataLogDir=%s\ndataLogSize=%d\n",
		c.ClientPort, c.SecureClientPort, c.DataDir, c.DataDirSize, c.DataLogDir, c.DataLogSize)
	fmt.Fprintf(b, "tickTime=%d\nmaxClientCnxns=%d\nminSessionTimeout=%d\nmaxSessionTimeout=%d\nclientPortListenBacklog=%d\nserverId=%d\n",
		c.TickTime, c.MaxClientCnxns, c.MinSessionTimeout, c.MaxSessionTimeout, c.ClientPortListenBacklog, c.ServerID)
	if q := c.Quorum; q != nil {
		fmt.Fprintf(b, "initLimit=%d\nsyncLimit=%d\nelectionAlg=%d\nelectionPort=%s\nquorumPort=%s\npeerType=%d\nmembership: \n%s",
			q.InitLimit, q.SyncLimit, q.ElectionAlg, joinPorts(q.ElectionPorts), joinPorts(q.QuorumPorts), q.PeerType, q.Membership)
	}
}

func joinPorts(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, "|")
}

// writeDump is DumpCommand: the session tracker's expiry queue, the
// ephemerals by session, and the connection expiry queue.
func writeDump(b *strings.Builder, v *View) {
	b.WriteString("SessionTracker dump:\nSession ")
	var sessions []expiring
	for _, s := range v.Sessions.List {
		if s.Expiry != 0 {
			sessions = append(sessions, expiring{s.Expiry, "0x" + hex(s.ID)})
		}
	}
	writeExpiryQueue(b, v.Clock, sessions)

	eph := v.Data.Ephemerals
	fmt.Fprintf(b, "ephemeral nodes dump:\nSessions with Ephemerals (%d):\n", len(eph))
	for _, id := range sortedIDs(eph) {
		b.WriteString("0x" + hex(id) + ":\n")
		for _, p := range sortedCopy(eph[id]) {
			b.WriteString("\t" + p + "\n")
		}
	}

	b.WriteString("Connections dump:\nConnections ")
	var conns []expiring
	for _, c := range v.Connections {
		if c.Expiry != 0 {
			conns = append(conns, expiring{c.Expiry, "ip: " + javaSocketAddr(c.Remote) + " sessionId: 0x" + hex(c.SessionID)})
		}
	}
	writeExpiryQueue(b, v.Clock, conns)
}

type expiring struct {
	at   int64
	text string
}

// writeExpiryQueue is ExpiryQueue.dump: "Sets (<buckets>)/(<elements>):",
// then each bucket by time with its elements.
func writeExpiryQueue(b *strings.Builder, clock Clock, elems []expiring) {
	buckets := map[int64][]string{}
	for _, e := range elems {
		buckets[e.at] = append(buckets[e.at], e.text)
	}
	times := make([]int64, 0, len(buckets))
	for t := range buckets {
		times = append(times, t)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	fmt.Fprintf(b, "Sets (%d)/(%d):\n", len(buckets), len(elems))
	for _, t := range times {
		fmt.Fprintf(b, "%d expire at %s:\n", len(buckets[t]), javaDate(clock.wall(t)))
		for _, s := range buckets[t] {
			b.WriteString("\t" + s + "\n")
		}
	}
}

func sortedIDs[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	return sortedInt64s(ids)
}

func sortedInt64s(s []int64) []int64 {
	out := append([]int64(nil), s...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
