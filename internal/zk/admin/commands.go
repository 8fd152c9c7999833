package admin

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// ErrUnknownCommand is returned for a name no AdminServer command has. The
// Response still holds ZooKeeper's answer to it (200, "Unknown command").
var ErrUnknownCommand = errors.New("admin: unknown command")

// Resets applies the AdminServer's mutating commands to the server.
type Resets interface {
	// ResetConnectionStats is connection_stat_reset (crst): every
	// connection's counters and latencies.
	ResetConnectionStats()
	// ResetServerStats is stat_reset (srst): ServerStats and ServerMetrics.
	ResetServerStats()
	// SetTraceMask is set_trace_mask (stmk).
	SetTraceMask(mask int64)
}

// Command is one AdminServer command (admin/Commands.java).
type Command struct {
	// Names are the primary name, then the aliases.
	Names []string
	// ServerRequired commands answer NotServing while the server is not
	// serving.
	ServerRequired bool
	// Auth commands (snapshot, restore) need an Authorization header.
	Auth bool
	// Post commands answer POST only; the others GET only.
	Post bool
	run  func(c *call) Object
}

// Primary is the command's primary name, the one responses carry.
func (c *Command) Primary() string { return c.Names[0] }

// call is one execution of a command.
type call struct {
	req    Request
	view   func() *View
	resets Resets
}

func (c *call) v() *View { return c.view() }

