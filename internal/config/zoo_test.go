package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const minimalZoo = "dataDir=/var/lib/zk\nclientPort=2181\n"

// parsedDefaults is what minimalZoo parses to: ZooKeeper's defaults with the
// derived values filled in.
func parsedDefaults() *ZooConfig {
	c := DefaultZooConfig()
	c.DataDir, c.DataLogDir, c.ClientPort = "/var/lib/zk", "/var/lib/zk", 2181
	c.MinSessionTimeout, c.MaxSessionTimeout = 6000, 60000
	return c
}

func mustParse(t *testing.T, text string) *ZooConfig {
	t.Helper()
	c, err := ParseZooConfigBytes([]byte(text), "/work")
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	return c
}

func TestZooDefaults(t *testing.T) {
	got := mustParse(t, minimalZoo)
	if d := diffFields(got, parsedDefaults()); d != "" {
		t.Errorf("defaults differ:\n%s", d)
	}
	if got.Distributed() {
		t.Error("a config without servers is not distributed")
	}
	if minMs, maxMs := DefaultZooConfig().SessionTimeoutBounds(); minMs != 6000 || maxMs != 60000 {
		t.Errorf("default session bounds = %d, %d", minMs, maxMs)
	}
}

// TestZooEveryKey sets each key on top of minimalZoo and checks that exactly
// the expected fields change.
func TestZooEveryKey(t *testing.T) {
	extra := func(c *ZooConfig, k, v string) { c.Extra[k] = v }
	tests := []struct {
		line string
		want func(c *ZooConfig)
	}{
		{"tickTime=2000", func(c *ZooConfig) { c.TickTime, c.MinSessionTimeout, c.MaxSessionTimeout = 2000, 4000, 40000 }},
		{"initLimit=10", func(c *ZooConfig) { c.InitLimit = 10 }},
		{"syncLimit=5", func(c *ZooConfig) { c.SyncLimit = 5 }},
		{"connectToLearnerMasterLimit=7", func(c *ZooConfig) { c.ConnectToLearnerMasterLimit = 7 }},
		{"dataLogDir=/logs/", func(c *ZooConfig) { c.DataLogDir = "/logs" }},
		{"dataLogDir=./logs", func(c *ZooConfig) { c.DataLogDir = "/work/./logs" }},
		{"dataLogDir=logs", func(c *ZooConfig) {
			c.DataLogDir = "/work/logs"
			c.Warnings = []string{"zoo.cfg: logs is relative. Prepend ./ to indicate that you're sure!"}
		}},
		{"clientPortAddress=127.0.0.1", func(c *ZooConfig) { c.ClientPortAddress = "127.0.0.1" }},
		{"secureClientPort=2281", func(c *ZooConfig) { c.SecureClientPort = 2281 }},
		{"secureClientPort=2281\nsecureClientPortAddress=::1", func(c *ZooConfig) { c.SecureClientPort, c.SecureClientPortAddress = 2281, "::1" }},
		{"observerMasterPort=2191", func(c *ZooConfig) { c.ObserverMasterPort = 2191 }},
		{"clientPortListenBacklog=128", func(c *ZooConfig) { c.ClientPortListenBacklog = 128 }},
		{"maxClientCnxns=0", func(c *ZooConfig) { c.MaxClientCnxns = 0 }},
		{"minSessionTimeout=1000", func(c *ZooConfig) { c.MinSessionTimeout = 1000 }},
		{"minSessionTimeout=-1\nmaxSessionTimeout=-1", func(c *ZooConfig) {}},
		{"maxSessionTimeout=90000", func(c *ZooConfig) { c.MaxSessionTimeout = 90000 }},
		{"localSessionsEnabled=TRUE", func(c *ZooConfig) { c.LocalSessionsEnabled = true }},
		{"localSessionsUpgradingEnabled=true", func(c *ZooConfig) { c.LocalSessionsUpgradingEnabled = true }},
		{"electionAlg=3", func(c *ZooConfig) {}},
		{"quorumListenOnAllIPs=true", func(c *ZooConfig) { c.QuorumListenOnAllIPs = true }},
		{"syncEnabled=false", func(c *ZooConfig) { c.SyncEnabled = false }},
		{"standaloneEnabled=false", func(c *ZooConfig) { c.StandaloneEnabled = false }},
		{"reconfigEnabled=true", func(c *ZooConfig) { c.ReconfigEnabled = true }},
		{"sslQuorum=true", func(c *ZooConfig) { c.SSLQuorum = true }},
		{"portUnification=true", func(c *ZooConfig) { c.PortUnification = true }},
		{"sslQuorumReloadCertFiles=true", func(c *ZooConfig) { c.SSLQuorumReloadCertFiles = true }},
		{"autopurge.snapRetainCount=5", func(c *ZooConfig) { c.AutopurgeSnapRetainCount = 5 }},
		{"autopurge.snapRetainCount=1", func(c *ZooConfig) {
			c.Warnings = []string{"zoo.cfg: autopurge.snapRetainCount: 1 is below the minimum; using 3"}
		}},
		{"autopurge.purgeInterval=24", func(c *ZooConfig) { c.AutopurgePurgeInterval = 24 * time.Hour }},
		{"autopurge.purgeInterval=-1", func(c *ZooConfig) { c.AutopurgePurgeInterval = -time.Hour }}, // disabled
		{"observerMasterPort=-1", func(c *ZooConfig) {}},
		{"peerType=observer", func(c *ZooConfig) {
			// No server line says so: the servers list wins, as in ZooKeeper.
			c.Warnings = []string{"zoo.cfg: peer type from the servers list (participant) doesn't match peerType (observer); using the servers list"}
		}},
		{"quorum.auth.enableSasl=true\nquorum.auth.learnerRequireSasl=true\nquorum.auth.serverRequireSasl=true", func(c *ZooConfig) {
			c.QuorumSASL.Enable, c.QuorumSASL.LearnerRequire, c.QuorumSASL.ServerRequire = true, true, true
		}},
		{"quorum.auth.learner.saslLoginContext=L\nquorum.auth.server.saslLoginContext=S\nquorum.auth.kerberos.servicePrincipal=zk/_HOST", func(c *ZooConfig) {
			c.QuorumSASL.LearnerLoginContext, c.QuorumSASL.ServerLoginContext, c.QuorumSASL.ServicePrincipal = "L", "S", "zk/_HOST"
		}},
		{"quorum.cnxn.threads.size=30", func(c *ZooConfig) { c.QuorumCnxnThreadsSize = 30 }},
		{"jvm.pause.monitor=true\njvm.pause.info-threshold.ms=1\njvm.pause.warn-threshold.ms=2\njvm.pause.sleep.time.ms=3", func(c *ZooConfig) {
			c.JVMPauseMonitor, c.JVMPauseInfoThresholdMs, c.JVMPauseWarnThresholdMs, c.JVMPauseSleepTimeMs = true, 1, 2, 3
		}},
		{"metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\nmetricsProvider.httpPort=7000", func(c *ZooConfig) {
			c.MetricsProviderClassName = "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider"
			c.MetricsProvider["httpPort"] = "7000"
		}},
		{"multiAddress.enabled=true\nmultiAddress.reachabilityCheckEnabled=false\nmultiAddress.reachabilityCheckTimeoutMs=50", func(c *ZooConfig) {
			c.MultiAddressEnabled, c.MultiAddressReachabilityCheckEnabled, c.MultiAddressReachabilityCheckTimeoutMs = true, false, 50
		}},
		{"oraclePath=/oracle", func(c *ZooConfig) { c.OraclePath = "/oracle" }},

		// Keys ZooKeeper reads back as "zookeeper.<key>" system properties.
		{"snapCount=50000", func(c *ZooConfig) { c.SnapCount = 50000; extra(c, "snapCount", "50000") }},
		{"snapCount=0x10", func(c *ZooConfig) { c.SnapCount = 16; extra(c, "snapCount", "0x10") }},
		{"snapCount=1", func(c *ZooConfig) {
			c.SnapCount = 2
			extra(c, "snapCount", "1")
			c.Warnings = []string{"zoo.cfg: snapCount: 1 is below the minimum; using 2"}
		}},
		{"snapSizeLimitInKb=-1", func(c *ZooConfig) { c.SnapSizeLimitInKB = -1; extra(c, "snapSizeLimitInKb", "-1") }},
		{"txnLogSizeLimitInKb=1024", func(c *ZooConfig) { c.TxnLogSizeLimitInKB = 1024; extra(c, "txnLogSizeLimitInKb", "1024") }},
		{"preAllocSize=1024", func(c *ZooConfig) { c.PreAllocSize = 1 << 20; extra(c, "preAllocSize", "1024") }},
		{"forceSync=no", func(c *ZooConfig) { c.ForceSync = false; extra(c, "forceSync", "no") }},
		{"forceSync=false", func(c *ZooConfig) { extra(c, "forceSync", "false") }}, // only "no" turns it off
		{"globalOutstandingLimit=500", func(c *ZooConfig) { c.GlobalOutstandingLimit = 500; extra(c, "globalOutstandingLimit", "500") }},
		{"maxCnxns=100", func(c *ZooConfig) { c.MaxCnxns = 100; extra(c, "maxCnxns", "100") }},
		{"commitLogCount=1000", func(c *ZooConfig) { c.CommitLogCount = 1000; extra(c, "commitLogCount", "1000") }},
		{"fsync.warningthresholdms=50", func(c *ZooConfig) { c.FsyncWarningThreshold = 50; extra(c, "fsync.warningthresholdms", "50") }},
		{"4lw.commands.whitelist=stat, ruok, conf, isro", func(c *ZooConfig) {
			c.FourLetterWords = []string{"stat", "ruok", "conf", "isro", "srvr"}
			extra(c, "4lw.commands.whitelist", "stat, ruok, conf, isro")
		}},
		{"4lw.commands.whitelist=ruok,*", func(c *ZooConfig) { c.FourLetterWords = []string{"*"}; extra(c, "4lw.commands.whitelist", "ruok,*") }},
		{"4lw.commands.whitelist=", func(c *ZooConfig) { extra(c, "4lw.commands.whitelist", "") }},
		{"4lw.commands.whitelist=ruok,nope", func(c *ZooConfig) {
			c.FourLetterWords = []string{"ruok", "nope", "srvr"}
			extra(c, "4lw.commands.whitelist", "ruok,nope")
			c.Warnings = []string{`zoo.cfg: 4lw.commands.whitelist: unknown four-letter word "nope"`}
		}},
		{"admin.enableServer=false", func(c *ZooConfig) { c.AdminEnableServer = false; extra(c, "admin.enableServer", "false") }},
		{"admin.enableServer=FALSE", func(c *ZooConfig) { extra(c, "admin.enableServer", "FALSE") }}, // only "false" turns it off
		{"admin.serverAddress=127.0.0.1\nadmin.serverPort=9090\nadmin.commandURL=/cmds\nadmin.idleTimeout=5000", func(c *ZooConfig) {
			c.AdminServerAddress, c.AdminServerPort, c.AdminCommandURL, c.AdminIdleTimeout = "127.0.0.1", 9090, "/cmds", 5000
			extra(c, "admin.serverAddress", "127.0.0.1")
			extra(c, "admin.serverPort", "9090")
			extra(c, "admin.commandURL", "/cmds")
			extra(c, "admin.idleTimeout", "5000")
		}},
		{"extendedTypesEnabled=true", func(c *ZooConfig) { c.ExtendedTypesEnabled = true; extra(c, "extendedTypesEnabled", "true") }},
		{"extendedTypesEnabled=yes", func(c *ZooConfig) { extra(c, "extendedTypesEnabled", "yes") }},
		{"emulate353TTLNodes=True", func(c *ZooConfig) { c.Emulate353TTLNodes = true; extra(c, "emulate353TTLNodes", "True") }},
		{"skipACL=yes", func(c *ZooConfig) { c.SkipACL = true; extra(c, "skipACL", "yes") }},
		{"skipACL=true", func(c *ZooConfig) { extra(c, "skipACL", "true") }}, // only "yes" turns it on
		{"enforceQuota=true", func(c *ZooConfig) { c.EnforceQuota = true; extra(c, "enforceQuota", "true") }},
		{"DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=", func(c *ZooConfig) {
			c.SuperDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
			extra(c, "DigestAuthenticationProvider.superDigest", "super:D/InIHSb7yEEbrWz8b9l71RjZJU=")
		}},
		{"DigestAuthenticationProvider.enabled=false\nDigestAuthenticationProvider.digestAlg=SHA-256", func(c *ZooConfig) {
			c.DigestAuthEnabled, c.DigestAlg = false, "SHA-256"
			extra(c, "DigestAuthenticationProvider.enabled", "false")
			extra(c, "DigestAuthenticationProvider.digestAlg", "SHA-256")
		}},
		{"digest.enabled=false", func(c *ZooConfig) { c.DigestEnabled = false; extra(c, "digest.enabled", "false") }},
		{"closeSessionTxn.enabled=false", func(c *ZooConfig) { c.CloseSessionTxnEnabled = false; extra(c, "closeSessionTxn.enabled", "false") }},
		{"snapshot.compression.method=GZ", func(c *ZooConfig) { c.SnapshotCompression = "gz"; extra(c, "snapshot.compression.method", "GZ") }},
		{"snapshot.compression.method=zstd", func(c *ZooConfig) {
			extra(c, "snapshot.compression.method", "zstd")
			c.Warnings = []string{`zoo.cfg: snapshot.compression.method: unknown method "zstd"; snapshots are not compressed`}
		}},
		{"snapshot.trust.empty=true", func(c *ZooConfig) { c.SnapshotTrustEmpty = true; extra(c, "snapshot.trust.empty", "true") }},
		{"znode.container.checkIntervalMs=1000\nznode.container.maxPerMinute=5\nznode.container.maxNeverUsedIntervalMs=300000", func(c *ZooConfig) {
			c.ContainerCheckInterval, c.ContainerMaxPerMinute, c.ContainerMaxNeverUsedInterval = time.Second, 5, 5*time.Minute
			extra(c, "znode.container.checkIntervalMs", "1000")
			extra(c, "znode.container.maxPerMinute", "5")
			extra(c, "znode.container.maxNeverUsedIntervalMs", "300000")
		}},
		{"jute.maxbuffer=0x400000", func(c *ZooConfig) { c.JuteMaxBuffer = 0x400000; extra(c, "jute.maxbuffer", "0x400000") }},
		{"zookeeper.snapCount=5", func(c *ZooConfig) {
			extra(c, "zookeeper.snapCount", "5")
			c.Warnings = []string{"zoo.cfg: zookeeper.snapCount: ZooKeeper reads this key as the system property zookeeper.zookeeper.snapCount and ignores it; write snapCount"}
		}},
		{"leaderServes=no\nauthProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider", func(c *ZooConfig) {
			extra(c, "leaderServes", "no")
			extra(c, "authProvider.1", "org.apache.zookeeper.server.auth.SASLAuthenticationProvider")
		}},
		{"version=100000000", func(c *ZooConfig) { c.ConfigVersion = 0x100000000; extra(c, "version", "100000000") }},
		{"group.1=1:2:3\nweight.1=1", func(c *ZooConfig) { extra(c, "group.1", "1:2:3"); extra(c, "weight.1", "1") }},
		// ZooKeeper trims keys and values.
		{"  tickTime   =   2500\t", func(c *ZooConfig) { c.TickTime, c.MinSessionTimeout, c.MaxSessionTimeout = 2500, 5000, 50000 }},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.line, "\n", ";"), func(t *testing.T) {
			got := mustParse(t, minimalZoo+tt.line+"\n")
			want := parsedDefaults()
			tt.want(want)
			if d := diffFields(got, want); d != "" {
				t.Error(d)
			}
		})
	}
}

