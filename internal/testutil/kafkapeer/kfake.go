package kafkapeer

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/wharf-project/wharf/internal/testutil"
)

// KfakeOptions configure StartKfake. The zero value is one broker that
// speaks Kafka 2.8's API versions (what Wharf implements; Produce and
// Fetch advertised from v0 as Kafka does, see advertiseFromV0), creates
// topics on demand with one partition, and keeps its data in a temp dir so
// Restart finds it again.
type KfakeOptions struct {
	// Versions caps the API versions kfake advertises; nil = Kafka 2.8.
	Versions *kversion.Versions
	// Opts are more kfake options, applied after the defaults.
	Opts []kfake.Opt
}

// Kfake is franz-go's in-memory fake broker running inside the test
// binary: a stand-in with which the interop suite and this package can be
// developed and checked while Wharf's broker does not exist. It implements
// Broker; being in process, Kill is a Close.
type Kfake struct {
	Cluster *kfake.Cluster
	DataDir string

	t    testing.TB
	addr string
	port int
	opts []kfake.Opt
}

func (k *Kfake) Kind() string { return KindKfake }
func (k *Kfake) Addr() string { return k.addr }

// Stop closes the cluster.
func (k *Kfake) Stop() {
	if k.Cluster != nil {
		k.Cluster.Close()
		k.Cluster = nil
	}
}

// Kill closes the cluster: an in-process fake cannot be crashed.
func (k *Kfake) Kill() { k.Stop() }

// Restart closes the cluster and opens a new one on the same port and data
// directory.
func (k *Kfake) Restart() {
	k.t.Helper()
	k.Stop()
	k.start()
}

func (k *Kfake) start() {
	k.t.Helper()
	opts := append([]kfake.Opt{kfake.Ports(k.port)}, k.opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		k.t.Fatalf("start kfake: %v", err)
	}
	k.Cluster = c
	addrs := c.ListenAddrs()
	if len(addrs) == 0 {
		k.t.Fatal("kfake: no listener")
	}
	k.addr = addrs[0]
	if err := advertiseFromV0(c, k.addr); err != nil {
		k.t.Fatalf("kfake: %v", err)
	}
}

// advertiseFromV0 makes kfake's ApiVersions answer list Produce and Fetch
// from version 0, as Kafka 2.8 does, instead of from the oldest versions
// kfake serves (3 and 4).
//
// librdkafka derives features from whether its probe ranges overlap the
// broker's: MsgVer1 needs Produce v2 and Fetch v2, and without MsgVer1 it
// sends gzip, snappy and lz4 batches uncompressed ("Broker does not support
// compression type"). It never sends those old versions, so widening the
// advertised range changes nothing else for the clients tested here; a
// client that did send one would get kfake's UNSUPPORTED_VERSION and fail
// its test visibly.
func advertiseFromV0(c *kfake.Cluster, addr string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	base, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("ApiVersions: %w", err)
	}
	for i := range base.ApiKeys {
		switch kmsg.Key(base.ApiKeys[i].ApiKey) {
		case kmsg.Produce, kmsg.Fetch:
			base.ApiKeys[i].MinVersion = 0
		}
	}
	c.ControlKey(int16(kmsg.ApiVersions), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if req.GetVersion() > base.Version {
			return nil, nil, false // kfake answers (a v0 UNSUPPORTED_VERSION)
		}
		resp := *base
		resp.ApiKeys = slices.Clone(base.ApiKeys)
		resp.SetVersion(req.GetVersion())
		return &resp, nil, true
	})
	return nil
}

// StartKfake starts a single-broker kfake cluster on 127.0.0.1, closed when
// the test ends.
func StartKfake(t testing.TB, opts KfakeOptions) *Kfake {
	t.Helper()
	versions := opts.Versions
	if versions == nil {
		versions = kversion.V2_8_0()
	}
	dir := testutil.TempDir(t, "kfake")
	k := &Kfake{
		DataDir: filepath.Join(dir, "data"),
		t:       t,
		port:    testutil.FreePort(t),
	}
	k.opts = append([]kfake.Opt{
		kfake.NumBrokers(1),
		kfake.AllowAutoTopicCreation(), // Kafka's auto.create.topics.enable=true
		kfake.DefaultNumPartitions(1),  // Kafka's num.partitions=1
		kfake.MaxVersions(versions),
		kfake.DataDir(k.DataDir),
	}, opts.Opts...)
	k.start()
	t.Logf("kfake on %s (data %s)", k.addr, k.DataDir)
	t.Cleanup(k.Stop)
	return k
}
