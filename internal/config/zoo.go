package config

import "time"

// ZooConfig is an Apache ZooKeeper zoo.cfg, parsed, with ZooKeeper's key names
// and defaults. Durations are kept in ZooKeeper's units where the file uses
// them (ticks, ms, hours) so the config can be printed back as `conf` does.
type ZooConfig struct {
	Path string // the file this came from ("" when built in code)

	TickTime          int    // ms; default 3000 (ZooKeeperServer.DEFAULT_TICK_TIME)
	InitLimit         int    // ticks
	SyncLimit         int    // ticks
	DataDir           string // required
	DataLogDir        string // defaults to DataDir
	ClientPort        int    // 0 when absent
	ClientPortAddress string // "" = all interfaces
	MaxClientCnxns    int    // per IP; default 60; 0 = unlimited
	MaxCnxns          int    // total; default 0 = unlimited
	MinSessionTimeout int    // ms; default 2*TickTime (-1 in file means default)
	MaxSessionTimeout int    // ms; default 20*TickTime

	SnapCount              int   // default 100000
	PreAllocSize           int64 // bytes; file gives KB, default 65536 KB
	ForceSync              bool  // default true ("forceSync=no" disables fsync)
	GlobalOutstandingLimit int   // default 1000

	AutopurgeSnapRetainCount int           // default 3, minimum 3
	AutopurgePurgeInterval   time.Duration // file gives hours; 0 = disabled

	FourLetterWords []string // 4lw.commands.whitelist; default ["srvr"]; ["*"] = all

	AdminEnableServer  bool   // default true
	AdminServerAddress string // default 0.0.0.0
	AdminServerPort    int    // default 8080
	AdminCommandURL    string // default /commands

	ExtendedTypesEnabled bool // zookeeper.extendedTypesEnabled: TTL nodes
	ReconfigEnabled      bool
	StandaloneEnabled    bool   // default true
	SkipACL              bool   // zookeeper.skipACL=yes
	SuperDigest          string // zookeeper.DigestAuthenticationProvider.superDigest, "super:base64"

	ContainerCheckInterval time.Duration // znode.container.checkIntervalMs, default 60s
	ContainerMaxPerMinute  int           // znode.container.maxPerMinute, default 10000
	JuteMaxBuffer          int           // jute.maxbuffer, default 0xfffff

	MyID     int64            // from dataDir/myid; 0 when absent (standalone)
	Servers  map[int64]Server // server.N lines, kept for the ensemble
	PeerType string           // participant (default) or observer

	// Extra holds every key not listed above, as given, so nothing is lost:
	// ZooKeeper turns unknown keys into "zookeeper.<key>" system properties.
	Extra map[string]string
}

// Server is one server.N line:
// server.N=host:quorumPort:electionPort[:participant|:observer][;[clientAddr:]clientPort]
type Server struct {
	ID           int64
	Host         string
	QuorumPort   int
	ElectionPort int
	Type         string // participant or observer
	ClientAddr   string // "" when absent
	ClientPort   int    // 0 when absent
}