// diffFields names the fields of two configs that differ, with both values.
func diffFields(got, want *ZooConfig) string {
	var b strings.Builder
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := 0; i < gv.NumField(); i++ {
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(g, w) {
			fmt.Fprintf(&b, "%s: got %#v, want %#v\n", gv.Type().Field(i).Name, g, w)
		}
	}
	return b.String()
}

func TestZooBadValues(t *testing.T) {
	tests := []struct{ text, want string }{
		{"dataDir=/d\nclientPort=abc", `zoo.cfg: clientPort: "abc" is not a number`},
		{"dataDir=/d\nclientPort=70000", `zoo.cfg: clientPort: "70000" is not a port number (1-65535)`},
		{"dataDir=/d\nclientPort=0", `zoo.cfg: clientPort: "0" is not supported: an ephemeral client port (0) cannot be advertised; choose a port`},
		{"dataDir=/d\nclientPort=2181 2182", `zoo.cfg: clientPort: "2181 2182" is not a number`},
		{"clientPort=2181", `zoo.cfg: dataDir: is not set`},
		{"dataDir=/d", `zoo.cfg: clientPort: is not set (nor secureClientPort, nor a client port in this server's server.N line)`},
		{"dataDir=/d\nclientPortAddress=127.0.0.1", `zoo.cfg: clientPortAddress: is set but clientPort is not set`},
		{"dataDir=/d\nclientPort=1\nsecureClientPortAddress=::1", `zoo.cfg: secureClientPortAddress: is set but secureClientPort is not set`},
		{"dataDir=/d\nclientPort=1\ntickTime=0", `zoo.cfg: tickTime: is not set`},
		{"dataDir=/d\nclientPort=1\ntickTime=-5", `zoo.cfg: tickTime: "-5" must be positive`},
		{"dataDir=/d\nclientPort=1\ntickTime=99999999999", `zoo.cfg: tickTime: "99999999999" is out of range`},
		{"dataDir=/d\nclientPort=1\nminSessionTimeout=9000\nmaxSessionTimeout=8000", `zoo.cfg: minSessionTimeout: 9000 must not be larger than maxSessionTimeout 8000`},
		{"dataDir=/d\nclientPort=1\nelectionAlg=1", `zoo.cfg: electionAlg: "1" is not supported: only 3 (fast leader election) is`},
		{"dataDir=/d\nclientPort=1\npeerType=witness", `zoo.cfg: peerType: "witness" is not a peer type (participant or observer)`},
		{"dataDir=/d\nclientPort=1\nsyncEnabled=yes", `zoo.cfg: syncEnabled: "yes" is not true or false`},
		{"dataDir=/d\nclientPort=1\nstandaloneEnabled=1", `zoo.cfg: standaloneEnabled: "1" is not true or false`},
		{"dataDir=/d\nclientPort=1\nautopurge.purgeInterval=1h", `zoo.cfg: autopurge.purgeInterval: "1h" is not a number`},
		{"dataDir=/d\nclientPort=1\nsnapCount=many", `zoo.cfg: snapCount: "many" is not a number`},
		{"dataDir=/d\nclientPort=1\npreAllocSize=0", `zoo.cfg: preAllocSize: "0" is not a positive size in KB`},
		{"dataDir=/d\nclientPort=1\npreAllocSize=0x10", `zoo.cfg: preAllocSize: "0x10" is not a number`},
		{"dataDir=/d\nclientPort=1\njute.maxbuffer=1M", `zoo.cfg: jute.maxbuffer: "1M" is not a number`},
		{"dataDir=/d\nclientPort=1\njute.maxbuffer=0", `zoo.cfg: jute.maxbuffer: "0" must be positive`},
		{"dataDir=/d\nclientPort=1\nquorum.auth.serverRequireSasl=true", `zoo.cfg: quorum.auth.serverRequireSasl: is set but quorum.auth.enableSasl is not`},
		{"dataDir=/d\nclientPort=1\nquorum.auth.enableSasl=true\nquorum.auth.serverRequireSasl=true", `zoo.cfg: quorum.auth.serverRequireSasl: is set but quorum.auth.learnerRequireSasl is not`},
		{"dataDir=/d\nclientPort=1\nversion=xyz", `zoo.cfg: version: "xyz" is not a hexadecimal number`},
		{"dataDir=/d\nclientPort=1\nbad=\\u12", `zoo.cfg:3: malformed \uxxxx encoding`},
		{"dataDir=\nclientPort=1", `zoo.cfg: dataDir: "" is empty`},
		{"dataDir=/d\nclientPort=1\nobserverMasterPort=65536", `zoo.cfg: observerMasterPort: "65536" is not a port number (1-65535)`},
	}
	for _, tt := range tests {
		_, err := ParseZooConfigBytes([]byte(tt.text), "/work")
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got  %v\n want %s", tt.text, err, tt.want)
			continue
		}
		if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: %v is neither ErrInvalid nor ErrSyntax", tt.text, err)
		}
	}
}

