package kafkainterop

import (
	"testing"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// TestRestart: records acknowledged with acks=all survive a crash (SIGKILL;
// kfake, being in process, is closed) and a clean stop; after each restart
// on the same data the topic, its records and their offsets are there, and
// new records continue the offsets.
func TestRestart(t *testing.T) {
	kafkapeer.ForEachTarget(t, func(t *testing.T, b kafkapeer.Broker) {
		topic := createTopic(t, b, topicName(t), 2, nil)
		first := sample("before", 6)
		for i := range first {
			first[i].Partition = int32(i % 2)
		}
		first = produce(t, b, topic, first)

		b.Kill()
		b.Restart()
		second := produce(t, b, topic, []msg{sample("after-crash", 1)[0]})
		if second[0].Offset != 3 {
			t.Fatalf("first record after the crash got offset %d, want 3", second[0].Offset)
		}

		b.Stop()
		b.Restart()
		want := withOffsets(append(pick(first, 0), second...), 0, 0)
		sameMsgs(t, "partition 0 after a crash and a clean restart", kcatConsume(t, b, topic, 0, "-o", "beginning"), want)
		sameMsgs(t, "partition 1 after a crash and a clean restart", kcatConsume(t, b, topic, 1, "-o", "beginning"), withOffsets(pick(first, 1), 1, 0))
	})
}

// pick returns the msgs of one partition.
func pick(ms []msg, p int32) []msg {
	var out []msg
	for _, m := range ms {
		if m.Partition == p {
			out = append(out, m)
		}
	}
	return out
}
