package groupcoord

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group"
	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

// shardState is one partition's shard and what the runtime keeps around
// it: its timers and the replies waiting for appends to become durable.
type shardState struct {
	c         *Coordinator
	partition int32
	status    atomic.Int32

	mu     sync.Mutex
	shard  *group.Shard // nil while loading
	gone   bool         // unloaded: operations and timers are refused
	timers map[string]*time.Timer

	// Replies leave in the order their operations ran, each once every
	// append issued before it (its own included) is durable: issued
	// counts appends made, durable the prefix of them completed, done the
	// completions that arrived out of order.
	issued, durable uint64
	done            map[uint64]bool
	waiting         []waitingReplies
}

type waitingReplies struct {
	after   uint64 // the append that must be durable first
	replies []group.Reply
}

func newShardState(c *Coordinator, p int32) *shardState {
	s := &shardState{c: c, partition: p, timers: map[string]*time.Timer{}, done: map[uint64]bool{}}
	s.status.Store(shardLoading)
	return s
}

// load replays the partition into a new shard and makes it active, unless
// the shard was unloaded meanwhile.
func (c *Coordinator) load(s *shardState) {
	shard := group.NewShard(c.cfg.Group, shardTimer{s}, c.logger.With("partition", s.partition))
	start := time.Now()
	var from int64
	n, skipped := 0, 0
	fail := func(err error) {
		c.logger.Error("loading the groups of "+OffsetsTopic+" failed: its groups stay unavailable", "partition", s.partition, "err", err)
		c.mu.Lock()
		if c.shards[s.partition] == s {
			delete(c.shards, s.partition)
		}
		c.mu.Unlock()
		s.mu.Lock()
		s.gone = true
		s.mu.Unlock()
	}
	for {
		data, hw, err := c.log.Read(s.partition, from, c.cfg.LoadBatchBytes)
		if err != nil {
			fail(err)
			return
		}
		if len(data) == 0 || from >= hw {
			break
		}
		// Replayed under the shard's lock: replay may schedule timers.
		s.mu.Lock()
		if s.gone {
			s.mu.Unlock()
			return
		}
		next, err := decodeBatches(data, func(offset int64, rec records.Record) error {
			n++
			err := shard.Replay(rec)
			if errors.Is(err, group.ErrUnsupportedRecord) {
				// A record the shard refuses (a consumer group record for
				// an id a classic group holds): skipped, as Kafka skips
				// records it cannot apply.
				skipped++
				return nil
			}
			return err
		})
		s.mu.Unlock()
		if err == nil && next <= from {
			err = fmt.Errorf("%w: a read at offset %d made no progress", ErrCorrupt, from)
		}
		if err != nil {
			fail(err)
			return
		}
		from = next
	}
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		return
	}
	s.shard = shard
	s.status.Store(shardActive)
	c.viewTopics(shard)
	c.apply(s, shard.OnLoaded(c.now())) // releases s.mu
	c.logger.Info("Finished loading offsets and group metadata", "partition", OffsetsTopic+"-"+strconv.Itoa(int(s.partition)), "records", n, "skipped", skipped, "took", time.Since(start).Round(time.Millisecond))
}

// unload drops the shard: its timers stop, operations waiting for other
// members get NOT_COORDINATOR (group.Shard.Unload), and replies waiting for
// an append are sent as they are once it completes (their records were
// written or the append's failure turns them into errors).
func (c *Coordinator) unload(s *shardState) {
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		return
	}
	s.gone = true
	for k, t := range s.timers {
		t.Stop()
		delete(s.timers, k)
	}
	var replies []group.Reply
	if s.shard != nil {
		replies = s.shard.Unload()
		s.shard = nil
	}
	s.status.Store(shardLoading)
	s.mu.Unlock()
	c.deliver(replies)
}

// apply appends res's records (if any) and queues its replies behind
// every append issued so far. Called with s.mu held; releases it.
func (c *Coordinator) apply(s *shardState, res group.Result) {
	if len(res.Records) > 0 {
		batch, err := encodeBatch(res.Records, c.now())
		if err != nil {
			// A record the codec refuses is a shard bug: answer with
			// errors, and reload the state from the log.
			c.logger.Error("encoding group records", "partition", s.partition, "err", err)
			s.mu.Unlock()
			c.deliver(failReplies(res.Replies, kerr.UnknownServerError.Code))
			c.reload(s)
			return
		}
		s.issued++
		seq := s.issued
		s.waiting = append(s.waiting, waitingReplies{after: seq, replies: res.Replies})
		s.mu.Unlock()
		c.log.Append(s.partition, batch, func(err error) { c.appended(s, seq, err) })
		return
	}
	if len(res.Replies) == 0 {
		s.mu.Unlock()
		return
	}
	if s.durable >= s.issued {
		s.mu.Unlock()
		c.deliver(res.Replies)
		return
	}
	s.waiting = append(s.waiting, waitingReplies{after: s.issued, replies: res.Replies})
	s.mu.Unlock()
}

