package admin

import "time"

// DefaultTraceMask is ZooTrace's initial text trace mask: client requests,
// server packets, sessions and warnings (2|16|32|256).
const DefaultTraceMask int64 = 306

// View is a point-in-time copy of everything the four-letter words and the
// AdminServer commands print. The server fills it; this package only reads
// it. Every field is plain data: a View shares nothing with server state.
//
// Times come in two clocks, as in ZooKeeper: wall-clock Unix milliseconds
// (connection establishment, snapshot times) and the server's elapsed clock
// (Java's Time.currentElapsedTime: session and connection expiry buckets,
// the last response time of a connection). Clock relates the two; a server
// that keeps every time in Unix ms leaves Clock.ElapsedMs zero.
type View struct {
	Server      Server
	Stats       Stats
	Config      Config
	Data        Data
	Sessions    Sessions
	Connections []Connection
	// SecureConnections are the connections of the TLS port (secureClientPort),
	// listed apart by the AdminServer and not at all by the four-letter words.
	SecureConnections []Connection
	Env               Environment
	Metrics           Metrics
	// Quorum is nil for a standalone server.
	Quorum *Quorum
	Clock  Clock
}

// Server identifies the server and its mode.
type Server struct {
	// Version is Version.getFullVersion's part before ", built on", e.g.
	// "3.9.4-wharf".
	Version string
	// BuildDate follows "built on". go-zookeeper's FLWSrvr only parses the
	// MM/dd/yyyy HH:mm zz form, e.g. "01/01/2026 00:00 GMT".
	BuildDate string
	// State is ServerStats.getServerState: "standalone", "leader",
	// "follower", "observer" or "read-only".
	State string
	// ReadOnly is a ReadOnlyZooKeeperServer: isro says "ro", srvr adds a line.
	ReadOnly bool
	// NotServing makes the commands that need a running server answer
	// "This ZooKeeper instance is not currently serving requests".
	NotServing bool
	// TraceMask is ZooTrace's text trace mask (gtmk; stmk after it is set).
	TraceMask int64
}

// FullVersion is Version.getFullVersion: "<version>, built on <date>".
func (s Server) FullVersion() string { return s.Version + ", built on " + s.BuildDate }

// Latency is an AvgMinMaxCounter of milliseconds. With Count zero every
// figure reads 0, as in ZooKeeper.
type Latency struct {
	Min, Max, Total, Count int64
}

// Stats are ServerStats and the server-wide gauges of mntr.
type Stats struct {
	Latency         Latency
	PacketsReceived int64
	PacketsSent     int64
	// Outstanding is the number of requests queued but not yet answered.
	Outstanding int64
	// AliveConnections is what srvr's Connections: and
	// zk_num_alive_connections count: every open client connection,
	// including a four-letter-word connection being answered.
	AliveConnections int
	UptimeMs         int64
	// FsyncThresholdExceeded counts fsyncs slower than
	// fsync.warningthresholdms.
	FsyncThresholdExceeded int64
	// ClientResponse is BufferStats over the serialized reply sizes: -1 until
	// the first reply.
	ClientResponse BufferStats
	AuthFailed     int64
	// NonMTLSRemoteConns and NonMTLSLocalConns count connections that did
	// not authenticate with client certificates.
	NonMTLSRemoteConns int64
	NonMTLSLocalConns  int64
	// OutstandingTLSHandshakes is zk_outstanding_tls_handshake.
	OutstandingTLSHandshakes int
	// ConnectionDropProbability is zk_connection_drop_probability.
	ConnectionDropProbability float64
	// OpenFileDescriptors and MaxFileDescriptors are OSMXBean's figures, -1
	// when unknown (FileDescriptors fills them on Unix).
	OpenFileDescriptors int64
	MaxFileDescriptors  int64
}

// BufferStats is last/min/max of a buffer size, -1 before the first.
type BufferStats struct {
	Last, Min, Max int32
}

// NoBufferStats is BufferStats before the first value.
var NoBufferStats = BufferStats{Last: -1, Min: -1, Max: -1}

