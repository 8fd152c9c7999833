package broker

import (
	"container/list"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Incremental fetch sessions (KIP-227), as Kafka's FetchSession.scala:
// a FetchSessionCache of sessions, and the context a fetch request gets —
// sessionless, full (which may create a session), incremental (which
// updates one), or a session error.
//
// A request's (session id, epoch):
//
//	(any, -1)     sessionless: no session is created; a named session is closed
//	(any, 0)      full: a named session is closed; a new one is created when
//	              the cache has room (or can evict one) and its id returned
//	(id, epoch>0) incremental: the partitions named update the session's,
//	              the forgotten ones leave it, the response leaves out
//	              the partitions with nothing new
//
// Fetch v0-v6 carry no session fields and are sessionless. Time is passed
// in (ms); nothing here does I/O.

// Fetch session constants (FetchMetadata, KafkaServer).
const (
	fetchInvalidSessionID int32 = 0
	fetchInitialEpoch     int32 = 0
	fetchFinalEpoch       int32 = -1
	// minFetchSessionEvictionMs is KafkaServer.MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS:
	// a session unused this long is evictable by any new one, and a
	// session younger than this is not evictable by a larger one.
	minFetchSessionEvictionMs = 120_000
	// defaultFetchSessionSlots is max.incremental.fetch.session.cache.slots.
	defaultFetchSessionSlots = 1000
)

// nextFetchEpoch is FetchMetadata.nextEpoch.
func nextFetchEpoch(prev int32) int32 {
	switch {
	case prev < 0:
		return fetchFinalEpoch
	case prev == math.MaxInt32:
		return 1
	}
	return prev + 1
}

// fetchPartition is one partition of a fetch, as the request (or the
// session) states it. In a session that uses topic ids a partition is
// known by its id; its name is "" while the id is unknown here.
type fetchPartition struct {
	topicID            [16]byte
	topic              string
	partition          int32
	fetchOffset        int64
	logStartOffset     int64
	maxBytes           int32
	currentLeaderEpoch int32
	lastFetchedEpoch   int32
}

// fetchKey identifies a partition in a session: by topic id in sessions
// that use ids (CachedPartition's equality), by name otherwise.
type fetchKey struct {
	id        [16]byte
	topic     string
	partition int32
}

func keyOf(fp *fetchPartition, usesIDs bool) fetchKey {
	if usesIDs {
		return fetchKey{id: fp.topicID, partition: fp.partition}
	}
	return fetchKey{topic: fp.topic, partition: fp.partition}
}

// fetchOutcome is what a response says of a partition, for the session's
// bookkeeping (CachedPartition.maybeUpdateResponseData).
type fetchOutcome struct {
	key              fetchKey
	recordsLen       int64
	highWatermark    int64
	logStartOffset   int64
	errorCode        int16
	preferredReplica int32
	diverging        bool
}

// cachedPartition is a session's partition: the request parameters last
// given, and the high watermark and log start offset last sent.
type cachedPartition struct {
	fetchPartition
	highWatermark       int64
	localLogStartOffset int64
}

// mustRespond is maybeUpdateResponseData: whether an incremental response
// includes the partition (new records, a changed high watermark or log
// start offset, an error, a preferred replica, a diverging epoch), and,
// when update is set, remembers what is sent.
func (c *cachedPartition) mustRespond(o *fetchOutcome, update bool) bool {
	must := o.recordsLen > 0 || o.preferredReplica >= 0 || o.diverging
	if c.highWatermark != o.highWatermark {
		must = true
		if update {
			c.highWatermark = o.highWatermark
		}
	}
	if c.localLogStartOffset != o.logStartOffset {
		must = true
		if update {
			c.localLogStartOffset = o.logStartOffset
		}
	}
	if o.errorCode != 0 {
		// Sent again once the error goes away.
		if update {
			c.highWatermark = -1
		}
		must = true
	}
	return must
}

// fetchSession is one cached session. Its fields are guarded by mu; the
// cache's bookkeeping fields (lastUsedMs, cachedSize, evictable*) by the
// cache's mu, which is taken first (never the cache's while holding a
// session's).
type fetchSession struct {
	id         int32
	privileged bool // created by a follower
	usesIDs    bool
	creationMs int64

	mu    sync.Mutex
	epoch int32
	order *list.List // of *cachedPartition; partitions with new data move to the back
	byKey map[fetchKey]*list.Element

	// The cache's (under fetchSessionCache.mu).
	lastUsedMs      int64
	cachedSize      int  // -1 while not in the cache
	evictableByAll  bool // touched more than evictionMs after creation
	evictableByPriv bool // unprivileged, or evictableByAll
}

func newFetchSession(id int32, privileged, usesIDs bool, now int64) *fetchSession {
	return &fetchSession{id: id, privileged: privileged, usesIDs: usesIDs, creationMs: now, lastUsedMs: now,
		epoch: nextFetchEpoch(fetchInitialEpoch), order: list.New(), byKey: map[fetchKey]*list.Element{}, cachedSize: -1}
}

func (s *fetchSession) add(cp *cachedPartition) {
	k := keyOf(&cp.fetchPartition, s.usesIDs)
	if _, ok := s.byKey[k]; ok {
		return
	}
	s.byKey[k] = s.order.PushBack(cp)
}

// update is FetchSession.update: the request's partitions are added or
// their parameters updated, the forgotten ones removed.
func (s *fetchSession) update(data, forget []fetchPartition) {
	for i := range data {
		fp := &data[i]
		if e, ok := s.byKey[keyOf(fp, s.usesIDs)]; ok {
			cp := e.Value.(*cachedPartition)
			name := cp.topic
			cp.fetchPartition = *fp
			if cp.topic == "" {
				cp.topic = name // keep a name resolved earlier
			}
			continue
		}
		s.add(&cachedPartition{fetchPartition: *fp, highWatermark: -1, localLogStartOffset: -1})
	}
	for i := range forget {
		k := keyOf(&forget[i], s.usesIDs)
		if e, ok := s.byKey[k]; ok {
			s.order.Remove(e)
			delete(s.byKey, k)
		}
	}
}

// fetchSessionCache is Kafka's FetchSessionCache (one shard): at most
// maxEntries sessions; a new session evicts one only if it is stale
// (unused for evictionMs) or less valuable (see tryEvict).
type fetchSessionCache struct {
	maxEntries int
	evictionMs int64
	rand       func() int32 // a random positive session id candidate

	mu            sync.Mutex
	sessions      map[int32]*fetchSession
	numPartitions int64
	evictions     int64
}

func newFetchSessionCache(maxEntries int, evictionMs int64) *fetchSessionCache {
	return &fetchSessionCache{maxEntries: max(maxEntries, 0), evictionMs: evictionMs, sessions: map[int32]*fetchSession{},
		rand: func() int32 { return rand.Int32N(math.MaxInt32) + 1 }}
}

func (c *fetchSessionCache) get(id int32) *fetchSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessions[id]
}

