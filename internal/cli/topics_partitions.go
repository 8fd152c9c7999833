package cli

import (
	"context"
	"slices"
	"sort"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// tcTopic is the Admin client's TopicDescription: the partitions sorted.
type tcTopic struct {
	name       string
	id         [16]byte
	partitions []tcPartition
}

// tcPartition is a TopicPartitionInfo. leader is -1 when there is none
// (or, from DescribeTopicPartitions, when it is not a live broker, which
// the Java client cannot make a Node of). hasElr is false when the
// partitions came from Metadata: the tool then prints N/A.
type tcPartition struct {
	partition, leader int32
	replicas, isr     []int32
	elr, lastKnownElr []int32
	hasElr            bool
}

// describeTopicPartitionsKey is DescribeTopicPartitions (KIP-966), which
// Kafka 3.9's Admin client uses to describe topics by name when the broker
// offers it, falling back to Metadata otherwise.
const describeTopicPartitionsKey = 75

// brokers is describeCluster().nodes(): the live broker ids.
func (s *topicService) brokers(ctx context.Context) ([]int32, error) {
	rctx, cancel := context.WithTimeout(ctx, topicsRequestTimeout)
	defer cancel()
	bs, err := s.adm.ListBrokers(rctx)
	if err != nil {
		return nil, s.clientError(err)
	}
	return bs.NodeIDs(), nil
}

// describeTopics is describeTopics(names).allTopicNames(): every topic's
// description, or the first failure (in names order). A topic named by
// --topic-id is described through Metadata, as the Admin client describes
// topics by id.
func (s *topicService) describeTopics(ctx context.Context, names []string, live map[int32]bool, byID bool) (map[string]*tcTopic, error) {
	if !byID && s.offers(ctx, describeTopicPartitionsKey) {
		return s.describeTopicPartitions(ctx, names, live)
	}
	md, err := s.metadata(ctx, names...)
	if err != nil {
		return nil, err
	}
	out := map[string]*tcTopic{}
	for _, name := range names {
		td, ok := md.Topics[name]
		if !ok {
			return nil, &tcError{tcExceptionClass(kerr.UnknownTopicOrPartition), "Topic " + name + " not found."}
		}
		if td.Err != nil {
			return nil, s.clientError(td.Err)
		}
		t := &tcTopic{name: name, id: td.ID}
		for _, p := range td.Partitions.Sorted() {
			leader := p.Leader
			if leader < 0 {
				leader = -1
			}
			t.partitions = append(t.partitions, tcPartition{partition: p.Partition, leader: leader, replicas: p.Replicas, isr: p.ISR})
		}
		out[name] = t
	}
	return out, nil
}

// offers reports whether the cluster's ApiVersions list the API key.
func (s *topicService) offers(ctx context.Context, key int16) bool {
	resp, err := s.request(ctx, kmsg.NewPtrApiVersionsRequest())
	if err != nil {
		return false
	}
	return slices.ContainsFunc(resp.(*kmsg.ApiVersionsResponse).ApiKeys, func(k kmsg.ApiVersionsResponseApiKey) bool {
		return k.ApiKey == key
	})
}

// describeTopicPartitions pages through DescribeTopicPartitions: the
// sorted topics, at most --partition-size-limit-per-response (2000)
// partitions a response, following the cursor.
func (s *topicService) describeTopicPartitions(ctx context.Context, names []string, live map[int32]bool) (map[string]*tcTopic, error) {
	limit := int32(2000)
	if o := s.opts; o.has(o.partitionSizeLimit) {
		n, err := o.set.IntValueOf(o.partitionSizeLimit)
		if err != nil {
			return nil, err
		}
		limit = n
	}
	remaining := slices.Sorted(slices.Values(names))
	out := map[string]*tcTopic{}
	errs := map[string]error{}
	var cursor *kmsg.DescribeTopicPartitionsRequestCursor
	for len(remaining) > 0 {
		req := kmsg.NewPtrDescribeTopicPartitionsRequest()
		req.ResponsePartitionLimit = limit
		req.Cursor = cursor
		for _, n := range remaining {
			rt := kmsg.NewDescribeTopicPartitionsRequestTopic()
			rt.Topic = n
			req.Topics = append(req.Topics, rt)
		}
		r, err := s.request(ctx, req)
		if err != nil {
			return nil, err
		}
		resp := r.(*kmsg.DescribeTopicPartitionsResponse)
		for _, rt := range resp.Topics {
			if rt.Topic == nil {
				continue
			}
			name := *rt.Topic
			if rt.ErrorCode != 0 {
				errs[name] = tcAPIError(rt.ErrorCode, nil) // error.exception(): the default message
				continue
			}
			t := out[name]
			if t == nil {
				t = &tcTopic{name: name, id: rt.TopicID}
				out[name] = t
			}
			for _, p := range rt.Partitions {
				leader := p.LeaderID
				if !live[leader] {
					leader = -1
				}
				t.partitions = append(t.partitions, tcPartition{partition: p.Partition, leader: leader, replicas: p.Replicas,
					isr: p.ISR, elr: p.EligibleLeaderReplicas, lastKnownElr: p.LastKnownELR, hasElr: true})
			}
		}
		c := resp.NextCursor
		if c == nil {
			break
		}
		if cursor != nil && cursor.Topic == c.Topic && cursor.Partition == c.Partition {
			break // no progress: a broker repeating its cursor
		}
		cursor = &kmsg.DescribeTopicPartitionsRequestCursor{Topic: c.Topic, Partition: c.Partition}
		var next []string
		for _, n := range remaining {
			if n >= c.Topic && errs[n] == nil {
				next = append(next, n)
			}
		}
		remaining = next
	}
	for _, n := range names {
		if errs[n] != nil {
			return nil, errs[n]
		}
		if out[n] == nil {
			return nil, &tcError{tcExceptionClass(kerr.UnknownTopicOrPartition), kerr.UnknownTopicOrPartition.Description}
		}
		sort.Slice(out[n].partitions, func(i, j int) bool { return out[n].partitions[i].partition < out[n].partitions[j].partition })
	}
	return out, nil
}
