package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// four sends a four-letter word on a new connection and returns everything
// the server writes before it closes the connection.
func four(t *testing.T, addr, cmd string) string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write([]byte(cmd)); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return string(b)
}

// fourLetterFixture is a server with one session that holds an ephemeral,
// two data watches and a child watch.
func fourLetterFixture(t *testing.T) (*Server, *rawConn) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	r := rawSession(t, s.Addr().String(), 10000)
	r.mustCall(jute.OpCreate, createReq("/a", "x", 0), &jute.CreateResponse{}, jute.OK)
	r.mustCall(jute.OpCreate, createReq("/a/e", "", jute.ModeEphemeral), &jute.CreateResponse{}, jute.OK)
	r.mustCall(jute.OpGetData, pw("/a", true), &jute.GetDataResponse{}, jute.OK)
	r.mustCall(jute.OpGetChildren, pw("/a", true), &jute.GetChildrenResponse{}, jute.OK)
	r.mustCall(jute.OpExists, pw("/b", true), nil, jute.NoNode)
	return s, r
}

// TestFourLetterWords checks each word's text against what the session did.
func TestFourLetterWords(t *testing.T) {
	s, r := fourLetterFixture(t)
	addr := s.Addr().String()
	sid := "0x" + strconv.FormatInt(r.resp.SessionID, 16)
	zxid := r.ping().Zxid

	if got := four(t, addr, "ruok"); got != "imok" {
		t.Errorf("ruok: %q", got)
	}
	// The previous word's connection goes a moment after its answer.
	settle := func() {
		waitUntil(t, 5*time.Second, "earlier connections to go", func() bool { return liveConns(s) == 1 })
	}
	// Connections counts the four-letter word's own connection, as ZooKeeper does.
	settle()
	srvr := regexp.MustCompile(`^Zookeeper version: 3\.9\.4-wharf, built on \d\d/\d\d/\d\d\d\d \d\d:\d\d GMT
Latency min/avg/max: \d+/\d+(\.\d+)?/\d+
Received: \d+
Sent: \d+
Connections: 2
Outstanding: 0
Zxid: 0x` + strconv.FormatInt(zxid, 16) + `
Mode: standalone
Node count: 7
$`)
	if got := four(t, addr, "srvr"); !srvr.MatchString(got) {
		t.Errorf("srvr:\n%s", got)
	}
	if got := four(t, addr, "stat"); !strings.Contains(got, "Clients:\n /127.0.0.1:") || !strings.Contains(got, "Mode: standalone\n") {
		t.Errorf("stat:\n%s", got)
	}
	settle()
	mntr := four(t, addr, "mntr")
	for _, kv := range []string{"zk_version\t3.9.4-wharf, built on ", "zk_server_state\tstandalone\n", "zk_znode_count\t7\n",
		"zk_ephemerals_count\t1\n", "zk_watch_count\t3\n", "zk_num_alive_connections\t2\n", "zk_outstanding_requests\t0\n"} {
		if !strings.Contains(mntr, kv) {
			t.Errorf("mntr lacks %q:\n%s", kv, mntr)
		}
	}
	if got := four(t, addr, "cons"); !strings.Contains(got, ",sid="+sid+",lop=PING,") {
		t.Errorf("cons:\n%s", got)
	}
	// wchs, wchc and wchp report the data watches only (DataTree's
	// dataWatches), while mntr's zk_watch_count counts child watches too.
	if got := four(t, addr, "wchs"); got != "1 connections watching 2 paths\nTotal watches:2\n" {
		t.Errorf("wchs: %q", got)
	}
	if got, want := four(t, addr, "wchc"), sid+"\n\t/a\n\t/b\n\n"; got != want {
		t.Errorf("wchc: %q, want %q", got, want)
	}
	if got, want := four(t, addr, "wchp"), "/a\n\t"+sid+"\n/b\n\t"+sid+"\n\n"; got != want {
		t.Errorf("wchp: %q, want %q", got, want)
	}
	dump := four(t, addr, "dump")
	if !strings.Contains(dump, "Sessions with Ephemerals (1):\n"+sid+":\n\t/a/e\n") {
		t.Errorf("dump:\n%s", dump)
	}
	// The session's expiry bucket is about its timeout from now.
	m := regexp.MustCompile(`1 expire at (.*):\n\t` + sid + `\n`).FindStringSubmatch(dump)
	if m == nil || !dateNear(m[1], time.Now(), 11*time.Second) {
		t.Errorf("dump's session expiry: %q in\n%s", m, dump)
	}
	conf := four(t, addr, "conf")
	for _, kv := range []string{fmt.Sprintf("clientPort=%d\n", s.Addr().(*net.TCPAddr).Port), "tickTime=1000\n",
		"minSessionTimeout=2000\n", "maxSessionTimeout=20000\n"} {
		if !strings.Contains(conf, kv) {
			t.Errorf("conf lacks %q:\n%s", kv, conf)
		}
	}
	if got := four(t, addr, "envi"); !strings.HasPrefix(got, "Environment:\n") || !strings.Contains(got, "\nzookeeper.version=3.9.4-wharf") {
		t.Errorf("envi:\n%s", got)
	}
	if got := four(t, addr, "isro"); got != "rw" {
		t.Errorf("isro: %q", got)
	}
	// Not a word: read as a frame length far beyond jute.maxbuffer.
	if got := four(t, addr, "abcd"); got != "" {
		t.Errorf("abcd: %q", got)
	}
	// A word after the handshake is just a bad frame length.
	if _, err := r.nc.Write([]byte("ruok")); err != nil {
		t.Fatal(err)
	}
	if frames := r.expectClosed(); len(frames) != 0 {
		t.Errorf("ruok inside a session answered %x", frames)
	}
}

