package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// adminFixture is the fixture as the AdminServer captures saw it: after
// crst and srst, without the four-letter-word connection.
func adminFixture() *View {
	v := fixture()
	v.Stats.Latency = Latency{Min: 0, Max: 3, Total: 4, Count: 5}
	v.Stats.PacketsReceived, v.Stats.PacketsSent = 24, 24
	v.Stats.AliveConnections = 2
	v.Stats.ClientResponse = BufferStats{Last: 16, Min: 16, Max: 16}
	reset := func(c Connection) Connection {
		c.Received, c.Sent, c.LastOp, c.LastCxid, c.LastZxid, c.LastResponse, c.LastLatency = 0, 0, "NA", -1, -1, 0, 0
		c.Latency = Latency{}
		return c
	}
	v.Connections = []Connection{reset(v.Connections[0]), reset(v.Connections[2])}
	v.Env.MemoryFreeMB = 373
	v.Data.Watches.ByConnection[sessA] = []string{"/app", "/app/cfg"}
	v.Sessions.List = []Session{{ID: sessA, Expiry: 712000}, {ID: sessB, Expiry: 692000}}
	return v
}

func TestAdminMatchesZooKeeper(t *testing.T) {
	tests := []struct {
		name, golden string
		args         map[string]string
		edit         func(v *View)
	}{
		{"ruok", "ruok", nil, nil},
		{"configuration", "configuration", nil, nil},
		{"connection_stat_reset", "connection_stat_reset", nil, nil},
		{"connections", "connections", nil, nil},
		{"dirs", "dirs", nil, nil},
		{"environment", "environment", nil, nil},
		{"get_trace_mask", "get_trace_mask", nil, nil},
		{"hash", "hash", nil, nil},
		{"hash", "hash-after-128", nil, func(v *View) { v.Data.Digests = []Digest{{128, 2, 260251278351}} }},
		{"initial_configuration", "initial_configuration", nil, nil},
		{"is_read_only", "is_read_only", nil, nil},
		{"last_snapshot", "last_snapshot", nil, nil},
		{"leader", "leader", nil, nil},
		{"observer_connection_stat_reset", "observer_connection_stat_reset", nil, nil},
		{"observers", "observers", nil, nil},
		{"server_stats", "server_stats", nil, func(v *View) { v.Stats.UptimeMs = 47913 }},
		{"set_trace_mask", "set_trace_mask", map[string]string{"traceMask": "306"}, nil},
		{"set_trace_mask", "set_trace_mask_noarg", nil, nil},
		{"stmk", "set_trace_mask_bad", map[string]string{"traceMask": "abc"}, nil},
		{"stat_reset", "stat_reset", nil, nil},
		{"stats", "stats", nil, func(v *View) {
			v.Stats.UptimeMs = 47929
			v.Connections[0], v.Connections[1] = v.Connections[1], v.Connections[0]
		}},
		{"voting_view", "voting_view", nil, nil},
		{"watches", "watches", nil, nil},
		{"watches_by_path", "watches_by_path", nil, nil},
		{"watch_summary", "watch_summary", nil, nil},
		{"zabstate", "zabstate", nil, nil},
		{"nosuchcmd", "nosuchcmd", nil, nil},
		// 3.9 registers the digest command as "hash" only, as 3.8 did.
		{"digest", "digest", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			v := adminFixture()
			if tt.edit != nil {
				tt.edit(v)
			}
			resp, _ := Execute(Request{Name: tt.name, Args: tt.args}, v, nil)
			want := readTestdata(t, "zk38/admin/"+tt.golden+".json")
			if got := resp.JSON(); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
				diffLines(t, got, want)
			}
			if resp.Status != http.StatusOK {
				t.Errorf("status %d", resp.Status)
			}
		})
	}
}

