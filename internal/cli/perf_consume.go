package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/jopt"
	"github.com/wharf-project/wharf/internal/kafka/dumplog"
)

// consumerOptions is ConsumerPerformance.ConsumerPerfOptions.
type consumerOptions struct {
	parser *jopt.Parser
	set    *jopt.OptionSet

	help, version, brokerList, bootstrapServer, topic, group, fetchSize, fromLatest *jopt.Spec
	socketBufferSize, threads, fetchThreads, consumerConfig, printMetrics           *jopt.Spec
	showDetailedStats, timeout, messages, reportingInterval, dateFormat, hideHeader *jopt.Spec
}

const consumerHelpHeader = "This tool is used to verify the consumer performance."

func newConsumerOptions(groupSuffix int) *consumerOptions {
	p := jopt.NewParser()
	o := &consumerOptions{parser: p}
	o.help = p.Accepts(&jopt.Spec{Name: "help", Desc: "Print usage information.", ForHelp: true})
	o.version = p.Accepts(&jopt.Spec{Name: "version", Desc: "Display Kafka version.", ForHelp: true})
	o.brokerList = p.Accepts(&jopt.Spec{Name: "broker-list", Desc: "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified. The broker list string in the form HOST1:PORT1,HOST2:PORT2.",
		Arg: jopt.RequiredArg, ArgDesc: "broker-list"})
	o.bootstrapServer = p.Accepts(&jopt.Spec{Name: "bootstrap-server", Desc: "REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to.",
		Arg: jopt.RequiredArg, ArgDesc: "server to connect to", RequiredUnless: []string{"broker-list"}})
	o.topic = p.Accepts(&jopt.Spec{Name: "topic", Desc: "REQUIRED: The topic to consume from.", Arg: jopt.RequiredArg, ArgDesc: "topic"})
	o.group = p.Accepts(&jopt.Spec{Name: "group", Desc: "The group id to consume on.", Arg: jopt.RequiredArg, ArgDesc: "gid",
		Defaults: []string{"perf-consumer-" + strconv.Itoa(groupSuffix)}})
	o.fetchSize = p.Accepts(&jopt.Spec{Name: "fetch-size", Desc: "The amount of data to fetch in a single request.", Arg: jopt.RequiredArg,
		Type: jopt.TypeInteger, ArgDesc: "size", Defaults: []string{strconv.Itoa(1024 * 1024)}})
	o.fromLatest = p.Accepts(&jopt.Spec{Name: "from-latest", Desc: "If the consumer does not already have an established " +
		"offset to consume from, start with the latest message present in the log rather than the earliest message."})
	o.socketBufferSize = p.Accepts(&jopt.Spec{Name: "socket-buffer-size", Desc: "The size of the tcp RECV size.", Arg: jopt.RequiredArg,
		Type: jopt.TypeInteger, ArgDesc: "size", Defaults: []string{strconv.Itoa(2 * 1024 * 1024)}})
	o.threads = p.Accepts(&jopt.Spec{Name: "threads", Desc: "DEPRECATED AND IGNORED: Number of processing threads.", Arg: jopt.RequiredArg,
		Type: jopt.TypeInteger, ArgDesc: "count", Defaults: []string{"10"}})
	o.fetchThreads = p.Accepts(&jopt.Spec{Name: "num-fetch-threads", Desc: "DEPRECATED AND IGNORED: Number of fetcher threads.", Arg: jopt.RequiredArg,
		Type: jopt.TypeInteger, ArgDesc: "count", Defaults: []string{"1"}})
	o.consumerConfig = p.Accepts(&jopt.Spec{Name: "consumer.config", Desc: "Consumer config properties file.", Arg: jopt.RequiredArg, ArgDesc: "config file"})
	o.printMetrics = p.Accepts(&jopt.Spec{Name: "print-metrics", Desc: "Print out the metrics."})
	o.showDetailedStats = p.Accepts(&jopt.Spec{Name: "show-detailed-stats", Desc: "If set, stats are reported for each reporting " +
		"interval as configured by reporting-interval"})
	o.timeout = p.Accepts(&jopt.Spec{Name: "timeout", Desc: "The maximum allowed time in milliseconds between returned records.",
		Arg: jopt.OptionalArg, Type: jopt.TypeLong, ArgDesc: "milliseconds", Defaults: []string{"10000"}})
	o.messages = p.Accepts(&jopt.Spec{Name: "messages", Desc: "REQUIRED: The number of messages to send or consume", Arg: jopt.RequiredArg,
		Type: jopt.TypeLong, ArgDesc: "count"})
	o.reportingInterval = p.Accepts(&jopt.Spec{Name: "reporting-interval", Desc: "Interval in milliseconds at which to print progress info.",
		Arg: jopt.RequiredArg, Type: jopt.TypeLong, ArgDesc: "interval_ms", Defaults: []string{"5000"}})
	o.dateFormat = p.Accepts(&jopt.Spec{Name: "date-format", Desc: "The date format to use for formatting the time field. " +
		"See java.text.SimpleDateFormat for options.", Arg: jopt.RequiredArg, ArgDesc: "date format", Defaults: []string{"yyyy-MM-dd HH:mm:ss:SSS"}})
	o.hideHeader = p.Accepts(&jopt.Spec{Name: "hide-header", Desc: "If set, skips printing the header for the stats"})
	return o
}

