package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/jopt"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// The Kafka tools that parse their own options (jopt-simple or argparse4j:
// topics, groups, configs, get-offsets, the console and perf tools) share
// their command's shape and what they touch outside themselves.

// toolEnv is what a Kafka tool's run reads and writes outside itself.
type toolEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// terminal: stdin is a console (System.console() != null), so the
	// console producer prompts with '>'.
	terminal bool
	cwd      string           // relative file names are read from here
	now      func() time.Time // for log lines and --by-duration
	// the perf tools' clock, and the zone of perf consume's --date-format
	clk clock
	loc *time.Location
	// the random suffix of a default group id (console-consumer-<n>,
	// perf-consumer-<n>)
	groupSuffix int
	// topics: the wait for the cluster; 0 is kafkaTarget's default
	timeoutMs int64
}

// newToolEnv is the environment of a run of cmd.
func newToolEnv(cmd *cobra.Command) toolEnv {
	cwd, _ := os.Getwd()
	in := cmd.InOrStdin()
	return toolEnv{stdin: in, stdout: cmd.OutOrStdout(), stderr: cmd.ErrOrStderr(), terminal: isTerminal(in),
		cwd: cwd, now: time.Now, clk: realClock(cmd.Context().Done()), loc: time.Local, groupSuffix: rand.IntN(100000)}
}

// isTerminal reports whether r is a character device (a console).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// toolRun is a tool's main: its exit status.
type toolRun func(ctx context.Context, args []string, env toolEnv) int

// A tool's exit status when its run was interrupted (SIGINT, SIGTERM).
const (
	exitsWithCode    = false // the status the run returned
	untilInterrupted = true  // a failure is the interruption (130): the console and perf tools, which run until stopped
)

// toolCommand completes c as the command of a tool that parses its own
// options: they pass through as is, and the run's status is the exit
// status (see exitsWithCode and untilInterrupted).
func toolCommand(c *cobra.Command, run toolRun, interrupted bool) *cobra.Command {
	c.DisableFlagParsing = true
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		code := run(ctx, args, newToolEnv(cmd))
		if interrupted && code != 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		return exitStatus(code)
	}
	return c
}

// usageExit is CommandLineUtils.printUsageAndExit: the message and the
// option table on stderr, exit 1.
func usageExit(env toolEnv, p *jopt.Parser, msg string) int {
	fmt.Fprintln(env.stderr, msg)
	fmt.Fprint(env.stderr, p.Help())
	return 1
}

// mainException is an exception escaping a tool's main (one its catch
// does not take): the JVM's report, exit 1.
func mainException(env toolEnv, exc string) int {
	fmt.Fprintln(env.stderr, `Exception in thread "main" `+exc)
	return 1
}

// crash is a tool main's catch of a Throwable: the message, then the first
// line of the stack trace; exit 1.
func crash(env toolEnv, class, msg string) int {
	fmt.Fprintln(env.stderr, msg)
	fmt.Fprintf(env.stderr, "%s: %s\n", class, msg)
	return 1
}

// joptCrash is crash for an option-reading failure: a jopt-simple
// exception as its own class, anything else as a RuntimeException.
func joptCrash(env toolEnv, err error) int {
	var je *jopt.Error
	if errors.As(err, &je) {
		return crash(env, je.Class, je.Message)
	}
	return crash(env, "java.lang.RuntimeException", err.Error())
}

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
