package groupinterop

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// TestFranzGoKIP848: franz-go's KIP-848 consumer (ServerSideBalancer:
// ConsumerGroupHeartbeat, the broker's uniform assignor) shares a topic
// among three members, a fourth joins the stable group and gets its
// partitions within one heartbeat interval and a half, a member leaves,
// and the offsets are committed; ConsumerGroupDescribe shows the group.
// The broker's group.consumer.heartbeat.interval.ms is 500 ms here
// (Kafka's default is 5 s, which bounds how soon an owner learns to
// revoke).
func TestFranzGoKIP848(t *testing.T) {
	b := kafkapeer.StartWharfServer(t, kafkapeer.WharfOptions{Args: []string{"--override", "group.consumer.heartbeat.interval.ms=500"}})
	const parts = 6
	topic, group := name(t, "topic"), name(t, "group")
	kafkapeer.CreateTopic(t, b, topic, parts, nil)
	produceEach(t, b, topic, parts, 10, "a")
	got := &seen{m: map[string]int{}}
	opts := []kgo.Opt{kgo.Balancers(kgo.StickyBalancer()), kgo.ServerSideBalancer()}
	var stops []func()
	for range 3 {
		stops = append(stops, groupMember(t, b, group, topic, got, opts...))
	}
	waitSeen(t, got, "a", parts, 10)
	waitCommitted(t, b, group, topic, parts, 10)
	waitConsumerGroup(t, b, group, 3, parts)
	joined := time.Now()
	stops = append(stops, groupMember(t, b, group, topic, got, opts...))
	waitConsumerGroup(t, b, group, 4, parts)
	t.Logf("a member joining the stable group had partitions in %v", time.Since(joined).Round(10*time.Millisecond))

	stops[0]()
	produceEach(t, b, topic, parts, 10, "b")
	waitSeen(t, got, "b", parts, 10)
	waitCommitted(t, b, group, topic, parts, 20)
}

// waitConsumerGroup waits until ConsumerGroupDescribe shows the group
// Stable with members members, each owning partitions, which together own
// each of n partitions once, assigned by the uniform assignor.
func waitConsumerGroup(t *testing.T, b kafkapeer.Broker, group string, members int, n int) {
	t.Helper()
	var d kmsg.ConsumerGroupDescribeResponseGroup
	ok := testutil.WaitFor(func() bool {
		d = describeConsumerGroup(t, b, group)
		if d.ErrorCode != 0 || d.State != "Stable" || len(d.Members) != members || d.AssignorName != "uniform" {
			return false
		}
		owners := map[int32]int{}
		for _, m := range d.Members {
			if len(m.Assignment.TopicPartitions) == 0 {
				return false
			}
			for _, tp := range m.Assignment.TopicPartitions {
				for _, p := range tp.Partitions {
					owners[p]++
				}
			}
		}
		return eachOwnedOnce(owners, n)
	}, rebalanceTimeout)
	if !ok {
		t.Fatalf("group %s: not Stable with %d members owning %d partitions: %+v", group, members, n, d)
	}
}

func describeConsumerGroup(t *testing.T, b kafkapeer.Broker, group string) kmsg.ConsumerGroupDescribeResponseGroup {
	t.Helper()
	cl := kafkapeer.Kgo(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = []string{group}
	shard := cl.RequestSharded(ctx, req)
	if len(shard) != 1 || shard[0].Err != nil {
		t.Fatalf("ConsumerGroupDescribe: %+v", shard)
	}
	resp := shard[0].Resp.(*kmsg.ConsumerGroupDescribeResponse)
	if len(resp.Groups) != 1 {
		t.Fatalf("ConsumerGroupDescribe: %+v", resp)
	}
	return resp.Groups[0]
}
