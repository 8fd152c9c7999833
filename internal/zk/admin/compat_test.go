package admin

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// serveFourLetter answers four-letter words on 127.0.0.1 as the server
// does: read the word, write FourLetter's text, close.
func serveFourLetter(t *testing.T, v *View) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			word := make([]byte, 4)
			if _, err := io.ReadFull(c, word); err == nil {
				io.WriteString(c, FourLetter(string(word), v))
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// TestGoZookeeperParsesOutput runs go-zookeeper's four-letter-word helpers,
// which Wharf's own CLI and test harnesses use, against this package's text.
func TestGoZookeeperParsesOutput(t *testing.T) {
	v := fixture()
	v.Server.Version, v.Server.BuildDate = "3.9.4-wharf", "01/01/2026 00:00 GMT"
	v.Data.LastZxid = 0x200000007
	v.Connections = []Connection{v.Connections[0], v.Connections[2]}
	addr := serveFourLetter(t, v)

	stats, ok := zk.FLWSrvr([]string{addr}, 5*time.Second)
	if !ok || stats[0].Error != nil {
		t.Fatalf("FLWSrvr: %v", stats[0].Error)
	}
	s := stats[0]
	if s.Version != "3.9.4-wharf" || s.Mode != zk.ModeStandalone || s.NodeCount != 10 || s.Epoch != 2 || s.Counter != 7 ||
		s.Received != 15 || s.Sent != 14 || s.Connections != 3 || s.AvgLatency != 3.0833 || s.MaxLatency != 12 ||
		!s.BuildTime.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("FLWSrvr parsed %+v", s)
	}

	if ok := zk.FLWRuok([]string{addr}, 5*time.Second); !ok[0] {
		t.Error("FLWRuok: not ok")
	}

	clients, ok := zk.FLWCons([]string{addr}, 5*time.Second)
	if !ok || clients[0].Error != nil {
		t.Fatalf("FLWCons: %v", clients[0].Error)
	}
	if cs := clients[0].Clients; len(cs) != 2 || cs[0].SessionID != sessA || cs[0].Lcxid != 6 || cs[1].Timeout != 10000 ||
		cs[0].Addr != "127.0.0.1:46298" || cs[0].LastOperation != "GETD" {
		t.Errorf("FLWCons parsed %+v", cs)
	}
}
