package kafkaserver

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// TestBrokerOnApacheZooKeeperChroot runs `wharf broker server.properties`
// against Apache ZooKeeper 3.8 with a chroot in zookeeper.connect: Kafka's
// znodes live under the chroot (created if missing) and nothing else is
// written at the root. The settings come from the file, then KAFKA_*
// variables (the official image's mapping), then --override, later winning.
func TestBrokerOnApacheZooKeeperChroot(t *testing.T) {
	testutil.Slow(t)
	zkSrv := testutil.StartApacheZK(t, testutil.ZKOptions{})
	const chroot = "/kafka"
	b := kafkapeer.StartWharfBroker(t, zkSrv.Addr+chroot, kafkapeer.BrokerOptions{
		Props: map[string]string{
			"num.partitions":    "2",       // env says 3
			"log.retention.ms":  "111111",  // env says 222222, --override 333333
			"message.max.bytes": "2000000", // the file alone
		},
		Env: []string{
			"KAFKA_NUM_PARTITIONS=3",
			"KAFKA_LOG_RETENTION_MS=222222",
			"KAFKA_LOG_CLEANER_DELETE_RETENTION_MS=4444444", // dots become underscores
		},
		Args: []string{"--override", "log.retention.ms=333333"},
	})
	conn := testutil.Connect(t, zkSrv.Addr)
	adm := kafkapeer.Kadm(t, b)

	// An auto-created topic gets num.partitions from the environment.
	const topic = "auto-created"
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	req.AllowAutoTopicCreation = true
	cl := kafkapeer.Kgo(t, b)
	var parts int
	waitFor(t, topic+" to be auto-created with its leaders", opTimeout, func() bool {
		resp, err := req.RequestWith(ctxT(t), cl)
		if err != nil || len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != 0 {
			return false
		}
		parts = len(resp.Topics[0].Partitions)
		for _, p := range resp.Topics[0].Partitions {
			if p.ErrorCode != 0 || p.Leader != 0 {
				return false
			}
		}
		return true
	})
	if parts != 3 {
		t.Errorf("auto-created %s has %d partitions, want 3 (KAFKA_NUM_PARTITIONS over the file's 2)", topic, parts)
	}

	t.Run("precedence", func(t *testing.T) {
		rcs, err := adm.DescribeBrokerConfigs(ctxT(t), 0)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := rcs.On("0", nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, c := range rc.Configs {
			got[c.Key] = c.MaybeValue()
		}
		for k, want := range map[string]string{
			"num.partitions":                  "3",       // env over file
			"log.retention.ms":                "333333",  // --override over env and file
			"message.max.bytes":               "2000000", // file over default
			"log.cleaner.delete.retention.ms": "4444444", // env alone
			"zookeeper.connect":               zkSrv.Addr + chroot,
		} {
			if got[k] != want {
				t.Errorf("DescribeConfigs %s = %q, want %q", k, got[k], want)
			}
		}
	})

	t.Run("znodes_under_chroot", func(t *testing.T) {
		root, _, err := conn.Children("/")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range root {
			if c != "zookeeper" && c != "kafka" {
				t.Errorf("the broker wrote /%s outside its chroot %s (root has %q)", c, chroot, root)
			}
		}
		md, err := adm.BrokerMetadata(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		checkBrokerZnodes(t, conn, chroot, b.ListenAddr, md.Cluster)
		checkTopicZnodes(t, conn, chroot, topic, 3, "")
	})
}
