package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wharf-project/wharf/internal/javafmt"
	"github.com/wharf-project/wharf/internal/jopt"
	"github.com/wharf-project/wharf/internal/kafka/dumplog"
)

// `wharf groups` is Kafka 3.9's kafka-consumer-groups.sh
// (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand and
// ConsumerGroupCommandOptions): the same jopt-simple options, checks,
// tables and messages. It is a real admin client: it works against Apache
// Kafka as well as against Wharf, for classic and KIP-848 groups.
//
// Exit status as the original's: 1 for a usage text (printUsageAndExit) or
// an uncaught parser exception, 0 otherwise, including the "\nError: ..."
// lines the command prints on stdout when the cluster refuses something.
func init() {
	Register(Command{
		Name:    "groups",
		New:     newGroupsCommand,
		Aliases: []Alias{{Name: "kafka-consumer-groups.sh"}},
	})
}

func newGroupsCommand() *cobra.Command {
	return toolCommand(&cobra.Command{
		Use:   "groups --bootstrap-server host:port (--list | --describe | --delete | --reset-offsets | --delete-offsets) [options]",
		Short: "List, describe, delete consumer groups and reset their offsets (kafka-consumer-groups.sh)",
		Long: "groups is Kafka 3.9's kafka-consumer-groups.sh: it lists consumer groups (with\n" +
			"their state or type), describes their offsets and lag, members or state,\n" +
			"deletes groups or their offsets, and resets offsets (dry run, execute or\n" +
			"export as CSV), printing the original's tables. Run it with --help for the\n" +
			"original's option table.",
	}, runGroups, exitsWithCode)
}

const groupsHelpHeader = "This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets."

// ConsumerGroupCommandOptions' option texts (3.9.0, lines 38-87).
const (
	cgResetOffsetsDoc = "Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive\n" +
		"Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. " +
		"Additionally, the --export option is used to export the results to a CSV format.\n" +
		"You must choose one of the following reset specifications: --to-datetime, --by-duration, --to-earliest, " +
		"--to-latest, --shift-by, --from-file, --to-current, --to-offset.\n" +
		"To define the scope use --all-topics or --topic. One scope must be specified unless you use '--from-file'."
	cgTopicDoc = "The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. " +
		"In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. " +
		"Reset-offsets also supports multiple topic inputs."
	cgStateDoc = "When specified with '--describe', includes the state of the group.\n" +
		"Example: --bootstrap-server localhost:9092 --describe --group group1 --state\n" +
		"When specified with '--list', it displays the state of all groups. It can also be used to list groups with specific states.\n" +
		"Example: --bootstrap-server localhost:9092 --list --state stable,empty\n" +
		"This option may be used with '--describe', '--list' and '--bootstrap-server' options only."
)

// groupsOpts is ConsumerGroupCommandOptions.
type groupsOpts struct {
	parser *jopt.Parser
	set    *jopt.OptionSet
	nargs  int

	help, version                                                 *jopt.Spec
	bootstrap, group, topic, allTopics, list, describe, allGroups *jopt.Spec
	zookeeper                                                     *jopt.Spec
	del, timeout, commandConfig, resetOffsets, deleteOffsets      *jopt.Spec
	dryRun, execute, export                                       *jopt.Spec
	toOffset, fromFile, toDatetime, byDuration                    *jopt.Spec
	toEarliest, toLatest, toCurrent, shiftBy                      *jopt.Spec
	members, verbose, offsets, state, typ                         *jopt.Spec

	// availableIf: option name → the options of which one must be present
	availableIf map[string][]string
}

