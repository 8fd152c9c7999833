package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// kafkaTarget is how a Kafka tool (topics, configs, groups, get-offsets,
// console producer and consumer) reaches the cluster: --bootstrap-server,
// the legacy --broker-list (same meaning), or the legacy --zookeeper
// host:port[/chroot] of the tutorials, from which the brokers registered
// in /brokers/ids are read; plus the client properties of --command-config
// (or --producer.config / --consumer.config). The tools are real clients:
// they work against Apache Kafka as well.
type kafkaTarget struct {
	Bootstrap string            // host:port[,host:port]
	ZooKeeper string            // host:port[,host:port][/chroot]
	Props     map[string]string // client properties (a config file's, then --*-property)
	// TimeoutMs bounds reaching the cluster (default 30000): an
	// unreachable broker or ZooKeeper is one error line within it.
	TimeoutMs int64
}

// errNoConnection: neither --bootstrap-server nor --zookeeper was given.
var errNoConnection = errors.New("one of --bootstrap-server or --zookeeper is required")

// seeds returns the bootstrap addresses: --bootstrap-server's, or the
// PLAINTEXT endpoints (else the first endpoint) of every broker
// registered in ZooKeeper under --zookeeper.
func (k kafkaTarget) seeds(ctx context.Context) ([]string, error) {
	if k.Bootstrap != "" {
		var out []string
		for _, s := range strings.Split(k.Bootstrap, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("no broker address in %q", k.Bootstrap)
		}
		return out, nil
	}
	if k.ZooKeeper == "" {
		return nil, errNoConnection
	}
	ctx, cancel := context.WithTimeout(ctx, k.timeout())
	defer cancel()
	zk, err := zkdata.Dial(ctx, zkdata.Config{Connect: k.ZooKeeper, SessionTimeout: k.timeout()})
	if err != nil {
		return nil, fmt.Errorf("cannot reach ZooKeeper at %s within %d ms: %w", k.ZooKeeper, k.timeout().Milliseconds(), err)
	}
	defer zk.Close()
	brokers, err := zk.GetAllBrokerAndEpochs(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the brokers from ZooKeeper at %s: %w", k.ZooKeeper, err)
	}
	var out []string
	for _, b := range brokers {
		if len(b.EndPoints) == 0 {
			continue
		}
		ep := b.EndPoints[0]
		for _, e := range b.EndPoints {
			if e.SecurityProtocol == "PLAINTEXT" {
				ep = e
				break
			}
		}
		out = append(out, ep.Host+":"+strconv.Itoa(int(ep.Port)))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no broker is registered in ZooKeeper at %s (/brokers/ids is empty)", k.ZooKeeper)
	}
	return out, nil
}

func (k kafkaTarget) timeout() time.Duration {
	if k.TimeoutMs <= 0 {
		return 30 * time.Second
	}
	return time.Duration(k.TimeoutMs) * time.Millisecond
}

// client connects a kgo client with the target's properties (role
// "producer" or "consumer" chooses which producer/consumer properties
// apply; an admin tool uses "consumer") and extra options, and checks that
// a broker answers within the timeout. Unknown properties are reported on
// warn and ignored.
func (k kafkaTarget) client(ctx context.Context, role string, warn io.Writer, extra ...kgo.Opt) (*kgo.Client, error) {
	seeds, err := k.seeds(ctx)
	if err != nil {
		return nil, err
	}
	props := map[string]string{}
	for key, v := range k.Props {
		props[key] = v
	}
	props["bootstrap.servers"] = strings.Join(seeds, ",")
	cfg, err := newClientConfig(role, props, warn)
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(append(cfg.opts, extra...)...)
	if err != nil {
		return nil, err
	}
	if err := awaitCluster(ctx, cl, k.timeout().Milliseconds()); err != nil {
		cl.Close()
		return nil, fmt.Errorf("cannot reach any broker of %s within %d ms: %s", strings.Join(seeds, ","), k.timeout().Milliseconds(), unreachableWhy(err))
	}
	return cl, nil
}

// admin is client wrapped in kadm.
func (k kafkaTarget) admin(ctx context.Context, warn io.Writer) (*kadm.Client, error) {
	cl, err := k.client(ctx, "consumer", warn)
	if err != nil {
		return nil, err
	}
	return kadm.NewClient(cl), nil
}

// listOffsetsRequest is a consumer's ListOffsets request (replica -1, no
// leader epoch) for timestamp ts (-1 latest, -2 earliest, …) of each
// partition, grouped by topic in first-seen order.
func listOffsetsRequest[T any](parts []T, tp func(T) (string, int32), ts int64) *kmsg.ListOffsetsRequest {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	byTopic := map[string]int{}
	for _, x := range parts {
		topic, partition := tp(x)
		i, ok := byTopic[topic]
		if !ok {
			i = len(req.Topics)
			byTopic[topic] = i
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = partition, ts, -1
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	return req
}
