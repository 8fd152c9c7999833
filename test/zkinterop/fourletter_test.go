package zkinterop

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// zkServerSh is Debian's zkServer.sh (package zookeeper).
const zkServerSh = "/usr/share/zookeeper/bin/zkServer.sh"

// fourLetterOpts whitelist some words, spelled with the spaces ZooKeeper
// trims, so that the others are refused.
var fourLetterOpts = testutil.ZKOptions{
	Extra: map[string]string{"4lw.commands.whitelist": "srvr, ruok,mntr ,cons"},
}

// ncAll sends each word to addr the way operators do (printf word | nc -q1
// host port), all at once: nc -q1 lingers a second after its input ends.
func ncAll(t *testing.T, addr string, words ...string) map[string]string {
	t.Helper()
	ncPath, err := exec.LookPath("nc")
	testutil.RequirePeer(t, "nc (netcat-openbsd)", err == nil)
	host, port, _ := strings.Cut(addr, ":")
	type reply struct {
		word, out string
		err       error
	}
	replies := make(chan reply, len(words))
	for _, w := range words {
		go func() {
			c := exec.Command(ncPath, "-q1", host, port)
			c.Stdin = strings.NewReader(w)
			out, err := c.Output()
			replies <- reply{w, string(out), err}
		}()
	}
	got := map[string]string{}
	for range words {
		r := <-replies
		if r.err != nil {
			t.Fatalf("printf %s | nc -q1 %s %s: %v", r.word, host, port, r.err)
		}
		got[r.word] = r.out
	}
	return got
}

// mntr parses mntr's "key<TAB>value" lines.
func mntr(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Errorf("mntr line %q has no tab", sc.Text())
			continue
		}
		m[k] = v
	}
	return m
}

// TestFourLetterWords asks both servers the four-letter words from netcat
// and go-zookeeper's FLW helpers, with a whitelist that refuses some.
func TestFourLetterWords(t *testing.T) {
	testutil.Slow(t)
	var apacheMntr map[string]string
	testutil.ForEachZK(t, fourLetterOpts, func(t *testing.T, srv *testutil.ZKServer) {
		conn := testutil.Connect(t, srv.Addr)
		for _, p := range []string{"/flw", "/flw/a", "/flw/b"} {
			mustCreate(t, conn, p)
		}
		if _, err := conn.Create("/flw/e", nil, zk.FlagEphemeral, openACL); err != nil {
			t.Fatal(err)
		}
		_, _, _, _ = conn.GetW("/flw")
		// A fresh tree counts 5 (DataTree names the root both "" and "/",
		// then /zookeeper, /zookeeper/quota, /zookeeper/config); + 4 here.
		nodes := 5 + 4

		byNc := ncAll(t, srv.Addr, "ruok", "srvr", "mntr", "stat")
		if got := byNc["ruok"]; got != "imok" {
			t.Errorf("ruok: %q, want imok", got)
		}
		srvr := byNc["srvr"]
		if !containsLine(splitLines(srvr), "Mode: standalone") {
			t.Errorf("srvr has no Mode: standalone line:\n%s", srvr)
		}
		if !containsLine(splitLines(srvr), "Node count: "+strconv.Itoa(nodes)) {
			t.Errorf("srvr: want Node count: %d:\n%s", nodes, srvr)
		}
		// Apache's whitelist check answers the same text for every word
		// it refuses (NIOServerCnxn.checkFourLetterWord).
		for _, w := range []string{"stat", "conf", "dump", "wchp", "envi"} {
			got, err := testutil.Four(srv.Addr, w)
			if w == "stat" {
				got = byNc[w]
			}
			if want := w + " is not executed because it is not in the whitelist.\n"; got != want || err != nil {
				t.Errorf("%s: %q (%v), want %q", w, got, err, want)
			}
		}
		// Not a four-letter word: read as a frame length (0x78797a77),
		// far over jute.maxbuffer, so the connection is closed unanswered.
		if got, err := testutil.Four(srv.Addr, "xyzw"); got != "" {
			t.Errorf("xyzw: %q (%v), want no answer", got, err)
		}

		m := mntr(t, byNc["mntr"])
		for k, want := range map[string]string{
			"zk_server_state":         "standalone",
			"zk_znode_count":          strconv.Itoa(nodes),
			"zk_ephemerals_count":     "1",
			"zk_watch_count":          "1",
			"zk_outstanding_requests": "0",
		} {
			if m[k] != want {
				t.Errorf("mntr %s = %q, want %q", k, m[k], want)
			}
		}
		// 3.8.0 reports its own version; Wharf reports 3.9.4.
		wantVersion := map[zkproc.Kind]string{zkproc.Apache: "3.8.0-", zkproc.Wharf: "3.9.4-"}[srv.Kind]
		if !strings.HasPrefix(m["zk_version"], wantVersion) {
			t.Errorf("mntr zk_version %q, want %s…", m["zk_version"], wantVersion)
		}
		for _, k := range []string{"zk_avg_latency", "zk_max_latency", "zk_min_latency", "zk_packets_received",
			"zk_packets_sent", "zk_num_alive_connections", "zk_approximate_data_size",
			"zk_open_file_descriptor_count", "zk_max_file_descriptor_count", "zk_uptime", "zk_global_sessions"} {
			if _, err := strconv.ParseFloat(m[k], 64); err != nil {
				t.Errorf("mntr %s = %q, not a number", k, m[k])
			}
		}
		// Wharf prints a subset of ZooKeeper's metrics (the ones above and
		// a few more, not the ~560 per-processor timers): every key it
		// prints must be one ZooKeeper prints too.
		if srv.Kind == zkproc.Apache {
			apacheMntr = m
		} else if apacheMntr != nil {
			for k := range m {
				if _, ok := apacheMntr[k]; !ok {
					t.Errorf("mntr key %s is not one Apache ZooKeeper prints", k)
				}
			}
		}

		// go-zookeeper's helpers.
		if ok := zk.FLWRuok([]string{srv.Addr}, 5*time.Second); len(ok) != 1 || !ok[0] {
			t.Errorf("FLWRuok: %v", ok)
		}
		stats, _ := zk.FLWSrvr([]string{srv.Addr}, 5*time.Second)
		switch st := stats[0]; srv.Kind {
		case zkproc.Apache:
			// go-zookeeper expects "built on MM/dd/yyyy HH:mm zone" (3.4's
			// form); Debian's 3.8.0 prints "3.8.0-${mvngit.commit.id},
			// built on 2024-12-29 17:54 UTC" and is not parsed. Wharf prints
			// the old date form on purpose (zk/admin) so that it is.
			if st.Error == nil {
				t.Errorf("FLWSrvr parsed Debian's 3.8.0 srvr; the version form changed? %+v", st)
			}
		default:
			if st.Error != nil || st.Mode != zk.ModeStandalone || st.NodeCount != int64(nodes) ||
				st.Version != "3.9.4-wharf" || st.Outstanding != 0 || st.Connections < 1 {
				t.Errorf("FLWSrvr: %+v", st)
			}
		}
		// cons lists the 4lw connection itself in a short form go-zookeeper
		// does not parse (so ok is false); our session must be there.
		clients, _ := zk.FLWCons([]string{srv.Addr}, 5*time.Second)
		found := false
		for _, c := range clients[0].Clients {
			if c.SessionID == conn.SessionID() {
				found = true
				if c.Timeout != 10000 || c.Queued != 0 || c.Received < 6 || !strings.HasPrefix(c.Addr, "127.0.0.1:") {
					t.Errorf("cons entry for our session: %+v", c)
				}
			}
		}
		if !found {
			r, _ := testutil.Four(srv.Addr, "cons")
			t.Errorf("FLWCons: session %#x not parsed from cons:\n%s", conn.SessionID(), r)
		}
	})
}