func newGroupsOpts() *groupsOpts {
	p := jopt.NewParser()
	o := &groupsOpts{parser: p}
	flag := func(name, desc string) *jopt.Spec { return p.Accepts(&jopt.Spec{Name: name, Desc: desc}) }
	arg := func(name, desc, argDesc, typ string) *jopt.Spec {
		return p.Accepts(&jopt.Spec{Name: name, Desc: desc, Arg: jopt.RequiredArg, ArgDesc: argDesc, Type: typ})
	}
	o.help = p.Accepts(&jopt.Spec{Name: "help", Desc: "Print usage information.", ForHelp: true})
	o.version = p.Accepts(&jopt.Spec{Name: "version", Desc: "Display Kafka version.", ForHelp: true})
	o.bootstrap = arg("bootstrap-server", "REQUIRED: The server(s) to connect to.", "server to connect to", jopt.TypeString)
	o.group = arg("group", "The consumer group we wish to act on.", "consumer group", jopt.TypeString)
	o.topic = arg("topic", cgTopicDoc, "topic", jopt.TypeString)
	o.allTopics = flag("all-topics", "Consider all topics assigned to a group in the `reset-offsets` process.")
	o.list = flag("list", "List all consumer groups.")
	o.describe = flag("describe", "Describe consumer group and list offset lag (number of messages not yet processed) related to given group.")
	o.allGroups = flag("all-groups", "Apply to all consumer groups.")
	o.del = flag("delete", "Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2")
	o.timeout = p.Accepts(&jopt.Spec{Name: "timeout", Desc: "The timeout that can be set for some use cases. For example, it can be used when describing the group " +
		"to specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is just created, " +
		"or is going through some changes).", Arg: jopt.RequiredArg, ArgDesc: "timeout (ms)", Type: jopt.TypeLong, Defaults: []string{"5000"}})
	o.commandConfig = arg("command-config", "Property file containing configs to be passed to Admin Client and Consumer.", "command config property file", jopt.TypeString)
	// Wharf's addition for the old tutorials: the brokers registered in
	// ZooKeeper under host:port[/chroot] are the bootstrap servers.
	o.zookeeper = arg("zookeeper", "DEPRECATED (Wharf: finds the brokers registered in ZooKeeper). The connection string for the zookeeper "+
		"connection in the form host:port[/chroot]. Multiple hosts can be given to allow fail-over.", "urls", jopt.TypeString)
	o.resetOffsets = flag("reset-offsets", cgResetOffsetsDoc)
	o.deleteOffsets = flag("delete-offsets", "Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics.")
	o.dryRun = flag("dry-run", "Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets.")
	o.execute = flag("execute", "Execute operation. Supported operations: reset-offsets.")
	o.export = flag("export", "Export operation execution to a CSV file. Supported operations: reset-offsets.")
	o.toOffset = arg("to-offset", "Reset offsets to a specific offset.", "offset", jopt.TypeLong)
	o.fromFile = arg("from-file", "Reset offsets to values defined in CSV file.", "path to CSV file", jopt.TypeString)
	o.toDatetime = arg("to-datetime", "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'", "datetime", jopt.TypeString)
	o.byDuration = arg("by-duration", "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'", "duration", jopt.TypeString)
	o.toEarliest = flag("to-earliest", "Reset offsets to earliest offset.")
	o.toLatest = flag("to-latest", "Reset offsets to latest offset.")
	o.toCurrent = flag("to-current", "Reset offsets to current offset.")
	o.shiftBy = arg("shift-by", "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative.", "number-of-offsets", jopt.TypeLong)
	o.members = flag("members", "Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only.\n"+
		"Example: --bootstrap-server localhost:9092 --describe --group group1 --members")
	o.verbose = flag("verbose", "Provide additional information, if any, when describing the group. This option may be used "+
		"with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only.\nExample: --bootstrap-server localhost:9092 --describe --group group1 --members --verbose")
	o.offsets = flag("offsets", "Describe the group and list all topic partitions in the group along with their offset lag. "+
		"This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only.\n"+
		"Example: --bootstrap-server localhost:9092 --describe --group group1 --offsets")
	o.state = p.Accepts(&jopt.Spec{Name: "state", Desc: cgStateDoc, Arg: jopt.OptionalArg})
	o.typ = p.Accepts(&jopt.Spec{Name: "type", Desc: "When specified with '--list', it displays the types of all the groups. It can also be used to list groups with specific types.\n" +
		"Example: --bootstrap-server localhost:9092 --list --type classic,consumer\n" +
		"This option may be used with the '--list' option only.", Arg: jopt.OptionalArg})
	o.availableIf = map[string][]string{
		"members": {"describe"}, "verbose": {"describe"}, "offsets": {"describe"},
		"state": {"describe", "list"}, "type": {"list"},
	}
	return o
}

