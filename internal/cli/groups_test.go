package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/wharf-project/wharf/internal/javafmt"
)

// groupsCluster is a kfake cluster with topic "t" (3 partitions) holding
// 5, 3 and 2 records, and group "g1" (no members) that committed 2, 3 and
// nothing on partitions 0, 1, 2.
func groupsCluster(t *testing.T) (addr string, adm *kadm.Client) {
	t.Helper()
	addr = kfakeCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(3, "t")).ListenAddrs()[0]
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx := context.Background()
	for p, n := range []int{5, 3, 2} {
		for range n {
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Partition: int32(p), Value: []byte("v")}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	adm = kadm.NewClient(cl)
	var offs kadm.Offsets
	offs.Add(kadm.Offset{Topic: "t", Partition: 0, At: 2, LeaderEpoch: -1})
	offs.Add(kadm.Offset{Topic: "t", Partition: 1, At: 3, LeaderEpoch: -1})
	if err := adm.CommitAllOffsets(ctx, "g1", offs); err != nil {
		t.Fatal(err)
	}
	return addr, adm
}

func cg(args ...string) result { return run(append([]string{"kafka-consumer-groups.sh"}, args...)...) }

// The usage errors of ConsumerGroupCommandOptions.checkArgs (3.9.0, lines
// 208-268) and ConsumerGroupCommand.main (line 100): the message, then the
// option table, on stderr; exit 1. The HashSet orders are String.hashCode's.
func TestGroupsUsageErrors(t *testing.T) {
	help := newGroupsOpts().parser.Help()
	tests := []struct {
		args []string
		msg  string
	}{
		{nil, groupsHelpHeader},
		{[]string{"--list"}, `Missing required argument "[bootstrap-server]"`},
		{[]string{"--bootstrap-server", "h:1", "--describe"}, "Option [describe] takes one of these options: [reset-offsets], [describe], [delete], [list]"},
		{[]string{"--bootstrap-server", "h:1", "--describe", "--group", "g", "--members", "--state"}, "Option [describe] takes at most one of these options: [members], [offsets], [state]"},
		{[]string{"--bootstrap-server", "h:1", "--describe", "--group", "g", "--state", "Stable"}, "Option [describe] does not take a value for [state]"},
		{[]string{"--bootstrap-server", "h:1", "--delete"}, "Option [delete] takes one of these options: [all-groups], [group]"},
		{[]string{"--bootstrap-server", "h:1", "--delete", "--group", "g", "--topic", "t"}, "The consumer does not support topic-specific offset deletion from a consumer group."},
		{[]string{"--bootstrap-server", "h:1", "--delete-offsets", "--group", "g"}, "Option [delete-offsets] takes the following options: [all-groups], [group]"},
		{[]string{"--bootstrap-server", "h:1", "--reset-offsets", "--group", "g", "--dry-run", "--execute"}, "Option [reset-offsets] only accepts one of [execute] and [dry-run]"},
		{[]string{"--bootstrap-server", "h:1", "--reset-offsets", "--group", "g", "--dry-run", "--to-earliest", "--to-latest"}, `Option "[to-earliest]" can't be used with option "[to-latest]"`},
		{[]string{"--bootstrap-server", "h:1", "--reset-offsets", "--group", "g", "--dry-run", "--to-offset", "1", "--shift-by", "1", "--to-current"}, `Option "[to-offset]" can't be used with option "[to-current]"`},
		{[]string{"--bootstrap-server", "h:1", "--list", "--group", "g"}, `Option "[group]" can't be used with option "[list]"`},
		{[]string{"--bootstrap-server", "h:1", "--group", "g", "--all-groups", "--describe"}, `Option "[group]" can't be used with option "[all-groups]"`},
		{[]string{"--bootstrap-server", "h:1", "--list", "--delete", "--group", "g"}, `Option "[group]" can't be used with option "[list]"`},
		{[]string{"--bootstrap-server", "h:1"}, "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"},
		{[]string{"--bootstrap-server", "h:1", "--describe", "--delete", "--group", "g"}, "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"},
	}
	// a few rows of the option table, from ConsumerGroupCommandOptions
	// (3.9.0, lines 136-198) through jopt-simple's BuiltinHelpFormatter
	for _, want := range []string{
		"--bootstrap-server <String: server to   REQUIRED: The server(s) to connect to. \n  connect to>                                                                  \n",
		"--state [String]                        When specified with '--describe',      \n",
		"                                          some changes). (default: 5000)       \n",
		"--to-offset <Long: offset>              Reset offsets to a specific offset.    \n",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	for _, tc := range tests {
		r := cg(tc.args...)
		if r.code != 1 || r.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q", tc.args, r.code, r.stdout)
		}
		diffText(t, strings.Join(tc.args, " "), r.stderr, tc.msg+"\n"+help)
	}
}