// Config is what conf prints (ZooKeeperServer.dumpConf) plus the
// initial configuration (icfg) and snapshot facts (lsnp, dirs).
type Config struct {
	ClientPort       int
	SecureClientPort int // -1 when none
	// DataDir and DataLogDir are the absolute version-2 directories, as
	// FileTxnSnapLog reports them: "<dataDir>/version-2" (VersionDir).
	DataDir    string
	DataLogDir string
	// DataDirSize and DataLogSize are the bytes under those directories
	// (DirSize).
	DataDirSize             int64
	DataLogSize             int64
	TickTime                int
	MaxClientCnxns          int // per host; 0: unlimited
	MinSessionTimeout       int
	MaxSessionTimeout       int
	ClientPortListenBacklog int // -1: the OS default
	ServerID                int64
	// Quorum is printed after the standalone keys by a quorum member.
	Quorum *QuorumConfig
	// InitialConfig is the configuration file as read at start (icfg).
	InitialConfig string
	// LastSnapshot is the newest snapshot (lsnp); nil before the first.
	LastSnapshot *Snapshot
}

// QuorumConfig is QuorumZooKeeperServer.dumpConf's addition to conf.
type QuorumConfig struct {
	InitLimit     int
	SyncLimit     int
	ElectionAlg   int
	ElectionPorts []int
	QuorumPorts   []int
	// PeerType is LearnerType's ordinal: 0 participant, 1 observer.
	PeerType int
	// Membership is QuorumVerifier.toString: "server.N=..." lines and
	// "version=<hex>".
	Membership string
}

// Snapshot is SnapshotInfo: a snapshot's zxid and its file's modification
// time in Unix seconds.
type Snapshot struct {
	Zxid      int64
	Timestamp int64
}

// Data is the data tree's figures.
type Data struct {
	// LastZxid is the last processed zxid (srvr's Zxid:).
	LastZxid            int64
	NodeCount           int
	ApproximateDataSize int64
	EphemeralCount      int
	// WatchCount counts (path, watcher) pairs over the data and the child
	// watch tables (zk_watch_count).
	WatchCount int
	// Watches are the data-table watch reports: ZooKeeper's wchc, wchp and
	// wchs leave child watches out.
	Watches Watches
	// Ephemerals maps a session id to its ephemeral paths (dump).
	Ephemerals map[int64][]string
	// Digests is DataTree's digest log, oldest first (hash).
	Digests []Digest
}

// Digest is a ZxidDigest: the tree digest after a zxid.
type Digest struct {
	Zxid    int64
	Version int32
	Digest  int64
}

// Watches are the watch reports. Connections are named by session id.
type Watches struct {
	// ByConnection maps a session id to its watched paths (wchc).
	ByConnection map[int64][]string
	// ByPath maps a watched path to the sessions watching it (wchp).
	ByPath map[string][]int64
	// Summary is wchs.
	Summary WatchSummary
}

// WatchSummary is WatchesSummary.
type WatchSummary struct {
	Connections int // connections with at least one watch
	Paths       int // watched paths
	Total       int // (path, connection) pairs
}

// Sessions is the session tracker.
type Sessions struct {
	// Global and Local count sessions (zk_global_sessions,
	// zk_local_sessions).
	Global int
	Local  int
	// List is every tracked session; dump groups them by Expiry.
	List []Session
}

// Session is one tracked session.
type Session struct {
	ID        int64
	TimeoutMs int32
	// Expiry is the expiry bucket's time, in the elapsed clock; 0 leaves the
	// session out of dump's expiry sets.
	Expiry int64
}

// Connection is one client connection: what cons, stat and the
// connections command print (ServerCnxn.dumpConnectionInfo).
type Connection struct {
	// Remote is the peer's address as net.Addr prints it: "127.0.0.1:5000",
	// "[::1]:5000".
	Remote string
	// InterestOps is NIO's interest set: 1 (read) for an idle connection,
	// 5 with a reply pending, 0 for a four-letter-word connection.
	InterestOps int
	Outstanding int64
	Received    int64
	Sent        int64
	// SessionID is 0 before the session is established; cons then prints
	// only the counters.
	SessionID        int64
	SessionTimeoutMs int32
	// LastOp is the last reply's operation ("GETD", "PING", ...; "NA" after
	// a reset).
	LastOp string
	// LastCxid is -1 after a reset; cons omits lcxid while it is negative.
	LastCxid int64
	LastZxid int64
	// LastResponse is the last reply's time in the elapsed clock (0 after a
	// reset).
	LastResponse int64
	LastLatency  int64
	Latency      Latency
	// Established is the connection's start, Unix ms.
	Established int64
	// Expiry is the connection's bucket in NIOServerCnxnFactory's expiry
	// queue, in the elapsed clock (dump); 0 leaves it out.
	Expiry int64
}

