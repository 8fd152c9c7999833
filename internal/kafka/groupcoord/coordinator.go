package groupcoord

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group"
)

// Log is the coordinator's view of the __consumer_offsets partitions: the
// replica manager in a broker (ReplicaLog), an in-memory double in tests.
type Log interface {
	// Append appends batch to partition as its leader with acks=all and
	// calls done once, from any goroutine, when the batch is durable (err
	// nil) or failed. Appends to one partition are made in call order.
	Append(partition int32, batch []byte, done func(err error))
	// Read returns whole batches of partition from offset from up to the
	// high watermark (at most about maxBytes, at least one batch), and the
	// high watermark. An empty result at the high watermark ends a load.
	Read(partition int32, from int64, maxBytes int32) (data []byte, highWatermark int64, err error)
}

// Config is the coordinator's configuration.
type Config struct {
	// Partitions is offsets.topic.num.partitions (default 50).
	Partitions int32
	// Group holds the group.* and offsets.* settings the shards use
	// (offset expiry runs every offsets.retention.check.interval.ms from
	// each shard's own timer).
	Group group.Config
	// LoadBatchBytes bounds each read of a partition being loaded.
	LoadBatchBytes int32
}

// Shard status.
const (
	shardLoading int32 = iota
	shardActive
)

// Coordinator runs the group coordinator's shards: one group.Shard per
// __consumer_offsets partition this broker leads (GroupCoordinatorService
// over CoordinatorRuntime). It loads a shard by replaying its partition
// when the broker becomes the partition's leader, unloads it when the
// broker stops leading it, runs each operation on its shard under the
// shard's lock, appends the records an operation returns as one batch
// and sends the operation's replies once that batch — and every batch
// appended before it — is durable. A failed append unloads the shard and
// loads it again from the log: the in-memory state may have run ahead of
// what was written (Kafka reverts to its last committed snapshot).
//
// Lock order: shardState.mu, then Coordinator.mu. Replies are delivered
// with no lock held.
type Coordinator struct {
	cfg    Config
	log    Log
	logger *slog.Logger
	now    func() int64 // ms

	mu     sync.Mutex
	shards map[int32]*shardState
	closed bool

	wg sync.WaitGroup // loads

	topics atomic.Pointer[func() group.TopicsView] // the metadata view shards assign from
}

// New returns a coordinator that leads no partition yet. now is the
// clock in ms (time.Now().UnixMilli in a broker).
func New(cfg Config, l Log, logger *slog.Logger, now func() int64) *Coordinator {
	if cfg.Partitions <= 0 {
		cfg.Partitions = 50
	}
	if cfg.LoadBatchBytes <= 0 {
		cfg.LoadBatchBytes = 5 << 20
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Coordinator{cfg: cfg, log: l, logger: logger, now: now, shards: map[int32]*shardState{}}
}

// Close unloads every shard (waiting operations get NOT_COORDINATOR) and
// waits for loads under way.
func (c *Coordinator) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	shards := make([]*shardState, 0, len(c.shards))
	for p, s := range c.shards {
		shards = append(shards, s)
		delete(c.shards, p)
	}
	c.mu.Unlock()
	for _, s := range shards {
		c.unload(s)
	}
	c.wg.Wait()
}

// SetTopics gives the shards the cluster's topics (for KIP-848 groups'
// assignments): view returns an unchanging view of the current metadata,
// taken again for each operation.
func (c *Coordinator) SetTopics(view func() group.TopicsView) { c.topics.Store(&view) }

// viewTopics hands the shard the current topics; called under s.mu.
func (c *Coordinator) viewTopics(shard *group.Shard) {
	if v := c.topics.Load(); v != nil {
		shard.SetTopicsView((*v)())
	}
}

// OnMetadataChange tells every loaded shard that topics were created,
// deleted or resized (after each UpdateMetadata that changed them).
func (c *Coordinator) OnMetadataChange() {
	for _, p := range c.Shards() {
		c.DoPartition(p, group.OpContext{}, nil, func(s *group.Shard, ctx group.OpContext) group.Result {
			return s.OnMetadataChange(ctx.NowMs)
		})
	}
}

