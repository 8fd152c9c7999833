package jute

import "strconv"

// OpCode is a request type (ZooDefs.OpCode).
type OpCode = int32

const (
	OpNotification         OpCode = 0
	OpCreate               OpCode = 1
	OpDelete               OpCode = 2
	OpExists               OpCode = 3
	OpGetData              OpCode = 4
	OpSetData              OpCode = 5
	OpGetACL               OpCode = 6
	OpSetACL               OpCode = 7
	OpGetChildren          OpCode = 8
	OpSync                 OpCode = 9
	OpPing                 OpCode = 11
	OpGetChildren2         OpCode = 12
	OpCheck                OpCode = 13
	OpMulti                OpCode = 14
	OpCreate2              OpCode = 15
	OpReconfig             OpCode = 16
	OpCheckWatches         OpCode = 17
	OpRemoveWatches        OpCode = 18
	OpCreateContainer      OpCode = 19
	OpDeleteContainer      OpCode = 20
	OpCreateTTL            OpCode = 21
	OpMultiRead            OpCode = 22
	OpAuth                 OpCode = 100
	OpSetWatches           OpCode = 101
	OpSASL                 OpCode = 102
	OpGetEphemerals        OpCode = 103
	OpGetAllChildrenNumber OpCode = 104
	OpSetWatches2          OpCode = 105
	OpAddWatch             OpCode = 106
	OpWhoAmI               OpCode = 107
	OpCreateSession        OpCode = -10
	OpCloseSession         OpCode = -11
	OpError                OpCode = -1
)

// Special xids (ClientCnxn).
const (
	XidNotification int32 = -1
	XidPing         int32 = -2
	XidAuth         int32 = -4
	XidSetWatches   int32 = -8
)

// Code is a KeeperException.Code.
type Code int32

const (
	OK                           Code = 0
	SystemError                  Code = -1
	RuntimeInconsistency         Code = -2
	DataInconsistency            Code = -3
	ConnectionLoss               Code = -4
	MarshallingError             Code = -5
	Unimplemented                Code = -6
	OperationTimeout             Code = -7
	BadArguments                 Code = -8
	UnknownSession               Code = -12
	NewConfigNoQuorum            Code = -13
	ReconfigInProgress           Code = -14
	APIError                     Code = -100
	NoNode                       Code = -101
	NoAuth                       Code = -102
	BadVersion                   Code = -103
	NoChildrenForEphemerals      Code = -108
	NodeExists                   Code = -110
	NotEmpty                     Code = -111
	SessionExpired               Code = -112
	InvalidCallback              Code = -113
	InvalidACL                   Code = -114
	AuthFailed                   Code = -115
	SessionMoved                 Code = -118
	NotReadOnly                  Code = -119
	EphemeralOnLocalSession      Code = -120
	NoWatcher                    Code = -121
	RequestTimeout               Code = -122
	ReconfigDisabled             Code = -123
	SessionClosedRequireSASLAuth Code = -124
	QuotaExceeded                Code = -125
	ThrottledOp                  Code = -127
)

var codeMessages = map[Code]string{
	OK:                           "ok",
	SystemError:                  "SystemError",
	RuntimeInconsistency:         "RuntimeInconsistency",
	DataInconsistency:            "DataInconsistency",
	ConnectionLoss:               "ConnectionLoss",
	MarshallingError:             "MarshallingError",
	Unimplemented:                "Unimplemented",
	OperationTimeout:             "OperationTimeout",
	BadArguments:                 "BadArguments",
	UnknownSession:               "UnknownSession",
	NewConfigNoQuorum:            "NewConfigNoQuorum",
	ReconfigInProgress:           "ReconfigInProgress",
	APIError:                     "APIError",
	NoNode:                       "NoNode",
	NoAuth:                       "NoAuth",
	BadVersion:                   "BadVersion",
	NoChildrenForEphemerals:      "NoChildrenForEphemerals",
	NodeExists:                   "NodeExists",
	NotEmpty:                     "Directory not empty",
	SessionExpired:               "Session expired",
	InvalidCallback:              "Invalid callback",
	InvalidACL:                   "InvalidACL",
	AuthFailed:                   "AuthFailed",
	SessionMoved:                 "Session moved",
	NotReadOnly:                  "Not a read-only call",
	EphemeralOnLocalSession:      "Ephemeral node on local session",
	NoWatcher:                    "No such watcher",
	RequestTimeout:               "RequestTimeout",
	ReconfigDisabled:             "Reconfig is disabled",
	SessionClosedRequireSASLAuth: "Session closed because client failed to authenticate",
	QuotaExceeded:                "Quota has exceeded",
	ThrottledOp:                  "Op throttled due to high load",
}

