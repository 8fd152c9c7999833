package config

import (
	"fmt"
	"strconv"
	"strings"
)

// ConfRuntime is what only the running server knows when it answers the
// `conf` four-letter word or the AdminServer's /commands/configuration.
type ConfRuntime struct {
	ClientPort       int   // the bound client port; -1 when not listening
	SecureClientPort int   // the bound secure port; -1 when not listening
	DataDirSize      int64 // bytes of the files in the snapshot directory
	DataLogSize      int64 // bytes of the files in the transaction log directory
	// Quorum says the server runs as an ensemble member: serverId is then
	// MyID (a standalone server says 0, even with a myid file) and the
	// quorum section follows.
	Quorum bool
}

// SnapDir is the directory holding the snapshots: dataDir/version-2.
func (c *ZooConfig) SnapDir() string { return c.DataDir + "/version-2" }

// TxnLogVersionDir is the directory holding the transaction logs:
// dataLogDir/version-2.
func (c *ZooConfig) TxnLogVersionDir() string { return c.TxnLogDir() + "/version-2" }

// ConfText renders the `conf` four-letter word's answer as ZooKeeper 3.9.4
// does (ZooKeeperServer.dumpConf, and QuorumZooKeeperServer.dumpConf for an
// ensemble member, whose answer ends without a newline after "version=").
func (c *ZooConfig) ConfText(rt ConfRuntime) string {
	var b strings.Builder
	kv := func(k string, v any) { fmt.Fprintf(&b, "%s=%v\n", k, v) }
	minMs, maxMs := c.SessionTimeoutBounds()
	kv("clientPort", rt.ClientPort)
	kv("secureClientPort", rt.SecureClientPort)
	kv("dataDir", c.SnapDir())
	kv("dataDirSize", rt.DataDirSize)
	kv("dataLogDir", c.TxnLogVersionDir())
	kv("dataLogSize", rt.DataLogSize)
	kv("tickTime", c.TickTime)
	kv("maxClientCnxns", c.MaxClientCnxns)
	kv("minSessionTimeout", minMs)
	kv("maxSessionTimeout", maxMs)
	kv("clientPortListenBacklog", c.ClientPortListenBacklog)
	kv("serverId", c.confServerID(rt))
	if !rt.Quorum {
		return b.String()
	}
	own := c.Servers[c.MyID]
	kv("initLimit", c.InitLimit)
	kv("syncLimit", c.SyncLimit)
	kv("electionAlg", c.ElectionAlg)
	kv("electionPort", own.ElectionPort)
	kv("quorumPort", own.QuorumPort)
	peerType := 0 // LearnerType.ordinal(): PARTICIPANT, OBSERVER
	if c.PeerType == PeerObserver {
		peerType = 1
	}
	kv("peerType", peerType)
	b.WriteString("membership: \n")
	b.WriteString(c.QuorumConfigText())
	return b.String()
}

// ConfMap is the AdminServer's /commands/configuration body (without the
// "command" and "error" keys the server adds): ZooKeeperServerConf.toMap.
func (c *ZooConfig) ConfMap(rt ConfRuntime) map[string]any {
	minMs, maxMs := c.SessionTimeoutBounds()
	return map[string]any{
		"client_port":                rt.ClientPort,
		"data_dir":                   c.SnapDir(),
		"data_log_dir":               c.TxnLogVersionDir(),
		"tick_time":                  c.TickTime,
		"max_client_cnxns":           c.MaxClientCnxns,
		"min_session_timeout":        minMs,
		"max_session_timeout":        maxMs,
		"server_id":                  c.confServerID(rt),
		"client_port_listen_backlog": c.ClientPortListenBacklog,
	}
}

func (c *ZooConfig) confServerID(rt ConfRuntime) int64 {
	if rt.Quorum {
		return c.MyID
	}
	return 0
}

// QuorumConfigText renders the servers as QuorumMaj.toString does: one
// server.N line per member in id order, then "version=<hex>" without a
// trailing newline. It is the `conf` membership section and the content of
// the /zookeeper/config znode.
func (c *ZooConfig) QuorumConfigText() string {
	var b strings.Builder
	for _, id := range c.serverIDsAll() {
		b.WriteString("server." + strconv.FormatInt(id, 10) + "=" + c.Servers[id].String() + "\n")
	}
	b.WriteString("version=" + strconv.FormatInt(c.ConfigVersion, 16))
	return b.String()
}

// String renders the server as QuorumServer.toString does:
// host:quorum:election:type[;clientHost:clientPort]. The client part shows
// only when the line gave one.
func (s Server) String() string {
	out := fmt.Sprintf("%s:%d:%d:%s", javaHost(s.Host), s.QuorumPort, s.ElectionPort, s.Type)
	if s.ClientPort != 0 {
		out += fmt.Sprintf(";%s:%d", javaHost(s.ClientAddr), s.ClientPort)
	}
	return out
}
