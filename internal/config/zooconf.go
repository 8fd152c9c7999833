package config

import (
	"fmt"
	"strconv"
	"strings"
)

// SnapDir is the directory holding the snapshots: dataDir/version-2.
func (c *ZooConfig) SnapDir() string { return c.DataDir + "/version-2" }

// TxnLogVersionDir is the directory holding the transaction logs:
// dataLogDir/version-2.
func (c *ZooConfig) TxnLogVersionDir() string { return c.TxnLogDir() + "/version-2" }

// QuorumConfigText renders the servers as QuorumMaj.toString does: one
// server.N line per member in id order, then "version=<hex>" without a
// trailing newline. It is the `conf` membership section and the content of
// the /zookeeper/config znode. (The four-letter words and the AdminServer
// format `conf` themselves: internal/zk/admin.)
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