func TestAdminMonitorMatchesZooKeeperOrder(t *testing.T) {
	v := adminFixture()
	v.Stats.UptimeMs = 47851
	v.Metrics = metricsFromMntr(readTestdata(t, "zk39/mntr.txt"))
	resp, _ := Run("mntr", v)
	var got []string
	for _, f := range resp.Object() {
		got = append(got, f.Key)
	}
	// The mntr capture's keys, in 3.9's order, then the response's own.
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(readTestdata(t, "zk39/mntr.txt")), "\n") {
		k, _, _ := strings.Cut(line, "\t")
		want = append(want, strings.TrimPrefix(k, "zk_"))
	}
	want = append(want, "command", "error")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("monitor keys\n got %v\nwant %v", got, want)
	}
}

// shape is a JSON value's structure: objects by key, arrays by their first
// element, scalars by type.
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			m[k] = shape(e)
		}
		return m
	case []any:
		if len(x) == 0 {
			return "array"
		}
		return []any{shape(x[0])}
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%T", x)
	}
}

// TestAdminJSONShapes checks every captured AdminServer answer against
// this package's answer for the same command: same keys and value types
// (metrics and system properties: the keys in common).
func TestAdminJSONShapes(t *testing.T) {
	v := adminFixture()
	v.Metrics = metricsFromMntr(readTestdata(t, "zk39/mntr.txt"))
	v.Data.Digests = []Digest{{128, 2, 260251278351}}
	dir := "testdata/zk38/admin"
	names := []string{}
	for _, c := range Commands {
		names = append(names, c.Primary())
	}
	for _, name := range names {
		file := name
		if name == "hash" {
			file = "hash-after-128" // a capture with a digest in it
		}
		want, err := readJSON(dir + "/" + file + ".json")
		if err != nil {
			continue // no capture: restore, snapshot (unknown to 3.8.0)
		}
		// 3.9 no longer has this counter.
		delete(want, "requests_not_forwarded_to_commit_processor")
		t.Run(name, func(t *testing.T) {
			resp, _ := Execute(Request{Name: name, Args: map[string]string{"traceMask": "306"}}, v, nil)
			var got map[string]any
			if err := json.Unmarshal([]byte(resp.JSON()), &got); err != nil {
				t.Fatalf("our JSON does not parse: %v\n%s", err, resp.JSON())
			}
			if name == "monitor" || name == "system_properties" || name == "dump" {
				for k := range want {
					if _, ok := got[k]; !ok && !(name == "system_properties") {
						t.Errorf("key %q missing", k)
					}
				}
				for k, gv := range got {
					if wv, ok := want[k]; ok && name != "dump" && !reflect.DeepEqual(shape(gv), shape(wv)) {
						t.Errorf("%s: got %v, want %v", k, shape(gv), shape(wv))
					}
				}
				return
			}
			if gs, ws := shape(got), shape(want); !reflect.DeepEqual(gs, ws) {
				t.Errorf("shape\n got %v\nwant %v", gs, ws)
			}
		})
	}
}