// runConsumerPerf is ConsumerPerformance.main.
func runConsumerPerf(ctx context.Context, args []string, env toolEnv) int {
	o := newConsumerOptions(env.groupSuffix)
	set, err := o.parser.Parse(args)
	if err != nil {
		return usageExit(env, o.parser, err.(*jopt.Error).Message)
	}
	o.set = set
	if set.Has(o.threads) || set.Has(o.fetchThreads) {
		fmt.Fprintln(env.stdout, "WARNING: option [threads] and [num-fetch-threads] have been deprecated and will be ignored by the test")
	}
	if len(args) == 0 || set.Has(o.help) {
		return usageExit(env, o.parser, consumerHelpHeader)
	}
	if set.Has(o.version) {
		fmt.Fprintln(env.stdout, dumplog.KafkaVersion)
		return 0
	}
	for _, req := range []*jopt.Spec{o.topic, o.messages} {
		if !set.Has(req) {
			return usageExit(env, o.parser, fmt.Sprintf("Missing required argument %q", req.String()))
		}
	}
	detailed := set.Has(o.showDetailedStats)
	if !set.Has(o.hideHeader) {
		extra := ", rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"
		if detailed {
			fmt.Fprintf(env.stdout, "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec%s\n", extra)
		} else {
			fmt.Fprintf(env.stdout, "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec%s\n", extra)
		}
	}
	startMs := env.clk.nowMs()
	c, code := o.client(env)
	if code != 0 {
		return code
	}
	numMessages, err := set.LongValueOf(o.messages)
	if err != nil {
		return joptCrash(env, err)
	}
	timeoutMs, err := set.LongValueOf(o.timeout)
	if err != nil {
		return joptCrash(env, err)
	}
	interval, err := set.LongValueOf(o.reportingInterval)
	if err != nil {
		return joptCrash(env, err)
	}
	if interval <= 0 {
		return crash(env, "java.lang.IllegalArgumentException", "Reporting interval must be greater than 0.")
	}
	pattern, _, _ := set.ValueOf(o.dateFormat)
	df, err := newSimpleDateFormat(pattern, env.loc)
	if err != nil {
		return crash(env, "java.lang.IllegalArgumentException", err.Error())
	}
	topic, _, err := set.ValueOf(o.topic)
	if err != nil {
		return joptCrash(env, err)
	}
	group, _, err := set.ValueOf(o.group) // default perf-consumer-<n>, as Kafka's
	if err != nil {
		return joptCrash(env, err)
	}
	run := &consumeRun{env: env, df: df, detailed: detailed, interval: interval, numMessages: numMessages, timeoutMs: timeoutMs}
	code = run.consume(ctx, c, topic, group, startMs, set.Has(o.fromLatest))
	if code != 0 {
		return code
	}
	endMs := env.clk.nowMs()
	if !detailed {
		elapsedSec := float64(endMs-startMs) / 1000.0
		fetchTimeMs := (endMs - startMs) - run.joinTimeMs
		mb := float64(run.bytesRead) / (1024 * 1024)
		fmt.Fprintf(env.stdout, "%s, %s, %s, %s, %d, %s, %d, %d, %s, %s\n",
			df.format(startMs), df.format(endMs), javaFixed(mb, 4), javaFixed(mb/elapsedSec, 4),
			run.messagesRead, javaFixed(float64(run.messagesRead)/elapsedSec, 4), run.joinTimeMs, fetchTimeMs,
			javaFixed(mb/(float64(fetchTimeMs)/1000.0), 4), javaFixed(float64(run.messagesRead)/(float64(fetchTimeMs)/1000.0), 4))
	}
	if set.Has(o.printMetrics) {
		run.metrics.print(env.stdout, "consumer", run.clientID, 0, 0)
	}
	return 0
}

