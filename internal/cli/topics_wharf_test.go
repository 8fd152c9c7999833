package cli

import (
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// The tutorials' topic commands, through the original script name, against
// a real `wharf server`: --zookeeper and --bootstrap-server, Wharf's own
// error messages (the broker's, as the Java tool prints them), and the
// 2.8-style config alteration under --zookeeper.
func TestTopicsAgainstWharfServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a wharf server")
	}
	s := kafkapeer.StartWharfServer(t, kafkapeer.WharfOptions{})
	bs := []string{"--bootstrap-server", s.KafkaAddr}
	zk := []string{"--zookeeper", s.ZKAddr}
	steps := []struct {
		via  []string
		args []string
		code int
		out  string
	}{
		{zk, []string{"--create", "--replication-factor", "1", "--partitions", "1", "--topic", "test"}, 0, "Created topic test.\n"},
		{bs, []string{"--create", "--topic", "test"}, 1, "Error while executing topic command : Topic 'test' already exists.\n"},
		{bs, []string{"--create", "--topic", "big", "--replication-factor", "3"}, 1,
			"Error while executing topic command : Replication factor: 3 larger than available brokers: 1.\n"},
		{zk, []string{"--list", "--exclude-internal"}, 0, "test\n"},
		{bs, []string{"--describe", "--topic", "test"}, 0,
			"Topic: test\tTopicId: ID\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: \n" +
				"\tTopic: test\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0\tElr: N/A\tLastKnownElr: N/A\n"},
		{zk, []string{"--alter", "--topic", "test", "--partitions", "6"}, 0, ""},
		{zk, []string{"--alter", "--topic", "test", "--config", "retention.ms=1000", "--config", "cleanup.policy=compact"}, 0,
			"WARNING: Altering topic configuration from this script has been deprecated and may be removed in future releases.\n" +
				"         Going forward, please use kafka-configs.sh for this functionality\n" +
				"Updated config for topic test.\n"},
		{zk, []string{"--alter", "--topic", "test", "--delete-config", "cleanup.policy"}, 0,
			"WARNING: Altering topic configuration from this script has been deprecated and may be removed in future releases.\n" +
				"         Going forward, please use kafka-configs.sh for this functionality\n" +
				"Updated config for topic test.\n"},
		{bs, []string{"--describe", "--topics-with-overrides"}, 0,
			"Topic: test\tTopicId: ID\tPartitionCount: 6\tReplicationFactor: 1\tConfigs: retention.ms=1000\n"},
		{bs, []string{"--describe", "--under-replicated-partitions"}, 0, ""},
		{zk, []string{"--delete", "--topic", "test"}, 0, ""},
	}
	for _, st := range steps {
		r := run(append(append([]string{"kafka-topics.sh"}, st.via...), st.args...)...)
		if r.code != st.code {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", st.args, r.code, r.stdout, r.stderr)
			continue
		}
		diffText(t, strings.Join(st.args, " "), topicIDField.ReplaceAllString(r.stdout, "TopicId: ID"), st.out)
	}
}
