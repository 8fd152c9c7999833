package cli

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/kafka/zkdata/zktest"
)

func TestKafkaTargetSeeds(t *testing.T) {
	ctx := context.Background()
	if got, err := (kafkaTarget{Bootstrap: " a:1, b:2 ,"}).seeds(ctx); err != nil || !slices.Equal(got, []string{"a:1", "b:2"}) {
		t.Errorf("bootstrap: %q %v", got, err)
	}
	if _, err := (kafkaTarget{}).seeds(ctx); !errors.Is(err, errNoConnection) {
		t.Errorf("no connection: %v", err)
	}
}

// --zookeeper host:port/chroot finds the brokers registered under the
// chroot, by their PLAINTEXT endpoint.
func TestKafkaTargetSeedsFromZooKeeper(t *testing.T) {
	connect := zktest.Wharf(t) + "/kafka"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	zk, err := zkdata.Dial(ctx, zkdata.Config{Connect: connect, SessionTimeout: 6 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer zk.Close()
	if _, err := (kafkaTarget{ZooKeeper: connect, TimeoutMs: 5000}).seeds(ctx); err == nil || !strings.Contains(err.Error(), "no broker is registered") {
		t.Errorf("no brokers: %v", err)
	}
	for _, b := range []zkdata.BrokerInfo{
		{ID: 1, Version: 5, JMXPort: -1, EndPoints: []zkdata.EndPoint{{Listener: "SSL", Host: "h1", Port: 9093, SecurityProtocol: "SSL"},
			{Listener: "PLAINTEXT", Host: "h1", Port: 9092, SecurityProtocol: "PLAINTEXT"}}},
		{ID: 2, Version: 5, JMXPort: -1, EndPoints: []zkdata.EndPoint{{Listener: "CLIENT", Host: "h2", Port: 19092, SecurityProtocol: "SASL_SSL"}}},
	} {
		if err := zk.CreateTopLevelPaths(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := zk.RegisterBroker(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	got, err := (kafkaTarget{ZooKeeper: connect, TimeoutMs: 5000}).seeds(ctx)
	if err != nil || !slices.Equal(got, []string{"h1:9092", "h2:19092"}) {
		t.Errorf("seeds %q, %v", got, err)
	}
}

// An unreachable broker is one error within the timeout.
func TestKafkaTargetUnreachable(t *testing.T) {
	start := time.Now()
	_, err := (kafkaTarget{Bootstrap: "127.0.0.1:1", TimeoutMs: 1000}).client(context.Background(), "consumer", io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach any broker of 127.0.0.1:1 within 1000 ms: ") ||
		strings.Contains(err.Error(), errUnreachable.Error()) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("err %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