// Commands is ZooKeeper 3.9.4's command registry, in its registration order.
var Commands = []*Command{
	{Names: []string{"connection_stat_reset", "crst"}, ServerRequired: true, run: func(c *call) Object {
		if c.resets != nil {
			c.resets.ResetConnectionStats()
		}
		return nil
	}},
	{Names: []string{"configuration", "conf", "config"}, ServerRequired: true, run: func(c *call) Object { return confMap(&c.v().Config) }},
	{Names: []string{"connections", "cons"}, ServerRequired: true, run: func(c *call) Object {
		v := c.v()
		return Object{{"connections", connInfos(v.Connections, false)}, {"secure_connections", connInfos(v.SecureConnections, false)}}
	}},
	{Names: []string{"hash"}, ServerRequired: true, run: func(c *call) Object {
		ds := c.v().Data.Digests
		out := make([]Object, len(ds))
		for i, d := range ds {
			out[i] = Object{{"zxid", d.Zxid}, {"digest", d.Digest}, {"digest_version", int64(d.Version)}}
		}
		return Object{{"digests", out}}
	}},
	{Names: []string{"dirs"}, ServerRequired: true, run: func(c *call) Object {
		cf := &c.v().Config
		return Object{{"datadir_size", cf.DataDirSize}, {"logdir_size", cf.DataLogSize}}
	}},
	{Names: []string{"dump"}, ServerRequired: true, run: func(c *call) Object {
		v := c.v()
		expiry := map[int64][]int64{}
		for _, s := range v.Sessions.List {
			if s.Expiry != 0 {
				expiry[s.Expiry] = append(expiry[s.Expiry], s.ID)
			}
		}
		return Object{
			{"expiry_time_to_session_ids", idKeyed(expiry, func(ids []int64) any { return sortedInt64s(ids) })},
			{"session_id_to_ephemeral_paths", idKeyed(v.Data.Ephemerals, func(p []string) any { return sortedCopy(p) })},
		}
	}},
	{Names: []string{"environment", "env", "envi"}, run: func(c *call) Object { return environment(c.v()) }},
	{Names: []string{"get_trace_mask", "gtmk"}, run: func(c *call) Object {
		return Object{{"tracemask", c.v().Server.TraceMask}}
	}},
	{Names: []string{"initial_configuration", "icfg"}, ServerRequired: true, run: func(c *call) Object {
		return Object{{"initial_configuration", c.v().Config.InitialConfig}}
	}},
	{Names: []string{"is_read_only", "isro"}, ServerRequired: true, run: func(c *call) Object {
		return Object{{"read_only", c.v().Server.ReadOnly}}
	}},
	{Names: []string{"last_snapshot", "lsnp"}, ServerRequired: true, run: func(c *call) Object {
		zxid, ts := int64(-1), int64(-1)
		if s := c.v().Config.LastSnapshot; s != nil {
			zxid, ts = s.Zxid, s.Timestamp
		}
		return Object{{"zxid", hex(zxid)}, {"timestamp", ts}}
	}},
	{Names: []string{"leader", "lead"}, ServerRequired: true, run: func(c *call) Object {
		q := c.v().Quorum
		if q == nil {
			return Object{{"error", "server is not initialized"}}
		}
		return Object{{"is_leader", q.IsLeader}, {"leader_id", q.LeaderID}, {"leader_ip", q.LeaderAddress}}
	}},
	{Names: []string{"monitor", "mntr"}, run: func(c *call) Object { return monitorValues(c.v()) }},
	{Names: []string{"observer_connection_stat_reset", "orst"}, ServerRequired: true, run: func(*call) Object { return nil }},
	{Names: []string{"restore", "rest"}, ServerRequired: true, Auth: true, Post: true},
	{Names: []string{"ruok"}, ServerRequired: true, run: func(*call) Object { return nil }},
	{Names: []string{"set_trace_mask", "stmk"}, run: setTraceMask},
	{Names: []string{"snapshot", "snap"}, ServerRequired: true, Auth: true},
	{Names: []string{"server_stats", "srvr"}, ServerRequired: true, run: func(c *call) Object { return serverStats(c.v()) }},
	{Names: []string{"stats", "stat"}, ServerRequired: true, run: func(c *call) Object {
		v := c.v()
		return append(serverStats(v),
			Field{"connections", connInfos(v.Connections, true)},
			Field{"secure_connections", connInfos(v.SecureConnections, true)})
	}},
	{Names: []string{"stat_reset", "srst"}, ServerRequired: true, run: func(c *call) Object {
		if c.resets != nil {
			c.resets.ResetServerStats()
		}
		return nil
	}},
	{Names: []string{"observers", "obsr"}, ServerRequired: true, run: func(c *call) Object {
		obs := []any{}
		n := 0
		if q := c.v().Quorum; q != nil {
			n = q.SyncedObservers
			for _, o := range q.Observers {
				obs = append(obs, o)
			}
		}
		return Object{{"synced_observers", int64(n)}, {"observers", obs}}
	}},
	{Names: []string{"system_properties", "sysp"}, run: func(c *call) Object { return systemProperties(c.v()) }},
	{Names: []string{"voting_view"}, ServerRequired: true, run: func(c *call) Object {
		view := Object{}
		if q := c.v().Quorum; q != nil {
			view = idKeyed(q.Voting, func(s QuorumServer) any {
				return Object{
					{"server_addresses", nonNil(s.ServerAddresses)},
					{"election_addresses", nonNil(s.ElectionAddresses)},
					{"client_address", s.ClientAddress},
					{"learner_type", s.LearnerType},
				}
			})
		}
		return Object{{"current_config", view}}
	}},
	{Names: []string{"watches", "wchc"}, ServerRequired: true, run: func(c *call) Object {
		w := c.v().Data.Watches.ByConnection
		return Object{{"session_id_to_watched_paths", idKeyed(w, func(p []string) any { return sortedCopy(p) })}}
	}},
	{Names: []string{"watches_by_path", "wchp"}, ServerRequired: true, run: func(c *call) Object {
		w := c.v().Data.Watches.ByPath
		o := make(Object, 0, len(w))
		for _, p := range sortedKeys(w) {
			o = append(o, Field{p, sortedInt64s(w[p])})
		}
		return Object{{"path_to_session_ids", o}}
	}},
	{Names: []string{"watch_summary", "wchs"}, ServerRequired: true, run: func(c *call) Object {
		s := c.v().Data.Watches.Summary
		return Object{{"num_connections", int64(s.Connections)}, {"num_paths", int64(s.Paths)}, {"num_total_watches", int64(s.Total)}}
	}},
	{Names: []string{"zabstate"}, run: func(c *call) Object {
		v := c.v()
		q := v.Quorum
		if q == nil {
			return Object{{"voting", false}, {"zabstate", ""}}
		}
		z := v.Data.LastZxid
		return Object{
			{"myid", q.MyID},
			{"is_leader", q.IsLeader},
			{"quorum_address", q.Zab.QuorumAddress},
			{"election_address", q.Zab.ElectionAddress},
			{"client_address", q.Zab.ClientAddress},
			{"voting", q.Zab.Voting},
			{"last_zxid", "0x" + hex(z)},
			{"zab_epoch", z >> 32},
			{"zab_counter", z & 0xffffffff},
			{"zabstate", q.Zab.State},
		}
	}},
}

var byName = func() map[string]*Command {
	m := map[string]*Command{}
	for _, c := range Commands {
		for _, n := range c.Names {
			m[n] = c
		}
	}
	return m
}()

// Lookup finds a command by its primary name or an alias.
func Lookup(name string) (*Command, bool) {
	c, ok := byName[name]
	return c, ok
}

