package groupinterop

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// opTimeout bounds one client operation; rebalanceTimeout how long a
// group may take to settle (a member's session timeout is 6 s here).
const (
	opTimeout        = 30 * time.Second
	rebalanceTimeout = 30 * time.Second
	sessionTimeoutMs = 6000
)

var nameChars = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// name derives a topic or group name from the test's name.
func name(t testing.TB, suffix string) string {
	n := strings.Trim(nameChars.ReplaceAllString(t.Name()+"."+suffix, "-"), "-")
	if len(n) > 200 {
		n = n[len(n)-200:]
	}
	return n
}

// produceEach writes perPartition records (uncompressed: kafka-python and
// kafkajs lack snappy, kgo's default) to each of n partitions, values
// "<tag>-<partition>-<i>", and returns how many it wrote.
func produceEach(t testing.TB, b kafkapeer.Broker, topic string, n int32, perPartition int, tag string) int {
	t.Helper()
	cl := kafkapeer.Kgo(t, b, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchCompression(kgo.NoCompression()))
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var rs []*kgo.Record
	for p := range n {
		for i := range perPartition {
			rs = append(rs, &kgo.Record{Topic: topic, Partition: p, Value: fmt.Appendf(nil, "%s-%d-%d", tag, p, i)})
		}
	}
	if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
	return len(rs)
}

// groupState is a group as DescribeGroups reports it: its state and each
// member's assigned partitions of topic.
type groupState struct {
	State    string
	Members  map[string][]int32 // member id → partitions
	Protocol string
}

// eachOwnedOnce reports whether owners (partition → how many members own
// it) covers n partitions, each owned by exactly one member.
func eachOwnedOnce(owners map[int32]int, n int) bool {
	if len(owners) != n {
		return false
	}
	for _, c := range owners {
		if c != 1 {
			return false
		}
	}
	return true
}

// owners is every assigned partition, with how many members own it.
func (g groupState) owners() map[int32]int {
	out := map[int32]int{}
	for _, ps := range g.Members {
		for _, p := range ps {
			out[p]++
		}
	}
	return out
}

func describe(t testing.TB, adm *kadm.Client, group, topic string) (groupState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ds, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return groupState{}, err
	}
	d, ok := ds[group]
	if !ok {
		return groupState{}, fmt.Errorf("group %s not described", group)
	}
	if d.Err != nil {
		return groupState{}, d.Err
	}
	g := groupState{State: d.State, Protocol: d.Protocol, Members: map[string][]int32{}}
	for _, m := range d.Members {
		var ps []int32
		if ca, ok := m.Assigned.AsConsumer(); ok {
			for _, tp := range ca.Topics {
				if tp.Topic == topic {
					ps = append(ps, tp.Partitions...)
				}
			}
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		g.Members[m.MemberID] = ps
	}
	return g, nil
}

// waitBalanced waits until the group is Stable with members members and
// every one of n partitions assigned to exactly one of them.
func waitBalanced(t testing.TB, b kafkapeer.Broker, group, topic string, members int, n int32) groupState {
	t.Helper()
	adm := kafkapeer.Kadm(t, b)
	var g groupState
	var err error
	ok := testutil.WaitFor(func() bool {
		g, err = describe(t, adm, group, topic)
		if err != nil || g.State != "Stable" || len(g.Members) != members {
			return false
		}
		return eachOwnedOnce(g.owners(), int(n))
	}, rebalanceTimeout)
	if !ok {
		t.Fatalf("group %s: not balanced over %d members and %d partitions in %v: %+v (%v)", group, members, n, rebalanceTimeout, g, err)
	}
	return g
}

// committed is the group's committed offset per partition of topic.
func committed(t testing.TB, b kafkapeer.Broker, group, topic string) map[int32]int64 {
	t.Helper()
	adm := kafkapeer.Kadm(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	// Right after a (re)start the coordinator may still be loading or
	// unknown: retry what the protocol calls retriable, as clients do.
	var os kadm.OffsetResponses
	var err error
	for {
		os, err = adm.FetchOffsets(ctx, group)
		if err == nil || !kerr.IsRetriable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("fetch offsets of %s: %v", group, err)
	}
	out := map[int32]int64{}
	os.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil {
			out[o.Partition] = o.At
		}
	})
	return out
}

// waitCommitted waits until the group has committed want on every one of
// n partitions.
func waitCommitted(t testing.TB, b kafkapeer.Broker, group, topic string, n int32, want int64) {
	t.Helper()
	var got map[int32]int64
	ok := testutil.WaitFor(func() bool {
		got = committed(t, b, group, topic)
		for p := range n {
			if got[p] != want {
				return false
			}
		}
		return true
	}, rebalanceTimeout)
	if !ok {
		t.Fatalf("group %s: committed %v, want %d on each of %d partitions", group, got, want, n)
	}
}