// Message is KeeperException.getCodeMessage: "NoNode", "Directory not empty", ...
func (c Code) Message() string {
	if m, ok := codeMessages[c]; ok {
		return m
	}
	return "Unknown error " + strconv.Itoa(int(c))
}

// Error formats the code as KeeperException.getMessage does without a path:
// "KeeperErrorCode = NoNode". A Code is an error so handlers can return it.
func (c Code) Error() string { return "KeeperErrorCode = " + c.Message() }

// ErrorFor formats the code with a path: "KeeperErrorCode = NoNode for /a".
func (c Code) ErrorFor(path string) string { return c.Error() + " for " + path }

// EventType is Watcher.Event.EventType.
type EventType = int32

const (
	EventNone                   EventType = -1
	EventNodeCreated            EventType = 1
	EventNodeDeleted            EventType = 2
	EventNodeDataChanged        EventType = 3
	EventNodeChildrenChanged    EventType = 4
	EventDataWatchRemoved       EventType = 5
	EventChildWatchRemoved      EventType = 6
	EventPersistentWatchRemoved EventType = 7
)

// KeeperState is Watcher.Event.KeeperState.
type KeeperState = int32

const (
	StateUnknown           KeeperState = -1
	StateDisconnected      KeeperState = 0
	StateNoSyncConnected   KeeperState = 1
	StateSyncConnected     KeeperState = 3
	StateAuthFailed        KeeperState = 4
	StateConnectedReadOnly KeeperState = 5
	StateSaslAuthenticated KeeperState = 6
	StateExpired           KeeperState = -112
	StateClosed            KeeperState = 7
)

// WatcherType is used by checkWatches and removeWatches.
const (
	WatcherChildren            int32 = 1
	WatcherData                int32 = 2
	WatcherAny                 int32 = 3
	WatcherPersistent          int32 = 4
	WatcherPersistentRecursive int32 = 5
)

// AddWatch modes.
const (
	AddWatchPersistent          int32 = 0
	AddWatchPersistentRecursive int32 = 1
)

// Permissions (ZooDefs.Perms).
const (
	PermRead   int32 = 1
	PermWrite  int32 = 2
	PermCreate int32 = 4
	PermDelete int32 = 8
	PermAdmin  int32 = 16
	PermAll    int32 = 31
)

// CreateMode flags.
const (
	ModePersistent                  int32 = 0
	ModeEphemeral                   int32 = 1
	ModePersistentSequential        int32 = 2
	ModeEphemeralSequential         int32 = 3
	ModeContainer                   int32 = 4
	ModePersistentWithTTL           int32 = 5
	ModePersistentSequentialWithTTL int32 = 6
)

// OpName returns the name ZooKeeper's logs and four-letter words use for an opcode.
func OpName(op OpCode) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	return "unknown " + strconv.Itoa(int(op))
}

var opNames = map[OpCode]string{
	OpNotification: "notification", OpCreate: "create", OpDelete: "delete", OpExists: "exists",
	OpGetData: "getData", OpSetData: "setData", OpGetACL: "getACL", OpSetACL: "setACL",
	OpGetChildren: "getChildren", OpSync: "sync", OpPing: "ping", OpGetChildren2: "getChildren2",
	OpCheck: "check", OpMulti: "multi", OpCreate2: "create2", OpReconfig: "reconfig",
	OpCheckWatches: "checkWatches", OpRemoveWatches: "removeWatches", OpCreateContainer: "createContainer",
	OpDeleteContainer: "deleteContainer", OpCreateTTL: "createTTL", OpMultiRead: "multiRead",
	OpAuth: "auth", OpSetWatches: "setWatches", OpSASL: "sasl", OpGetEphemerals: "getEphemerals",
	OpGetAllChildrenNumber: "getAllChildrenNumber", OpSetWatches2: "setWatches2", OpAddWatch: "addWatch",
	OpWhoAmI: "whoAmI", OpCreateSession: "createSession", OpCloseSession: "closeSession", OpError: "error",
}
