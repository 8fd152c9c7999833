package client

import (
	"strconv"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// NoZxid is the zxid of events that no transaction caused (session events,
// removed-watch events) and of every event from a server older than 3.9.
const NoZxid int64 = -1

// Event is a watch notification or a session event (Type == jute.EventNone),
// Java's WatchedEvent.
type Event struct {
	Type  jute.EventType   // jute.EventNone, jute.EventNodeCreated, ...
	State jute.KeeperState // jute.StateSyncConnected, jute.StateDisconnected, ...
	Path  string           // client path (chroot stripped); "" for session events
	Zxid  int64            // zxid of the triggering transaction, or NoZxid
}

// String formats the event as ZooKeeper 3.9's WatchedEvent.toString does:
// "WatchedEvent state:SyncConnected type:NodeDataChanged path:/a zxid: 5".
func (e Event) String() string {
	path := e.Path
	if path == "" {
		path = "null"
	}
	return "WatchedEvent state:" + KeeperStateName(e.State) + " type:" + EventTypeName(e.Type) +
		" path:" + path + " zxid: " + strconv.FormatInt(e.Zxid, 10)
}

var eventTypeNames = map[jute.EventType]string{
	jute.EventNone:                   "None",
	jute.EventNodeCreated:            "NodeCreated",
	jute.EventNodeDeleted:            "NodeDeleted",
	jute.EventNodeDataChanged:        "NodeDataChanged",
	jute.EventNodeChildrenChanged:    "NodeChildrenChanged",
	jute.EventDataWatchRemoved:       "DataWatchRemoved",
	jute.EventChildWatchRemoved:      "ChildWatchRemoved",
	jute.EventPersistentWatchRemoved: "PersistentWatchRemoved",
}

// EventTypeName is the Java enum name of an event type ("NodeDataChanged").
func EventTypeName(t jute.EventType) string {
	if n, ok := eventTypeNames[t]; ok {
		return n
	}
	return "Unknown(" + strconv.Itoa(int(t)) + ")"
}

var keeperStateNames = map[jute.KeeperState]string{
	jute.StateUnknown:           "Unknown",
	jute.StateDisconnected:      "Disconnected",
	jute.StateNoSyncConnected:   "NoSyncConnected",
	jute.StateSyncConnected:     "SyncConnected",
	jute.StateAuthFailed:        "AuthFailed",
	jute.StateConnectedReadOnly: "ConnectedReadOnly",
	jute.StateSaslAuthenticated: "SaslAuthenticated",
	jute.StateExpired:           "Expired",
	jute.StateClosed:            "Closed",
}

// KeeperStateName is the Java enum name of a keeper state ("SyncConnected").
func KeeperStateName(s jute.KeeperState) string {
	if n, ok := keeperStateNames[s]; ok {
		return n
	}
	return "Unknown(" + strconv.Itoa(int(s)) + ")"
}

// State is the client's connection state, Java's ZooKeeper.States.
type State int32

const (
	StateNotConnected State = iota
	StateConnecting
	StateConnected
	StateConnectedReadOnly
	StateClosed
	StateAuthFailed
)

var stateNames = [...]string{"NOT_CONNECTED", "CONNECTING", "CONNECTED", "CONNECTEDREADONLY", "CLOSED", "AUTH_FAILED"}

// String is the Java enum name, as zkCli's prompt shows it.
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "UNKNOWN"
}

// Alive reports whether the client can still connect: not closed, expired or
// failed authentication.
func (s State) Alive() bool { return s != StateClosed && s != StateAuthFailed }

// Connected reports whether a session is established on a live connection.
func (s State) Connected() bool { return s == StateConnected || s == StateConnectedReadOnly }

// WatcherType selects watches for RemoveWatches (Watcher.WatcherType).
type WatcherType int32

const (
	WatcherChildren            = WatcherType(jute.WatcherChildren)
	WatcherData                = WatcherType(jute.WatcherData)
	WatcherAny                 = WatcherType(jute.WatcherAny)
	WatcherPersistent          = WatcherType(jute.WatcherPersistent)
	WatcherPersistentRecursive = WatcherType(jute.WatcherPersistentRecursive)
)

// AddWatchMode is the mode of a persistent watch (AddWatchMode).
type AddWatchMode int32

const (
	AddWatchPersistent          = AddWatchMode(jute.AddWatchPersistent)
	AddWatchPersistentRecursive = AddWatchMode(jute.AddWatchPersistentRecursive)
)

// String is the Java enum name ("PERSISTENT_RECURSIVE").
func (m AddWatchMode) String() string {
	switch m {
	case AddWatchPersistent:
		return "PERSISTENT"
	case AddWatchPersistentRecursive:
		return "PERSISTENT_RECURSIVE"
	}
	return "UNKNOWN"
}

// CreateMode is a znode's kind (CreateMode), sent as the create flags.
type CreateMode int32

const (
	ModePersistent                  = CreateMode(jute.ModePersistent)
	ModeEphemeral                   = CreateMode(jute.ModeEphemeral)
	ModePersistentSequential        = CreateMode(jute.ModePersistentSequential)
	ModeEphemeralSequential         = CreateMode(jute.ModeEphemeralSequential)
	ModeContainer                   = CreateMode(jute.ModeContainer)
	ModePersistentWithTTL           = CreateMode(jute.ModePersistentWithTTL)
	ModePersistentSequentialWithTTL = CreateMode(jute.ModePersistentSequentialWithTTL)
)

var modeNames = [...]string{"PERSISTENT", "EPHEMERAL", "PERSISTENT_SEQUENTIAL", "EPHEMERAL_SEQUENTIAL",
	"CONTAINER", "PERSISTENT_WITH_TTL", "PERSISTENT_SEQUENTIAL_WITH_TTL"}

func (m CreateMode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "UNKNOWN"
}

// Valid reports whether m is one of the seven modes.
func (m CreateMode) Valid() bool { return m >= 0 && int(m) < len(modeNames) }

// Sequential reports whether the server appends a sequence number.
func (m CreateMode) Sequential() bool {
	return m == ModePersistentSequential || m == ModeEphemeralSequential || m == ModePersistentSequentialWithTTL
}

// Ephemeral reports whether the znode dies with the session.
func (m CreateMode) Ephemeral() bool { return m == ModeEphemeral || m == ModeEphemeralSequential }

// Container reports whether m is a container znode.
func (m CreateMode) Container() bool { return m == ModeContainer }

// TTL reports whether the znode has a time to live.
func (m CreateMode) TTL() bool {
	return m == ModePersistentWithTTL || m == ModePersistentSequentialWithTTL
}