// TestZooInteropExample parses the test zoo.cfg of shared/INTEROP.md.
func TestZooInteropExample(t *testing.T) {
	dir := t.TempDir()
	text := "tickTime=2000\ndataDir=" + dir + "\nclientPort=2181\nclientPortAddress=127.0.0.1\n" +
		"admin.enableServer=false\n4lw.commands.whitelist=*\nmaxClientCnxns=0\n"
	c := mustParse(t, text)
	if c.TickTime != 2000 || c.DataDir != dir || c.ClientPort != 2181 || c.ClientPortAddress != "127.0.0.1" ||
		c.AdminEnableServer || c.MaxClientCnxns != 0 || c.MinSessionTimeout != 4000 || c.MaxSessionTimeout != 40000 {
		t.Errorf("parsed %+v", c)
	}
	for _, w := range KnownFourLetterWords {
		if !c.FourLetterWordEnabled(w) {
			t.Errorf("%s not enabled by *", w)
		}
	}
	if c.FourLetterWordEnabled("xyzw") {
		t.Error("* enabled an unknown word")
	}
	if c.Distributed() || c.HasMyID {
		t.Error("standalone config taken for an ensemble")
	}
}

// TestZooDebian parses Debian's /etc/zookeeper/conf/zoo.cfg (a copy in
// testdata; its dataDir /tmp/zookeeper is moved to a temporary directory so
// that no stray myid there changes the result).
func TestZooDebian(t *testing.T) {
	data, err := os.ReadFile("testdata/zoo/debian-zoo.cfg")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	text := strings.Replace(string(data), "dataDir=/tmp/zookeeper", "dataDir="+dir, 1)
	got := mustParse(t, text)
	want := DefaultZooConfig()
	want.TickTime, want.InitLimit, want.SyncLimit = 2000, 10, 5
	want.DataDir, want.DataLogDir, want.ClientPort = dir, dir, 2181
	want.MinSessionTimeout, want.MaxSessionTimeout = 4000, 40000
	if d := diffFields(got, want); d != "" {
		t.Error(d)
	}
}