// client is ConsumerPerfOptions.props and the consumer's construction.
type perfConsumer struct {
	cfg *clientConfig
}

func (o *consumerOptions) client(env toolEnv) (*perfConsumer, int) {
	props := map[string]string{}
	if o.set.Has(o.consumerConfig) {
		f, _, err := o.set.ValueOf(o.consumerConfig)
		if err != nil {
			return nil, joptCrash(env, err)
		}
		m, class, msg := loadJavaProps(env.cwd, f)
		if class != "" {
			return nil, crash(env, class, msg)
		}
		props = m
	}
	server := o.bootstrapServer
	if !o.set.Has(server) {
		server = o.brokerList
	}
	bootstrap, _, err := o.set.ValueOf(server)
	if err != nil {
		return nil, joptCrash(env, err)
	}
	props["bootstrap.servers"] = bootstrap
	if _, err := o.set.IntValueOf(o.socketBufferSize); err != nil { // receive.buffer.bytes: read, not applied
		return nil, joptCrash(env, err)
	}
	fetchSize, err := o.set.IntValueOf(o.fetchSize)
	if err != nil {
		return nil, joptCrash(env, err)
	}
	props["max.partition.fetch.bytes"] = strconv.Itoa(int(fetchSize))
	delete(props, "receive.buffer.bytes")
	if props["client.id"] == "" {
		props["client.id"] = "perf-consumer-client"
	}
	cfg, err := newClientConfig("consumer", props, env.stderr)
	if err != nil {
		return nil, crash(env, "org.apache.kafka.common.config.ConfigException", err.Error())
	}
	return &perfConsumer{cfg: cfg}, 0
}

// consumeRun is ConsumerPerformance.consume's state.
type consumeRun struct {
	env                     toolEnv
	df                      *simpleDateFormat
	detailed                bool
	interval, timeoutMs     int64
	numMessages             int64
	messagesRead, bytesRead int64
	joinTimeMs              int64
	metrics                 *clientMetrics
	clientID                string
}

