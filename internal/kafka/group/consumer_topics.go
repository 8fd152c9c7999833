package group

import (
	"maps"
	"regexp"
	"slices"
)

// TopicsView is the cluster's topic metadata as the shard needs it for
// consumer groups: ids, names and partition counts. The runtime passes one
// in with SetTopicsView and calls OnMetadataChange when topics are created,
// deleted or grow. Calls come from the shard's goroutine; the view must not
// change under one operation (a snapshot, or a lock-protected image).
type TopicsView interface {
	TopicByName(name string) (id [16]byte, partitions int32, ok bool)
	TopicByID(id [16]byte) (name string, partitions int32, ok bool)
	// Names lists every topic a regex subscription may match.
	Names() []string
}

// TopicInfo is one topic of a TopicsMap.
type TopicInfo struct {
	ID         [16]byte
	Partitions int32
}

// TopicsMap is a TopicsView over a map of topic name to its id and
// partition count (tests; a runtime may build one per metadata image).
type TopicsMap map[string]TopicInfo

// TopicByName implements TopicsView.
func (t TopicsMap) TopicByName(name string) ([16]byte, int32, bool) {
	i, ok := t[name]
	return i.ID, i.Partitions, ok
}

// TopicByID implements TopicsView (a linear scan: a test double).
func (t TopicsMap) TopicByID(id [16]byte) (string, int32, bool) {
	for name, i := range t {
		if i.ID == id {
			return name, i.Partitions, true
		}
	}
	return "", 0, false
}

// Names implements TopicsView, sorted.
func (t TopicsMap) Names() []string { return slices.Sorted(maps.Keys(t)) }

var _ TopicsView = TopicsMap{}

// SetTopicsView gives the shard the topic metadata consumer groups are
// assigned from. Without one the shard knows no topics: members subscribe,
// but get no partitions.
func (s *Shard) SetTopicsView(v TopicsView) {
	if v == nil {
		v = TopicsMap{}
	}
	s.topics = v
}

// OnMetadataChange tells the shard that topics were created, deleted or
// changed their partition count. As Kafka does on a new metadata image,
// every consumer group's subscription metadata is marked stale: the next
// heartbeat of any of its members recomputes it and, if it differs from
// the persisted one, writes it and bumps the group epoch (a new target
// assignment follows). Nothing is written here, so the Result is empty; it
// is returned to keep the door open for eager refreshes.
func (s *Shard) OnMetadataChange(nowMs int64) Result {
	_ = nowMs
	for _, g := range s.groups {
		if cg, ok := g.(*consumerGroup); ok {
			cg.requestRefresh()
		}
	}
	return Result{}
}

// compileRegex compiles a subscription regex the way the coordinator
// matches it: against the whole topic name (Java's Matcher.matches). RE2
// syntax, as Kafka's re2j. nil for an invalid expression.
func compileRegex(expr string) *regexp.Regexp {
	re, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return nil
	}
	return re
}

// validRegex reports whether a client's regex compiles.
func validRegex(expr string) bool {
	_, err := regexp.Compile(expr)
	return err == nil
}

// subscribedTopics is the set of topic names the members subscribe to once
// old is replaced by updated (either may be nil): their names, and the
// topics of the view their regexes match.
func (s *Shard) subscribedTopics(g *consumerGroup, old, updated *consumerMember) map[string]bool {
	out := map[string]bool{}
	var names []string // the view's names, read once if a regex needs them
	for m := range g.membersReplacing(old, updated) {
		for _, t := range m.topicNames {
			out[t] = true
		}
		if m.regex == nil || *m.regex == "" {
			continue
		}
		re := compileRegex(*m.regex)
		if re == nil {
			continue
		}
		if names == nil {
			names = s.topics.Names()
		}
		for _, t := range names {
			if re.MatchString(t) {
				out[t] = true
			}
		}
	}
	return out
}

// memberTopics are the topic names one member subscribes to.
func (s *Shard) memberTopics(m *consumerMember) map[string]bool {
	return s.subscribedTopics(&consumerGroup{}, nil, m)
}

// computeMetadata looks the subscribed topics up in the view: the ones
// that exist, with their id and partition count.
func (s *Shard) computeMetadata(topics map[string]bool) map[string]topicMeta {
	out := make(map[string]topicMeta, len(topics))
	for t := range topics {
		if id, n, ok := s.topics.TopicByName(t); ok {
			out[t] = topicMeta{id: id, partitions: n}
		}
	}
	return out
}

// subscriptionHomogeneous reports whether every member subscribes to the
// same topics once old is replaced by updated.
func (s *Shard) subscriptionHomogeneous(g *consumerGroup, old, updated *consumerMember) bool {
	var first map[string]bool
	for m := range g.membersReplacing(old, updated) {
		ts := s.memberTopics(m)
		if first == nil {
			first = ts
		} else if !maps.Equal(first, ts) {
			return false
		}
	}
	return true
}

// topicName is the name of a topic id as the view knows it.
func (s *Shard) topicName(id [16]byte) (string, bool) {
	name, _, ok := s.topics.TopicByID(id)
	return name, ok
}