// parse is parser.parse(args): jopt-simple's own checks, then its
// ensureAllowedOptions for the availableIf options (which package jopt
// does not model), waived like the required ones by --help or --version.
func (o *groupsOpts) parse(args []string) error {
	o.nargs = len(args)
	set, err := o.parser.Parse(args)
	if err != nil {
		return err
	}
	o.set = set
	if set.Has(o.help) || set.Has(o.version) {
		return nil
	}
	// OptionParser keeps availableIf in a HashMap keyed by the option's
	// synonym list: the unavailable options are reported in its order.
	keys := []string{"members", "verbose", "offsets", "state", "type"} // availableIf's insertion order
	var bad []string
	for _, name := range javafmt.HashOrder(keys, func(s string) int32 { return 31 + javafmt.StringHash(s) }, 16) {
		if !o.has(name) {
			continue
		}
		ok := false
		for _, other := range o.availableIf[name] {
			ok = ok || o.has(other)
		}
		if !ok {
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		return &jopt.Error{Class: "joptsimple.UnavailableOptionException",
			Message: "Option(s) [" + strings.Join(bad, ", ") + "] are unavailable given other options on the command line"}
	}
	return nil
}

func (o *groupsOpts) has(name string) bool {
	for _, s := range []*jopt.Spec{o.members, o.verbose, o.offsets, o.state, o.typ, o.describe, o.list} {
		if s.Name == name {
			return o.set.Has(s)
		}
	}
	return false
}

// cgUsage is CommandLineUtils.printUsageAndExit.
type cgUsage struct{ msg string }

func (e *cgUsage) Error() string { return e.msg }

// cgSpecSet is a java.util.HashSet of option specs joined as the
// checks print it: each "[name]", in the set's iteration order.
func cgSpecSet(names []string, sep string) string {
	var out []string
	for _, n := range javafmt.HashOrder(names, func(s string) int32 { return 31 + javafmt.StringHash(s) }, 16) {
		out = append(out, "["+n+"]")
	}
	return strings.Join(out, sep)
}

func cgMinus(names []string, drop ...string) []string {
	var out []string
	for _, n := range names {
		if !cgContains(drop, n) {
			out = append(out, n)
		}
	}
	return out
}

func cgContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	cgScopeOpts    = []string{"group", "all-groups"}
	cgLevelOpts    = []string{"list", "describe", "delete", "reset-offsets"}
	cgScenarioOpts = []string{"to-offset", "shift-by", "to-datetime", "by-duration", "to-earliest", "to-latest", "to-current", "from-file"}
)