func (r *consumeRun) consume(ctx context.Context, pc *perfConsumer, topic, group string, joinStartMs int64, fromLatest bool) int {
	env := r.env
	r.metrics = newClientMetrics()
	r.clientID = pc.cfg.clientID
	admin, err := kgo.NewClient(append(pc.cfg.opts, kgo.WithHooks(r.metrics))...)
	if err != nil {
		return crash(env, "org.apache.kafka.common.KafkaException", "Failed to construct kafka consumer: "+err.Error())
	}
	defer admin.Close()
	consumeStart := env.clk.nowMs()
	if _, err := topicPartitions(ctx, admin, topic, r.timeoutMs); err != nil {
		if ctx.Err() != nil {
			return 130
		}
		if errors.Is(err, errUnreachable) {
			fmt.Fprintf(env.stderr, "wharf perf consume: cannot reach any broker of %s within %d ms (--timeout): %s\n",
				strings.Join(pc.cfg.seeds, ","), r.timeoutMs, unreachableWhy(err))
			return 1
		}
	}
	offset := kgo.NewOffset().AtStart() // auto.offset.reset=earliest
	if fromLatest {
		offset = kgo.NewOffset().AtEnd()
	}
	// The group's rebalances are the "rebalance" time, as
	// ConsumerPerformance's listener counts it: from the start (or the
	// last revocation) to each assignment.
	var mu sync.Mutex
	joinStart, joinRound := joinStartMs, int64(0)
	client, err := kgo.NewClient(append(pc.cfg.opts, kgo.WithHooks(r.metrics),
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(offset),
		kgo.OnPartitionsAssigned(func(context.Context, *kgo.Client, map[string][]int32) {
			mu.Lock()
			d := env.clk.nowMs() - joinStart
			r.joinTimeMs += d
			joinRound += d
			mu.Unlock()
		}),
		kgo.OnPartitionsRevoked(func(context.Context, *kgo.Client, map[string][]int32) {
			mu.Lock()
			joinStart = env.clk.nowMs()
			mu.Unlock()
		}))...)
	if err != nil {
		return crash(env, "org.apache.kafka.common.KafkaException", "Failed to construct kafka consumer: "+err.Error())
	}
	defer client.Close() // commits what was consumed and leaves the group
	now := env.clk.nowMs()
	// The first progress interval starts when joining did, so that its
	// fetch time (interval minus join time) is never negative.
	lastReport, lastConsumed := min(consumeStart, joinStartMs), consumeStart
	var lastBytes, lastMessages int64
	for r.messagesRead < r.numMessages && now-lastConsumed <= r.timeoutMs {
		pollCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		fetches := client.PollRecords(pollCtx, pc.cfg.maxPollRecords)
		cancel()
		if ctx.Err() != nil {
			return 130
		}
		now = env.clk.nowMs()
		if fetches.NumRecords() > 0 {
			lastConsumed = now
		}
		fetches.EachRecord(func(rec *kgo.Record) {
			r.messagesRead++
			r.bytesRead += int64(len(rec.Key) + len(rec.Value))
			if now-lastReport >= r.interval {
				mu.Lock()
				round := joinRound
				joinRound = 0
				mu.Unlock()
				if r.detailed {
					r.printProgress(env.stdout, lastBytes, lastMessages, lastReport, now, round)
				}
				lastReport, lastMessages, lastBytes = now, r.messagesRead, r.bytesRead
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if r.messagesRead < r.numMessages {
		fmt.Fprintf(env.stdout, "WARNING: Exiting before consuming the expected number of messages: timeout (%d ms) exceeded. "+
			"You can use the --timeout option to increase the timeout.\n", r.timeoutMs)
	}
	return 0
}

// printProgress is printConsumerProgress (thread id 0).
func (r *consumeRun) printProgress(w io.Writer, lastBytes, lastMessages, startMs, endMs, joinRound int64) {
	elapsedMs := float64(endMs - startMs)
	totalMb := float64(r.bytesRead) / (1024 * 1024)
	intervalMb := float64(r.bytesRead-lastBytes) / (1024 * 1024)
	fmt.Fprintf(w, "%s, %d, %s, %s, %d, %s", r.df.format(endMs), 0, javaFixed(totalMb, 4),
		javaFixed(1000.0*intervalMb/elapsedMs, 4), r.messagesRead,
		javaFixed(float64(r.messagesRead-lastMessages)/elapsedMs*1000.0, 4))
	fetchMs := endMs - startMs - joinRound
	mbSec, msgSec := 0.0, 0.0
	if fetchMs > 0 {
		mbSec = 1000.0 * intervalMb / float64(fetchMs)
		msgSec = 1000.0 * float64(r.messagesRead-lastMessages) / float64(fetchMs)
	}
	fmt.Fprintf(w, ", %d, %d, %s, %s\n", joinRound, fetchMs, javaFixed(mbSec, 4), javaFixed(msgSec, 4))
}

// topicPartitions asks for the topic's partitions (creating the topic if
// the broker auto-creates, as the Java consumer's metadata request
// allows) until it has them or waitMs pass. A missing topic yields none.
func topicPartitions(ctx context.Context, cl *kgo.Client, topic string, waitMs int64) ([]int32, error) {
	if err := awaitCluster(ctx, cl, waitMs); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, ms2d(waitMs))
	defer cancel()
	for {
		req := kmsg.NewPtrMetadataRequest()
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = kmsg.StringPtr(topic)
		req.Topics = append(req.Topics, t)
		req.AllowAutoTopicCreation = true
		resp, err := req.RequestWith(ctx, cl)
		if err == nil && len(resp.Topics) == 1 {
			rt := resp.Topics[0]
			if kerr.ErrorForCode(rt.ErrorCode) == nil && len(rt.Partitions) > 0 {
				var ps []int32
				for _, p := range rt.Partitions {
					ps = append(ps, p.Partition)
				}
				return ps, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}