// A parser exception escapes ConsumerGroupCommandOptions.fromArgs, outside
// main's try: the JVM's uncaught-exception line, exit 1.
func TestGroupsParserExceptions(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--bootstrap-server", "h:1", "--list", "--members"},
			"joptsimple.UnavailableOptionException: Option(s) [members] are unavailable given other options on the command line"},
		{[]string{"--bootstrap-server", "h:1", "--verbose", "--members", "--type"},
			"joptsimple.UnavailableOptionException: Option(s) [members, verbose, type] are unavailable given other options on the command line"},
		{[]string{"--bootstrap-server", "h:1", "--describe", "--type"},
			"joptsimple.UnavailableOptionException: Option(s) [type] are unavailable given other options on the command line"},
		{[]string{"--bootstrap-server", "h:1", "--lst"}, "joptsimple.UnrecognizedOptionException: lst is not a recognized option"},
		{[]string{"--bootstrap-server"}, "joptsimple.OptionMissingRequiredArgumentException: Option bootstrap-server requires an argument"},
	}
	for _, tc := range tests {
		r := cg(tc.args...)
		if r.code != 1 || r.stdout != "" || r.stderr != `Exception in thread "main" `+tc.want+"\n" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", tc.args, r.code, r.stdout, r.stderr)
		}
	}
	if r := cg("--version"); r.code != 0 || r.stdout != "3.9.0\n" {
		t.Errorf("--version: exit %d, stdout %q", r.code, r.stdout)
	}
	// --help waives the availability checks
	if r := cg("--help", "--members"); r.code != 1 || !strings.HasPrefix(r.stderr, groupsHelpHeader+"\n") {
		t.Errorf("--help: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestGroupsListAndStateTables(t *testing.T) {
	addr, _ := groupsCluster(t)
	if r := cg("--bootstrap-server", addr, "--list"); r.code != 0 || r.stdout != "g1\n" {
		t.Fatalf("--list: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// printGroupInfo (3.9.0, line 237): GROUP %-(max(15,len)+10)s, the others %-20s
	r := cg("--bootstrap-server", addr, "--list", "--state")
	diffText(t, "--list --state", r.stdout, "GROUP                     STATE               \ng1                        Empty               \n")
	r = cg("--bootstrap-server", addr, "--list", "--state", "stable")
	diffText(t, "--list --state stable", r.stdout, "GROUP                     STATE               \n")
	r = cg("--bootstrap-server", addr, "--list", "--state", "bogus")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "Invalid state list 'bogus'. Valid states are: PreparingRebalance, CompletingRebalance, Stable, Dead, Empty, Assigning, Reconciling\n") {
		t.Errorf("bad state: exit %d, stderr %q", r.code, r.stderr)
	}
	r = cg("--bootstrap-server", addr, "--list", "--type", "x,classic")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "Invalid types list 'x,classic'. Valid types are: Consumer, Classic\n") {
		t.Errorf("bad type: exit %d, stderr %q", r.code, r.stderr)
	}
}

// printOffsets (3.9.0, line 325): each line starts with "\n"; the rows
// come in the order of a HashMap of TopicPartition (t-2, t-1, t-0 here:
// the buckets of 31*(31+p)+"t".hashCode()).
func TestGroupsDescribeOffsetsOfAnEmptyGroup(t *testing.T) {
	addr, _ := groupsCluster(t)
	r := cg("--bootstrap-server", addr, "--describe", "--group", "g1")
	if r.code != 0 || r.stderr != "\nConsumer group 'g1' has no active members.\n" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	want := "\n" +
		"GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n" +
		"g1              t               1          3               3               0               -               -               -\n" +
		"g1              t               0          2               5               3               -               -               -\n"
	diffText(t, "describe", r.stdout, want)

	// kfake answers DescribeGroups for an unknown group with
	// GROUP_ID_NOT_FOUND (Kafka and Wharf describe it as Dead, see the
	// Wharf test): the Java admin client fails the group with it
	r = cg("--bootstrap-server", addr, "--describe", "--group", "nope")
	diffText(t, "describe unknown", r.stdout, "\nError: Executing consumer group command failed due to org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.\n")
	r = cg("--bootstrap-server", addr, "--describe", "--group", "g1", "--state")
	if !strings.Contains(r.stdout, "\nGROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS\ng1  ") {
		t.Errorf("--state: %q", r.stdout)
	}
}

func TestGroupsResetOffsets(t *testing.T) {
	addr, adm := groupsCluster(t)
	base := []string{"--bootstrap-server", addr, "--reset-offsets", "--group", "g1"}
	reset := func(args ...string) result { return cg(append(append([]string(nil), base...), args...)...) }
	row := func(g, t, p, o string) string {
		return "\n" + cgPad(g, 30) + " " + cgPad(t, 30) + " " + cgPad(p, 10) + " " + cgPad(o, 15)
	}
	head := row("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")

	r := reset("--topic", "t", "--to-earliest")
	if !strings.HasPrefix(r.stderr, "WARN: No action will be performed as the --execute option is missing.In a future major release") {
		t.Errorf("no --execute: stderr %q", r.stderr)
	}
	diffText(t, "to-earliest", r.stdout, head+row("g1", "t", "2", "0")+row("g1", "t", "1", "0")+row("g1", "t", "0", "0")+"\n")

	r = reset("--dry-run", "--all-topics", "--to-latest")
	diffText(t, "to-latest", r.stdout, head+row("g1", "t", "1", "3")+row("g1", "t", "0", "5")+"\n")

	r = reset("--dry-run", "--topic", "t:0,2", "--shift-by", "10")
	if r.stdout != "" || !strings.HasPrefix(r.stderr, "Cannot shift offset for partition t-2 since there is no current committed offset\n") {
		t.Errorf("shift-by without a commit: stdout %q stderr %q", r.stdout, r.stderr)
	}
	r = reset("--dry-run", "--topic", "t:0", "--shift-by", "10")
	diffText(t, "shift-by", r.stdout, head+row("g1", "t", "0", "5")+"\n")
	if !strings.Contains(r.stderr, "] WARN New offset (12) is higher than latest offset for topic partition t-0. Value will be set to 5 (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand)\n") {
		t.Errorf("shift-by clamp: stderr %q", r.stderr)
	}
	r = reset("--dry-run", "--topic", "t:1", "--to-offset", "-4")
	diffText(t, "to-offset", r.stdout, head+row("g1", "t", "1", "0")+"\n")

	r = reset("--dry-run", "--topic", "t", "--to-current")
	diffText(t, "to-current", r.stdout, head+row("g1", "t", "2", "2")+row("g1", "t", "1", "3")+row("g1", "t", "0", "2")+"\n")

	r = reset("--dry-run", "--topic", "t:0", "--to-datetime", "2000-01-01T00:00:00.000")
	diffText(t, "to-datetime", r.stdout, head+row("g1", "t", "0", "0")+"\n")
	r = reset("--dry-run", "--topic", "t:0", "--by-duration", "PT0S")
	diffText(t, "by-duration", r.stdout, "\nWarn: Partition 0 from topic t is empty. Falling back to latest known offset.\n"+head+row("g1", "t", "0", "5")+"\n")
	r = reset("--dry-run", "--topic", "t:0", "--by-duration", "1h")
	diffText(t, "bad duration", r.stdout, "\nError: Executing consumer group command failed due to Text cannot be parsed to a Duration\n")

	// --export writes the plan as CSV; --from-file reads it back
	r = reset("--dry-run", "--all-topics", "--to-earliest", "--export")
	diffText(t, "export", r.stdout, "t,1,0\nt,0,0\n\n")
	plan := filepath.Join(t.TempDir(), "plan.csv")
	if err := os.WriteFile(plan, []byte("t,0,4\nt,2,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = reset("--execute", "--from-file", plan)
	diffText(t, "from-file", r.stdout, head+row("g1", "t", "2", "1")+row("g1", "t", "0", "4")+"\n")
	offs, err := adm.FetchOffsets(context.Background(), "g1")
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[int32]int64{0: 4, 1: 3, 2: 1} {
		if o, _ := offs.Lookup("t", p); o.At != want {
			t.Errorf("after --execute: t-%d at %d, want %d", p, o.At, want)
		}
	}
	r = cg("--bootstrap-server", addr, "--reset-offsets", "--all-groups", "--dry-run", "--topic", "t:0", "--to-latest", "--export")
	diffText(t, "export with groups", r.stdout, "g1,t,0,5\n\n")
	r = reset("--dry-run", "--topic", "t:x", "--to-latest")
	if !strings.HasPrefix(r.stderr, "Invalid partition 'x' specified in topic arg 't:x''\n") || r.code != 1 {
		t.Errorf("bad partition: exit %d stderr %q", r.code, r.stderr)
	}
	r = reset("--dry-run", "--to-latest")
	if !strings.HasPrefix(r.stderr, "One of the reset scopes should be defined: --all-topics, --topic.\n") || r.code != 1 {
		t.Errorf("no scope: exit %d stderr %q", r.code, r.stderr)
	}
	r = reset("--dry-run", "--all-topics")
	if !strings.HasPrefix(r.stderr, "Option '[reset-offsets]' requires one of the following scenarios: [[to-offset], [to-current], [to-datetime], [from-file], [by-duration], [to-earliest], [to-latest], [shift-by]]\n") {
		t.Errorf("no scenario: exit %d stderr %q", r.code, r.stderr)
	}
}

func TestGroupsActiveMembers(t *testing.T) {
	addr, _ := groupsCluster(t)
	consumer, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumerGroup("live"), kgo.ConsumeTopics("t"),
		kgo.ClientID("cli-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	deadline := time.Now().Add(10 * time.Second)
	var r result
	for time.Now().Before(deadline) {
		consumer.PollRecords(context.Background(), 1)
		r = cg("--bootstrap-server", addr, "--describe", "--group", "live", "--members", "--verbose")
		if r.stderr == "" && strings.Contains(r.stdout, " 3 ") {
			break
		}
	}
	lines := strings.Split(r.stdout, "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "GROUP           CONSUMER-ID") ||
		!strings.HasSuffix(lines[1], "CLIENT-ID       #PARTITIONS     ASSIGNMENT") ||
		!strings.HasPrefix(lines[2], "live            ") || !strings.HasSuffix(lines[2], "cli-1           3               (0,1,2)") {
		t.Fatalf("--members --verbose: stdout %q stderr %q", r.stdout, r.stderr)
	}
	r = cg("--bootstrap-server", addr, "--reset-offsets", "--group", "live", "--all-topics", "--to-earliest", "--execute")
	diffText(t, "reset of a live group", r.stdout,
		"\nError: Assignments can only be reset if the group 'live' is inactive, but the current state is Stable.\n"+
			"\n"+cgPad("GROUP", 30)+" "+cgPad("TOPIC", 30)+" "+cgPad("PARTITION", 10)+" "+cgPad("NEW-OFFSET", 15)+"\n")
	r = cg("--bootstrap-server", addr, "--delete", "--group", "live", "--group", "g1")
	if !strings.HasPrefix(r.stdout, "\nError: Deletion of some consumer groups failed:\n* Group 'live' could not be deleted due to: java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.\n") ||
		!strings.HasSuffix(r.stdout, "\nThese consumer groups were deleted successfully: 'g1', '\n") {
		t.Errorf("delete: %q", r.stdout)
	}
}

func TestGroupsDeleteAndDeleteOffsets(t *testing.T) {
	addr, _ := groupsCluster(t)
	r := cg("--bootstrap-server", addr, "--delete-offsets", "--group", "g1", "--topic", "t:0", "--topic", "nope")
	line := func(a, b, c string) string { return "\n" + cgPad(a, 30) + " " + cgPad(b, 15) + " " + cgPad(c, 15) }
	// the unknown topic is reported but is not part of the request, which
	// succeeds (3.9.0, deleteOffsets lines 556-620)
	want := "Request succeed for deleting offsets with topic t:0, nope group g1\n" +
		line("TOPIC", "PARTITION", "STATUS") +
		line("nope", "Not Provided", "Error: :org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.") +
		line("t", "0", "Successful") + "\n"
	diffText(t, "delete-offsets", r.stdout, want)
	r = cg("--bootstrap-server", addr, "--describe", "--group", "g1")
	if strings.Contains(r.stdout, "\ng1              t               0 ") || !strings.Contains(r.stdout, "\ng1              t               1 ") {
		t.Errorf("after delete-offsets: %q", r.stdout)
	}
	r = cg("--bootstrap-server", addr, "--delete", "--group", "g1")
	diffText(t, "delete", r.stdout, "Deletion of requested consumer groups ('g1') was successful.\n")
	r = cg("--bootstrap-server", addr, "--list")
	if r.stdout != "" {
		t.Errorf("after delete: %q", r.stdout)
	}
	r = cg("--bootstrap-server", addr, "--delete", "--all-groups")
	diffText(t, "delete of no group", r.stdout, "Deletion of requested consumer groups ('') was successful.\n")
	r = cg("--bootstrap-server", addr, "--list", "--command-config", "/nonexistent/admin.properties")
	diffText(t, "missing command config", r.stdout, "\nError: Executing consumer group command failed due to java.nio.file.NoSuchFileException: /nonexistent/admin.properties\n")
	r = cg("--bootstrap-server", addr, "--list", "--timeout", "soon")
	diffText(t, "bad timeout", r.stdout, "\nError: Executing consumer group command failed due to Cannot parse argument 'soon' of option timeout\n")
}

func TestGroupsUnreachableBroker(t *testing.T) {
	start := time.Now()
	r := cg("--bootstrap-server", "127.0.0.1:1", "--list", "--timeout", "1000")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "\nError: Executing consumer group command failed due to cannot reach any broker of 127.0.0.1:1 within 1000 ms") ||
		strings.Count(r.stdout, "\n") != 2 {
		t.Errorf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestJavaHelpers(t *testing.T) {
	if h := javafmt.StringHash("hello"); h != 99162322 {
		t.Errorf("hash %d", h)
	}
	for in, want := range map[string]time.Duration{"PT1H": time.Hour, "P1DT2M": 24*time.Hour + 2*time.Minute, "-PT1.5S": -1500 * time.Millisecond, "pt10s": 10 * time.Second} {
		if d, err := parseJavaDuration(in); err != nil || d != want {
			t.Errorf("%s: %v %v", in, d, err)
		}
	}
	for _, bad := range []string{"", "P", "PT", "1h", "P1H"} {
		if _, err := parseJavaDuration(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	for in, want := range map[string]int64{"1970-01-01T00:00:01.000": 1000, "1970-01-01T01:00:00.000+01:00": 0, "1970-01-01T00:00:00.005Z": 5} {
		if ms, err := parseKafkaDateTime(in); err != nil || ms != want {
			t.Errorf("%s: %d %v", in, ms, err)
		}
	}
	if _, err := parseKafkaDateTime("2020-13-01T00:00:00.000"); err == nil || err.Error() != `java.text.ParseException: Unparseable date: "2020-13-01T00:00:00.000Z"` {
		t.Errorf("bad month: %v", err)
	}
	if _, err := parseKafkaDateTime("yesterday"); err == nil || !strings.Contains(err.Error(), "does not contain a 'T'") {
		t.Errorf("no T: %v", err)
	}
}

// A reset plan with a group column applies to each group it names; the
// export then has the group column too (more than one --group, or
// --all-groups).
func TestGroupsResetFromAGroupedPlan(t *testing.T) {
	addr, _ := groupsCluster(t)
	plan := filepath.Join(t.TempDir(), "plan.csv")
	if err := os.WriteFile(plan, []byte("g1,t,1,1\nother,t,0,0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := cg("--bootstrap-server", addr, "--reset-offsets", "--all-groups", "--from-file", plan, "--dry-run", "--export")
	diffText(t, "grouped plan", r.stdout, "g1,t,1,1\n\n")
	// a group the plan does not name (3.9.0, prepareOffsetsToReset line 1068)
	if err := os.WriteFile(plan, []byte("other,t,0,0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = cg("--bootstrap-server", addr, "--reset-offsets", "--group", "g1", "--from-file", plan, "--dry-run")
	diffText(t, "no plan", r.stdout, "\nError: No reset plan for group g1 found\n\n"+cgPad("GROUP", 30)+" "+cgPad("TOPIC", 30)+" "+cgPad("PARTITION", 10)+" "+cgPad("NEW-OFFSET", 15)+"\n")
}

// Whatever the command line, checking it never panics.
func FuzzGroupsArgs(f *testing.F) {
	for _, s := range []string{"--list --state", "--describe --group g --members --verbose", "--reset-offsets --group g --shift-by -1 --topic t:0,x",
		"--delete-offsets --group g --topic t --state=", "--help --type", "--bootstrap-server h --timeout x --list"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		o := newGroupsOpts()
		if o.parse(append([]string{"--bootstrap-server", "h:1"}, strings.Fields(line)...)) != nil {
			return
		}
		_ = o.checkArgs(io.Discard)
	})
}