// PrimaryNames are the commands' primary names, sorted, as /commands lists
// them.
func PrimaryNames() []string {
	names := make([]string, len(Commands))
	for i, c := range Commands {
		names[i] = c.Primary()
	}
	sort.Strings(names)
	return names
}

// Request is one AdminServer request.
type Request struct {
	Name string
	// Args are the query parameters, first value of each.
	Args map[string]string
	Post bool
	// Authorization is the Authorization header, "" when absent.
	Authorization string
}

// Response is CommandResponse.
type Response struct {
	// Command is the primary name, or the requested name when the request
	// failed before a command ran.
	Command string
	// Error is the error string; "" is JSON null.
	Error  string
	Data   Object
	Status int
}

// Object is CommandResponse.toMap: the data members, then "command" and
// "error" unless the data already holds them (LinkedHashMap order).
func (r *Response) Object() Object {
	o := append(Object(nil), r.Data...)
	o.put("command", r.Command)
	var err any
	if r.Error != "" {
		err = r.Error
	}
	o.put("error", err)
	for _, f := range r.Data {
		o.put(f.Key, f.Value)
	}
	return o
}

// JSON is the response body JsonOutputter writes.
func (r *Response) JSON() string { return Jackson(r.Object()) }

// Run runs a command with no arguments as a GET: the AdminServer's answer
// to GET <commandURL>/<name>. Mutating commands only answer; use Execute
// to apply them.
func Run(name string, v *View) (*Response, error) {
	return Execute(Request{Name: name}, v, nil)
}

// Execute runs a request against a view, applying crst, srst and stmk
// through r (which may be nil).
func Execute(req Request, v *View, r Resets) (*Response, error) {
	return execute(req, func() *View { return v }, r)
}

// execute is Commands.runCommand. The view is built only when a command
// reads it.
func execute(req Request, build func() *View, r Resets) (*Response, error) {
	var v *View
	view := func() *View {
		if v == nil {
			if v = build(); v == nil {
				v = &View{}
			}
		}
		return v
	}
	cmd, ok := Lookup(req.Name)
	if !ok {
		return &Response{Command: req.Name, Error: "Unknown command: " + req.Name, Status: http.StatusOK}, ErrUnknownCommand
	}
	if cmd.ServerRequired {
		if view().Server.NotServing {
			return &Response{Command: req.Name, Error: NotServing, Status: http.StatusOK}, nil
		}
	}
	if cmd.Auth {
		// Wharf runs these as a 3.9 server with zookeeper.admin.snapshot.enabled
		// and zookeeper.admin.restore.enabled false: the auth check first,
		// then 503.
		if req.Authorization == "" {
			return &Response{Command: req.Name, Error: "Auth info is missing for the command", Status: http.StatusUnauthorized}, nil
		}
		if !authPlausible(req.Authorization) {
			return &Response{Command: req.Name, Error: "Not authenticated", Status: http.StatusUnauthorized}, nil
		}
	}
	if req.Post != cmd.Post {
		return &Response{Command: req.Name, Error: "HTTP method " + method(req.Post) + " is not supported by this URL", Status: http.StatusMethodNotAllowed}, nil
	}
	resp := &Response{Command: cmd.Primary(), Status: http.StatusOK}
	if cmd.run == nil {
		resp.Status = http.StatusServiceUnavailable
		return resp, nil
	}
	c := &call{req: req, view: view, resets: r}
	resp.Data = cmd.run(c)
	return resp, nil
}

func method(post bool) string {
	if post {
		return "POST"
	}
	return "GET"
}

// authPlausible is the part of Commands.handleAuthentication Wharf can
// check: "<scheme>[ <data>]" with a scheme ZooKeeper registers by default.
func authPlausible(auth string) bool {
	parts := strings.Split(auth, " ")
	if len(parts) != 1 && len(parts) != 2 {
		return false
	}
	switch parts[0] {
	case "digest":
		return len(parts) == 2
	case "ip", "x509":
		return true
	}
	return false
}

// setTraceMask is SetTraceMaskCommand: traceMask must parse as a Java long.
func setTraceMask(c *call) Object {
	s, ok := c.req.Args["traceMask"]
	if !ok {
		return Object{{"error", "setTraceMask requires long traceMask argument"}}
	}
	mask, err := parseJavaLong(s)
	if err != nil {
		return Object{{"error", "setTraceMask requires long traceMask argument, got " + s}}
	}
	if c.resets != nil {
		c.resets.SetTraceMask(mask)
	}
	return Object{{"tracemask", mask}}
}