// appended completes append seq: replies whose appends are all durable
// leave; on failure, the replies waiting on it or later appends become
// errors and the shard is reloaded from the log.
func (c *Coordinator) appended(s *shardState, seq uint64, err error) {
	s.mu.Lock()
	if err != nil {
		c.logger.Warn("appending group records failed; reloading the partition's groups", "partition", s.partition, "err", err)
		var failed []group.Reply
		for _, w := range s.waiting {
			failed = append(failed, w.replies...)
		}
		s.waiting = nil
		s.mu.Unlock()
		c.deliver(failReplies(failed, appendErrorCode(err)))
		c.reload(s)
		return
	}
	s.done[seq] = true
	for s.done[s.durable+1] {
		delete(s.done, s.durable+1)
		s.durable++
	}
	var ready []group.Reply
	n := 0
	for _, w := range s.waiting {
		if w.after > s.durable {
			break
		}
		ready = append(ready, w.replies...)
		n++
	}
	s.waiting = s.waiting[n:]
	s.mu.Unlock()
	c.deliver(ready)
}

// reload unloads s and, if the broker still leads the partition, loads it
// again from the log.
func (c *Coordinator) reload(s *shardState) {
	c.mu.Lock()
	current := c.shards[s.partition] == s
	if current {
		delete(c.shards, s.partition)
	}
	c.mu.Unlock()
	c.unload(s)
	if current {
		c.OnLeadershipChange([]int32{s.partition}, nil)
	}
}

// appendErrorCode maps a failed append to the error the coordinator
// answers (CoordinatorRuntime's write errors: a partition that moved is
// NOT_COORDINATOR, anything else COORDINATOR_NOT_AVAILABLE).
func appendErrorCode(err error) int16 {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		switch ke.Code {
		case kerr.NotLeaderForPartition.Code, kerr.UnknownTopicOrPartition.Code, kerr.KafkaStorageError.Code:
			return kerr.NotCoordinator.Code
		case kerr.MessageTooLarge.Code, kerr.RecordListTooLarge.Code, kerr.InvalidFetchSize.Code:
			return kerr.UnknownServerError.Code
		}
	}
	return kerr.CoordinatorNotAvailable.Code
}

// shardTimer is the group.Timer of one shard: real timers whose
// operations run under the shard's lock, and only while the shard is
// loaded; scheduling a key again replaces its timer.
type shardTimer struct{ s *shardState }

func (t shardTimer) Schedule(key string, delayMs int64, op func(nowMs int64) group.Result) {
	s := t.s
	// Called by the shard under s.mu (an operation or a timer).
	if old := s.timers[key]; old != nil {
		old.Stop()
	}
	var tm *time.Timer
	tm = time.AfterFunc(time.Duration(max(delayMs, 0))*time.Millisecond, func() {
		s.mu.Lock()
		if s.gone || s.shard == nil || s.timers[key] != tm {
			s.mu.Unlock()
			return
		}
		delete(s.timers, key)
		s.c.viewTopics(s.shard)
		res := op(s.c.now())
		s.c.apply(s, res)
	})
	s.timers[key] = tm
}

func (t shardTimer) Cancel(key string) {
	if old := t.s.timers[key]; old != nil {
		old.Stop()
		delete(t.s.timers, key)
	}
}

// failReplies turns replies into error responses with code.
func failReplies(replies []group.Reply, code int16) []group.Reply {
	out := make([]group.Reply, len(replies))
	for i, r := range replies {
		out[i] = group.Reply{To: r.To, Resp: errorResponse(r.Resp, code)}
	}
	return out
}

// errorResponse sets code as the error of every part of resp that
// reports one (a response whose write failed).
func errorResponse(resp kmsg.Response, code int16) kmsg.Response {
	switch r := resp.(type) {
	case *kmsg.JoinGroupResponse:
		r.ErrorCode = code
	case *kmsg.SyncGroupResponse:
		r.ErrorCode = code
		r.MemberAssignment = nil
	case *kmsg.HeartbeatResponse:
		r.ErrorCode = code
	case *kmsg.LeaveGroupResponse:
		r.ErrorCode = code
	case *kmsg.OffsetCommitResponse:
		for i := range r.Topics {
			for j := range r.Topics[i].Partitions {
				r.Topics[i].Partitions[j].ErrorCode = code
			}
		}
	case *kmsg.OffsetDeleteResponse:
		r.ErrorCode = code
	case *kmsg.DeleteGroupsResponse:
		for i := range r.Groups {
			r.Groups[i].ErrorCode = code
		}
	case *kmsg.ConsumerGroupHeartbeatResponse:
		r.ErrorCode = code
	}
	return resp
}
