package groupinterop

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// TestFranzGoGroup: three franz-go group consumers share a topic with the
// eager range balancer and with cooperative-sticky (its incremental
// two-phase rebalance); one leaves cleanly and the others take its
// partitions; the committed offsets follow.
func TestFranzGoGroup(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		t.Run("eager_range", func(t *testing.T) { testFranzGroup(t, b, kgo.RangeBalancer(), "range") })
		t.Run("cooperative_sticky", func(t *testing.T) {
			testFranzGroup(t, b, kgo.CooperativeStickyBalancer(), "cooperative-sticky")
		})
		t.Run("resume_after_restart", func(t *testing.T) { testFranzResume(t, b) })
		t.Run("commits_survive_sigkill", func(t *testing.T) { testCommitsSurviveKill(t, b) })
	})
}

// seen collects the values group members consumed.
type seen struct {
	mu sync.Mutex
	m  map[string]int
}

func (s *seen) add(v string) {
	s.mu.Lock()
	s.m[v]++
	s.mu.Unlock()
}

func (s *seen) has(tag string, n int32, per int) (missing int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range n {
		for i := range per {
			if s.m[fmt.Sprintf("%s-%d-%d", tag, p, i)] == 0 {
				missing++
			}
		}
	}
	return missing
}

// groupMember runs a franz-go group consumer that adds what it consumes
// to into, until stop is called (a clean leave).
func groupMember(t *testing.T, b kafkapeer.Broker, group, topic string, into *seen, opts ...kgo.Opt) (stop func()) {
	t.Helper()
	opts = append([]kgo.Opt{
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.SessionTimeout(sessionTimeoutMs * time.Millisecond), kgo.HeartbeatInterval(500 * time.Millisecond),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.AutoCommitInterval(200 * time.Millisecond),
	}, opts...)
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Addr())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) { into.add(string(r.Value)) })
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
			cl.Close() // commits what was consumed and leaves the group
		})
	}
	t.Cleanup(stop)
	return stop
}

func waitSeen(t *testing.T, s *seen, tag string, n int32, per int) {
	t.Helper()
	if !testutil.WaitFor(func() bool { return s.has(tag, n, per) == 0 }, rebalanceTimeout) {
		t.Fatalf("%d records of %q not consumed after %v", s.has(tag, n, per), tag, rebalanceTimeout)
	}
}

func testFranzGroup(t *testing.T, b kafkapeer.Broker, balancer kgo.GroupBalancer, protocol string) {
	const parts = 6
	topic, group := name(t, "topic"), name(t, "group")
	kafkapeer.CreateTopic(t, b, topic, parts, nil)
	produceEach(t, b, topic, parts, 10, "a")
	got := &seen{m: map[string]int{}}
	var stops []func()
	for range 3 {
		stops = append(stops, groupMember(t, b, group, topic, got, kgo.Balancers(balancer)))
	}
	waitSeen(t, got, "a", parts, 10)
	g := waitBalanced(t, b, group, topic, 3, parts)
	if g.Protocol != protocol {
		t.Errorf("group protocol %q, want %q", g.Protocol, protocol)
	}
	waitCommitted(t, b, group, topic, parts, 10)

	left := time.Now()
	stops[0]()
	waitBalanced(t, b, group, topic, 2, parts)
	t.Logf("%s: a leaving member's partitions moved in %v", protocol, time.Since(left).Round(10*time.Millisecond))
	produceEach(t, b, topic, parts, 10, "b")
	waitSeen(t, got, "b", parts, 10)
	waitCommitted(t, b, group, topic, parts, 20)
}

// testFranzResume: a group commits, the broker restarts, and the group's
// next member starts exactly at the committed offsets.
func testFranzResume(t *testing.T, b kafkapeer.Broker) {
	if b.Kind() == kafkapeer.KindKfake {
		t.Skip("kfake keeps nothing across a restart")
	}
	const parts = 3
	topic, group := name(t, "topic"), name(t, "group")
	kafkapeer.CreateTopic(t, b, topic, parts, nil)
	produceEach(t, b, topic, parts, 10, "a")
	got := &seen{m: map[string]int{}}
	stop := groupMember(t, b, group, topic, got)
	waitSeen(t, got, "a", parts, 10)
	stop()
	waitCommitted(t, b, group, topic, parts, 10)

	b.Restart()
	if c := committed(t, b, group, topic); len(c) != parts || c[0] != 10 || c[1] != 10 || c[2] != 10 {
		t.Fatalf("committed offsets after the restart: %v, want 10 on each of %d partitions", c, parts)
	}
	produceEach(t, b, topic, parts, 10, "b")
	again := &seen{m: map[string]int{}}
	groupMember(t, b, group, topic, again)
	waitSeen(t, again, "b", parts, 10)
	waitCommitted(t, b, group, topic, parts, 20)
	if n := len(again.m); n != parts*10 {
		t.Fatalf("after the restart the group consumed %d distinct records, want only the %d new ones", n, parts*10)
	}
}

