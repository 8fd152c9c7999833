package admin

import (
	"sort"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/javafmt"
)

// monitorValues is what MonitorCommand collects, in its order: the
// server's own values (ZooKeeperServer.dumpMonitorValues), then the metrics
// provider's gauges and ServerMetrics. Integers are int64, doubles Double.
func monitorValues(v *View) Object {
	o := Object{
		{"version", v.Server.FullVersion()},
		{"server_state", v.Server.State},
	}
	if v.Quorum != nil {
		o = append(o, Field{"peer_state", v.Quorum.PeerState})
	}
	g := gauges(v)
	for _, name := range gaugeOrder {
		if val, ok := g[name]; ok {
			o = append(o, Field{name, val})
		}
	}
	return appendMetrics(o, &v.Metrics)
}

// gauges returns the gauges the view's role registers.
func gauges(v *View) map[string]any {
	s := &v.Stats
	g := map[string]any{
		"avg_latency":                 Double(s.Latency.avg()),
		"max_latency":                 s.Latency.max(),
		"min_latency":                 s.Latency.min(),
		"packets_received":            s.PacketsReceived,
		"packets_sent":                s.PacketsSent,
		"num_alive_connections":       int64(s.AliveConnections),
		"outstanding_requests":        s.Outstanding,
		"uptime":                      s.UptimeMs,
		"znode_count":                 int64(v.Data.NodeCount),
		"watch_count":                 int64(v.Data.WatchCount),
		"ephemerals_count":            int64(v.Data.EphemeralCount),
		"approximate_data_size":       v.Data.ApproximateDataSize,
		"global_sessions":             int64(v.Sessions.Global),
		"local_sessions":              int64(v.Sessions.Local),
		"open_file_descriptor_count":  s.OpenFileDescriptors,
		"max_file_descriptor_count":   s.MaxFileDescriptors,
		"connection_drop_probability": Double(s.ConnectionDropProbability),
		"last_client_response_size":   int64(s.ClientResponse.Last),
		"max_client_response_size":    int64(s.ClientResponse.Max),
		"min_client_response_size":    int64(s.ClientResponse.Min),
		"outstanding_tls_handshake":   int64(s.OutstandingTLSHandshakes),
		"auth_failed_count":           s.AuthFailed,
		"non_mtls_remote_conn_count":  s.NonMTLSRemoteConns,
		"non_mtls_local_conn_count":   s.NonMTLSLocalConns,
	}
	q := v.Quorum
	if q == nil {
		return g
	}
	g["quorum_size"] = int64(q.Size)
	if st := v.Server.State; st == "leader" || st == "follower" {
		g["synced_observers"] = int64(q.SyncedObservers)
	}
	if l := q.Leader; l != nil {
		g["learners"] = int64(l.Learners)
		g["synced_followers"] = int64(l.SyncedFollowers)
		g["synced_non_voting_followers"] = int64(l.SyncedNonVotingFollowers)
		g["pending_syncs"] = int64(l.PendingSyncs)
		g["leader_uptime"] = l.UptimeMs
		g["last_proposal_size"] = int64(l.ProposalSizes.Last)
		g["max_proposal_size"] = int64(l.ProposalSizes.Max)
		g["min_proposal_size"] = int64(l.ProposalSizes.Min)
	}
	return g
}

// appendMetrics appends the ServerMetrics entries the view carries: first
// those ZooKeeper 3.9 defines, in its order, then any others by name.
func appendMetrics(o Object, m *Metrics) Object {
	known := make(map[string]bool, len(metricOrder))
	for _, e := range metricOrder {
		known[e.name] = true
		o = appendMetric(o, m, e.kind, e.name)
	}
	for _, name := range sortedKeys(m.Counters) {
		if !known[name] {
			o = appendMetric(o, m, metricCounter, name)
		}
	}
	for _, name := range sortedKeys(m.Summaries) {
		if !known[name] {
			o = appendMetric(o, m, metricBasic, name)
		}
	}
	for _, name := range sortedKeys(m.SummarySets) {
		if !known[name] {
			o = appendMetric(o, m, metricBasicSet, name)
		}
	}
	return o
}

func appendMetric(o Object, m *Metrics, kind metricKind, name string) Object {
	switch kind {
	case metricCounter:
		if n, ok := m.Counters[name]; ok {
			o = append(o, Field{name, n})
		}
	case metricBasic, metricAdvanced:
		if s, ok := m.Summaries[name]; ok {
			o = appendSummary(o, name, s, kind == metricAdvanced)
		}
	case metricBasicSet, metricAdvancedSet:
		set := m.SummarySets[name]
		for _, key := range sortedKeys(set) {
			o = appendSummary(o, key+"_"+name, set[key], kind == metricAdvancedSet)
		}
	}
	return o
}

// appendSummary is AvgMinMax(Percentile)Counter.values.
func appendSummary(o Object, name string, s Summary, percentiles bool) Object {
	l := Latency{Min: s.Min, Max: s.Max, Total: s.Sum, Count: s.Count}
	o = append(o,
		Field{"avg_" + name, Double(l.avg())},
		Field{"min_" + name, l.min()},
		Field{"max_" + name, l.max()},
		Field{"cnt_" + name, s.Count},
		Field{"sum_" + name, s.Sum},
	)
	if percentiles {
		o = append(o,
			Field{"p50_" + name, s.P50},
			Field{"p95_" + name, s.P95},
			Field{"p99_" + name, s.P99},
			Field{"p999_" + name, s.P999},
		)
	}
	return o
}

// writeMonitor is MonitorCommand's text: "zk_<key>\t<value>" lines.
func writeMonitor(b *strings.Builder, v *View) {
	for _, f := range monitorValues(v) {
		b.WriteString("zk_")
		b.WriteString(f.Key)
		b.WriteByte('\t')
		b.WriteString(scalarText(f.Value))
		b.WriteByte('\n')
	}
}

// scalarText prints a value as MonitorCommand does: integers plainly,
// other numbers as Java doubles, null as "null".
func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case Double:
		return javafmt.Double(float64(x))
	case bool:
		return strconv.FormatBool(x)
	}
	return Jackson(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