// checkArgs is ConsumerGroupCommandOptions.checkArgs plus main's
// one-action check; warnings go to stderr as they arise.
func (o *groupsOpts) checkArgs(stderr io.Writer) error {
	s := o.set
	byName := func(n string) *jopt.Spec {
		for _, sp := range o.all() {
			if sp.Name == n {
				return sp
			}
		}
		return nil
	}
	hasN := func(n string) bool { return s.Has(byName(n)) }
	usage := func(format string, a ...any) error { return &cgUsage{fmt.Sprintf(format, a...)} }
	invalid := func(used string, others []string) error {
		if !hasN(used) {
			return nil
		}
		for _, n := range javafmt.HashOrder(others, func(s string) int32 { return 31 + javafmt.StringHash(s) }, 16) {
			if hasN(n) {
				return usage("Option \"[%s]\" can't be used with option \"[%s]\"", used, n)
			}
		}
		return nil
	}
	if !s.Has(o.bootstrap) && !s.Has(o.zookeeper) {
		return usage("Missing required argument \"[bootstrap-server]\"")
	}
	if s.Has(o.describe) {
		if !s.Has(o.group) && !s.Has(o.allGroups) {
			return usage("Option [describe] takes one of these options: %s", cgSpecSet(cgLevelOpts, ", "))
		}
		n := 0
		for _, sp := range []*jopt.Spec{o.members, o.offsets, o.state} {
			if s.Has(sp) {
				n++
			}
		}
		if n > 1 {
			return usage("Option [describe] takes at most one of these options: [members], [offsets], [state]")
		}
		_, ok, err := s.ValueOf(o.state)
		if err != nil {
			return err
		}
		if ok {
			return usage("Option [describe] does not take a value for [state]")
		}
	}
	if s.Has(o.del) {
		if !s.Has(o.group) && !s.Has(o.allGroups) {
			return usage("Option [delete] takes one of these options: %s", cgSpecSet(cgScopeOpts, ", "))
		}
		if s.Has(o.topic) {
			return usage("The consumer does not support topic-specific offset deletion from a consumer group.")
		}
	}
	if s.Has(o.deleteOffsets) && (!s.Has(o.group) || !s.Has(o.topic)) {
		return usage("Option [delete-offsets] takes the following options: %s", cgSpecSet(cgScopeOpts, ", "))
	}
	if s.Has(o.resetOffsets) {
		if s.Has(o.dryRun) && s.Has(o.execute) {
			return usage("Option [reset-offsets] only accepts one of [execute] and [dry-run]")
		}
		if !s.Has(o.dryRun) && !s.Has(o.execute) {
			fmt.Fprintln(stderr, "WARN: No action will be performed as the --execute option is missing."+
				"In a future major release, the default behavior of this command will be to prompt the user before "+
				"executing the reset rather than doing a dry run. You should add the --dry-run option explicitly "+
				"if you are scripting this command and want to keep the current default behavior without prompting.")
		}
		if !s.Has(o.group) && !s.Has(o.allGroups) {
			return usage("Option [reset-offsets] takes one of these options: %s", cgSpecSet(cgScopeOpts, ", "))
		}
		for _, sc := range []string{"to-offset", "to-datetime", "by-duration", "to-earliest", "to-latest", "to-current", "shift-by", "from-file"} {
			if err := invalid(sc, cgMinus(cgScenarioOpts, sc)); err != nil {
				return err
			}
		}
	}
	if err := invalid("group", cgMinus(cgScopeOpts, "group")); err != nil {
		return err
	}
	if err := invalid("group", cgMinus(cgLevelOpts, "describe", "delete", "reset-offsets")); err != nil {
		return err
	}
	if err := invalid("topic", cgMinus(cgLevelOpts, "delete", "reset-offsets")); err != nil {
		return err
	}
	// ConsumerGroupCommand.main: exactly one action
	n := 0
	for _, sp := range []*jopt.Spec{o.list, o.describe, o.del, o.resetOffsets, o.deleteOffsets} {
		if s.Has(sp) {
			n++
		}
	}
	if n != 1 {
		return usage("Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets")
	}
	return nil
}

func (o *groupsOpts) all() []*jopt.Spec {
	return []*jopt.Spec{o.bootstrap, o.zookeeper, o.group, o.topic, o.allTopics, o.list, o.describe, o.allGroups, o.del,
		o.timeout, o.commandConfig, o.resetOffsets, o.deleteOffsets, o.dryRun, o.execute, o.export,
		o.toOffset, o.fromFile, o.toDatetime, o.byDuration, o.toEarliest, o.toLatest, o.toCurrent, o.shiftBy,
		o.members, o.verbose, o.offsets, o.state, o.typ}
}

// runGroups is `kafka-consumer-groups.sh args...`; it returns the exit
// status.
func runGroups(ctx context.Context, args []string, env toolEnv) int {
	o := newGroupsOpts()
	printUsage := func(msg string) int { return usageExit(env, o.parser, msg) }
	if err := o.parse(args); err != nil {
		// fromArgs runs outside main's try: the JVM reports the exception
		return mainException(env, err.Error())
	}
	if o.nargs == 0 || o.set.Has(o.help) {
		return printUsage(groupsHelpHeader)
	}
	if o.set.Has(o.version) {
		fmt.Fprintln(env.stdout, dumplog.KafkaVersion)
		return 0
	}
	if err := o.checkArgs(env.stderr); err != nil {
		if je, ok := err.(*jopt.Error); ok {
			return mainException(env, je.Error())
		}
		return printUsage(err.Error())
	}
	svc := &groupService{opts: o, env: env}
	err := svc.run(ctx)
	if err == nil {
		return 0
	}
	if u, ok := err.(*cgUsage); ok {
		return printUsage(u.msg)
	}
	// run's catch (Throwable e): printError, the JVM then exits normally
	svc.printError("Executing consumer group command failed due to " + err.Error())
	return 0
}