// Environment is EnvCommand's list with Go's truths for the java.* keys
// (HostEnvironment fills it).
type Environment struct {
	HostName    string
	JavaVersion string // runtime.Version()
	JavaVendor  string
	JavaHome    string
	ClassPath   string
	LibraryPath string
	TmpDir      string
	Compiler    string
	OSName      string
	OSArch      string
	OSVersion   string
	UserName    string
	UserHome    string
	UserDir     string
	// MemoryFreeMB, MemoryMaxMB and MemoryTotalMB are os.memory.*.
	MemoryFreeMB  int64
	MemoryMaxMB   int64
	MemoryTotalMB int64
	// SystemProperties are extra system_properties entries (e.g. zookeeper.*
	// flags in force); they override the derived ones.
	SystemProperties map[string]string
}

// Metrics are ServerMetrics' counters and summaries the server measures,
// by their ZooKeeper 3.9 names ("commit_count", "fsynctime",
// "readlatency", ...). mntr prints those present, in ZooKeeper's order;
// absent ones are left out rather than printed as zero.
type Metrics struct {
	Counters  map[string]int64
	Summaries map[string]Summary
	// SummarySets are per-key summaries ("read_per_namespace",
	// "write_per_namespace": namespace → summary).
	SummarySets map[string]map[string]Summary
}

// Summary is an AvgMinMax(Percentile)Counter. The percentiles are printed
// for ZooKeeper's ADVANCED summaries only.
type Summary struct {
	Count, Sum, Min, Max int64
	P50, P95, P99, P999  int64
}

// Quorum is a quorum member's state.
type Quorum struct {
	MyID int64
	// PeerState is QuorumPeer.getDetailedPeerState, e.g.
	// "following - broadcast".
	PeerState string
	Size      int // zk_quorum_size
	IsLeader  bool
	LeaderID  int64
	// LeaderAddress is the leader's quorum address, "" when unknown.
	LeaderAddress string
	// Leader holds the leader's gauges; nil on followers and observers.
	Leader *LeaderStats
	// SyncedObservers is zk_synced_observers (leader and follower).
	SyncedObservers int
	// Observers are the observers' descriptions (obsr).
	Observers []map[string]any
	// Voting is voting_view: server id → its addresses.
	Voting map[int64]QuorumServer
	// Zab is zabstate's figures.
	Zab ZabState
}

// LeaderStats are the leader-only gauges and srvr's proposal sizes.
type LeaderStats struct {
	Learners                 int
	SyncedFollowers          int
	SyncedNonVotingFollowers int
	PendingSyncs             int
	UptimeMs                 int64
	ProposalSizes            BufferStats
}

// QuorumServer is one member of the voting view.
type QuorumServer struct {
	ServerAddresses   []string
	ElectionAddresses []string
	ClientAddress     string
	LearnerType       string // "participant" or "observer"
}

// ZabState is the zabstate command's data.
type ZabState struct {
	QuorumAddress   string
	ElectionAddress string
	ClientAddress   string
	Voting          bool
	// State is QuorumPeer.ZabState in lower case: "election", "discovery",
	// "synchronization", "broadcast".
	State string
}

// Clock relates the two clocks of a View.
type Clock struct {
	// NowMs is the wall clock when the view was taken, Unix ms.
	NowMs int64
	// ElapsedMs is the elapsed clock at the same instant; 0 means the
	// server's elapsed times are Unix ms already.
	ElapsedMs int64
	// Location is the zone dump prints dates in (Java's default time zone);
	// nil means time.Local.
	Location *time.Location
}

// wall converts an elapsed-clock time to a wall-clock time
// (Time.elapsedTimeToDate).
func (c Clock) wall(elapsed int64) time.Time {
	ms := elapsed
	if c.ElapsedMs != 0 {
		ms = c.NowMs - c.ElapsedMs + elapsed
	}
	loc := c.Location
	if loc == nil {
		loc = time.Local
	}
	return time.UnixMilli(ms).In(loc)
}
