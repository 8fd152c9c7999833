package session

import (
	"math"
	"sort"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// containerOwner is the ephemeralOwner that marks a container znode; no
// session may have this id.
const containerOwner = math.MinInt64

// Session is one tracked session.
type Session struct {
	ID      int64
	Timeout int32 // negotiated, ms
	Closing bool  // expiry or close under way: no more requests
	expiry  int64 // bucket time this session sits in
}

// Tracker is the session table with bucketed expiry.
type Tracker struct {
	interval int64 // ms: ZooKeeper's tickTime
	nextID   int64
	nextExp  int64 // the next bucket time Expired will look at
	byID     map[int64]*Session
	buckets  map[int64]map[int64]*Session
}

// InitialID is SessionTrackerImpl.initializeNextSessionId.
func InitialID(serverID int64, nowMs int64) int64 {
	id := int64(uint64(nowMs<<24) >> 8)
	id |= serverID << 56
	if id == containerOwner {
		id++
	}
	return id
}

// New returns a tracker whose buckets are tickMs wide and whose ids start
// from InitialID(serverID, nowMs).
func New(tickMs int64, serverID int64, nowMs int64) *Tracker {
	if tickMs <= 0 {
		tickMs = 1
	}
	return &Tracker{
		interval: tickMs,
		nextID:   InitialID(serverID, nowMs),
		nextExp:  roundUp(nowMs, tickMs),
		byID:     make(map[int64]*Session),
		buckets:  make(map[int64]map[int64]*Session),
	}
}

func roundUp(t, interval int64) int64 { return (t/interval + 1) * interval }

// Create makes a new session with the given (already negotiated) timeout.
func (t *Tracker) Create(timeout int32, nowMs int64) int64 {
	id := t.nextID
	t.nextID++
	if t.nextID == containerOwner {
		t.nextID++
	}
	t.Track(id, timeout, nowMs)
	return id
}

// Track adds a session known from a snapshot, a replayed log or a peer, and
// (re)starts its expiry clock. It reports whether the session was new.
func (t *Tracker) Track(id int64, timeout int32, nowMs int64) bool {
	s, ok := t.byID[id]
	if !ok {
		s = &Session{ID: id, Timeout: timeout}
		t.byID[id] = s
	}
	t.update(s, nowMs)
	return !ok
}

func (t *Tracker) update(s *Session, nowMs int64) {
	exp := roundUp(nowMs+int64(s.Timeout), t.interval)
	if exp == s.expiry {
		return
	}
	if b := t.buckets[s.expiry]; b != nil {
		delete(b, s.ID)
		if len(b) == 0 {
			delete(t.buckets, s.expiry)
		}
	}
	b := t.buckets[exp]
	if b == nil {
		b = make(map[int64]*Session)
		t.buckets[exp] = b
	}
	b[s.ID] = s
	s.expiry = exp
}

// Touch pushes a live session's expiry to now + its timeout. A session that
// is unknown or closing is not touched; Touch then reports false.
func (t *Tracker) Touch(id int64, nowMs int64) bool {
	s, ok := t.byID[id]
	if !ok || s.Closing {
		return false
	}
	t.update(s, nowMs)
	return true
}

// SetTimeout changes a session's timeout (a reconnect may negotiate anew).
func (t *Tracker) SetTimeout(id int64, timeout int32) {
	if s, ok := t.byID[id]; ok {
		s.Timeout = timeout
	}
}

// Get returns the session, or nil.
func (t *Tracker) Get(id int64) *Session { return t.byID[id] }

// SetClosing marks a session as closing: it can no longer be touched or used.
func (t *Tracker) SetClosing(id int64) {
	if s, ok := t.byID[id]; ok {
		s.Closing = true
	}
}

// Check is SessionTrackerImpl.checkSession without owners (a standalone
// server has one owner for all connections): UnknownSession, SessionExpired
// for a closing session, or OK.
func (t *Tracker) Check(id int64) jute.Code {
	s, ok := t.byID[id]
	switch {
	case !ok:
		return jute.UnknownSession
	case s.Closing:
		return jute.SessionExpired
	}
	return jute.OK
}

// Remove forgets a session (its closeSession txn was applied).
func (t *Tracker) Remove(id int64) {
	s, ok := t.byID[id]
	if !ok {
		return
	}
	delete(t.byID, id)
	if b := t.buckets[s.expiry]; b != nil {
		delete(b, id)
		if len(b) == 0 {
			delete(t.buckets, s.expiry)
		}
	}
}

// Expired returns the sessions whose time ran out by nowMs, marks them closing
// and takes them out of the buckets, in id order. Each is returned once.
func (t *Tracker) Expired(nowMs int64) []int64 {
	var out []int64
	for t.nextExp <= nowMs {
		if b := t.buckets[t.nextExp]; b != nil {
			for id, s := range b {
				s.Closing = true
				s.expiry = 0
				out = append(out, id)
			}
			delete(t.buckets, t.nextExp)
		}
		t.nextExp += t.interval
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// NextDeadline returns the time Expired should next be called.
func (t *Tracker) NextDeadline() int64 { return t.nextExp }

// Len returns the number of tracked sessions.
func (t *Tracker) Len() int { return len(t.byID) }

// Sessions returns every tracked session with its timeout, sorted by id, as a
// snapshot stores them.
func (t *Tracker) Sessions() []jute.SessionEntry {
	out := make([]jute.SessionEntry, 0, len(t.byID))
	for id, s := range t.byID {
		out = append(out, jute.SessionEntry{ID: id, Timeout: s.Timeout})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Expiry returns the bucket time a session expires at, for the dump command;
// ok is false for unknown or expiring sessions.
func (t *Tracker) Expiry(id int64) (int64, bool) {
	s, ok := t.byID[id]
	if !ok || s.expiry == 0 {
		return 0, false
	}
	return s.expiry, true
}
