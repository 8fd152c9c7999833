package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// The quickstart's console commands, through the original script names,
// against a real `wharf server`: the producer by --broker-list, the
// consumer by --zookeeper (brokers read from /brokers/ids) and by
// --bootstrap-server in a consumer group that the broker coordinates, whose
// committed offsets a second run of the group starts from.
func TestConsoleAgainstWharfServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a wharf server")
	}
	s := kafkapeer.StartWharfServer(t, kafkapeer.WharfOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kafkapeer.Kadm(t, s).CreateTopic(ctx, 1, 1, nil, "test"); err != nil {
		t.Fatal(err)
	}
	r := runIn("This is a message\nThis is another message\n", "kafka-console-producer.sh", "--broker-list", s.KafkaAddr, "--topic", "test")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("produce: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runIn("", "kafka-console-consumer.sh", "--zookeeper", s.ZKAddr, "--topic", "test", "--from-beginning", "--max-messages", "2")
	if r.code != 0 || r.stdout != "This is a message\nThis is another message\n" || r.stderr != "Processed a total of 2 messages\n" {
		t.Fatalf("consume: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"1", "1", "0"} {
		r = runIn("", "kafka-console-consumer.sh", "--bootstrap-server", s.KafkaAddr, "--topic", "test", "--from-beginning",
			"--group", "tutorial", "--max-messages", "1", "--timeout-ms", "3000", "--property", "print.offset=true")
		if r.code != 0 || !strings.HasSuffix(r.stderr, "Processed a total of "+want+" messages\n") {
			t.Fatalf("group run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
	}
}