// TestFranzGoStaticMembers: two static members (group.instance.id, KIP-345)
// share a topic; one restarts within the session timeout and gets its own
// partitions back without a rebalance: the other member's assignment is
// never revoked.
func TestFranzGoStaticMembers(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		const parts = 4
		topic, group := name(t, "topic"), name(t, "group")
		kafkapeer.CreateTopic(t, b, topic, parts, nil)
		var mu sync.Mutex
		assigned := map[string][][]int32{} // instance → each assignment it was given
		revoked := map[string]int{}
		member := func(instance string) (stop func()) {
			return groupMember(t, b, group, topic, &seen{m: map[string]int{}}, kgo.InstanceID(instance),
				kgo.SessionTimeout(20*time.Second), kgo.Balancers(kgo.RangeBalancer()),
				kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) {
					mu.Lock()
					assigned[instance] = append(assigned[instance], a[topic])
					mu.Unlock()
				}),
				kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, r map[string][]int32) {
					if len(r[topic]) > 0 {
						mu.Lock()
						revoked[instance]++
						mu.Unlock()
					}
				}))
		}
		stopA := member("a")
		member("b")
		before := waitBalanced(t, b, group, topic, 2, parts)
		mu.Lock()
		firstA := fmt.Sprint(assigned["a"][len(assigned["a"])-1])
		assignsA := len(assigned["a"]) // 1 or 2: a may have been alone first
		revokedB := revoked["b"]
		mu.Unlock()

		stopA() // a static member does not leave on close
		member("a")
		after := waitBalanced(t, b, group, topic, 2, parts)
		if len(after.Members) != 2 {
			t.Fatalf("after the restart: %+v", after)
		}
		// The restarted member has a new member id but the same partitions.
		for id := range before.Members {
			if _, ok := after.Members[id]; ok && fmt.Sprint(after.Members[id]) != fmt.Sprint(before.Members[id]) {
				t.Errorf("member %s: partitions %v before, %v after", id, before.Members[id], after.Members[id])
			}
		}
		testutil.WaitFor(func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(assigned["a"]) > assignsA
		}, rebalanceTimeout)
		mu.Lock()
		defer mu.Unlock()
		if len(assigned["a"]) != assignsA+1 || fmt.Sprint(assigned["a"][assignsA]) != firstA {
			t.Errorf("instance a was assigned %v; want %s again after its restart", assigned["a"], firstA)
		}
		if revoked["b"] != revokedB {
			t.Errorf("instance b had partitions revoked by a's restart (%d revocations, %d before)", revoked["b"], revokedB)
		}
	})
}

// testCommitsSurviveKill: every commit the broker acknowledged is there
// after a SIGKILL of the broker (commits are fsynced before the answer).
func testCommitsSurviveKill(t *testing.T, b kafkapeer.Broker) {
	if b.Kind() == kafkapeer.KindKfake {
		t.Skip("kfake keeps nothing across a restart")
	}
	const parts = 3
	topic := name(t, "topic")
	kafkapeer.CreateTopic(t, b, topic, parts, nil)
	adm := kafkapeer.Kadm(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	want := map[string]int64{}
	for i := range 20 {
		group := fmt.Sprintf("%s-%d", name(t, "group"), i)
		os := kadm.Offsets{}
		for p := range int32(parts) {
			os.Add(kadm.Offset{Topic: topic, Partition: p, At: int64(100*i) + int64(p), LeaderEpoch: -1})
		}
		resp, err := adm.CommitOffsets(ctx, group, os)
		if err != nil || resp.Error() != nil {
			t.Fatalf("commit %s: %v %v", group, err, resp.Error())
		}
		want[group] = int64(100 * i)
	}
	b.Kill()
	b.Restart()
	for group, base := range want {
		got := committed(t, b, group, topic)
		for p := range int32(parts) {
			if got[p] != base+int64(p) {
				t.Fatalf("after SIGKILL, group %s partition %d: committed %d, want the acknowledged %d", group, p, got[p], base+int64(p))
			}
		}
	}
}
