package group

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Responder identifies the request a reply answers. It is opaque to the
// shard: the runtime hands one in with each request (OpContext) and gets it
// back in a Reply, possibly from a later operation (a parked JoinGroup or
// SyncGroup is answered when another member's request or a timer completes
// the rebalance).
type Responder uint64

// OpContext is what the runtime knows about the request being served.
type OpContext struct {
	NowMs     int64
	Responder Responder
	// Version is the request's API version; replies carry it.
	Version int16
	// ClientID and ClientHost are the request header's client id and the
	// peer's address as Kafka prints it ("/127.0.0.1").
	ClientID, ClientHost string
}

// Reply is a response to send to To once the Result's records are durable.
type Reply struct {
	To   Responder
	Resp kmsg.Response
}

// Result is what an operation asks of the runtime: append Records to the
// partition as one batch, then send Replies. The shard has already applied
// the records to its own state (optimistically, as Kafka's timeline
// structures do); if the append fails the runtime must discard the shard and
// reload it from the log.
//
// Forgotten lists requests the shard will never answer: a parked JoinGroup
// or SyncGroup that its member's newer request displaced, or whose member
// was removed (Kafka drops such a request's future unanswered too; its
// client times it out). The runtime may release what it holds for them.
type Result struct {
	Records   []Record
	Replies   []Reply
	Forgotten []Responder
}

// Timer is the shard's clock for deferred work (Kafka's CoordinatorTimer).
// Scheduling a key again replaces the earlier operation; the runtime runs an
// operation at or after its deadline, in the shard's goroutine, with the time
// it runs at, and processes its Result like any other.
type Timer interface {
	Schedule(key string, delayMs int64, op func(nowMs int64) Result)
	Cancel(key string)
}

// GroupType is a group's protocol family as ListGroups names it.
type GroupType string

// Group types: classic groups (JoinGroup/SyncGroup) and KIP-848 consumer
// groups (ConsumerGroupHeartbeat).
const (
	TypeClassic  GroupType = "classic"
	TypeConsumer GroupType = "consumer"
)

// Group is one group of the shard, whatever its protocol.
type Group interface {
	ID() string
	Type() GroupType
	// StateName is the state as DescribeGroups and ListGroups spell it.
	StateName() string
	// IsEmpty reports whether the group has no members (it may be deleted).
	IsEmpty() bool
}

// Shard is the state of the groups of one __consumer_offsets partition:
// their membership and their committed offsets. It is a pure state machine
// driven by one goroutine: requests, timer operations and Replay.
type Shard struct {
	cfg     Config
	timer   Timer
	log     *slog.Logger
	groups  map[string]Group
	offsets offsetStore
	newUUID func() [16]byte
	topics  TopicsView
}

// NewShard returns an empty shard. cfg should have passed Validate.
func NewShard(cfg Config, timer Timer, logger *slog.Logger) *Shard {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Shard{
		cfg:     cfg,
		timer:   timer,
		log:     logger,
		groups:  make(map[string]Group),
		offsets: offsetStore{},
		newUUID: randomUUID,
		topics:  TopicsMap{},
	}
}

// SetUUIDSource replaces the random source of generated member ids (tests
// and simulations want them deterministic).
func (s *Shard) SetUUIDSource(f func() [16]byte) { s.newUUID = f }

func randomUUID() (u [16]byte) {
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// uuidString formats as java.util.UUID.toString does.
func uuidString(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// op accumulates the Result of one operation and carries its time.
type op struct {
	now int64
	out Result
}

func (o *op) reply(to Responder, resp kmsg.Response) {
	o.out.Replies = append(o.out.Replies, Reply{To: to, Resp: resp})
}

// forget records that a parked request (nil: none) will not be answered.
func (o *op) forget(p *parked) {
	if p != nil && p.to != 0 {
		o.out.Forgotten = append(o.out.Forgotten, p.to)
	}
}

// emit appends a record to the result. Records that Kafka replays into the
// live shard (offsets, tombstones) are applied here too; a classic group's
// metadata record only persists state the shard already holds, so it is
// not replayed (Kafka's replayRecords=false).
func (s *Shard) emit(o *op, rec Record, replay bool) {
	o.out.Records = append(o.out.Records, rec)
	if replay {
		if err := s.Replay(rec); err != nil {
			s.log.Error("group: replaying own record", "err", err)
		}
	}
}

// emitAll emits records that are replayed into the shard, in order.
func (s *Shard) emitAll(o *op, recs ...Record) {
	for _, rec := range recs {
		s.emit(o, rec, true)
	}
}

// Group returns the group with the given id, or nil.
func (s *Shard) Group(id string) Group { return s.groups[id] }

// GroupIDs returns the ids of the shard's groups, sorted.
func (s *Shard) GroupIDs() []string {
	return slices.Sorted(maps.Keys(s.groups))
}

// classic returns the classic group with the given id, or nil if there is
// none or it is of another type.
func (s *Shard) classic(id string) *classicGroup {
	g, _ := s.groups[id].(*classicGroup)
	return g
}

// classicOrCreate returns the classic group, creating an empty one (Kafka's
// getOrMaybeCreateClassicGroup with createIfNotExists). ok is false when a
// group of another type holds the id.
func (s *Shard) classicOrCreate(id string, now int64) (*classicGroup, bool) {
	switch existing := s.groups[id].(type) {
	case nil:
		g := newClassicGroup(id, now)
		s.groups[id] = g
		return g, true
	case *classicGroup:
		return existing, true
	default:
		return nil, false
	}
}

// OnLoaded is called once the runtime has replayed the partition: it starts
// the members' session timers (and the revocation timers of consumer group
// members asked to revoke partitions) and the periodic offset expiry, and
// rebalances a classic group larger than group.max.size (Kafka's onLoaded).
func (s *Shard) OnLoaded(nowMs int64) Result {
	o := &op{now: nowMs}
	for _, id := range s.GroupIDs() {
		if cg := s.consumer(id); cg != nil {
			s.onLoadedConsumer(cg)
			continue
		}
		g := s.classic(id)
		if g == nil {
			continue
		}
		for _, m := range g.members() {
			s.scheduleHeartbeat(g, m, int64(m.sessionTimeoutMs))
		}
		if int32(g.numMembers()) > s.cfg.MaxSize {
			s.prepareRebalance(o, g, "loaded group is over group.max.size")
		}
	}
	s.scheduleCleanup()
	return o.out
}

const cleanupKey = "cleanup-group-metadata"

func (s *Shard) scheduleCleanup() {
	s.timer.Schedule(cleanupKey, s.cfg.OffsetsRetentionCheckIntervalMs, func(now int64) Result {
		r := s.CleanupExpiredOffsets(now)
		s.scheduleCleanup()
		return r
	})
}

// Unload is called when the shard stops being the partition's coordinator:
// every parked JoinGroup and SyncGroup gets NOT_COORDINATOR, every group
// becomes Dead, and the timers are cancelled. The shard is not used again.
func (s *Shard) Unload() []Reply {
	o := &op{}
	for _, id := range s.GroupIDs() {
		if g := s.classic(id); g != nil {
			s.unloadClassic(o, g)
		}
		if g := s.consumer(id); g != nil {
			s.unloadConsumer(g)
		}
	}
	s.timer.Cancel(cleanupKey)
	return o.out.Replies
}
