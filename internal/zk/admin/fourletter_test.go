package admin

import (
	"strings"
	"testing"
	"time"
)

// resetConn is a connection just after crst, with the pings that followed.
func resetConn(c Connection, recved int64, lresp, maxlat int64) Connection {
	c.Received, c.Sent = recved, recved
	c.LastOp, c.LastCxid, c.LastZxid, c.LastResponse, c.LastLatency = "PING", -1, 7, lresp, 0
	c.Latency = Latency{Min: 0, Max: maxlat, Total: 0, Count: recved}
	return c
}

func TestFourLetterMatchesZooKeeper(t *testing.T) {
	wall := time.Date(2026, 11, 21, 8, 46, 18, 250e6, time.UTC).UnixMilli()
	tests := []struct {
		cmd    string
		golden string // under testdata
		edit   func(v *View)
	}{
		{"ruok", "zk38/4lw/ruok.txt", nil},
		{"srvr", "zk38/4lw/srvr.txt", nil},
		{"stat", "zk38/4lw/stat.txt", func(v *View) {
			v.Stats.Latency = Latency{Min: 0, Max: 12, Total: 37, Count: 13}
			v.Stats.PacketsReceived, v.Stats.PacketsSent = 17, 16
			v.Connections[1].Remote = "127.0.0.1:50582"
		}},
		{"cons", "zk38/4lw/cons.txt", nil},
		{"cons", "zk38/4lw/cons-after-reset.txt", func(v *View) {
			a := resetConn(v.Connections[0], 7, 749048, 1)
			b := resetConn(v.Connections[2], 23, 753972, 4)
			v.Connections = []Connection{{Remote: "127.0.0.1:59708", Received: 1}, a, b}
		}},
		{"stat", "zk38/4lw/stat-after-reset.txt", func(v *View) {
			v.Stats.Latency = Latency{Min: 0, Max: 4, Total: 13, Count: 30}
			v.Stats.PacketsReceived, v.Stats.PacketsSent = 32, 31
			v.Connections = []Connection{{Remote: "127.0.0.1:59712", Received: 1}, v.Connections[0], v.Connections[2]}
			v.Connections[1].Received, v.Connections[1].Sent = 7, 7
			v.Connections[2].Received, v.Connections[2].Sent = 23, 23
		}},
		{"srvr", "zk38/4lw/srvr-after-reset.txt", func(v *View) {
			v.Stats.Latency = Latency{Min: 0, Max: 4, Total: 13, Count: 30}
			v.Stats.PacketsReceived, v.Stats.PacketsSent = 33, 32
		}},
		{"conf", "zk38/4lw/conf.txt", nil},
		{"crst", "zk38/4lw/crst.txt", nil},
		{"srst", "zk38/4lw/srst.txt", nil},
		{"envi", "zk38/4lw/envi.txt", nil},
		{"wchs", "zk38/4lw/wchs.txt", nil},
		{"wchc", "zk38/4lw/wchc.txt", nil},
		{"wchp", "zk38/4lw/wchp.txt", nil},
		{"dirs", "zk38/4lw/dirs.txt", nil},
		{"isro", "zk38/4lw/isro.txt", nil},
		{"gtmk", "zk38/4lw/gtmk.txt", nil},
		{"stmk", "zk38/4lw/stmk.txt", nil},
		{"hash", "zk38/4lw/hash.txt", nil},
		{"hash", "zk38/4lw/hash-after-128.txt", func(v *View) {
			v.Data.Digests = []Digest{{Zxid: 128, Version: 2, Digest: 260251278351}}
		}},
		// 3.8.0's mntr less requests_not_forwarded_to_commit_processor,
		// which 3.9 no longer has.
		{"mntr", "zk39/mntr.txt", func(v *View) {
			v.Stats.Latency = Latency{Min: 0, Max: 12, Total: 37, Count: 13}
			v.Stats.PacketsReceived, v.Stats.PacketsSent = 18, 17
			v.Metrics = metricsFromMntr(readTestdata(t, "zk38/4lw/mntr.txt"))
		}},
		// 3.8.0's dump without the empty expiry buckets ZooKeeper keeps
		// until they pass, and with each session's ephemerals sorted.
		{"dump", "zk39/dump.txt", func(v *View) {
			e := int64(686000)
			v.Clock.NowMs, v.Clock.ElapsedMs = wall, e
			v.Sessions.List = []Session{{ID: sessA, TimeoutMs: 30000, Expiry: e + 18000}, {ID: sessB, TimeoutMs: 10000, Expiry: e}}
			v.Connections[1].Remote = "127.0.0.1:48944"
			v.Connections = []Connection{v.Connections[1], v.Connections[2], v.Connections[0]}
			v.Connections[0].Expiry, v.Connections[1].Expiry, v.Connections[2].Expiry = e+6000, e+6000, e+26000
		}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			v := fixture()
			if tt.edit != nil {
				tt.edit(v)
			}
			got := FourLetter(tt.cmd, v)
			if want := readTestdata(t, tt.golden); got != want {
				t.Errorf("%s:\n got %q\nwant %q", tt.cmd, got, want)
				diffLines(t, got, want)
			}
		})
	}
}

