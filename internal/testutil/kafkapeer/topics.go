package kafkapeer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/wharf-project/wharf/internal/testutil"
)

// TopicTimeout bounds creating a topic and waiting for its leaders.
const TopicTimeout = 60 * time.Second

// CreateTopic creates a topic of the given partitions (replication factor
// 1, configs may be nil) with franz-go's admin client and waits until
// every partition has a leader.
func CreateTopic(t testing.TB, b Broker, name string, partitions int32, configs map[string]*string) {
	t.Helper()
	adm := Kadm(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), TopicTimeout)
	defer cancel()
	resp, err := adm.CreateTopic(ctx, partitions, 1, configs, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", name, err)
	}
	WaitLeaders(t, adm, name, partitions)
}

// WaitLeaders waits until topic's metadata shows n partitions, each with
// a leader: a (re)started broker answers Metadata before its partitions
// are loaded.
func WaitLeaders(t testing.TB, adm *kadm.Client, topic string, n int32) {
	t.Helper()
	var last error
	ok := testutil.WaitFor(func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		md, err := adm.Metadata(ctx, topic)
		if last = err; err != nil {
			return false
		}
		td, ok := md.Topics[topic]
		if !ok || td.Err != nil || len(td.Partitions) != int(n) {
			last = fmt.Errorf("metadata: %+v", td)
			return false
		}
		for _, p := range td.Partitions {
			if p.Err != nil || p.Leader < 0 {
				last = fmt.Errorf("partition %d: leader %d, %v", p.Partition, p.Leader, p.Err)
				return false
			}
		}
		return true
	}, TopicTimeout)
	if !ok {
		t.Fatalf("topic %s: no leaders for its %d partitions after %v (%v)", topic, n, TopicTimeout, last)
	}
}