// TestStatus compares `wharf status zoo.cfg` with Debian's `zkServer.sh
// status zoo.cfg` against each server, running and stopped: stdout, stderr
// and exit code must be the same.
func TestStatus(t *testing.T) {
	testutil.Slow(t)
	_, err := os.Stat(zkServerSh)
	testutil.RequirePeer(t, "zkServer.sh (zookeeper)", err == nil)
	testutil.ForEachZK(t, testutil.ZKOptions{}, func(t *testing.T, srv *testutil.ZKServer) {
		wharf := testutil.BuildWharf(t)
		run := func(argv ...string) (string, string, int) {
			c := exec.Command(argv[0], argv[1:]...)
			var out, errb strings.Builder
			c.Stdout, c.Stderr = &out, &errb
			err := c.Run()
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				t.Fatalf("%s: %v", argv[0], err)
			}
			return out.String(), errb.String(), c.ProcessState.ExitCode()
		}
		check := func(state, wantMode string, wantCode int) {
			t.Helper()
			aOut, aErr, aCode := run(zkServerSh, "status", srv.ConfigPath)
			wOut, wErr, wCode := run(wharf, "status", srv.ConfigPath)
			want := "Client port found: " + strconv.Itoa(srv.Port) + ". Client address: 127.0.0.1. Client SSL: false.\n" + wantMode + "\n"
			if aOut != want || aCode != wantCode {
				t.Errorf("%s: zkServer.sh status: exit %d, stdout %q; want exit %d, %q", state, aCode, aOut, wantCode, want)
			}
			if wOut != aOut || wErr != aErr || wCode != aCode {
				t.Errorf("%s: wharf status: exit %d, stdout %q, stderr %q; zkServer.sh status: exit %d, stdout %q, stderr %q",
					state, wCode, wOut, wErr, aCode, aOut, aErr)
			}
		}
		check("running", "Mode: standalone", 0)
		srv.Stop()
		check("stopped", "Error contacting service. It is probably not running.", 1)
	})
}
