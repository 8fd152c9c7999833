package zkproc

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// TestSuperDigest is a superDigest value whose password is known: it is
// "super:" + base64(SHA1("super:test")), the example from ZooKeeper's docs.
// A client that authenticates with scheme "digest" and "super:test" is the
// super user.
const TestSuperDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="

// Options describe one server: the zoo.cfg it is given and how it is
// launched. The zero value is a standalone test server on a free port with
// a fresh data directory.
type Options struct {
	// zoo.cfg
	Port           int    // clientPort; 0 = pick a free one
	DataDir        string // "" = <dir>/data; reuse one to restart on old data
	TickTime       int    // ms; 0 = 2000
	AdminServer    bool   // admin.enableServer=true on 127.0.0.1:AdminPort
	AdminPort      int    // 0 = pick a free one (only with AdminServer)
	ExtendedTypes  bool   // extendedTypesEnabled=true (TTL nodes)
	SuperDigest    string // DigestAuthenticationProvider.superDigest, e.g. TestSuperDigest
	SnapCount      int    // 0 = server default (100000)
	PreAllocSizeKB int    // 0 = server default (65536)
	ForceSyncOff   bool   // forceSync=no: no fsync per write (faster, not durable)
	MyID           int64  // > 0: written to <dataDir>/myid
	// Extra keys, written after the ones above (sorted). A key given here
	// replaces the default line with the same key.
	Extra map[string]string

	// launch
	JVMFlags     []string      // Apache only: extra JVM flags (-Xmx…, -Dzookeeper.…=…)
	WharfBin     string        // Wharf only: the binary; required by Start
	StartTimeout time.Duration // 0 = 60s
}

// zooCfg renders the zoo.cfg for o. dataDir must be absolute and port/adminPort
// resolved.
func (o Options) zooCfg(dataDir string, port, adminPort int) string {
	type kv struct{ k, v string }
	tick := o.TickTime
	if tick == 0 {
		tick = 2000
	}
	lines := []kv{
		{"tickTime", fmt.Sprint(tick)},
		{"dataDir", dataDir},
		{"clientPort", fmt.Sprint(port)},
		{"clientPortAddress", "127.0.0.1"},
		{"admin.enableServer", fmt.Sprint(o.AdminServer)},
	}
	if o.AdminServer {
		lines = append(lines, kv{"admin.serverAddress", "127.0.0.1"}, kv{"admin.serverPort", fmt.Sprint(adminPort)})
	}
	lines = append(lines, kv{"4lw.commands.whitelist", "*"}, kv{"maxClientCnxns", "0"})
	if o.ExtendedTypes {
		lines = append(lines, kv{"extendedTypesEnabled", "true"})
	}
	if o.SuperDigest != "" {
		// Apache turns an unknown zoo.cfg key k into the system property
		// "zookeeper."+k before DigestAuthenticationProvider is loaded, so the
		// file form works in 3.8.0 as well as the -D flag does.
		lines = append(lines, kv{"DigestAuthenticationProvider.superDigest", o.SuperDigest})
	}
	if o.SnapCount > 0 {
		lines = append(lines, kv{"snapCount", fmt.Sprint(o.SnapCount)})
	}
	if o.PreAllocSizeKB > 0 {
		lines = append(lines, kv{"preAllocSize", fmt.Sprint(o.PreAllocSizeKB)})
	}
	if o.ForceSyncOff {
		lines = append(lines, kv{"forceSync", "no"})
	}
	var b strings.Builder
	for _, l := range lines {
		if _, ok := o.Extra[l.k]; ok {
			continue
		}
		fmt.Fprintf(&b, "%s=%s\n", l.k, l.v)
	}
	for _, k := range slices.Sorted(maps.Keys(o.Extra)) {
		fmt.Fprintf(&b, "%s=%s\n", k, o.Extra[k])
	}
	return b.String()
}
