package groupinterop

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// TestKcatGroup: three kcat -G members (librdkafka's balanced consumer)
// share a six-partition topic under each assignor; one is killed with
// SIGKILL and its partitions move to the other two, which consume what is
// produced next; the committed offsets end at the log end.
func TestKcatGroup(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		for _, strategy := range []string{"range", "roundrobin", "cooperative-sticky"} {
			t.Run(strategy, func(t *testing.T) { testKcatGroup(t, b, strategy) })
		}
	})
}

func testKcatGroup(t *testing.T, b kafkapeer.Broker, strategy string) {
	const parts = 6
	topic, group := name(t, "topic"), name(t, "group")
	kafkapeer.CreateTopic(t, b, topic, parts, nil)
	produceEach(t, b, topic, parts, 10, "a")

	member := func() *kafkapeer.Running {
		return kafkapeer.StartKcat(t, b, "-G", group, "-q", "-u", "-f", "%s\n",
			"-X", "partition.assignment.strategy="+strategy,
			"-X", fmt.Sprintf("session.timeout.ms=%d", sessionTimeoutMs),
			"-X", "heartbeat.interval.ms=500",
			"-X", "auto.offset.reset=earliest",
			"-X", "auto.commit.interval.ms=200",
			topic)
	}
	members := []*kafkapeer.Running{member(), member(), member()}
	waitConsumed(t, members, "a", parts, 10)
	g := waitBalanced(t, b, group, topic, 3, parts)
	if g.Protocol != strategy {
		t.Errorf("group protocol %q, want %q", g.Protocol, strategy)
	}
	waitCommitted(t, b, group, topic, parts, 10)

	killed := time.Now()
	members[0].Kill()
	waitBalanced(t, b, group, topic, 2, parts)
	t.Logf("%s: the killed member's partitions moved in %v (session timeout %d ms)", strategy, time.Since(killed).Round(100*time.Millisecond), sessionTimeoutMs)
	produceEach(t, b, topic, parts, 10, "b")
	waitConsumed(t, members[1:], "b", parts, 10)
	waitCommitted(t, b, group, topic, parts, 20)
}

// waitConsumed waits until the members together printed every value
// "<tag>-<p>-<i>" of n partitions × per records.
func waitConsumed(t *testing.T, members []*kafkapeer.Running, tag string, n, per int) {
	t.Helper()
	want := map[string]bool{}
	for p := range n {
		for i := range per {
			want[fmt.Sprintf("%s-%d-%d", tag, p, i)] = true
		}
	}
	missing := func() []string {
		seen := map[string]bool{}
		for _, m := range members {
			for _, line := range strings.Split(m.Stdout(), "\n") {
				seen[strings.TrimSpace(line)] = true
			}
		}
		var out []string
		for v := range want {
			if !seen[v] {
				out = append(out, v)
			}
		}
		return out
	}
	deadline := time.Now().Add(rebalanceTimeout)
	for {
		m := missing()
		if len(m) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %d records of %q not consumed by the group (e.g. %v)", rebalanceTimeout, len(m), tag, m[:min(5, len(m))])
		}
		time.Sleep(50 * time.Millisecond)
	}
}
