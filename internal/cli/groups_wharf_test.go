package cli

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/testutil/kafkapeer"
)

// kafka-consumer-groups.sh against a real `wharf server`, with a classic
// group and a KIP-848 one (ConsumerGroupDescribe) consuming a two-partition
// topic.
func TestGroupsAgainstWharfServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a wharf server")
	}
	s := kafkapeer.StartWharfServer(t, kafkapeer.WharfOptions{})
	ctx := context.Background()
	adm := kafkapeer.Kadm(t, s)
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	prod := kafkapeer.Kgo(t, s, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for p, n := range []int{3, 1} {
		for range n {
			if err := prod.ProduceSync(ctx, &kgo.Record{Topic: "t", Partition: int32(p), Value: []byte("v")}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	consume := func(group string, opts ...kgo.Opt) {
		cl := kafkapeer.Kgo(t, s, append([]kgo.Opt{kgo.ConsumerGroup(group), kgo.ConsumeTopics("t"), kgo.ClientID("c-" + group),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
		got := 0
		deadline := time.Now().Add(30 * time.Second)
		for got < 4 && time.Now().Before(deadline) {
			pctx, cancel := context.WithTimeout(ctx, time.Second)
			got += cl.PollFetches(pctx).NumRecords()
			cancel()
		}
		if err := cl.CommitUncommittedOffsets(ctx); err != nil || got != 4 {
			t.Fatalf("%s: consumed %d, commit: %v", group, got, err)
		}
	}
	consume("classic")
	consume("modern", kgo.ServerSideBalancer())

	bs := []string{"kafka-consumer-groups.sh", "--bootstrap-server", s.KafkaAddr}
	cgw := func(args ...string) result { return run(append(append([]string(nil), bs...), args...)...) }

	r := cgw("--list", "--type", "--state")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	sort.Strings(lines[1:])
	diffText(t, "--list --type --state", strings.Join(lines, "\n"),
		"GROUP                     TYPE                 STATE               \n"+
			"classic                   Classic              Stable              \n"+
			"modern                    Consumer             Stable              ")

	dg, err := adm.DescribeGroups(ctx, "classic")
	if err != nil || len(dg["classic"].Members) != 1 {
		t.Fatalf("describe classic: %v %+v", err, dg)
	}
	classicID := dg["classic"].Members[0].MemberID
	dc, err := adm.DescribeConsumerGroups(ctx, "modern")
	if err != nil || len(dc["modern"].Members) != 1 {
		t.Fatalf("describe modern: %v %+v", err, dc)
	}
	modernID := dc["modern"].Members[0].MemberID

	// printOffsets: rows in TopicPartition HashMap order (t-1 before t-0)
	w := max(15, len(classicID))
	r = cgw("--describe", "--group", "classic")
	diffText(t, "describe classic", r.stdout, "\n"+
		"GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             "+cgPad("CONSUMER-ID", w)+" HOST            CLIENT-ID\n"+
		"classic         t               1          1               1               0               "+cgPad(classicID, w)+" /127.0.0.1      c-classic\n"+
		"classic         t               0          3               3               0               "+cgPad(classicID, w)+" /127.0.0.1      c-classic\n")

	// printMembers with --verbose: 3.9.0 prints the partitions without the topic
	w = max(15, len(modernID))
	r = cgw("--describe", "--group", "modern", "--members", "--verbose")
	diffText(t, "members modern", r.stdout, "\n"+
		"GROUP           "+cgPad("CONSUMER-ID", w)+" HOST            CLIENT-ID       #PARTITIONS     ASSIGNMENT\n"+
		"modern          "+cgPad(modernID, w)+" /127.0.0.1      c-modern        2               (0,1)\n")

	r = cgw("--describe", "--group", "modern", "--state")
	coord := s.KafkaAddr + "  (0)"
	diffText(t, "state modern", r.stdout, "\n"+
		"GROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS\n"+
		"modern                    "+cgPad(coord, 25)+" uniform              Stable          1\n")

	r = cgw("--describe", "--group", "nope")
	diffText(t, "describe unknown", r.stdout, "\nError: Consumer group 'nope' does not exist.\n")

	r = cgw("--reset-offsets", "--group", "modern", "--all-topics", "--to-earliest", "--dry-run")
	if !strings.HasPrefix(r.stdout, "\nError: Assignments can only be reset if the group 'modern' is inactive, but the current state is Stable.\n") {
		t.Errorf("reset of a live KIP-848 group: %q", r.stdout)
	}
}