func TestZooFourLetterWordDefault(t *testing.T) {
	c := mustParse(t, minimalZoo)
	if !c.FourLetterWordEnabled("srvr") || c.FourLetterWordEnabled("ruok") {
		t.Error("default whitelist is srvr only")
	}
	c = mustParse(t, minimalZoo+"4lw.commands.whitelist=ruok\n")
	if !c.FourLetterWordEnabled("srvr") || !c.FourLetterWordEnabled("ruok") || c.FourLetterWordEnabled("stat") {
		t.Error("srvr stays enabled next to a list")
	}
}

func TestZooParseFileResolvesAgainstWorkingDir(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(path, []byte("dataDir=./data\nclientPort=abc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ParseZooConfig(path)
	if want := path + `: clientPort: "abc" is not a number`; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	if err := os.WriteFile(path, []byte("dataDir=./data\nclientPort=2181\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	c, err := ParseZooConfig("zoo.cfg")
	if err != nil {
		t.Fatal(err)
	}
	if want := dir + "/./data"; c.DataDir != want || c.Path != "zoo.cfg" {
		t.Errorf("DataDir = %q, want %q (as File.getAbsolutePath)", c.DataDir, want)
	}
	if _, err := ParseZooConfig(filepath.Join(dir, "missing.cfg")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestZooValidateCodeBuilt(t *testing.T) {
	c := DefaultZooConfig()
	if err := c.Validate(); err == nil || err.Error() != "zoo.cfg: dataDir: is not set" {
		t.Fatalf("err = %v", err)
	}
	c.DataDir, c.ClientPort = "/d", 2181
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.TxnLogDir() != "/d" || c.SnapDir() != "/d/version-2" {
		t.Errorf("dirs %q %q", c.TxnLogDir(), c.SnapDir())
	}
	c.AutopurgeSnapRetainCount = 2
	if err := c.Validate(); err == nil || err.Error() != `zoo.cfg: autopurge.snapRetainCount: "2" must be at least 3` {
		t.Fatalf("err = %v", err)
	}
}

func TestZooApplySystemProperties(t *testing.T) {
	c := mustParse(t, minimalZoo+"snapCount=10\n")
	err := c.ApplySystemProperties(map[string]string{
		"zookeeper.snapCount":                "20", // the file's value wins
		"zookeeper.4lw.commands.whitelist":   "*",
		"jute.maxbuffer":                     "4194304",
		"zookeeper.fsync.warningthresholdms": "5",
		"fsync.warningthresholdms":           "6", // the prefixed form wins
		"java.net.preferIPv4Stack":           "true",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.SnapCount != 10 || !reflect.DeepEqual(c.FourLetterWords, []string{"*"}) || c.JuteMaxBuffer != 4194304 || c.FsyncWarningThreshold != 5 {
		t.Errorf("got snapCount=%d 4lw=%v jute=%d fsync=%d", c.SnapCount, c.FourLetterWords, c.JuteMaxBuffer, c.FsyncWarningThreshold)
	}
	err = c.ApplySystemProperties(map[string]string{"zookeeper.maxCnxns": "lots"})
	if err == nil || err.Error() != `system property: zookeeper.maxCnxns: "lots" is not a number` {
		t.Errorf("err = %v", err)
	}
}

func TestJavaNumbers(t *testing.T) {
	for _, tt := range []struct {
		in     string
		parse  int64 // Integer.parseInt; -999 = error
		decode int64 // Integer.decode; -999 = error
	}{
		{"10", 10, 10}, {"+10", 10, 10}, {"-10", -10, -10}, {"010", 10, 8}, {"0x1F", -999, 31},
		{"#ff", -999, 255}, {"-0x10", -999, -16}, {"0", 0, 0}, {"", -999, -999}, {"1_000", -999, -999},
		{"0b1", -999, -999}, {"+-1", -999, -999}, {"0x", -999, -999}, {"2147483648", -999, -999},
	} {
		p, err := javaParseInt(tt.in, 32)
		if (err != nil) != (tt.parse == -999) || (err == nil && p != tt.parse) {
			t.Errorf("parseInt(%q) = %d, %v", tt.in, p, err)
		}
		d, err := javaDecode(tt.in, 32)
		if (err != nil) != (tt.decode == -999) || (err == nil && d != tt.decode) {
			t.Errorf("decode(%q) = %d, %v", tt.in, d, err)
		}
	}
}

func FuzzParseZooConfigBytes(f *testing.F) {
	f.Add([]byte(minimalZoo))
	f.Add([]byte(minimalZoo + "server.1=127.0.0.1:2888:3888;2181\nserver.2=[::1]:2888:3888:observer|b:1:2\n"))
	f.Add([]byte("dataDir=/d\nclientPort=1\n4lw.commands.whitelist=a,*,\njute.maxbuffer=#10\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseZooConfigBytes(data, "")
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrSyntax) && !errors.Is(err, os.ErrNotExist) {
				t.Logf("error outside the sentinels: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed config fails Validate: %v", err)
		}
		_ = c.QuorumConfigText()
	})
}
