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

	// responders are the reply functions of the shard's requests not
	// answered yet, under the ids the shard knows them by; a request the
	// shard forgets unanswered (Result.Forgotten: a parked JoinGroup or
	// SyncGroup its member's next one displaced) is dropped at once.
	responders    map[group.Responder]func(kmsg.Response)
	lastResponder group.Responder

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
	answers []answer
}

// answer is a reply bound to its request's reply function.
type answer struct {
	fn   func(kmsg.Response)
	resp kmsg.Response
}

func newShardState(c *Coordinator, p int32) *shardState {
	s := &shardState{c: c, partition: p, timers: map[string]*time.Timer{}, done: map[uint64]bool{},
		responders: map[group.Responder]func(kmsg.Response){}}
	s.status.Store(shardLoading)
	return s
}

// register keeps a request's reply function under a new responder id.
// Called under s.mu.
func (s *shardState) register(reply func(kmsg.Response)) group.Responder {
	if reply == nil {
		return 0
	}
	s.lastResponder++
	s.responders[s.lastResponder] = reply
	return s.lastResponder
}

// take binds replies to their requests' reply functions, each request
// answered once (a reply to a request already answered, or to none, is
// dropped). Called under s.mu.
func (s *shardState) take(replies []group.Reply) []answer {
	var out []answer
	for _, r := range replies {
		if fn := s.responders[r.To]; fn != nil {
			delete(s.responders, r.To)
			out = append(out, answer{fn, r.Resp})
		}
	}
	return out
}

// deliver sends answers, with no lock held.
func deliver(answers []answer) {
	for _, a := range answers {
		a.fn(a.resp)
	}
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
	now := c.now()
	c.apply(s, shard.OnLoaded(now), now) // releases s.mu
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
	var answers []answer
	if s.shard != nil {
		answers = s.take(s.shard.Unload())
		s.shard = nil
	}
	s.responders = nil // no reply can reach the rest now
	s.status.Store(shardLoading)
	s.mu.Unlock()
	deliver(answers)
}

// apply appends res's records (if any), stamped with nowMs (the time the
// operation ran), and queues its replies behind every append issued so
// far. Called with s.mu held; releases it.
func (c *Coordinator) apply(s *shardState, res group.Result, nowMs int64) {
	answers := s.take(res.Replies)
	for _, r := range res.Forgotten {
		delete(s.responders, r)
	}
	if len(res.Records) > 0 {
		batch, err := encodeBatch(res.Records, nowMs)
		if err != nil {
			// A record the codec refuses is a shard bug: answer with
			// errors, and reload the state from the log.
			c.logger.Error("encoding group records", "partition", s.partition, "err", err)
			s.mu.Unlock()
			deliver(failAnswers(answers, kerr.UnknownServerError.Code))
			c.reload(s)
			return
		}
		s.issued++
		seq := s.issued
		s.waiting = append(s.waiting, waitingReplies{after: seq, answers: answers})
		s.mu.Unlock()
		c.log.Append(s.partition, batch, func(err error) { c.appended(s, seq, err) })
		return
	}
	if len(answers) == 0 {
		s.mu.Unlock()
		return
	}
	if s.durable >= s.issued {
		s.mu.Unlock()
		deliver(answers)
		return
	}
	s.waiting = append(s.waiting, waitingReplies{after: s.issued, answers: answers})
	s.mu.Unlock()
}

// appended completes append seq: replies whose appends are all durable
// leave; on failure, the replies waiting on it or later appends become
// errors and the shard is reloaded from the log.
func (c *Coordinator) appended(s *shardState, seq uint64, err error) {
	s.mu.Lock()
	if err != nil {
		c.logger.Warn("appending group records failed; reloading the partition's groups", "partition", s.partition, "err", err)
		var failed []answer
		for _, w := range s.waiting {
			failed = append(failed, w.answers...)
		}
		s.waiting = nil
		s.mu.Unlock()
		deliver(failAnswers(failed, appendErrorCode(err)))
		c.reload(s)
		return
	}
	s.done[seq] = true
	for s.done[s.durable+1] {
		delete(s.done, s.durable+1)
		s.durable++
	}
	var ready []answer
	n := 0
	for _, w := range s.waiting {
		if w.after > s.durable {
			break
		}
		ready = append(ready, w.answers...)
		n++
	}
	s.waiting = s.waiting[n:]
	s.mu.Unlock()
	deliver(ready)
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
		now := s.c.now()
		s.c.apply(s, op(now), now)
	})
	s.timers[key] = tm
}

func (t shardTimer) Cancel(key string) {
	if old := t.s.timers[key]; old != nil {
		old.Stop()
		delete(t.s.timers, key)
	}
}

// failAnswers turns answers into error responses with code.
func failAnswers(answers []answer, code int16) []answer {
	for i := range answers {
		answers[i].resp = errorResponse(answers[i].resp, code)
	}
	return answers
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
