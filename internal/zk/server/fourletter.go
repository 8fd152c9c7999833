package server

import (
	"bufio"
	"encoding/binary"
	"io"
	"time"

	"github.com/wharf-project/wharf/internal/zk/admin"
)

// fourLetterCmds are FourLetterCommands' known words; the first four bytes of
// a connection, read as a big-endian int, select one.
var fourLetterCmds = map[int32]string{}

func init() {
	for _, w := range admin.FourLetterWords {
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
	c.fourLetter = true
	c.stats.packetsReceived.Add(1)
	s.stats.packetsReceived.Add(1)
	var out string
	if !s.fourLetterEnabled(cmd) {
		out = admin.NotWhitelisted(cmd)
	} else {
		s.log.Info("processing four-letter word", "cmd", cmd, "remote", c.remote)
		switch cmd {
		case "crst":
			s.ResetConnectionStats()
		case "srst":
			s.ResetServerStats()
		case "stmk":
			var mask [8]byte
			if _, err := io.ReadFull(br, mask[:]); err != nil {
				return
			}
			s.SetTraceMask(int64(binary.BigEndian.Uint64(mask[:])))
		}
		var v *admin.View
		if cmd != "ruok" {
			v = s.view()
		}
		out = admin.FourLetter(cmd, v)
	}
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	c.nc.Write([]byte(out))
}

// ZooKeeperVersion is what srvr reports: the version Wharf is compatible with.
// BuildDate uses the MM/dd/yyyy form client libraries parse (go-zookeeper's
// FLWSrvr accepts only that).
var (
	ZooKeeperVersion = "3.9.4-wharf"
	BuildDate        = "01/01/2026 00:00 GMT"
)