// PartitionFor is the __consumer_offsets partition of a group.
func (c *Coordinator) PartitionFor(groupID string) int32 {
	return PartitionFor(groupID, c.cfg.Partitions)
}

// Partitions is offsets.topic.num.partitions.
func (c *Coordinator) Partitions() int32 { return c.cfg.Partitions }

// ErrorFor says whether this broker can serve a group now: 0, or
// NOT_COORDINATOR (it does not lead the group's partition) or
// COORDINATOR_LOAD_IN_PROGRESS (it is loading it).
func (c *Coordinator) ErrorFor(groupID string) int16 {
	_, code := c.shardOf(c.PartitionFor(groupID))
	return code
}

// shardOf is the partition's shard if it is active, or why not.
func (c *Coordinator) shardOf(partition int32) (*shardState, int16) {
	c.mu.Lock()
	s := c.shards[partition]
	c.mu.Unlock()
	switch {
	case s == nil:
		return nil, kerr.NotCoordinator.Code
	case s.status.Load() != shardActive:
		return nil, kerr.CoordinatorLoadInProgress.Code
	}
	return s, 0
}

// Op is one operation on a shard: it gets the shard and the request's
// context and returns what to write and answer.
type Op func(s *group.Shard, ctx group.OpContext) group.Result

// Do runs op on the shard of the group's partition. reply receives the
// operation's response — now, or later for a JoinGroup or SyncGroup that
// waits — exactly once unless the coordinator is closed first. If the
// broker cannot serve the group, Do returns the error code instead
// (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS) and never calls reply.
func (c *Coordinator) Do(groupID string, ctx group.OpContext, reply func(kmsg.Response), op Op) int16 {
	return c.DoPartition(c.PartitionFor(groupID), ctx, reply, op)
}

// DoPartition is Do on a partition's shard (ListGroups visits each).
func (c *Coordinator) DoPartition(partition int32, ctx group.OpContext, reply func(kmsg.Response), op Op) int16 {
	s, code := c.shardOf(partition)
	if code != 0 {
		return code
	}
	s.mu.Lock()
	if s.shard == nil || s.gone {
		s.mu.Unlock()
		return kerr.NotCoordinator.Code
	}
	ctx.Responder = s.register(reply)
	ctx.NowMs = c.now()
	c.viewTopics(s.shard)
	res := op(s.shard, ctx)
	c.apply(s, res, ctx.NowMs)
	return 0
}

// Shards lists the partitions whose shard is loaded.
func (c *Coordinator) Shards() []int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int32, 0, len(c.shards))
	for p, s := range c.shards {
		if s.status.Load() == shardActive {
			out = append(out, p)
		}
	}
	return out
}

// OnLeadershipChange loads the shards of the __consumer_offsets
// partitions this broker now leads and unloads those it follows (the
// replica manager's hook; it must not block).
func (c *Coordinator) OnLeadershipChange(leaders, followers []int32) {
	for _, p := range followers {
		c.mu.Lock()
		s := c.shards[p]
		delete(c.shards, p)
		c.mu.Unlock()
		if s != nil {
			go c.unload(s)
		}
	}
	for _, p := range leaders {
		if p < 0 || p >= c.cfg.Partitions {
			continue
		}
		c.mu.Lock()
		if c.closed || c.shards[p] != nil {
			c.mu.Unlock()
			continue
		}
		s := newShardState(c, p)
		c.shards[p] = s
		c.mu.Unlock()
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.load(s)
		}()
	}
}

// OnPartitionsDeleted removes every group's committed offsets of deleted
// partitions (topic → partitions), on every loaded shard
// (GroupCoordinator.handleDeletedPartitions, after an UpdateMetadata that
// deleted topics). It does not wait for the tombstones to be written.
func (c *Coordinator) OnPartitionsDeleted(deleted map[string][]int32) {
	if len(deleted) == 0 {
		return
	}
	for _, p := range c.Shards() {
		c.DoPartition(p, group.OpContext{}, nil, func(s *group.Shard, ctx group.OpContext) group.Result {
			return s.DeletePartitionOffsets(ctx.NowMs, deleted)
		})
	}
}
