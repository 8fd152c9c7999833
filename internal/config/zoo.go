package config

import (
	"slices"
	"time"
)

// ZooConfig is an Apache ZooKeeper zoo.cfg, parsed, with ZooKeeper's key names
// and defaults. Durations are kept in ZooKeeper's units where the file uses
// them (ticks, ms, hours) so the config can be printed back as `conf` does.
//
// Two kinds of keys feed it, as in ZooKeeper 3.9.4: the keys
// QuorumPeerConfig.parseProperties reads itself (strictly: a bad number or
// boolean is an error), and every other key, which ZooKeeper turns into the
// system property "zookeeper.<key>" and which the server reads from there
// (each with its own leniency, kept here: forceSync is off only for "no",
// skipACL on only for "yes", admin.enableServer off only for "false").
// The second kind is kept verbatim in Extra and mapped onto the typed fields.
type ZooConfig struct {
	Path string // the file this came from ("" when built in code)

	TickTime          int    // ms; default 3000 (ZooKeeperServer.DEFAULT_TICK_TIME)
	InitLimit         int    // ticks
	SyncLimit         int    // ticks
	DataDir           string // required; absolute after parsing
	DataLogDir        string // defaults to DataDir (filled in by parsing; see TxnLogDir)
	ClientPort        int    // 0 when absent
	ClientPortAddress string // "" = all interfaces
	MaxClientCnxns    int    // per IP; default 60; 0 = unlimited
	MaxCnxns          int    // total (zookeeper.maxCnxns); default 0 = unlimited
	MinSessionTimeout int    // ms; default 2*TickTime (-1 means default; see SessionTimeoutBounds)
	MaxSessionTimeout int    // ms; default 20*TickTime (-1 means default)

	SecureClientPort        int    // 0 when absent (TLS is not implemented by Wharf)
	SecureClientPortAddress string // "" = all interfaces
	ClientPortListenBacklog int    // -1 = the OS default
	ObserverMasterPort      int    // 0 when absent

	LocalSessionsEnabled          bool
	LocalSessionsUpgradingEnabled bool

	// ConnectToLearnerMasterLimit is in ticks; 0 means InitLimit is used.
	ConnectToLearnerMasterLimit int
	ElectionAlg                 int  // always 3 (the only one ZooKeeper 3.9 has)
	QuorumListenOnAllIPs        bool // bind quorum/election ports on all interfaces
	SyncEnabled                 bool // observers log and snapshot; default true

	SnapCount              int   // zookeeper.snapCount; default 100000, minimum 2
	SnapSizeLimitInKB      int64 // zookeeper.snapSizeLimitInKb; default 4194304 (4 GB); <= 0 disables
	TxnLogSizeLimitInKB    int64 // zookeeper.txnLogSizeLimitInKb; default -1 (off)
	PreAllocSize           int64 // bytes; file gives KB, default 65536 KB
	ForceSync              bool  // default true ("forceSync=no" disables fsync)
	GlobalOutstandingLimit int   // default 1000
	CommitLogCount         int   // zookeeper.commitLogCount; default 500, minimum 500
	FsyncWarningThreshold  int64 // ms; fsync.warningthresholdms, default 1000

	AutopurgeSnapRetainCount int           // default 3, minimum 3
	AutopurgePurgeInterval   time.Duration // file gives hours; <= 0 = disabled

	FourLetterWords []string // 4lw.commands.whitelist; default ["srvr"]; ["*"] = all (see FourLetterWordEnabled)

	AdminEnableServer  bool   // default true
	AdminServerAddress string // default 0.0.0.0
	AdminServerPort    int    // default 8080
	AdminCommandURL    string // default /commands
	AdminIdleTimeout   int    // ms; default 30000

	ExtendedTypesEnabled bool // zookeeper.extendedTypesEnabled: TTL nodes
	Emulate353TTLNodes   bool // zookeeper.emulate353TTLNodes
	ReconfigEnabled      bool
	StandaloneEnabled    bool   // default true
	SkipACL              bool   // zookeeper.skipACL=yes
	SuperDigest          string // zookeeper.DigestAuthenticationProvider.superDigest, "super:base64"
	DigestAuthEnabled    bool   // zookeeper.DigestAuthenticationProvider.enabled; default true
	DigestAlg            string // zookeeper.DigestAuthenticationProvider.digestAlg; default SHA1
	EnforceQuota         bool   // zookeeper.enforceQuota

	DigestEnabled          bool   // zookeeper.digest.enabled: tree digest in txns and snapshots; default true
	CloseSessionTxnEnabled bool   // zookeeper.closeSessionTxn.enabled; default true
	SnapshotCompression    string // zookeeper.snapshot.compression.method: "", "gz" or "snappy"
	SnapshotTrustEmpty     bool   // zookeeper.snapshot.trust.empty

	ContainerCheckInterval        time.Duration // znode.container.checkIntervalMs, default 60s
	ContainerMaxPerMinute         int           // znode.container.maxPerMinute, default 10000
	ContainerMaxNeverUsedInterval time.Duration // znode.container.maxNeverUsedIntervalMs, default 0 = never
	JuteMaxBuffer                 int           // jute.maxbuffer, default 0xfffff

	// Quorum transport settings Wharf parses (ZooKeeper refuses bad values)
	// but does not implement yet.
	SSLQuorum                              bool
	PortUnification                        bool
	SSLQuorumReloadCertFiles               bool
	QuorumSASL                             QuorumSASL
	QuorumCnxnThreadsSize                  int
	MultiAddressEnabled                    bool
	MultiAddressReachabilityCheckEnabled   bool // default true
	MultiAddressReachabilityCheckTimeoutMs int  // default 1000
	OraclePath                             string

	// JVM and metrics-provider settings, parsed for completeness.
	JVMPauseMonitor          bool
	JVMPauseInfoThresholdMs  int64             // default 1000
	JVMPauseWarnThresholdMs  int64             // default 10000
	JVMPauseSleepTimeMs      int64             // default 500
	MetricsProviderClassName string            // default DefaultMetricsProvider
	MetricsProvider          map[string]string // metricsProvider.<key> (httpPort, httpHost, ...)

	MyID              int64            // from dataDir/myid; 0 when absent (standalone)
	HasMyID           bool             // dataDir/myid was read
	Servers           map[int64]Server // server.N lines, kept for the ensemble
	PeerType          string           // participant (default) or observer
	DynamicConfigFile string           // absolute; "" when the servers are in this file
	ConfigVersion     int64            // quorum config version: dynamic file suffix (hex) or "version"

	// Extra holds every key not listed above, as given, so nothing is lost:
	// ZooKeeper turns unknown keys into "zookeeper.<key>" system properties.
	// Those the server reads are also mapped onto the typed fields above.
	// group.N and weight.N (hierarchical quorums) are kept here too.
	Extra map[string]string

	// Warnings are what ZooKeeper would log at WARN while reading the file
	// (relative paths, values raised to their minimum, ignored settings).
	Warnings []string
}