// dateNear reports whether s, a date as dump prints it (Java's
// Date.toString in the local zone), is within d after from.
func dateNear(s string, from time.Time, d time.Duration) bool {
	for at := from.Add(-time.Second).Truncate(time.Second); !at.After(from.Add(d)); at = at.Add(time.Second) {
		if at.In(time.Local).Format("Mon Jan 02 15:04:05 MST 2006") == s {
			return true
		}
	}
	return false
}

// TestFourLetterWhitelist: words outside 4lw.commands.whitelist are refused
// with ZooKeeper's text; the default whitelist is srvr alone.
func TestFourLetterWhitelist(t *testing.T) {
	s := startServer(t, func(o *Options) { o.FourLetterWords = nil })
	addr := s.Addr().String()
	for _, w := range []string{"ruok", "stat", "mntr", "dump", "envi", "conf", "cons", "wchs", "isro", "crst", "srst"} {
		if got, want := four(t, addr, w), w+" is not executed because it is not in the whitelist.\n"; got != want {
			t.Errorf("%s: %q, want %q", w, got, want)
		}
	}
	if got := four(t, addr, "srvr"); !strings.HasPrefix(got, "Zookeeper version: ") {
		t.Errorf("srvr: %q", got)
	}
	// The server still serves clients.
	c := rawSession(t, addr, 4000)
	c.mustCall(jute.OpExists, pw("/", false), &jute.ExistsResponse{}, jute.OK)
}

// TestAdminServer: GET <commandURL>/<name> answers JSON with the command's
// name and error, for names and aliases; the bare URL lists the commands.
func TestAdminServer(t *testing.T) {
	s, _ := fourLetterFixture(t)
	s2 := startServer(t, func(o *Options) { o.AdminAddr = "127.0.0.1:0" })
	if s.AdminAddr() != nil {
		t.Fatal("AdminServer started without AdminAddr")
	}
	base := "http://" + s2.AdminAddr().String() + "/commands"
	c := rawSession(t, s2.Addr().String(), 4000)
	c.mustCall(jute.OpCreate, createReq("/e", "", jute.ModeEphemeral), &jute.CreateResponse{}, jute.OK)

	get := func(path string) (int, map[string]any, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s: %v in %s", path, err, b)
			}
		}
		return resp.StatusCode, m, string(b)
	}
	for _, tc := range []struct {
		path, command string
		check         func(map[string]any) bool
	}{
		{"/ruok", "ruok", nil},
		{"/monitor", "monitor", func(m map[string]any) bool {
			return m["server_state"] == "standalone" && m["ephemerals_count"] == 1.0 && m["znode_count"] == 6.0
		}},
		{"/mntr", "monitor", func(m map[string]any) bool { return m["server_state"] == "standalone" }},
		{"/srvr", "server_stats", func(m map[string]any) bool { _, ok := m["server_stats"]; return ok }},
		{"/is_read_only", "is_read_only", func(m map[string]any) bool { return m["read_only"] == false }},
		{"/conf", "configuration", func(m map[string]any) bool {
			return m["client_port"] == float64(s2.Addr().(*net.TCPAddr).Port)
		}},
		{"/watch_summary", "watch_summary", nil},
		{"/dump", "dump", func(m map[string]any) bool {
			sid := strconv.FormatInt(c.resp.SessionID, 10)
			eph, _ := m["session_id_to_ephemeral_paths"].(map[string]any)
			paths, _ := eph[sid].([]any)
			if len(paths) != 1 || paths[0] != "/e" {
				return false
			}
			// The session expires about its 4s timeout from now.
			exp, _ := m["expiry_time_to_session_ids"].(map[string]any)
			for at := range exp {
				ms, _ := strconv.ParseInt(at, 10, 64)
				if d := time.UnixMilli(ms).Sub(time.Now()); d < 2*time.Second || d > 5*time.Second {
					return false
				}
			}
			return len(exp) == 1
		}},
	} {
		code, m, body := get(tc.path)
		if code != 200 || m == nil || m["command"] != tc.command || m["error"] != nil {
			t.Errorf("GET %s: %d %s", tc.path, code, body)
			continue
		}
		if tc.check != nil && !tc.check(m) {
			t.Errorf("GET %s: %s", tc.path, body)
		}
	}
	code, m, body := get("/nosuchcmd")
	if code != 200 || m["command"] != "nosuchcmd" || m["error"] != "Unknown command: nosuchcmd" {
		t.Errorf("unknown command: %d %s", code, body)
	}
	code, _, body = get("")
	if code != 200 || !strings.Contains(body, `<a href="/commands/ruok">ruok</a>`) {
		t.Errorf("command list: %d %s", code, body)
	}
}

// An AdminServer port already taken fails Start with the error, and Close
// then returns at once (it used to wait for a core that never started).
func TestAdminPortTakenFailsStart(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	s, err := New(Options{ClientAddr: "127.0.0.1:0", DataDir: t.TempDir(), TickTime: 200, AdminAddr: taken.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil {
		t.Fatal("Start with the AdminServer's port taken succeeded")
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close after a failed Start hangs")
	}
}
