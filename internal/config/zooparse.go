package config

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ParseZooConfig reads a zoo.cfg as ZooKeeper 3.9.4 does, together with the
// dynamic config file it names and dataDir/myid. Relative paths in it resolve
// against the working directory, as in ZooKeeper. The result has passed
// Validate.
func ParseZooConfig(path string) (*ZooConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parseZoo(data, wd, path)
}

// ParseZooConfigBytes parses zoo.cfg text. Relative paths (dataDir,
// dataLogDir, dynamicConfigFile) resolve against baseDir, which stands for
// ZooKeeper's working directory; with baseDir "" they stay relative. The
// dynamic config file and dataDir/myid are read from disk when named.
func ParseZooConfigBytes(data []byte, baseDir string) (*ZooConfig, error) {
	return parseZoo(data, baseDir, "")
}

// zooParser carries one parse: the file's label for errors and the base
// directory for relative paths.
type zooParser struct {
	c    *ZooConfig
	file string
	base string
}

// setter applies one trimmed value. It returns a valueError for a refused
// value; the caller adds the file, key and value.
type setter func(p *zooParser, v string) error

type valueError string

func (e valueError) Error() string { return string(e) }

const (
	errNotNumber = valueError("is not a number")
	errNotBool   = valueError("is not true or false")
)

