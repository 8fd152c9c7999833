package server

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// fourLetterCmds are FourLetterCommands' known words; the first four bytes of
// a connection, read as a big-endian int, select one.
var fourLetterCmds = map[int32]string{}

func init() {
	for _, w := range []string{"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok", "stmk",
		"srvr", "srst", "stat", "wchc", "wchp", "wchs", "mntr", "isro", "hash"} {
		fourLetterCmds[int32(binary.BigEndian.Uint32([]byte(w)))] = w
	}
}

// telnetClose is the telnet IAC sequence FourLetterCommands also knows.
const telnetClose = int32(-720899) // 0xfff4fffd

func fourLetterWord(n int32) (string, bool) {
	if n == telnetClose {
		return "", true
	}
	w, ok := fourLetterCmds[n]
	return w, ok
}

// fourLetterEnabled is FourLetterCommands.isEnabled.
func (s *Server) fourLetterEnabled(cmd string) bool {
	for _, w := range s.opts.FourLetterWords {
		if w == "*" || w == cmd {
			return true
		}
	}
	return false
}

// serveFourLetter answers a four-letter word and closes the connection.
func (s *Server) serveFourLetter(c *conn, cmd string, br *bufio.Reader) {
	defer c.close()
	if cmd == "" {
		return
	}
	var out string
	switch {
	case !s.fourLetterEnabled(cmd):
		out = cmd + " is not executed because it is not in the whitelist.\n"
	case cmd == "stmk":
		var mask [8]byte
		if _, err := br.Read(mask[:]); err != nil {
			return
		}
		out = s.fourLetter(cmd)
	default:
		s.log.Info("processing four-letter word", "cmd", cmd, "remote", c.remote)
		out = s.fourLetter(cmd)
	}
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	c.nc.Write([]byte(out))
}

// fourLetter computes a command's text.
func (s *Server) fourLetter(cmd string) string {
	var b strings.Builder
	switch cmd {
	case "ruok":
		return "imok"
	case "isro":
		return "rw"
	case "srvr":
		s.writeSrvr(&b, false)
	case "stat":
		s.writeSrvr(&b, true)
	default:
		return ""
	}
	return b.String()
}

// writeSrvr writes StatCommand's output (srvr; stat adds the client list).
func (s *Server) writeSrvr(b *strings.Builder, withClients bool) {
	var zxid int64
	var nodes int
	var conns []*conn
	s.core.call(func() {
		zxid = s.core.lastApplied
		nodes = s.core.tree.NodeCount()
		for _, c := range s.core.conns {
			conns = append(conns, c)
		}
	})
	fmt.Fprintf(b, "Zookeeper version: %s, built on %s\n", ZooKeeperVersion, BuildDate)
	if withClients {
		b.WriteString("Clients:\n")
		for _, c := range conns {
			fmt.Fprintf(b, " /%s[1](queued=0,recved=%d,sent=%d)\n", c.remote,
				c.stats.packetsReceived.Load(), c.stats.packetsSent.Load())
		}
		b.WriteString("\n")
	}
	min, avg, max := s.stats.latency()
	fmt.Fprintf(b, "Latency min/avg/max: %d/%.4f/%d\n", min, avg, max)
	fmt.Fprintf(b, "Received: %d\n", s.stats.packetsReceived.Load())
	fmt.Fprintf(b, "Sent: %d\n", s.stats.packetsSent.Load())
	s.connMu.Lock()
	n := len(s.conns)
	s.connMu.Unlock()
	fmt.Fprintf(b, "Connections: %d\n", n)
	fmt.Fprintf(b, "Outstanding: %d\n", 0)
	fmt.Fprintf(b, "Zxid: 0x%x\n", zxid)
	fmt.Fprintf(b, "Mode: standalone\n")
	fmt.Fprintf(b, "Node count: %d\n", nodes)
}

// ZooKeeperVersion is what srvr reports: the version Wharf is compatible with.
// BuildDate uses the MM/dd/yyyy form client libraries parse (go-zookeeper's
// FLWSrvr accepts only that).
var (
	ZooKeeperVersion = "3.9.4-wharf"
	BuildDate        = "01/01/2026 00:00 GMT"
)
