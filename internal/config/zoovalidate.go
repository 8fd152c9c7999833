package config

import (
	"fmt"
	"slices"
	"strconv"
)

// Validate checks the config as ZooKeeper would before starting, one error
// at a time, each naming the key and the value. ParseZooConfig* call it; a
// config built in code (DefaultZooConfig plus changes) must call it too.
func (c *ZooConfig) Validate() error {
	file := c.label()
	bad := func(key string, v int64, msg string) error {
		return &Error{File: file, Key: key, Value: strconv.FormatInt(v, 10), HasValue: true, Msg: msg}
	}
	missing := func(key, msg string) error { return &Error{File: file, Key: key, Msg: msg} }

	if c.DataDir == "" {
		return missing("dataDir", "is not set")
	}
	switch {
	case c.TickTime == 0:
		return missing("tickTime", "is not set")
	case c.TickTime < 0:
		return bad("tickTime", int64(c.TickTime), "must be positive")
	}
	minMs, maxMs := c.SessionTimeoutBounds()
	if minMs < 0 {
		return bad("minSessionTimeout", int64(minMs), "must not be negative")
	}
	if minMs > maxMs {
		return &Error{File: file, Key: "minSessionTimeout", Msg: fmt.Sprintf("%d must not be larger than maxSessionTimeout %d", minMs, maxMs)}
	}
	for _, port := range []struct {
		key string
		v   int // 0: absent (admin.serverPort: any free port)
	}{
		{"clientPort", c.ClientPort},
		{"secureClientPort", c.SecureClientPort},
		{"observerMasterPort", c.ObserverMasterPort},
		{"admin.serverPort", c.AdminServerPort},
	} {
		if port.v < 0 || port.v > 65535 {
			return bad(port.key, int64(port.v), "is not a port number (1-65535)")
		}
	}
	if c.ClientPort == 0 && c.SecureClientPort == 0 {
		return missing("clientPort", "is not set (nor secureClientPort, nor a client port in this server's server.N line)")
	}
	if c.ElectionAlg != 3 {
		return bad("electionAlg", int64(c.ElectionAlg), "is not supported: only 3 (fast leader election) is")
	}
	if c.PeerType != PeerParticipant && c.PeerType != PeerObserver {
		return &Error{File: file, Key: "peerType", Value: c.PeerType, HasValue: true, Msg: "is not a peer type (participant or observer)"}
	}
	if c.InitLimit < 0 {
		return bad("initLimit", int64(c.InitLimit), "must not be negative")
	}
	if c.SyncLimit < 0 {
		return bad("syncLimit", int64(c.SyncLimit), "must not be negative")
	}
	if c.AutopurgeSnapRetainCount < 3 {
		return bad("autopurge.snapRetainCount", int64(c.AutopurgeSnapRetainCount), "must be at least 3")
	}
	if c.SnapCount < 2 {
		return bad("snapCount", int64(c.SnapCount), "must be at least 2")
	}
	if c.PreAllocSize <= 0 {
		return bad("preAllocSize", c.PreAllocSize/1024, "must be positive")
	}
	if c.JuteMaxBuffer <= 0 {
		return bad("jute.maxbuffer", int64(c.JuteMaxBuffer), "must be positive")
	}
	if c.ContainerCheckInterval <= 0 {
		return bad("znode.container.checkIntervalMs", c.ContainerCheckInterval.Milliseconds(), "must be positive")
	}
	switch c.SnapshotCompression {
	case "", "gz", "snappy":
	default:
		return &Error{File: file, Key: "snapshot.compression.method", Value: c.SnapshotCompression, HasValue: true, Msg: `is not "", "gz" or "snappy"`}
	}
	for _, id := range c.serverIDsAll() {
		if err := c.Servers[id].validate(file); err != nil {
			return err
		}
	}
	if c.ExtendedTypesEnabled && c.HasMyID && c.MyID > MaxExtendedServerID {
		return &Error{File: file, Key: "extendedTypesEnabled", Msg: fmt.Sprintf("is true but server id %d is larger than %d", c.MyID, MaxExtendedServerID)}
	}
	if c.Distributed() {
		// QuorumPeerConfig.checkValidity, and QuorumPeer's own-id check.
		if c.InitLimit == 0 {
			return missing("initLimit", "is not set (an ensemble needs it)")
		}
		if c.SyncLimit == 0 {
			return missing("syncLimit", "is not set (an ensemble needs it)")
		}
		if !c.HasMyID {
			return &Error{File: c.DataDir + "/myid", Msg: "is missing (an ensemble member needs its id)"}
		}
		if _, ok := c.Servers[c.MyID]; !ok {
			return &Error{File: c.DataDir + "/myid", Msg: fmt.Sprintf("server id %d is not in the servers list (%v)", c.MyID, c.serverIDsAll())}
		}
	}
	return nil
}

func (s Server) validate(file string) error {
	key := fmt.Sprintf("server.%d", s.ID)
	for _, p := range []struct {
		name string
		v    int
	}{{"quorum port", s.QuorumPort}, {"election port", s.ElectionPort}, {"client port", s.ClientPort}} {
		if p.v < 0 || p.v > 65535 {
			return &Error{File: file, Key: key, Msg: fmt.Sprintf("%s %d is not a port number", p.name, p.v)}
		}
	}
	if s.Type != PeerParticipant && s.Type != PeerObserver {
		return &Error{File: file, Key: key, Value: s.Type, HasValue: true, Msg: "is not a peer type (participant or observer)"}
	}
	if s.Host == "" {
		return &Error{File: file, Key: key, Msg: "has no host"}
	}
	if s.QuorumPort == s.ElectionPort {
		return &Error{File: file, Key: key, Msg: fmt.Sprintf("uses port %d for quorum and election; they must differ", s.QuorumPort)}
	}
	return nil
}

func (c *ZooConfig) serverIDsAll() []int64 {
	ids := make([]int64, 0, len(c.Servers))
	for id := range c.Servers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
