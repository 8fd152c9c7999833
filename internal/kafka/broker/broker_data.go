package broker

import (
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/partition"
	"github.com/wharf-project/wharf/internal/metrics"
)

// This file holds what the data-path handlers (00_produce.go, 01_fetch.go,
// 02_list_offsets.go, 21_delete_records.go, 22_init_producer_id.go,
// 23_offset_for_leader_epoch.go, 35_describe_log_dirs.go) share: the
// state they keep across requests (the fetch session cache), the leader
// hints of KIP-951, and the per-topic meters.

// dataState is the data-path handlers' state on one Broker. It lives in a
// side table keyed by a weak pointer to the Broker (so that it goes with
// the Broker) until the Broker struct gets a field for it.
type dataState struct {
	once     sync.Once
	sessions *fetchSessionCache
	// now is the clock of the fetch sessions (ms); tests replace it.
	now func() int64
}

var dataStates sync.Map // weak.Pointer[Broker] -> *dataState

func (b *Broker) dataState() *dataState {
	key := weak.Make(b)
	if v, ok := dataStates.Load(key); ok {
		return v.(*dataState)
	}
	v, loaded := dataStates.LoadOrStore(key, &dataState{now: func() int64 { return time.Now().UnixMilli() }})
	if !loaded {
		runtime.AddCleanup(b, func(k weak.Pointer[Broker]) { dataStates.Delete(k) }, key)
	}
	return v.(*dataState)
}

// fetchSessions is the broker's fetch session cache, sized by
// max.incremental.fetch.session.cache.slots (read once: the key is not
// dynamic in Kafka either).
func (b *Broker) fetchSessions() *fetchSessionCache {
	d := b.dataState()
	d.once.Do(func() {
		slots := defaultFetchSessionSlots
		if b.Config != nil {
			if v, ok := b.Config.Value("max.incremental.fetch.session.cache.slots"); ok {
				switch n := v.(type) {
				case int32:
					slots = int(n)
				case int:
					slots = n
				}
			}
		}
		d.sessions = newFetchSessionCache(slots, minFetchSessionEvictionMs)
	})
	return d.sessions
}

// leaderHint is KafkaApis.getCurrentLeader (KIP-951): the partition's
// leader and epoch as this broker's replica knows them, else as the
// metadata cache does, and the leader's endpoint on the listener if it is
// alive there. leader and epoch are -1 when unknown.
func (b *Broker) leaderHint(snap *meta.Snapshot, tp partition.TopicPartition, listener string) (leader, epoch int32, node meta.Node, ok bool) {
	leader, epoch = -1, -1
	if p, hosted := b.Replicas.Partition(tp); hosted {
		st := p.State()
		leader, epoch = st.Leader, st.LeaderEpoch
	} else if mp, known := snap.Partition(tp.Topic, tp.Partition); known {
		leader, epoch = mp.Leader, mp.LeaderEpoch
	}
	if br, alive := snap.Broker(leader); alive {
		if e, has := br.Endpoint(listener); has {
			return leader, epoch, meta.Node{ID: leader, Host: e.Host, Port: e.Port, Rack: br.Rack}, true
		}
	}
	return leader, epoch, meta.NoNode, false
}

// topicStats are a topic's BrokerTopicMetrics meters.
func (b *Broker) topicStats(topic string) *metrics.Topic {
	if b.Metrics == nil {
		return &metrics.Topic{} // a Broker built without a registry (tests)
	}
	return b.Metrics.Topic(topic)
}

// replicationBytesOut counts record bytes sent to followers.
func (b *Broker) replicationBytesOut(n int64) {
	if b.Metrics != nil {
		b.Metrics.ReplicationBytesOut(n)
	}
}

// nowMs is the data-path handlers' clock.
func (b *Broker) nowMs() int64 { return b.dataState().now() }

// asyncReply is the reply of a handler whose work completes through a
// callback that may run before the call that registers it returns (the
// replica manager answers acks 0 and 1, and fetches with data, at once)
// or later on another goroutine: the reply is then direct, else a Pending.
type asyncReply struct {
	mu      sync.Mutex
	r       Reply
	done    bool
	pending *Pending
}

// complete settles the reply.
func (a *asyncReply) complete(r Reply) {
	a.mu.Lock()
	if p := a.pending; p != nil {
		a.mu.Unlock()
		p.Complete(r)
		return
	}
	a.r, a.done = r, true
	a.mu.Unlock()
}

// reply is what the handler returns, once the work is registered.
func (a *asyncReply) reply() Reply {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done {
		return a.r
	}
	a.pending = NewPending()
	return a.pending.Reply()
}

// nullableString renders a nullable string for logs, as Java prints null.
func nullableString(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}