// Server is one server.N line:
// server.N=host:quorumPort:electionPort[:participant|:observer][;[clientAddr:]clientPort]
type Server struct {
	ID           int64
	Host         string
	QuorumPort   int
	ElectionPort int
	Type         string // participant or observer
	ClientAddr   string // "" when absent; "0.0.0.0" when only a port is given
	ClientPort   int    // 0 when absent
	// MoreAddrs are the further host:quorum:election addresses of a 3.6
	// multi-address line (a|b). Wharf uses only the first.
	MoreAddrs []string
}

// QuorumSASL is the quorum.auth.* settings (server-to-server SASL).
type QuorumSASL struct {
	Enable              bool   // quorum.auth.enableSasl
	ServerRequire       bool   // quorum.auth.serverRequireSasl
	LearnerRequire      bool   // quorum.auth.learnerRequireSasl
	LearnerLoginContext string // default QuorumLearner
	ServerLoginContext  string // default QuorumServer
	ServicePrincipal    string // default zkquorum/localhost
}

// Peer types, as in server.N lines and peerType.
const (
	PeerParticipant = "participant"
	PeerObserver    = "observer"
)

// Defaults that other packages need by name.
const (
	DefaultTickTime      = 3000
	DefaultJuteMaxBuffer = 0xfffff
	DefaultPreAllocSize  = 65536 * 1024
	DefaultAdminPort     = 8080
	// MaxExtendedServerID is the largest server id when extendedTypesEnabled
	// (EphemeralType.MAX_EXTENDED_SERVER_ID).
	MaxExtendedServerID = 0xfe
)

// KnownFourLetterWords are the commands ZooKeeper 3.9 knows; "*" in the
// whitelist enables these.
var KnownFourLetterWords = []string{
	"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "hash", "isro",
	"mntr", "ruok", "srst", "srvr", "stat", "stmk", "wchc", "wchp", "wchs",
}