// remove takes a session out of the cache.
func (c *fetchSessionCache) remove(id int32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sessions[id]
	if s == nil {
		return false
	}
	c.removeLocked(s)
	return true
}

func (c *fetchSessionCache) removeLocked(s *fetchSession) {
	delete(c.sessions, s.id)
	c.numPartitions -= int64(max(s.cachedSize, 0))
	s.cachedSize = -1
}

// touch is FetchSessionCache.touch: the session was used at now; its size
// and eviction eligibility are recomputed.
func (c *fetchSessionCache) touch(s *fetchSession, now int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.touchLocked(s, now)
}

func (c *fetchSessionCache) touchLocked(s *fetchSession, now int64) {
	s.mu.Lock()
	size := s.order.Len()
	s.mu.Unlock()
	s.lastUsedMs = now
	if s.cachedSize >= 0 {
		c.numPartitions -= int64(s.cachedSize)
	}
	s.cachedSize = size
	c.numPartitions += int64(size)
	old := now-s.creationMs > c.evictionMs
	s.evictableByAll = old
	s.evictableByPriv = !s.privileged || old
}

// evictKey orders sessions by value: (privileged, size, id), lowest first.
type evictKey struct {
	privileged bool
	size       int
	id         int32
}

func (k evictKey) less(o evictKey) bool {
	if k.privileged != o.privileged {
		return !k.privileged
	}
	if k.size != o.size {
		return k.size < o.size
	}
	return k.id < o.id
}

// tryEvict is FetchSessionCache.tryEvict: a new session (privileged, of
// size) may evict the least recently used session if it is stale, else
// the least valuable session among those it may evict (a follower any
// consumer session or an old one; a consumer only old ones) if that one is
// worth no more than the new one.
func (c *fetchSessionCache) tryEvict(privileged bool, size int, now int64) bool {
	var lru *fetchSession
	for _, s := range c.sessions {
		if lru == nil || s.lastUsedMs < lru.lastUsedMs || (s.lastUsedMs == lru.lastUsedMs && s.id < lru.id) {
			lru = s
		}
	}
	if lru == nil {
		return false
	}
	if now-lru.lastUsedMs > c.evictionMs {
		c.removeLocked(lru)
		c.evictions++
		return true
	}
	var victim *fetchSession
	var vk evictKey
	for _, s := range c.sessions {
		if (privileged && !s.evictableByPriv) || (!privileged && !s.evictableByAll) {
			continue
		}
		k := evictKey{s.privileged, s.cachedSize, s.id}
		if victim == nil || k.less(vk) {
			victim, vk = s, k
		}
	}
	if victim == nil || (evictKey{privileged, size, 0}).less(vk) {
		return false
	}
	c.removeLocked(victim)
	c.evictions++
	return true
}

// maybeCreate is FetchSessionCache.maybeCreateSession: a new session with
// parts, or fetchInvalidSessionID when there is no room.
func (c *fetchSessionCache) maybeCreate(now int64, privileged, usesIDs bool, parts []*cachedPartition) int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sessions) >= c.maxEntries && !c.tryEvict(privileged, len(parts), now) {
		return fetchInvalidSessionID
	}
	id := c.rand()
	for id <= 0 || c.sessions[id] != nil {
		id = c.rand()
	}
	s := newFetchSession(id, privileged, usesIDs, now)
	for _, cp := range parts {
		s.add(cp)
	}
	c.sessions[id] = s
	c.touchLocked(s, now)
	return id
}