// diffLines reports the first differing line, for long outputs.
func diffLines(t *testing.T, got, want string) {
	t.Helper()
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("line %d: got %q want %q", i+1, gl, wl)
			return
		}
	}
}

func TestFourLetterNotServing(t *testing.T) {
	v := fixture()
	v.Server.NotServing = true
	for _, cmd := range FourLetterWords {
		got := FourLetter(cmd, v)
		var want string
		switch cmd {
		case "ruok":
			want = "imok"
		case "gtmk", "stmk":
			want = "306"
		case "envi":
			want = readTestdata(t, "zk38/4lw/envi.txt")
		case "isro":
			want = "null"
		case "hash":
			want = NotServing
		default:
			want = NotServing + "\n"
		}
		if got != want {
			t.Errorf("%s: got %q want %q", cmd, got, want)
		}
	}
}

func TestFourLetterModes(t *testing.T) {
	v := fixture()
	v.Server.ReadOnly, v.Server.State = true, "read-only"
	if got := FourLetter("isro", v); got != "ro" {
		t.Errorf("isro on a read-only server: %q", got)
	}
	srvr := FourLetter("srvr", v)
	if !strings.Contains(srvr, ", built on 2024-12-29 17:54 UTC\nREAD-ONLY mode; serving only read-only clients\nLatency") {
		t.Errorf("srvr lacks the read-only line:\n%s", srvr)
	}

	v = fixture()
	v.Server.State = "leader"
	v.Quorum = &Quorum{Size: 3, Leader: &LeaderStats{ProposalSizes: BufferStats{Last: 90, Min: 36, Max: 120}}}
	if got := FourLetter("srvr", v); !strings.HasSuffix(got, "Mode: leader\nNode count: 10\nProposal sizes last/min/max: 90/36/120\n") {
		t.Errorf("leader srvr:\n%s", got)
	}
	v.Config.Quorum = &QuorumConfig{InitLimit: 10, SyncLimit: 5, ElectionAlg: 3, ElectionPorts: []int{3888}, QuorumPorts: []int{2888, 2889},
		Membership: "server.1=127.0.0.1:2888:3888:participant\nversion=0\n"}
	if got := FourLetter("conf", v); !strings.HasSuffix(got, "serverId=0\ninitLimit=10\nsyncLimit=5\nelectionAlg=3\nelectionPort=3888\nquorumPort=2888|2889\npeerType=0\nmembership: \nserver.1=127.0.0.1:2888:3888:participant\nversion=0\n") {
		t.Errorf("quorum conf:\n%s", got)
	}
	if got := FourLetter("nope", v); got != "" {
		t.Errorf("unknown word answered %q", got)
	}
	if got := FourLetter("ruok", nil); got != "imok" {
		t.Errorf("ruok without a view: %q", got)
	}
}

func TestFourLetterConnectionForms(t *testing.T) {
	c := Connection{Remote: "[::1]:2181", InterestOps: 5, SessionID: -1, LastOp: "NA", LastCxid: -1, LastZxid: -1}
	v := &View{Connections: []Connection{c}}
	want := " /[0:0:0:0:0:0:0:1]:2181[5](queued=0,recved=0,sent=0,sid=0xffffffffffffffff,lop=NA,est=0,to=0,lzxid=0xffffffffffffffff,lresp=0,llat=0,minlat=0,avglat=0,maxlat=0)\n\n"
	if got := FourLetter("cons", v); got != want {
		t.Errorf("cons:\n got %q\nwant %q", got, want)
	}
}