// DefaultZooConfig returns ZooKeeper's defaults for everything. DataDir and a
// client port are left for the caller (the embedded coordinator) to set; the
// admin server address is ZooKeeper's 0.0.0.0, which an embedding that must
// stay on loopback overrides. Session timeouts are -1: derived from TickTime.
func DefaultZooConfig() *ZooConfig {
	return &ZooConfig{
		TickTime:                               DefaultTickTime,
		MaxClientCnxns:                         60,
		MinSessionTimeout:                      -1,
		MaxSessionTimeout:                      -1,
		ClientPortListenBacklog:                -1,
		ElectionAlg:                            3,
		SyncEnabled:                            true,
		SnapCount:                              100000,
		SnapSizeLimitInKB:                      4194304,
		TxnLogSizeLimitInKB:                    -1,
		PreAllocSize:                           DefaultPreAllocSize,
		ForceSync:                              true,
		GlobalOutstandingLimit:                 1000,
		CommitLogCount:                         500,
		FsyncWarningThreshold:                  1000,
		AutopurgeSnapRetainCount:               3,
		FourLetterWords:                        []string{"srvr"},
		AdminEnableServer:                      true,
		AdminServerAddress:                     "0.0.0.0",
		AdminServerPort:                        DefaultAdminPort,
		AdminCommandURL:                        "/commands",
		AdminIdleTimeout:                       30000,
		StandaloneEnabled:                      true,
		DigestAuthEnabled:                      true,
		DigestAlg:                              "SHA1",
		DigestEnabled:                          true,
		CloseSessionTxnEnabled:                 true,
		ContainerCheckInterval:                 time.Minute,
		ContainerMaxPerMinute:                  10000,
		JuteMaxBuffer:                          DefaultJuteMaxBuffer,
		MultiAddressReachabilityCheckEnabled:   true,
		MultiAddressReachabilityCheckTimeoutMs: 1000,
		QuorumSASL: QuorumSASL{
			LearnerLoginContext: "QuorumLearner",
			ServerLoginContext:  "QuorumServer",
			ServicePrincipal:    "zkquorum/localhost",
		},
		JVMPauseInfoThresholdMs:  1000,
		JVMPauseWarnThresholdMs:  10000,
		JVMPauseSleepTimeMs:      500,
		MetricsProviderClassName: "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider",
		MetricsProvider:          map[string]string{},
		Servers:                  map[int64]Server{},
		PeerType:                 PeerParticipant,
		Extra:                    map[string]string{},
	}
}

// SessionTimeoutBounds returns the negotiable session timeout range in ms,
// resolving -1 to 2 and 20 ticks as ZooKeeperServer does.
func (c *ZooConfig) SessionTimeoutBounds() (minMs, maxMs int) {
	minMs, maxMs = c.MinSessionTimeout, c.MaxSessionTimeout
	if minMs == -1 {
		minMs = 2 * c.TickTime
	}
	if maxMs == -1 {
		maxMs = 20 * c.TickTime
	}
	return minMs, maxMs
}

// TxnLogDir is where the transaction log lives: DataLogDir, or DataDir.
func (c *ZooConfig) TxnLogDir() string {
	if c.DataLogDir != "" {
		return c.DataLogDir
	}
	return c.DataDir
}

// FourLetterWordEnabled says whether a four-letter word may run: it is in the
// whitelist, or the whitelist has "*" and the word is known. "srvr" is always
// enabled (zkServer.sh status depends on it), as in ZooKeeper.
func (c *ZooConfig) FourLetterWordEnabled(cmd string) bool {
	if cmd == "srvr" || slices.Contains(c.FourLetterWords, cmd) {
		return true
	}
	return slices.Contains(c.FourLetterWords, "*") && slices.Contains(KnownFourLetterWords, cmd)
}

// Participants returns the ids of the voting members, sorted.
func (c *ZooConfig) Participants() []int64 { return c.serverIDs(PeerParticipant) }

// Observers returns the ids of the observers, sorted.
func (c *ZooConfig) Observers() []int64 { return c.serverIDs(PeerObserver) }

func (c *ZooConfig) serverIDs(typ string) []int64 {
	var ids []int64
	for id, s := range c.Servers {
		if s.Type == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Distributed says whether ZooKeeper would run this config as an ensemble
// member (QuorumPeerConfig.isDistributed): there are server lines, and either
// more than one participant or standaloneEnabled=false. Otherwise it runs
// standalone, even with a single server line.
func (c *ZooConfig) Distributed() bool {
	if len(c.Servers) == 0 {
		return false
	}
	return !c.StandaloneEnabled || len(c.Participants()) > 1
}