func parseZoo(data []byte, baseDir, path string) (*ZooConfig, error) {
	c := DefaultZooConfig()
	c.Path = path
	p := &zooParser{c: c, file: c.label(), base: baseDir}
	props, order, err := ParseProperties(data)
	if err != nil {
		var perr *PropertiesError
		if errors.As(err, &perr) {
			perr.File = p.file
		}
		return nil, err
	}
	var quorumKeys []string // server.N, group.N, weight.N, in file order
	dynamic := false
	for _, k := range order {
		if javaTrim(k) == "dynamicConfigFile" {
			dynamic = true
		}
	}
	for _, rawKey := range order {
		key, v := javaTrim(rawKey), javaTrim(props[rawKey])
		if isQuorumKey(key) {
			if dynamic {
				return nil, &Error{File: p.file, Key: key, Msg: "must be in a separate dynamic config file (dynamicConfigFile is set)"}
			}
			quorumKeys = append(quorumKeys, rawKey)
			continue
		}
		if err := p.set(key, v); err != nil {
			return nil, err
		}
	}
	if err := p.finishStatic(); err != nil {
		return nil, err
	}
	if dynamic {
		if err := p.readDynamic(); err != nil {
			return nil, err
		}
	} else {
		if err := p.servers(props, quorumKeys, p.file); err != nil {
			return nil, err
		}
		if v, ok := c.Extra["version"]; ok {
			n, err := strconv.ParseInt(v, 16, 64)
			if err != nil {
				return nil, &Error{File: p.file, Key: "version", Value: v, HasValue: true, Msg: "is not a hexadecimal number"}
			}
			c.ConfigVersion = n
		}
	}
	if err := p.readMyID(); err != nil {
		return nil, err
	}
	if err := p.ownServerLine(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// set applies one key of the static file.
func (p *zooParser) set(key, v string) error {
	if s, ok := zooKeys[key]; ok {
		return p.apply(key, v, s)
	}
	if strings.HasPrefix(key, "metricsProvider.") {
		p.c.MetricsProvider[strings.TrimPrefix(key, "metricsProvider.")] = v
		return nil
	}
	// Everything else becomes the system property "zookeeper.<key>".
	p.c.Extra[key] = v
	if s, ok := sysProps["zookeeper."+key]; ok {
		return p.apply(key, v, s)
	}
	if s, ok := sysProps[key]; ok && !strings.HasPrefix(key, "zookeeper.") {
		// Wharf extension: ZooKeeper reads jute.maxbuffer and znode.container.*
		// only unprefixed, so in zoo.cfg they do nothing there. Here they work.
		return p.apply(key, v, s)
	}
	if _, ok := sysProps[key]; ok {
		p.warnf("%s: ZooKeeper reads this key as the system property zookeeper.%s and ignores it; write %s", key, key, strings.TrimPrefix(key, "zookeeper."))
	}
	return nil
}

func (p *zooParser) apply(key, v string, s setter) error {
	if err := s(p, v); err != nil {
		var ve valueError
		if errors.As(err, &ve) {
			return &Error{File: p.file, Key: key, Value: v, HasValue: true, Msg: string(ve)}
		}
		return err
	}
	return nil
}

func (p *zooParser) warnf(format string, args ...any) {
	p.c.Warnings = append(p.c.Warnings, p.file+": "+fmt.Sprintf(format, args...))
}

// ApplySystemProperties applies Java -D settings (as found in JVMFLAGS or
// SERVER_JVMFLAGS) to a parsed config. A property the zoo.cfg also sets is
// skipped: ZooKeeper sets the file's values as system properties after the
// JVM starts, so the file wins. Properties the server does not read are
// ignored. Call Validate afterwards.
func (c *ZooConfig) ApplySystemProperties(props map[string]string) error {
	p := &zooParser{c: c, file: "system property"}
	for name, v := range props {
		s, ok := sysProps[name]
		if !ok {
			continue
		}
		fileKey := strings.TrimPrefix(name, "zookeeper.")
		if _, inFile := c.Extra[fileKey]; inFile {
			continue
		}
		if name == "fsync.warningthresholdms" {
			if _, ok := props["zookeeper."+name]; ok {
				continue // the prefixed form wins
			}
		}
		if err := p.apply(name, javaTrim(v), s); err != nil {
			return err
		}
	}
	return nil
}

// finishStatic derives what QuorumPeerConfig.parseProperties derives after
// its loop, before the servers are read.
func (p *zooParser) finishStatic() error {
	c := p.c
	if c.QuorumSASL.ServerRequire && !c.QuorumSASL.Enable {
		return &Error{File: p.file, Key: "quorum.auth.serverRequireSasl", Msg: "is set but quorum.auth.enableSasl is not"}
	}
	if c.QuorumSASL.LearnerRequire && !c.QuorumSASL.Enable {
		return &Error{File: p.file, Key: "quorum.auth.learnerRequireSasl", Msg: "is set but quorum.auth.enableSasl is not"}
	}
	if c.QuorumSASL.ServerRequire && !c.QuorumSASL.LearnerRequire {
		return &Error{File: p.file, Key: "quorum.auth.serverRequireSasl", Msg: "is set but quorum.auth.learnerRequireSasl is not"}
	}
	if c.AutopurgeSnapRetainCount < 3 {
		p.warnf("autopurge.snapRetainCount: %d is below the minimum; using 3", c.AutopurgeSnapRetainCount)
		c.AutopurgeSnapRetainCount = 3
	}
	if c.SnapCount < 2 {
		p.warnf("snapCount: %d is below the minimum; using 2", c.SnapCount)
		c.SnapCount = 2
	}
	if c.CommitLogCount < 500 {
		p.warnf("commitLogCount: %d is below the recommended minimum; using 500", c.CommitLogCount)
		c.CommitLogCount = 500
	}
	if c.MaxCnxns < 0 {
		p.warnf("maxCnxns: %d is negative; using 0 (unlimited)", c.MaxCnxns)
		c.MaxCnxns = 0
	}
	if c.DataDir == "" {
		return &Error{File: p.file, Key: "dataDir", Msg: "is not set"}
	}
	if c.DataLogDir == "" {
		c.DataLogDir = c.DataDir
	}
	if c.ClientPortAddress != "" && c.ClientPort == 0 {
		return &Error{File: p.file, Key: "clientPortAddress", Msg: "is set but clientPort is not set"}
	}
	if c.SecureClientPortAddress != "" && c.SecureClientPort == 0 {
		return &Error{File: p.file, Key: "secureClientPortAddress", Msg: "is set but secureClientPort is not set"}
	}
	if c.TickTime == 0 {
		return &Error{File: p.file, Key: "tickTime", Msg: "is not set"}
	}
	c.MinSessionTimeout, c.MaxSessionTimeout = c.SessionTimeoutBounds()
	return nil
}

// zooKeys are the keys QuorumPeerConfig.parseProperties handles itself.
var zooKeys = map[string]setter{
	"dataDir":                 pathKey(func(c *ZooConfig) *string { return &c.DataDir }),
	"dataLogDir":              pathKey(func(c *ZooConfig) *string { return &c.DataLogDir }),
	"clientPort":              portKey(func(c *ZooConfig) *int { return &c.ClientPort }),
	"clientPortAddress":       stringKey(func(c *ZooConfig) *string { return &c.ClientPortAddress }),
	"secureClientPort":        portKey(func(c *ZooConfig) *int { return &c.SecureClientPort }),
	"secureClientPortAddress": stringKey(func(c *ZooConfig) *string { return &c.SecureClientPortAddress }),
	"observerMasterPort": func(p *zooParser, v string) error {
		n, err := javaParseInt(v, 32)
		if err != nil {
			return err
		}
		if n > 65535 {
			return valueError("is not a port number (1-65535)")
		}
		p.c.ObserverMasterPort = int(max(n, 0)) // <= 0: not set
		return nil
	},
	"clientPortListenBacklog":       intKey(func(c *ZooConfig) *int { return &c.ClientPortListenBacklog }),
	"tickTime":                      intKey(func(c *ZooConfig) *int { return &c.TickTime }),
	"maxClientCnxns":                intKey(func(c *ZooConfig) *int { return &c.MaxClientCnxns }),
	"minSessionTimeout":             intKey(func(c *ZooConfig) *int { return &c.MinSessionTimeout }),
	"maxSessionTimeout":             intKey(func(c *ZooConfig) *int { return &c.MaxSessionTimeout }),
	"initLimit":                     intKey(func(c *ZooConfig) *int { return &c.InitLimit }),
	"syncLimit":                     intKey(func(c *ZooConfig) *int { return &c.SyncLimit }),
	"connectToLearnerMasterLimit":   intKey(func(c *ZooConfig) *int { return &c.ConnectToLearnerMasterLimit }),
	"localSessionsEnabled":          boolKey(func(c *ZooConfig) *bool { return &c.LocalSessionsEnabled }),
	"localSessionsUpgradingEnabled": boolKey(func(c *ZooConfig) *bool { return &c.LocalSessionsUpgradingEnabled }),
	"quorumListenOnAllIPs":          boolKey(func(c *ZooConfig) *bool { return &c.QuorumListenOnAllIPs }),
	"syncEnabled":                   boolKey(func(c *ZooConfig) *bool { return &c.SyncEnabled }),
	"standaloneEnabled":             boolKey(func(c *ZooConfig) *bool { return &c.StandaloneEnabled }),
	"reconfigEnabled":               boolKey(func(c *ZooConfig) *bool { return &c.ReconfigEnabled }),
	"sslQuorum":                     boolKey(func(c *ZooConfig) *bool { return &c.SSLQuorum }),
	"portUnification":               boolKey(func(c *ZooConfig) *bool { return &c.PortUnification }),
	"sslQuorumReloadCertFiles":      boolKey(func(c *ZooConfig) *bool { return &c.SSLQuorumReloadCertFiles }),
	"autopurge.snapRetainCount":     intKey(func(c *ZooConfig) *int { return &c.AutopurgeSnapRetainCount }),
	"autopurge.purgeInterval":       durationKey(javaParseInt, 32, time.Hour, func(c *ZooConfig) *time.Duration { return &c.AutopurgePurgeInterval }),
	"electionAlg": func(p *zooParser, v string) error {
		n, err := javaParseInt(v, 32)
		if err != nil {
			return err
		}
		if n != 3 {
			return valueError("is not supported: only 3 (fast leader election) is")
		}
		p.c.ElectionAlg = 3
		return nil
	},
	"peerType": func(p *zooParser, v string) error {
		t, err := peerTypeOf(v)
		p.c.PeerType = t
		return err
	},
	"dynamicConfigFile": func(p *zooParser, v string) error {
		p.c.DynamicConfigFile = p.abs(v)
		return nil
	},
	"quorum.auth.enableSasl":                  boolKey(func(c *ZooConfig) *bool { return &c.QuorumSASL.Enable }),
	"quorum.auth.serverRequireSasl":           boolKey(func(c *ZooConfig) *bool { return &c.QuorumSASL.ServerRequire }),
	"quorum.auth.learnerRequireSasl":          boolKey(func(c *ZooConfig) *bool { return &c.QuorumSASL.LearnerRequire }),
	"quorum.auth.learner.saslLoginContext":    stringKey(func(c *ZooConfig) *string { return &c.QuorumSASL.LearnerLoginContext }),
	"quorum.auth.server.saslLoginContext":     stringKey(func(c *ZooConfig) *string { return &c.QuorumSASL.ServerLoginContext }),
	"quorum.auth.kerberos.servicePrincipal":   stringKey(func(c *ZooConfig) *string { return &c.QuorumSASL.ServicePrincipal }),
	"quorum.cnxn.threads.size":                intKey(func(c *ZooConfig) *int { return &c.QuorumCnxnThreadsSize }),
	"jvm.pause.info-threshold.ms":             longKey(func(c *ZooConfig) *int64 { return &c.JVMPauseInfoThresholdMs }),
	"jvm.pause.warn-threshold.ms":             longKey(func(c *ZooConfig) *int64 { return &c.JVMPauseWarnThresholdMs }),
	"jvm.pause.sleep.time.ms":                 longKey(func(c *ZooConfig) *int64 { return &c.JVMPauseSleepTimeMs }),
	"jvm.pause.monitor":                       boolKey(func(c *ZooConfig) *bool { return &c.JVMPauseMonitor }),
	"metricsProvider.className":               stringKey(func(c *ZooConfig) *string { return &c.MetricsProviderClassName }),
	"multiAddress.enabled":                    boolKey(func(c *ZooConfig) *bool { return &c.MultiAddressEnabled }),
	"multiAddress.reachabilityCheckTimeoutMs": intKey(func(c *ZooConfig) *int { return &c.MultiAddressReachabilityCheckTimeoutMs }),
	"multiAddress.reachabilityCheckEnabled":   boolKey(func(c *ZooConfig) *bool { return &c.MultiAddressReachabilityCheckEnabled }),
	"oraclePath":                              stringKey(func(c *ZooConfig) *string { return &c.OraclePath }),
}

// sysProps are the Java system properties the server reads, by their full
// name. A zoo.cfg key k reaches "zookeeper.k". Each keeps the leniency of the
// code that reads it, except that a malformed number is an error here where
// Integer.getInteger would silently use the default.
var sysProps = map[string]setter{
	"zookeeper.snapCount":           decodeIntKey(func(c *ZooConfig) *int { return &c.SnapCount }),
	"zookeeper.snapSizeLimitInKb":   decodeLongKey(func(c *ZooConfig) *int64 { return &c.SnapSizeLimitInKB }),
	"zookeeper.txnLogSizeLimitInKb": decodeLongKey(func(c *ZooConfig) *int64 { return &c.TxnLogSizeLimitInKB }),
	"zookeeper.preAllocSize": func(p *zooParser, v string) error {
		n, err := javaParseInt(v, 64)
		if err != nil {
			return err
		}
		if n <= 0 || n > math.MaxInt64/1024 {
			return valueError("is not a positive size in KB")
		}
		p.c.PreAllocSize = n * 1024
		return nil
	},
	"zookeeper.forceSync":                func(p *zooParser, v string) error { p.c.ForceSync = v != "no"; return nil },
	"zookeeper.globalOutstandingLimit":   decodeIntKey(func(c *ZooConfig) *int { return &c.GlobalOutstandingLimit }),
	"zookeeper.maxCnxns":                 decodeIntKey(func(c *ZooConfig) *int { return &c.MaxCnxns }),
	"zookeeper.commitLogCount":           intKey(func(c *ZooConfig) *int { return &c.CommitLogCount }),
	"zookeeper.fsync.warningthresholdms": decodeLongKey(func(c *ZooConfig) *int64 { return &c.FsyncWarningThreshold }),
	"fsync.warningthresholdms":           decodeLongKey(func(c *ZooConfig) *int64 { return &c.FsyncWarningThreshold }),
	"zookeeper.4lw.commands.whitelist":   func(p *zooParser, v string) error { p.fourLetterWords(v); return nil },
	"zookeeper.admin.enableServer":       func(p *zooParser, v string) error { p.c.AdminEnableServer = v != "false"; return nil },
	"zookeeper.admin.serverAddress":      stringKey(func(c *ZooConfig) *string { return &c.AdminServerAddress }),
	"zookeeper.admin.serverPort":         decodeIntKey(func(c *ZooConfig) *int { return &c.AdminServerPort }),
	"zookeeper.admin.commandURL":         stringKey(func(c *ZooConfig) *string { return &c.AdminCommandURL }),
	"zookeeper.admin.idleTimeout":        decodeIntKey(func(c *ZooConfig) *int { return &c.AdminIdleTimeout }),
	"zookeeper.extendedTypesEnabled":     javaBoolKey(func(c *ZooConfig) *bool { return &c.ExtendedTypesEnabled }),
	"zookeeper.emulate353TTLNodes":       javaBoolKey(func(c *ZooConfig) *bool { return &c.Emulate353TTLNodes }),
	"zookeeper.skipACL":                  func(p *zooParser, v string) error { p.c.SkipACL = v == "yes"; return nil },
	"zookeeper.enforceQuota":             javaBoolKey(func(c *ZooConfig) *bool { return &c.EnforceQuota }),
	"zookeeper.digest.enabled":           javaBoolKey(func(c *ZooConfig) *bool { return &c.DigestEnabled }),
	"zookeeper.closeSessionTxn.enabled":  javaBoolKey(func(c *ZooConfig) *bool { return &c.CloseSessionTxnEnabled }),
	"zookeeper.snapshot.trust.empty":     javaBoolKey(func(c *ZooConfig) *bool { return &c.SnapshotTrustEmpty }),
	"zookeeper.snapshot.compression.method": func(p *zooParser, v string) error {
		switch m := strings.ToLower(v); m {
		case "", "gz", "snappy":
			p.c.SnapshotCompression = m
		default:
			p.warnf("snapshot.compression.method: unknown method %q; snapshots are not compressed", v)
			p.c.SnapshotCompression = ""
		}
		return nil
	},
	"zookeeper.DigestAuthenticationProvider.superDigest": stringKey(func(c *ZooConfig) *string { return &c.SuperDigest }),
	"zookeeper.DigestAuthenticationProvider.enabled":     javaBoolKey(func(c *ZooConfig) *bool { return &c.DigestAuthEnabled }),
	"zookeeper.DigestAuthenticationProvider.digestAlg":   stringKey(func(c *ZooConfig) *string { return &c.DigestAlg }),
	"znode.container.checkIntervalMs":                    durationKey(javaDecode, 32, time.Millisecond, func(c *ZooConfig) *time.Duration { return &c.ContainerCheckInterval }),
	"znode.container.maxPerMinute":                       decodeIntKey(func(c *ZooConfig) *int { return &c.ContainerMaxPerMinute }),
	"znode.container.maxNeverUsedIntervalMs":             durationKey(javaDecode, 64, time.Millisecond, func(c *ZooConfig) *time.Duration { return &c.ContainerMaxNeverUsedInterval }),
	"jute.maxbuffer":                                     decodeIntKey(func(c *ZooConfig) *int { return &c.JuteMaxBuffer }),
}

// fourLetterWords parses 4lw.commands.whitelist as FourLetterCommands does:
// a comma list, trimmed; "*" enables every known word; srvr is always on.
func (p *zooParser) fourLetterWords(v string) {
	words := []string{}
	for _, w := range strings.Split(v, ",") {
		w = javaTrim(w)
		switch {
		case w == "":
			continue
		case w == "*":
			p.c.FourLetterWords = []string{"*"}
			return
		case !containsString(KnownFourLetterWords, w):
			p.warnf("4lw.commands.whitelist: unknown four-letter word %q", w)
		}
		if !containsString(words, w) {
			words = append(words, w)
		}
	}
	if !containsString(words, "srvr") {
		words = append(words, "srvr")
	}
	p.c.FourLetterWords = words
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Setter constructors: each takes the field to set.

// numKey parses with parse (javaParseInt or javaDecode) at the given width.
func numKey[T int | int64](parse func(string, int) (int64, error), bits int, f func(*ZooConfig) *T) setter {
	return func(p *zooParser, v string) error {
		n, err := parse(v, bits)
		if err == nil {
			*f(p.c) = T(n)
		}
		return err
	}
}

func intKey(f func(*ZooConfig) *int) setter          { return numKey(javaParseInt, 32, f) }
func longKey(f func(*ZooConfig) *int64) setter       { return numKey(javaParseInt, 64, f) }
func decodeIntKey(f func(*ZooConfig) *int) setter    { return numKey(javaDecode, 32, f) }
func decodeLongKey(f func(*ZooConfig) *int64) setter { return numKey(javaDecode, 64, f) }

func portKey(f func(*ZooConfig) *int) setter {
	return func(p *zooParser, v string) error {
		n, err := javaParseInt(v, 32)
		if err != nil {
			return err
		}
		if n == 0 {
			return valueError("is not supported: an ephemeral client port (0) cannot be advertised; choose a port")
		}
		if n < 0 || n > 65535 {
			return valueError("is not a port number (1-65535)")
		}
		*f(p.c) = int(n)
		return nil
	}
}

// durationKey reads a number of units (hours, ms) into a Duration.
func durationKey(parse func(string, int) (int64, error), bits int, unit time.Duration, f func(*ZooConfig) *time.Duration) setter {
	return func(p *zooParser, v string) error {
		n, err := parse(v, bits)
		if err != nil {
			return err
		}
		if n > int64(math.MaxInt64/unit) || n < int64(math.MinInt64/unit) {
			return valueError("is out of range")
		}
		*f(p.c) = time.Duration(n) * unit
		return nil
	}
}

func stringKey(f func(*ZooConfig) *string) setter {
	return func(p *zooParser, v string) error { *f(p.c) = v; return nil }
}

func pathKey(f func(*ZooConfig) *string) setter {
	return func(p *zooParser, v string) error {
		if v == "" {
			return valueError("is empty")
		}
		*f(p.c) = p.abs(v)
		return nil
	}
}

// boolKey is QuorumPeerConfig.parseBoolean: true or false, any case, else an error.
func boolKey(f func(*ZooConfig) *bool) setter {
	return func(p *zooParser, v string) error {
		switch strings.ToLower(v) {
		case "true":
			*f(p.c) = true
		case "false":
			*f(p.c) = false
		default:
			return errNotBool
		}
		return nil
	}
}

// javaBoolKey is Boolean.parseBoolean: "true" in any case is true, anything
// else false.
func javaBoolKey(f func(*ZooConfig) *bool) setter {
	return func(p *zooParser, v string) error { *f(p.c) = strings.EqualFold(v, "true"); return nil }
}

func peerTypeOf(v string) (string, error) {
	switch strings.ToLower(javaTrim(v)) {
	case PeerParticipant:
		return PeerParticipant, nil
	case PeerObserver:
		return PeerObserver, nil
	}
	return PeerParticipant, valueError("is not a peer type (participant or observer)")
}

// javaParseInt is Integer.parseInt / Long.parseLong: an optional sign and
// decimal digits, in range.
func javaParseInt(v string, bits int) (int64, error) {
	if v == "" || strings.ContainsAny(v, "_") {
		return 0, errNotNumber
	}
	n, err := strconv.ParseInt(v, 10, bits)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, valueError("is out of range")
		}
		return 0, errNotNumber
	}
	return n, nil
}

// javaDecode is Integer.decode / Long.decode, which Integer.getInteger uses:
// decimal, 0x/0X/# hexadecimal, or 0-prefixed octal, with an optional sign.
func javaDecode(v string, bits int) (int64, error) {
	s, neg := v, false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(s, "0x"), strings.HasPrefix(s, "0X"):
		base, s = 16, s[2:]
	case strings.HasPrefix(s, "#"):
		base, s = 16, s[1:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	if s == "" || s[0] == '-' || s[0] == '+' || strings.ContainsAny(s, "_") {
		return 0, errNotNumber
	}
	if neg {
		s = "-" + s
	}
	n, err := strconv.ParseInt(s, base, bits)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, valueError("is out of range")
		}
		return 0, errNotNumber
	}
	return n, nil
}

// javaTrim is String.trim: it strips every character up to ' '.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// abs resolves a path as java.io.File.getAbsolutePath does from the base
// directory: no cleaning of "." or "..", only duplicate and trailing slashes
// go. A relative path draws ZooKeeper's warning unless it starts with "./".
func (p *zooParser) abs(v string) string {
	if !filepath.IsAbs(v) {
		if !strings.HasPrefix(v, "./") {
			p.warnf("%s is relative. Prepend ./ to indicate that you're sure!", v)
		}
		if p.base != "" {
			v = p.base + "/" + v
		}
	}
	return normalizeJavaPath(v)
}

func normalizeJavaPath(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '/' && i > 0 && v[i-1] == '/' {
			continue
		}
		b.WriteByte(v[i])
	}
	s := b.String()
	if len(s) > 1 && strings.HasSuffix(s, "/") {
		s = s[:len(s)-1]
	}
	return s
}

// label names the config in messages.
func (c *ZooConfig) label() string {
	if c.Path != "" {
		return c.Path
	}
	return "zoo.cfg"
}
