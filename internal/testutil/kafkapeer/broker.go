package kafkapeer

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/testutil"
)

// Broker is a Kafka-compatible broker (or single-node cluster) that one
// test owns. Every implementation listens on 127.0.0.1.
type Broker interface {
	// Kind names the implementation: KindKfake, KindWharf or
	// KindWharfBroker.
	Kind() string
	// Addr is the bootstrap address, 127.0.0.1:port.
	Addr() string
	// Stop shuts the broker down cleanly.
	Stop()
	// Kill crashes it (SIGKILL for a process; kfake can only Close).
	Kill()
	// Restart stops it if it runs and starts it again on the same port and
	// data, returning once it answers Metadata.
	Restart()
}

// The Broker kinds, also the names WHARF_INTEROP_TARGET accepts.
const (
	KindKfake       = "kfake"        // franz-go's in-memory fake, in process
	KindWharf       = "wharf"        // wharf server (coordinator + broker)
	KindWharfBroker = "wharf-broker" // wharf broker server.properties on Apache ZooKeeper 3.8
)

// TargetEnv names the brokers ForEachTarget runs against, comma-separated.
const TargetEnv = "WHARF_INTEROP_TARGET"

// DefaultTargets is used when TargetEnv is unset.
var DefaultTargets = []string{KindWharf, KindWharfBroker}

// Targets returns the broker kinds named by WHARF_INTEROP_TARGET (default
// DefaultTargets), or an error for an unknown name.
func Targets() ([]string, error) {
	v := strings.TrimSpace(os.Getenv(TargetEnv))
	if v == "" {
		return slices.Clone(DefaultTargets), nil
	}
	var out []string
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		switch f {
		case "":
			continue
		case KindKfake, KindWharf, KindWharfBroker:
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		default:
			return nil, fmt.Errorf("kafkapeer: %s=%q: unknown target %q (want %s, %s or %s)",
				TargetEnv, v, f, KindKfake, KindWharf, KindWharfBroker)
		}
	}
	return out, nil
}

// StartTarget starts a fresh broker of the given kind with default
// options. For KindWharfBroker it first starts an Apache ZooKeeper 3.8.
// A Wharf binary that lacks the needed subcommand skips the test (see
// RequireWharfSubcommand).
func StartTarget(t testing.TB, kind string) Broker {
	t.Helper()
	switch kind {
	case KindKfake:
		return StartKfake(t, KfakeOptions{})
	case KindWharf:
		return StartWharfServer(t, WharfOptions{})
	case KindWharfBroker:
		bin := wharfBin(t, "broker")
		zk := startApacheZK(t)
		return StartWharfBroker(t, zk, BrokerOptions{WharfBin: bin})
	}
	t.Fatalf("kafkapeer: unknown broker kind %q", kind)
	return nil
}

// ForEachTarget runs fn as one subtest per target in WHARF_INTEROP_TARGET
// (named after the kind: TestX/kfake, TestX/wharf), each on a fresh broker
// that fn's own subtests share.
func ForEachTarget(t *testing.T, fn func(t *testing.T, b Broker)) {
	t.Helper()
	testutil.Slow(t)
	targets, err := Targets()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range targets {
		t.Run(kind, func(t *testing.T) {
			fn(t, StartTarget(t, kind))
		})
	}
}

// metadataReady reports whether addr answers a Metadata request with at
// least one broker and a controller, within timeout.
func metadataReady(addr string, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DialTimeout(timeout),
		kgo.RequestRetries(0), kgo.RetryTimeout(timeout), kgo.MetadataMinAge(10*time.Millisecond))
	if err != nil {
		return false
	}
	defer cl.Close()
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{} // no topics: cheap, and no auto-creation
	resp, err := req.RequestWith(ctx, cl)
	return err == nil && len(resp.Brokers) > 0 && resp.ControllerID >= 0
}
