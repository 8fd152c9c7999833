package admin

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fixture is the state of the Apache ZooKeeper 3.8.0 server whose
// answers are in testdata/zk38 (see testdata/README.md): two kazoo
// sessions, A (timeout 30 s) and B (10 s), with nodes under /app, three
// ephemerals and four data watches. Each golden test starts from it and
// sets the figures that moved between the captures.

const (
	sessA = int64(0x1000009b7410000)
	sessB = int64(0x1000009b7410001)
)

func fixture() *View {
	return &View{
		Server: Server{
			Version:   "3.8.0-${mvngit.commit.id}",
			BuildDate: "2024-12-29 17:54 UTC",
			State:     "standalone",
			TraceMask: DefaultTraceMask,
		},
		Stats: Stats{
			Latency:             Latency{Min: 0, Max: 12, Total: 37, Count: 12},
			PacketsReceived:     15,
			PacketsSent:         14,
			AliveConnections:    3,
			UptimeMs:            8271,
			ClientResponse:      BufferStats{Last: 16, Min: 16, Max: 188},
			OpenFileDescriptors: 46,
			MaxFileDescriptors:  20000,
		},
		Config: Config{
			ClientPort:              51823,
			SecureClientPort:        -1,
			DataDir:                 "/tmp/zk38/data/version-2",
			DataLogDir:              "/tmp/zk38/data/version-2",
			DataDirSize:             67109337,
			DataLogSize:             67109337,
			TickTime:                2000,
			MaxClientCnxns:          0,
			MinSessionTimeout:       4000,
			MaxSessionTimeout:       40000,
			ClientPortListenBacklog: -1,
			ServerID:                0,
			InitialConfig:           readTestdata(nil, "zk38/zoo.cfg"),
			LastSnapshot:            &Snapshot{Zxid: 0, Timestamp: 1795250751},
		},
		Data: Data{
			LastZxid:            7,
			NodeCount:           10,
			ApproximateDataSize: 200,
			EphemeralCount:      3,
			WatchCount:          5,
			Watches: Watches{
				ByConnection: map[int64][]string{sessA: {"/app/cfg", "/app"}, sessB: {"/app/missing", "/app/cfg"}},
				ByPath:       map[string][]int64{"/app": {sessA}, "/app/cfg": {sessB, sessA}, "/app/missing": {sessB}},
				Summary:      WatchSummary{Connections: 2, Paths: 3, Total: 4},
			},
			Ephemerals: map[int64][]string{sessA: {"/app/lock"}, sessB: {"/app/seq-0000000003", "/app/eph-b"}},
		},
		Sessions: Sessions{Global: 2},
		Connections: []Connection{
			{
				Remote: "127.0.0.1:46298", InterestOps: 1, Received: 7, Sent: 7,
				SessionID: sessA, SessionTimeoutMs: 30000, LastOp: "GETD",
				LastCxid: 6, LastZxid: 7, LastResponse: 640547,
				Latency: Latency{Min: 0, Max: 12, Total: 21, Count: 7}, Established: 1795250755203,
			},
			{Remote: "127.0.0.1:50604", Received: 1},
			{
				Remote: "127.0.0.1:46308", InterestOps: 1, Received: 6, Sent: 6,
				SessionID: sessB, SessionTimeoutMs: 10000, LastOp: "PING",
				LastCxid: 4, LastZxid: 7, LastResponse: 643547,
				Latency: Latency{Min: 0, Max: 3, Total: 6, Count: 6}, Established: 1795250755224,
			},
		},
		Env: Environment{
			HostName:      "localhost",
			JavaVersion:   "17.0.15",
			JavaVendor:    "Debian",
			JavaHome:      "/usr/lib/jvm/java-17-openjdk-amd64",
			ClassPath:     "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar:/usr/share/java/servlet-api.jar",
			LibraryPath:   "/usr/java/packages/lib:/usr/lib/x86_64-linux-gnu/jni:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/usr/lib/jni:/lib:/usr/lib",
			TmpDir:        "/tmp",
			OSName:        "Linux",
			OSArch:        "amd64",
			OSVersion:     "6.18.44-fc-v657",
			UserName:      "root",
			UserHome:      "/root",
			UserDir:       "/tmp/zk38",
			MemoryFreeMB:  377,
			MemoryMaxMB:   6028,
			MemoryTotalMB: 388,
		},
		Clock: Clock{Location: time.UTC},
	}
}

// readTestdata reads a file under testdata; t may be nil in fixtures.
func readTestdata(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		if t != nil {
			t.Fatal(err)
		}
		panic(err)
	}
	return string(b)
}

// metricsFromMntr reads ServerMetrics' entries out of a captured mntr: the
// values a server would have handed over in its View.
func metricsFromMntr(text string) Metrics {
	vals := map[string]int64{}
	for _, line := range strings.Split(text, "\n") {
		k, val, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(val, 10, 64); err == nil {
			vals[strings.TrimPrefix(k, "zk_")] = n
		}
	}
	m := Metrics{Counters: map[string]int64{}, Summaries: map[string]Summary{}, SummarySets: map[string]map[string]Summary{}}
	known := map[string]bool{}
	for _, e := range metricOrder {
		known[e.name] = true
	}
	summary := func(name string) (Summary, bool) {
		cnt, ok := vals["cnt_"+name]
		return Summary{
			Count: cnt, Sum: vals["sum_"+name], Min: vals["min_"+name], Max: vals["max_"+name],
			P50: vals["p50_"+name], P95: vals["p95_"+name], P99: vals["p99_"+name], P999: vals["p999_"+name],
		}, ok
	}
	for _, e := range metricOrder {
		switch e.kind {
		case metricCounter:
			if n, ok := vals[e.name]; ok {
				m.Counters[e.name] = n
			}
		case metricBasic, metricAdvanced:
			if s, ok := summary(e.name); ok {
				m.Summaries[e.name] = s
			}
		default:
			for k := range vals {
				key, ok := strings.CutPrefix(k, "cnt_")
				if !ok {
					continue
				}
				if known[key] {
					continue // a summary of its own, not a member of this set
				}
				if ns, ok := strings.CutSuffix(key, "_"+e.name); ok {
					if m.SummarySets[e.name] == nil {
						m.SummarySets[e.name] = map[string]Summary{}
					}
					m.SummarySets[e.name][ns], _ = summary(key)
				}
			}
		}
	}
	return m
}