// parseJavaLong is Long.parseLong: decimal with an optional sign, no
// spaces or underscores.
func parseJavaLong(s string) (int64, error) {
	if strings.HasPrefix(s, "+") && (len(s) == 1 || s[1] == '-' || s[1] == '+') {
		return 0, strconv.ErrSyntax
	}
	if strings.ContainsAny(s, "_ ") {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, 10, 64)
}

// serverStats is SrvrCommand's data: ServerStats as Jackson writes the
// bean (its property order, snake case, as a real server prints it).
func serverStats(v *View) Object {
	s := &v.Stats
	o := Object{
		{"version", v.Server.FullVersion()},
		{"read_only", v.Server.ReadOnly},
		{"server_stats", Object{
			{"packets_sent", s.PacketsSent},
			{"packets_received", s.PacketsReceived},
			{"fsync_threshold_exceed_count", s.FsyncThresholdExceeded},
			{"client_response_stats", bufferStats(s.ClientResponse)},
			{"provider_null", false},
			{"data_dir_size", v.Config.DataDirSize},
			{"log_dir_size", v.Config.DataLogSize},
			{"server_state", v.Server.State},
			{"last_processed_zxid", v.Data.LastZxid},
			{"outstanding_requests", s.Outstanding},
			{"avg_latency", Double(s.Latency.avg())},
			{"max_latency", s.Latency.max()},
			{"min_latency", s.Latency.min()},
			{"num_alive_client_connections", int64(s.AliveConnections)},
			{"uptime", s.UptimeMs},
			{"auth_failed_count", s.AuthFailed},
			{"non_mtlsremote_conn_count", s.NonMTLSRemoteConns},
			{"non_mtlslocal_conn_count", s.NonMTLSLocalConns},
		}},
		{"client_response", bufferStats(s.ClientResponse)},
	}
	if v.Server.State == "leader" && v.Quorum != nil && v.Quorum.Leader != nil {
		o = append(o, Field{"proposal_stats", bufferStats(v.Quorum.Leader.ProposalSizes)})
	}
	return append(o, Field{"node_count", int64(v.Data.NodeCount)})
}

func bufferStats(b BufferStats) Object {
	return Object{{"last_buffer_size", int64(b.Last)}, {"min_buffer_size", int64(b.Min)}, {"max_buffer_size", int64(b.Max)}}
}

// confMap is ZooKeeperServerConf.toMap.
func confMap(c *Config) Object {
	return Object{
		{"client_port", int64(c.ClientPort)},
		{"data_dir", c.DataDir},
		{"data_log_dir", c.DataLogDir},
		{"tick_time", int64(c.TickTime)},
		{"max_client_cnxns", int64(c.MaxClientCnxns)},
		{"min_session_timeout", int64(c.MinSessionTimeout)},
		{"max_session_timeout", int64(c.MaxSessionTimeout)},
		{"server_id", c.ServerID},
		{"client_port_listen_backlog", int64(c.ClientPortListenBacklog)},
	}
}

// connInfos is ServerCnxnFactory.getAllConnectionInfo.
func connInfos(conns []Connection, brief bool) []Object {
	out := make([]Object, len(conns))
	for i := range conns {
		c := &conns[i]
		o := Object{
			{"remote_socket_address", jacksonSocketAddr(c.Remote)},
			{"interest_ops", int64(c.InterestOps)},
			{"outstanding_requests", c.Outstanding},
			{"packets_received", c.Received},
			{"packets_sent", c.Sent},
		}
		if !brief {
			o = append(o,
				Field{"session_id", c.SessionID},
				Field{"last_operation", c.LastOp},
				Field{"established", c.Established},
				Field{"session_timeout", int64(c.SessionTimeoutMs)},
				Field{"last_cxid", c.LastCxid},
				Field{"last_zxid", c.LastZxid},
				Field{"last_response_time", c.LastResponse},
				Field{"last_latency", c.LastLatency},
				Field{"min_latency", c.Latency.min()},
				Field{"avg_latency", c.Latency.intAvg()},
				Field{"max_latency", c.Latency.max()},
			)
		}
		out[i] = o
	}
	return out
}

// idKeyed writes a map keyed by a long as Jackson does (string keys), in
// ascending key order.
func idKeyed[V any](m map[int64]V, value func(V) any) Object {
	o := make(Object, 0, len(m))
	for _, id := range sortedIDs(m) {
		o = append(o, Field{strconv.FormatInt(id, 10), value(m[id])})
	}
	return o
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