func readJSON(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

func TestAdminDumpJSON(t *testing.T) {
	resp, _ := Run("dump", adminFixture())
	want := `{
  "expiry_time_to_session_ids" : {
    "692000" : [ 72057635767123969 ],
    "712000" : [ 72057635767123968 ]
  },
  "session_id_to_ephemeral_paths" : {
    "72057635767123968" : [ "/app/lock" ],
    "72057635767123969" : [ "/app/eph-b", "/app/seq-0000000003" ]
  },
  "command" : "dump",
  "error" : null
}`
	if got := resp.JSON(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// Snapshot and restore need auth; Wharf answers as a 3.9 server with both
// disabled.
func TestAdminAuthCommands(t *testing.T) {
	tests := []struct {
		req    Request
		status int
		body   string
	}{
		{Request{Name: "snapshot"}, 401, `{"command":"snapshot","error":"Auth info is missing for the command"}`},
		{Request{Name: "snap", Authorization: "digest"}, 401, `{"command":"snap","error":"Not authenticated"}`},
		{Request{Name: "snap", Authorization: "a b c"}, 401, `{"command":"snap","error":"Not authenticated"}`},
		{Request{Name: "snapshot", Authorization: "digest super:secret"}, 503, `{"command":"snapshot","error":null}`},
		{Request{Name: "restore", Post: true}, 401, `{"command":"restore","error":"Auth info is missing for the command"}`},
		{Request{Name: "rest", Post: true, Authorization: "ip"}, 503, `{"command":"restore","error":null}`},
		{Request{Name: "restore", Authorization: "ip"}, 405, `{"command":"restore","error":"HTTP method GET is not supported by this URL"}`},
		{Request{Name: "ruok", Post: true}, 405, `{"command":"ruok","error":"HTTP method POST is not supported by this URL"}`},
	}
	for _, tt := range tests {
		resp, err := Execute(tt.req, adminFixture(), nil)
		if err != nil {
			t.Errorf("%+v: %v", tt.req, err)
		}
		if resp.Status != tt.status || compact(resp.JSON()) != tt.body {
			t.Errorf("%+v: %d %s, want %d %s", tt.req, resp.Status, compact(resp.JSON()), tt.status, tt.body)
		}
	}
}

// compact re-encodes a JSON text without whitespace, keeping key order.
func compact(s string) string {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	type frame struct {
		obj bool
		n   int
	}
	var b strings.Builder
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		d, isDelim := tok.(json.Delim)
		closing := isDelim && (d == '}' || d == ']')
		if len(stack) > 0 && !closing {
			top := &stack[len(stack)-1]
			switch {
			case top.obj && top.n%2 == 1:
				b.WriteByte(':')
			case top.n > 0:
				b.WriteByte(',')
			}
			top.n++
		}
		switch x := tok.(type) {
		case json.Delim:
			b.WriteString(x.String())
			if closing {
				stack = stack[:len(stack)-1]
			} else {
				stack = append(stack, frame{obj: x == '{'})
			}
		case string:
			q, _ := json.Marshal(x)
			b.Write(q)
		case nil:
			b.WriteString("null")
		default:
			fmt.Fprint(&b, x)
		}
	}
	return b.String()
}

type recorder struct{ calls []string }

func (r *recorder) ResetConnectionStats() { r.calls = append(r.calls, "crst") }
func (r *recorder) ResetServerStats()     { r.calls = append(r.calls, "srst") }
func (r *recorder) SetTraceMask(m int64)  { r.calls = append(r.calls, fmt.Sprintf("stmk %d", m)) }

func TestAdminResetsAndErrors(t *testing.T) {
	r := &recorder{}
	for _, req := range []Request{
		{Name: "crst"}, {Name: "stat_reset"}, {Name: "stmk", Args: map[string]string{"traceMask": "-5"}},
		{Name: "stmk", Args: map[string]string{"traceMask": "+-5"}}, {Name: "stmk", Args: map[string]string{"traceMask": "99999999999999999999"}},
	} {
		if _, err := Execute(req, adminFixture(), r); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"crst", "srst", "stmk -5"}; !reflect.DeepEqual(r.calls, want) {
		t.Errorf("resets: %v, want %v", r.calls, want)
	}
	if _, err := Run("bogus", adminFixture()); !errors.Is(err, ErrUnknownCommand) {
		t.Errorf("unknown command: %v", err)
	}
	v := adminFixture()
	v.Server.NotServing = true
	resp, _ := Run("cons", v)
	if compact(resp.JSON()) != `{"command":"cons","error":"This ZooKeeper instance is not currently serving requests"}` {
		t.Errorf("not serving: %s", resp.JSON())
	}
	if resp, _ := Run("gtmk", v); compact(resp.JSON()) != `{"tracemask":306,"command":"get_trace_mask","error":null}` {
		t.Errorf("gtmk needs no server: %s", resp.JSON())
	}
}

func TestAdminRegistry(t *testing.T) {
	want := "configuration connection_stat_reset connections dirs dump environment get_trace_mask hash initial_configuration " +
		"is_read_only last_snapshot leader monitor observer_connection_stat_reset observers restore ruok server_stats " +
		"set_trace_mask snapshot stat_reset stats system_properties voting_view watch_summary watches watches_by_path zabstate"
	if got := strings.Join(PrimaryNames(), " "); got != want {
		t.Errorf("primary names\n got %s\nwant %s", got, want)
	}
	aliases := map[string]string{
		"crst": "connection_stat_reset", "conf": "configuration", "config": "configuration", "cons": "connections",
		"env": "environment", "envi": "environment", "gtmk": "get_trace_mask", "icfg": "initial_configuration",
		"isro": "is_read_only", "lsnp": "last_snapshot", "lead": "leader", "mntr": "monitor",
		"orst": "observer_connection_stat_reset", "rest": "restore", "stmk": "set_trace_mask", "snap": "snapshot",
		"srvr": "server_stats", "stat": "stats", "srst": "stat_reset", "obsr": "observers", "sysp": "system_properties",
		"wchc": "watches", "wchp": "watches_by_path", "wchs": "watch_summary",
	}
	keys := make([]string, 0, len(aliases))
	for k := range aliases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, a := range keys {
		c, ok := Lookup(a)
		if !ok || c.Primary() != aliases[a] {
			t.Errorf("alias %s: %v", a, c)
		}
	}
}

func TestAdminQuorumCommands(t *testing.T) {
	v := adminFixture()
	v.Server.State = "leader"
	v.Data.LastZxid = 0x300000005
	v.Quorum = &Quorum{
		MyID: 1, PeerState: "leading - broadcast", Size: 3, IsLeader: true, LeaderID: 1, LeaderAddress: "127.0.0.1:2888",
		Leader: &LeaderStats{Learners: 2, SyncedFollowers: 2, ProposalSizes: BufferStats{Last: 90, Min: 36, Max: 120}},
		Voting: map[int64]QuorumServer{
			2: {ServerAddresses: []string{"127.0.0.2:2888"}, ElectionAddresses: []string{"127.0.0.2:3888"}, ClientAddress: "127.0.0.2:2181", LearnerType: "participant"},
			1: {ServerAddresses: []string{"127.0.0.1:2888"}, ElectionAddresses: []string{"127.0.0.1:3888"}, ClientAddress: "127.0.0.1:2181", LearnerType: "participant"},
		},
		Zab: ZabState{QuorumAddress: "127.0.0.1:2888", ElectionAddress: "127.0.0.1:3888", ClientAddress: "127.0.0.1:2181", Voting: true, State: "broadcast"},
	}
	checks := map[string]string{
		"lead":        `{"is_leader":true,"leader_id":1,"leader_ip":"127.0.0.1:2888","command":"leader","error":null}`,
		"zabstate":    `{"myid":1,"is_leader":true,"quorum_address":"127.0.0.1:2888","election_address":"127.0.0.1:3888","client_address":"127.0.0.1:2181","voting":true,"last_zxid":"0x300000005","zab_epoch":3,"zab_counter":5,"zabstate":"broadcast","command":"zabstate","error":null}`,
		"voting_view": `{"current_config":{"1":{"server_addresses":["127.0.0.1:2888"],"election_addresses":["127.0.0.1:3888"],"client_address":"127.0.0.1:2181","learner_type":"participant"},"2":{"server_addresses":["127.0.0.2:2888"],"election_addresses":["127.0.0.2:3888"],"client_address":"127.0.0.2:2181","learner_type":"participant"}},"command":"voting_view","error":null}`,
	}
	for name, want := range checks {
		resp, _ := Run(name, v)
		if got := compact(resp.JSON()); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	resp, _ := Run("srvr", v)
	if ps, ok := resp.Data.Get("proposal_stats"); !ok || compact(Jackson(ps)) != `{"last_buffer_size":90,"min_buffer_size":36,"max_buffer_size":120}` {
		t.Errorf("srvr proposal_stats: %v", ps)
	}
	mntr := FourLetter("mntr", v)
	for _, line := range []string{"zk_peer_state\tleading - broadcast\n", "zk_learners\t2\n", "zk_quorum_size\t3\n", "zk_min_proposal_size\t36\n"} {
		if !strings.Contains(mntr, line) {
			t.Errorf("leader mntr lacks %q", line)
		}
	}
	if i, j := strings.Index(mntr, "zk_min_proposal_size"), strings.Index(mntr, "zk_outstanding_requests"); i > j {
		t.Errorf("leader gauges out of ZooKeeper's order")
	}
}
