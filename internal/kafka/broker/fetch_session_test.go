package broker

import (
	"math"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// sessionFetch is a fetch at v in session id at epoch; forget lists
// partitions of topic to forget.
func sessionFetch(v int16, id, epoch int32, topic string, tid [16]byte, forget []int32, parts ...fetchSpec) *kmsg.FetchRequest {
	req := fetchReq(v, parts...)
	req.SessionID, req.SessionEpoch = id, epoch
	if len(forget) > 0 {
		ft := kmsg.NewFetchRequestForgottenTopic()
		ft.Topic, ft.TopicID, ft.Partitions = topic, tid, forget
		req.ForgottenTopics = append(req.ForgottenTopics, ft)
	}
	return req
}

// partitionsOf lists a response's partitions as "topic-p" (ids as "id-p").
func partitionsOf(resp *kmsg.FetchResponse) []string {
	var out []string
	for _, t := range resp.Topics {
		name := t.Topic
		if name == "" {
			name = "id"
		}
		for _, p := range t.Partitions {
			out = append(out, name+"-"+string(rune('0'+p.Partition)))
		}
	}
	return out
}

// TestFetchSessions (KIP-227) over the wire: a full fetch creates a
// session; incremental fetches answer only partitions with something new
// and update offsets; forgotten partitions leave; a wrong epoch is
// INVALID_FETCH_SESSION_EPOCH, an unknown id FETCH_SESSION_ID_NOT_FOUND,
// a change between names and ids FETCH_SESSION_TOPIC_ID_ERROR; epoch -1
// closes the session.
func TestFetchSessions(t *testing.T) {
	e := newDataEnv(t)
	id := e.createTopic("sess", 2)
	p0, p1 := fetchSpec{topic: "sess", partition: 0}, fetchSpec{topic: "sess", partition: 1}

	full := roundTrip[*kmsg.FetchResponse](e, sessionFetch(12, 0, 0, "", [16]byte{}, nil, p0, p1))
	sid := full.SessionID
	if full.ErrorCode != 0 || sid == 0 || !slices.Equal(partitionsOf(full), []string{"sess-0", "sess-1"}) {
		t.Fatalf("full fetch: error %d session %d partitions %v", full.ErrorCode, sid, partitionsOf(full))
	}
	incr := func(epoch int32, forget []int32, parts ...fetchSpec) *kmsg.FetchResponse {
		t.Helper()
		return roundTrip[*kmsg.FetchResponse](e, sessionFetch(12, sid, epoch, "sess", [16]byte{}, forget, parts...))
	}
	if r := incr(1, nil); r.ErrorCode != 0 || r.SessionID != sid || len(r.Topics) != 0 {
		t.Errorf("incremental with nothing new: error %d session %d partitions %v", r.ErrorCode, r.SessionID, partitionsOf(r))
	}
	e.mustProduce("sess", 0, "a")
	r := incr(2, nil)
	if !slices.Equal(partitionsOf(r), []string{"sess-0"}) || len(allValues(batchesOf(t, r.Topics[0].Partitions[0].RecordBatches))) != 1 {
		t.Fatalf("incremental after a produce to 0: %v", partitionsOf(r))
	}
	// The consumer moves on: the new offset is sent, nothing is new.
	p0.offset = 1
	if r := incr(3, nil, p0); len(r.Topics) != 0 || r.ErrorCode != 0 {
		t.Errorf("incremental at the new offset: %v", partitionsOf(r))
	}
	// A duplicate (an epoch already used) is refused with no partitions,
	// and does not move the session's epoch.
	if r := incr(3, nil); r.ErrorCode != kerr.InvalidFetchSessionEpoch.Code || len(r.Topics) != 0 {
		t.Errorf("reused epoch: error %s, %v", errorName(r.ErrorCode), partitionsOf(r))
	}
	if r := incr(7, nil); r.ErrorCode != kerr.InvalidFetchSessionEpoch.Code {
		t.Errorf("future epoch: error %s", errorName(r.ErrorCode))
	}
	// Forgetting 1: its new data is not sent.
	if r := incr(4, []int32{1}); r.ErrorCode != 0 || len(r.Topics) != 0 {
		t.Errorf("forget 1: error %s %v", errorName(r.ErrorCode), partitionsOf(r))
	}
	e.mustProduce("sess", 1, "b")
	e.mustProduce("sess", 0, "c")
	if r := incr(5, nil); !slices.Equal(partitionsOf(r), []string{"sess-0"}) {
		t.Errorf("after forgetting 1: %v, want sess-0 only", partitionsOf(r))
	}
	// 1 again, added by an incremental fetch; 0 moved past "c" (the
	// session keeps the offsets the client last sent: 0 would be read
	// from 1 again).
	p0.offset = 2
	if r := incr(6, nil, p0, p1); !slices.Equal(partitionsOf(r), []string{"sess-1"}) {
		t.Errorf("1 added back: %v", partitionsOf(r))
	}
	// v13 on a session of names.
	if r := roundTrip[*kmsg.FetchResponse](e, sessionFetch(13, sid, 7, "", id, nil)); r.ErrorCode != kerr.FetchSessionTopicIDError.Code {
		t.Errorf("v13 on a session by names: %s", errorName(r.ErrorCode))
	}
	if r := incr(1, nil); r.ErrorCode != kerr.InvalidFetchSessionEpoch.Code {
		t.Errorf("epoch 1 again: %s", errorName(r.ErrorCode))
	}
	// Unknown session.
	if r := roundTrip[*kmsg.FetchResponse](e, sessionFetch(12, sid+1, 1, "", [16]byte{}, nil)); r.ErrorCode != kerr.FetchSessionIDNotFound.Code || len(r.Topics) != 0 {
		t.Errorf("unknown session: %s", errorName(r.ErrorCode))
	}
	// Epoch -1 closes the session: a sessionless answer of every partition named.
	r = roundTrip[*kmsg.FetchResponse](e, sessionFetch(12, sid, -1, "", [16]byte{}, nil, p0))
	if r.ErrorCode != 0 || r.SessionID != 0 || !slices.Equal(partitionsOf(r), []string{"sess-0"}) {
		t.Errorf("closing fetch: error %s session %d %v", errorName(r.ErrorCode), r.SessionID, partitionsOf(r))
	}
	if r := incr(7, nil); r.ErrorCode != kerr.FetchSessionIDNotFound.Code {
		t.Errorf("closed session: %s", errorName(r.ErrorCode))
	}

	// A session by topic ids (v13+), incremental by id.
	byID := func(p int32) fetchSpec { return fetchSpec{id: id, partition: p} }
	full = roundTrip[*kmsg.FetchResponse](e, sessionFetch(13, 0, 0, "", [16]byte{}, nil, byID(0), byID(1)))
	if full.SessionID == 0 || len(partitionsOf(full)) != 2 {
		t.Fatalf("full fetch by ids: session %d %v", full.SessionID, partitionsOf(full))
	}
	e.mustProduce("sess", 1, "d")
	r = roundTrip[*kmsg.FetchResponse](e, sessionFetch(17, full.SessionID, 1, "", id, []int32{0}))
	if r.ErrorCode != 0 || !slices.Equal(partitionsOf(r), []string{"id-1"}) || r.Topics[0].TopicID != id {
		t.Errorf("incremental by ids: %s %v", errorName(r.ErrorCode), partitionsOf(r))
	}
	if r := roundTrip[*kmsg.FetchResponse](e, sessionFetch(12, full.SessionID, 2, "", [16]byte{}, nil)); r.ErrorCode != kerr.FetchSessionTopicIDError.Code {
		t.Errorf("v12 on a session by ids: %s", errorName(r.ErrorCode))
	}
}

func TestNextFetchEpoch(t *testing.T) {
	for _, c := range [][2]int32{{0, 1}, {1, 2}, {math.MaxInt32, 1}, {-1, -1}, {-5, -1}} {
		if got := nextFetchEpoch(c[0]); got != c[1] {
			t.Errorf("nextFetchEpoch(%d) = %d, want %d", c[0], got, c[1])
		}
	}
}

func cachedParts(n int) []*cachedPartition {
	out := make([]*cachedPartition, n)
	for i := range out {
		out[i] = &cachedPartition{fetchPartition: fetchPartition{topic: "t", partition: int32(i)}}
	}
	return out
}

// TestFetchSessionCacheEviction is FetchSessionCache's rules: a full
// cache takes a new session only by evicting a stale one (unused for the
// eviction time), else a less valuable one the newcomer may evict
// (a follower any consumer session; a consumer only sessions older than
// the eviction time), never a more valuable one.
func TestFetchSessionCacheEviction(t *testing.T) {
	const evict = 1000
	newCache := func() *fetchSessionCache {
		c := newFetchSessionCache(2, evict)
		next := int32(0)
		c.rand = func() int32 { next++; return next }
		return c
	}

	c := newCache()
	a := c.maybeCreate(0, false, false, cachedParts(3))
	b := c.maybeCreate(10, false, false, cachedParts(5))
	if a == 0 || b == 0 || a == b {
		t.Fatalf("sessions %d %d", a, b)
	}
	// Young consumer sessions: another consumer cannot evict them.
	if id := c.maybeCreate(20, false, false, cachedParts(10)); id != 0 {
		t.Errorf("a consumer evicted a young session (%d)", id)
	}
	// A follower evicts the smallest consumer session, not a larger one.
	if id := c.maybeCreate(30, true, false, cachedParts(1)); id == 0 || c.get(a) != nil || c.get(b) == nil {
		t.Errorf("follower session %d; a kept %v, b kept %v", id, c.get(a) != nil, c.get(b) != nil)
	}
	// A consumer cannot evict the follower's session, even a big one.
	if id := c.maybeCreate(40, false, false, cachedParts(100)); id != 0 {
		t.Errorf("a consumer got a session in a full cache (%d)", id)
	}
	// Stale: unused for longer than the eviction time, the LRU goes.
	if id := c.maybeCreate(10+evict+1, false, false, cachedParts(1)); id == 0 || c.get(b) != nil {
		t.Errorf("stale session not evicted: new %d, b kept %v", id, c.get(b) != nil)
	}
	if c.evictions != 2 {
		t.Errorf("%d evictions, want 2", c.evictions)
	}

	// Old but recently used sessions are evictable by consumers once they
	// are older than the eviction time, the least valuable first.
	c = newCache()
	a = c.maybeCreate(0, false, false, cachedParts(4))
	b = c.maybeCreate(0, false, false, cachedParts(2))
	c.touch(c.get(a), evict+1)
	c.touch(c.get(b), evict+1)
	if id := c.maybeCreate(evict+2, false, false, cachedParts(1)); id != 0 {
		t.Errorf("a smaller newcomer evicted a session (%d)", id)
	}
	if id := c.maybeCreate(evict+3, false, false, cachedParts(3)); id == 0 || c.get(b) != nil || c.get(a) == nil {
		t.Errorf("newcomer of 3: %d, want b (2) evicted and a (4) kept", id)
	}
	if c.numPartitions != 7 {
		t.Errorf("cache holds %d partitions, want 7", c.numPartitions)
	}

	// A cache of no slots never creates a session.
	if id := newFetchSessionCache(0, evict).maybeCreate(0, true, false, cachedParts(1)); id != 0 {
		t.Errorf("zero slots: session %d", id)
	}
}

// TestCachedPartitionMustRespond is maybeUpdateResponseData.
func TestCachedPartitionMustRespond(t *testing.T) {
	cp := &cachedPartition{highWatermark: 5, localLogStartOffset: 0}
	same := fetchOutcome{highWatermark: 5, logStartOffset: 0, preferredReplica: -1}
	if cp.mustRespond(&same, true) {
		t.Error("nothing new, yet answered")
	}
	for name, o := range map[string]fetchOutcome{
		"records":   {recordsLen: 1, highWatermark: 5, preferredReplica: -1},
		"hw":        {highWatermark: 6, preferredReplica: -1},
		"log start": {highWatermark: 5, logStartOffset: 2, preferredReplica: -1},
		"error":     {highWatermark: 5, errorCode: 1, preferredReplica: -1},
		"preferred": {highWatermark: 5, preferredReplica: 1},
		"diverging": {highWatermark: 5, diverging: true, preferredReplica: -1},
	} {
		c := *cp
		if !c.mustRespond(&o, false) {
			t.Errorf("%s: not answered", name)
		}
	}
	// An error is answered again once it is gone (the hw is forgotten).
	errOut := fetchOutcome{highWatermark: -1, errorCode: 6, preferredReplica: -1}
	cp.mustRespond(&errOut, true)
	if !cp.mustRespond(&same, true) || cp.mustRespond(&same, true) {
		t.Error("the partition was not answered exactly once after its error went away")
	}
}
