package metrics

import "sync/atomic"

// Topic holds the BrokerTopicMetrics meters of one topic. Every count also
// goes to the all-topics meters, as Kafka marks both. The broker looks a
// Topic up once (Registry.Topic) and keeps it with the partition: the
// counting methods are single atomic adds.
type Topic struct {
	all      *Topic // nil for the all-topics meters themselves
	counters [numTopicCounters]atomic.Int64
}

func (t *Topic) add(c topicCounter, n int64) {
	t.counters[c].Add(n)
	if t.all != nil {
		t.all.counters[c].Add(n)
	}
}

// MessagesIn counts records appended to a log this broker leads.
func (t *Topic) MessagesIn(n int64) { t.add(messagesIn, n) }

// BytesIn counts bytes of a client's produce request appended as leader.
func (t *Topic) BytesIn(n int64) { t.add(bytesIn, n) }

// BytesOut counts record bytes sent in a fetch response.
func (t *Topic) BytesOut(n int64) { t.add(bytesOut, n) }

// BytesRejected counts bytes of a produce request that were rejected.
func (t *Topic) BytesRejected(n int64) { t.add(bytesRejected, n) }

// ProduceRequest counts a produce request writing to the topic.
func (t *Topic) ProduceRequest() { t.add(totalProduceRequests, 1) }

// FailedProduceRequest counts a produce request that failed for the topic.
func (t *Topic) FailedProduceRequest() { t.add(failedProduceRequests, 1) }

// FetchRequest counts a fetch request reading the topic.
func (t *Topic) FetchRequest() { t.add(totalFetchRequests, 1) }

// FailedFetchRequest counts a fetch request that failed for the topic.
func (t *Topic) FailedFetchRequest() { t.add(failedFetchRequests, 1) }

// ProduceMessageConversion counts a produce request whose records were
// converted to another message format.
func (t *Topic) ProduceMessageConversion() { t.add(produceMessageConversions, 1) }

// FetchMessageConversion counts a fetch request whose records were
// down-converted.
func (t *Topic) FetchMessageConversion() { t.add(fetchMessageConversions, 1) }

// NoKeyCompactedTopicRecords counts keyless records a compacted topic refused.
func (t *Topic) NoKeyCompactedTopicRecords(n int64) { t.add(noKeyCompactedTopicRecords, n) }

// InvalidMagicNumberRecords counts records refused for their magic number.
func (t *Topic) InvalidMagicNumberRecords(n int64) { t.add(invalidMagicNumberRecords, n) }

// InvalidMessageCrcRecords counts records refused for a CRC mismatch.
func (t *Topic) InvalidMessageCrcRecords(n int64) { t.add(invalidMessageCrcRecords, n) }

// InvalidOffsetOrSequenceRecords counts records refused for their offsets
// or producer sequence numbers.
func (t *Topic) InvalidOffsetOrSequenceRecords(n int64) { t.add(invalidOffsetOrSequenceRecords, n) }

// Topic returns the meters of a topic, creating them on first use. A
// topic's series appear in the exposition once a meter is non-zero, as
// Kafka creates its per-topic meters lazily.
func (r *Registry) Topic(name string) *Topic {
	r.mu.RLock()
	t := r.topics[name]
	r.mu.RUnlock()
	if t != nil {
		return t
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if t = r.topics[name]; t == nil {
		t = &Topic{all: r.all}
		r.topics[name] = t
	}
	return t
}

// RemoveTopic drops a deleted topic's series. A *Topic still held keeps
// counting into the all-topics meters only.
func (r *Registry) RemoveTopic(name string) {
	r.mu.Lock()
	delete(r.topics, name)
	r.mu.Unlock()
}

// AllTopics returns the all-topics meters, for counts with no topic.
func (r *Registry) AllTopics() *Topic { return r.all }

// ReplicationBytesIn counts bytes fetched from leaders as a follower.
func (r *Registry) ReplicationBytesIn(n int64) { r.all.counters[replicationBytesIn].Add(n) }

// ReplicationBytesOut counts bytes sent to followers.
func (r *Registry) ReplicationBytesOut(n int64) { r.all.counters[replicationBytesOut].Add(n) }

// ReassignmentBytesIn counts follower bytes of partitions being reassigned.
func (r *Registry) ReassignmentBytesIn(n int64) { r.all.counters[reassignmentBytesIn].Add(n) }

// ReassignmentBytesOut counts bytes sent for partitions being reassigned.
func (r *Registry) ReassignmentBytesOut(n int64) { r.all.counters[reassignmentBytesOut].Add(n) }

func (r *Registry) collectTopics(e *emitter) {
	for c := range numTopicCounters {
		e.value(topicFamilies[c], float64(r.all.counters[c].Load()))
	}
	type named struct {
		name string
		t    *Topic
	}
	r.mu.RLock()
	topics := make([]named, 0, len(r.topics))
	for name, t := range r.topics {
		topics = append(topics, named{name, t})
	}
	r.mu.RUnlock()
	for _, n := range topics {
		name, t := n.name, n.t
		for c := range numPerTopic {
			if v := t.counters[c].Load(); v != 0 {
				e.value(topicFamilies[c], float64(v), "topic", name)
			}
		}
	}
}