type fetchContextKind uint8

const (
	fetchSessionless fetchContextKind = iota
	fetchFull
	fetchIncremental
	fetchSessionError
)

// fetchContext is what a fetch request reads and how its response is
// shaped (Kafka's FetchContext).
type fetchContext struct {
	kind       fetchContextKind
	errorCode  int16 // fetchSessionError
	reqEpoch   int32
	usesIDs    bool
	isFollower bool
	data       []fetchPartition // sessionless and full: the request's partitions
	session    *fetchSession    // incremental
	cache      *fetchSessionCache
}

// newContext is FetchManager.newContext. data and forget are the
// request's partitions (deduplicated, in request order) and forgotten
// partitions; usesIDs is set for fetch v13+.
func (c *fetchSessionCache) newContext(sessionID, epoch int32, usesIDs, isFollower bool,
	data, forget []fetchPartition, now int64) *fetchContext {
	fc := &fetchContext{reqEpoch: epoch, usesIDs: usesIDs, isFollower: isFollower, cache: c, data: data}
	if epoch == fetchInitialEpoch || epoch == fetchFinalEpoch {
		if sessionID != fetchInvalidSessionID {
			c.remove(sessionID) // a full request closes the session it names
		}
		if epoch == fetchFinalEpoch {
			fc.kind = fetchSessionless
		} else {
			fc.kind = fetchFull
		}
		return fc
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sessions[sessionID]
	fail := func(code int16) *fetchContext {
		fc.kind, fc.errorCode, fc.data = fetchSessionError, code, nil
		return fc
	}
	if s == nil {
		return fail(kerr.FetchSessionIDNotFound.Code)
	}
	s.mu.Lock()
	switch {
	case s.epoch != epoch:
		s.mu.Unlock()
		return fail(kerr.InvalidFetchSessionEpoch.Code)
	case s.usesIDs != usesIDs:
		s.mu.Unlock()
		return fail(kerr.FetchSessionTopicIDError.Code)
	}
	s.update(data, forget)
	if s.order.Len() == 0 {
		s.mu.Unlock()
		c.removeLocked(s)
		fc.kind = fetchSessionless
		return fc
	}
	s.epoch = nextFetchEpoch(s.epoch)
	s.mu.Unlock()
	c.touchLocked(s, now)
	fc.kind, fc.session, fc.data = fetchIncremental, s, nil
	return fc
}

// partitions lists what the request reads: its own partitions, or every
// partition of an incremental session, in the session's order. resolve
// names session partitions whose topic id was unknown when they were
// added (IncrementalFetchContext.foreachPartition).
func (fc *fetchContext) partitions(resolve func(id [16]byte) (string, bool)) []fetchPartition {
	if fc.kind != fetchIncremental {
		return fc.data
	}
	s := fc.session
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]fetchPartition, 0, s.order.Len())
	for e := s.order.Front(); e != nil; e = e.Next() {
		cp := e.Value.(*cachedPartition)
		if cp.topic == "" && s.usesIDs && resolve != nil {
			if name, ok := resolve(cp.topicID); ok {
				cp.topic = name
			}
		}
		out = append(out, cp.fetchPartition)
	}
	return out
}

// respond is updateAndGenerateResponseData: the response's error code and
// session id, and which of the outcomes (the response's partitions, in
// order) it includes. A full context creates its session here; an
// incremental one updates its partitions and keeps only those with
// something new.
func (fc *fetchContext) respond(outs []fetchOutcome, byKey map[fetchKey]fetchPartition, now int64) (int16, int32, []bool) {
	keep := make([]bool, len(outs))
	switch fc.kind {
	case fetchSessionError:
		return fc.errorCode, fetchInvalidSessionID, keep
	case fetchSessionless:
		for i := range keep {
			keep[i] = true
		}
		return 0, fetchInvalidSessionID, keep
	case fetchFull:
		parts := make([]*cachedPartition, 0, len(outs))
		for i := range outs {
			keep[i] = true
			o := &outs[i]
			parts = append(parts, &cachedPartition{fetchPartition: byKey[o.key], highWatermark: o.highWatermark,
				localLogStartOffset: o.logStartOffset})
		}
		return 0, fc.cache.maybeCreate(now, fc.isFollower, fc.usesIDs, parts), keep
	}
	s := fc.session
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epoch != nextFetchEpoch(fc.reqEpoch) {
		// Another request used the session meanwhile (a duplicate?).
		return kerr.InvalidFetchSessionEpoch.Code, s.id, keep
	}
	for i := range outs {
		o := &outs[i]
		e, ok := s.byKey[o.key]
		if !ok {
			continue
		}
		cp := e.Value.(*cachedPartition)
		if cp.mustRespond(o, true) {
			keep[i] = true
			if o.recordsLen > 0 {
				s.order.MoveToBack(e) // round robin: partitions with data go last next time
			}
		}
	}
	return 0, s.id, keep
}
