package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/config"
)

// producerParser is ProducerPerformance.argParser().
func producerParser() *apParser {
	p := newAPParser("producer-performance", "This tool is used to verify the producer performance.")
	payload := p.mutex("either --record-size or --payload-file must be specified but not both.", true)
	const exactlyOne = "Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic."
	p.add(&apArg{flags: []string{"--topic"}, dest: "topic", metavar: "TOPIC", typ: apString, required: true, help: "produce messages to this topic"})
	p.add(&apArg{flags: []string{"--num-records"}, dest: "numRecords", metavar: "NUM-RECORDS", typ: apLong, required: true, help: "number of messages to produce"})
	p.add(&apArg{flags: []string{"--record-size"}, dest: "recordSize", metavar: "RECORD-SIZE", typ: apInteger, group: payload,
		help: "message size in bytes. " + exactlyOne})
	p.add(&apArg{flags: []string{"--payload-file"}, dest: "payloadFile", metavar: "PAYLOAD-FILE", typ: apString, group: payload,
		help: "file to read the message payloads from. This works only for UTF-8 encoded text files. " +
			"Payloads will be read from this file and a payload will be randomly selected when sending messages. " + exactlyOne})
	p.add(&apArg{flags: []string{"--payload-monotonic"}, dest: "payloadMonotonic", action: apStoreTrue, group: payload,
		help: "payload is monotonically increasing integer. " + exactlyOne})
	p.add(&apArg{flags: []string{"--payload-delimiter"}, dest: "payloadDelimiter", metavar: "PAYLOAD-DELIMITER", typ: apString, def: `\n`,
		help: "provides delimiter to be used when --payload-file is provided. Defaults to new line. " +
			"Note that this parameter will be ignored if --payload-file is not provided."})
	p.add(&apArg{flags: []string{"--throughput"}, dest: "throughput", metavar: "THROUGHPUT", typ: apDouble, required: true,
		help: "throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable throttling."})
	p.add(&apArg{flags: []string{"--producer-props"}, dest: "producerConfig", metavar: "PROP-NAME=PROP-VALUE", action: apStoreList, typ: apString,
		help: "kafka producer related configuration properties like bootstrap.servers,client.id etc. " +
			"These configs take precedence over those passed via --producer.config."})
	p.add(&apArg{flags: []string{"--producer.config"}, dest: "producerConfigFile", metavar: "CONFIG-FILE", typ: apString, help: "producer config properties file."})
	p.add(&apArg{flags: []string{"--print-metrics"}, dest: "printMetrics", action: apStoreTrue, help: "print out metrics at the end of the test."})
	p.add(&apArg{flags: []string{"--transactional-id"}, dest: "transactionalId", metavar: "TRANSACTIONAL-ID", typ: apString,
		def:  "performance-producer-default-transactional-id",
		help: "The transactionalId to use if transaction-duration-ms is > 0. Useful when testing the performance of concurrent transactions."})
	p.add(&apArg{flags: []string{"--transaction-duration-ms"}, dest: "transactionDurationMs", metavar: "TRANSACTION-DURATION", typ: apLong, def: "0",
		help: "The max age of each transaction. The commitTransaction will be called after this time has elapsed. Transactions are only enabled if this value is positive."})
	return p
}

// javaException is how an uncaught exception ends ProducerPerformance.
func javaException(env toolEnv, class, msg string) int { return mainException(env, class+": "+msg) }

// producerArgs parses the command line as ProducerPerformance.start does;
// with ok false the run ends there, with code.
func producerArgs(args []string, env toolEnv) (res apResult, code int, ok bool) {
	p := producerParser()
	res, err := p.parse(args, func() { fmt.Fprint(env.stdout, p.help()) })
	if err == nil && res["producerConfig"] == nil && res["producerConfigFile"] == nil {
		err = &apError{msg: "Either --producer-props or --producer.config must be specified."}
	}
	switch {
	case err == nil:
		return res, 0, true
	case err == errHelpScreen: // handleError prints nothing more
		return nil, 1, false
	case len(args) == 0:
		fmt.Fprint(env.stdout, p.help())
		return nil, 0, false
	}
	fmt.Fprint(env.stderr, p.usage()+p.errorText(err.(*apError)))
	return nil, 1, false
}

// runProducerPerf is ProducerPerformance.start.
func runProducerPerf(ctx context.Context, args []string, env toolEnv) int {
	res, code, ok := producerArgs(args, env)
	if !ok {
		return code
	}
	topic := res["topic"].(string)
	numRecords := res["numRecords"].(int64)
	throughput := res["throughput"].(float64)
	recordSize, hasSize := res["recordSize"].(int32)
	monotonic := res["payloadMonotonic"].(bool)
	delimiter := res["payloadDelimiter"].(string)
	if delimiter == `\n` {
		delimiter = "\n"
	}
	durationMs := res["transactionDurationMs"].(int64)

	var payloads [][]byte
	if f, ok := res["payloadFile"].(string); ok {
		var code int
		if payloads, code = readPayloadFile(env, f, delimiter); code != 0 {
			return code
		}
	}
	props, code := readProducerProps(env, res)
	if code != 0 {
		return code
	}
	if durationMs > 0 || props["transactional.id"] != "" {
		fmt.Fprintln(env.stderr, "wharf perf produce: transactions are not supported yet (Wharf's broker has no transaction coordinator); run without --transaction-duration-ms and transactional.id")
		return 1
	}
	cfg, err := newClientConfig("producer", props, env.stderr)
	if err != nil {
		return javaException(env, "org.apache.kafka.common.config.ConfigException", err.Error())
	}
	// kgo fails a record larger than its batch limit, where Java sends it
	// in a batch of its own: the limit is the larger of batch.size and the
	// largest payload, within max.request.size.
	largest := int32(0)
	if hasSize {
		largest = recordSize
	}
	for _, pl := range payloads {
		largest = max(largest, int32(len(pl)))
	}
	batchMax := max(cfg.batchSize, min(largest+128, cfg.maxRequestSize))
	batchMax = max(batchMax, 1024)
	metrics := newClientMetrics()
	opts := append(cfg.opts, kgo.ProducerBatchMaxBytes(batchMax), kgo.WithHooks(metrics), kgo.AllowAutoTopicCreation())
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return javaException(env, "org.apache.kafka.common.KafkaException", "Failed to construct kafka producer: "+err.Error())
	}
	defer client.Close()
	if err := awaitCluster(ctx, client, cfg.maxBlockMs); err != nil {
		if ctx.Err() != nil {
			return 130
		}
		fmt.Fprintf(env.stderr, "wharf perf produce: cannot reach any broker of bootstrap.servers=%s within %d ms (max.block.ms): %v\n",
			strings.Join(cfg.seeds, ","), cfg.maxBlockMs, unreachableWhy(err))
		return 1
	}
	if numRecords <= 0 { // Stats divides by min(numRecords, 500000)
		if numRecords == 0 {
			return javaException(env, "java.lang.ArithmeticException", "/ by zero")
		}
		return javaException(env, "java.lang.NegativeArraySizeException", strconv.FormatInt(numRecords+1, 10))
	}
	if !hasSize && len(payloads) == 0 && !monotonic {
		return javaException(env, "java.lang.IllegalArgumentException", "no payload File Path or record Size or payload-monotonic option provided")
	}

	rnd := &splittableRandom{}
	stats := newProducerStats(numRecords, 5000, env.clk, env.stdout)
	startMs := env.clk.nowMs()
	thr := newThrottler(throughput, startMs, env.clk)
	var failed atomic.Int64
	for i := int64(0); i < numRecords; i++ {
		var payload []byte
		switch {
		case len(payloads) > 0:
			payload = payloads[rnd.nextInt(int32(len(payloads)))]
		case hasSize:
			payload = make([]byte, recordSize)
			for j := range payload {
				payload[j] = byte(rnd.nextInt(26) + 65)
			}
		default:
			payload = []byte(strconv.FormatInt(i, 10))
		}
		sendStartMs := env.clk.nowMs()
		size := len(payload)
		client.Produce(ctx, &kgo.Record{Topic: topic, Value: payload}, func(_ *kgo.Record, err error) {
			now := env.clk.nowMs()
			if err != nil {
				failed.Add(1)
				if ctx.Err() == nil {
					stats.println(env.stderr, producerErrorLine(err))
				}
				return
			}
			stats.completed(int32(now-sendStartMs), size, now)
		})
		if ctx.Err() != nil {
			return 130
		}
		if thr.shouldThrottle(i, sendStartMs) && !thr.throttle() {
			return 130
		}
	}
	if err := client.Flush(ctx); err != nil {
		return 130
	}
	stats.printTotal()
	if res["printMetrics"].(bool) {
		metrics.print(env.stdout, "producer", cfg.clientID, stats.sent()+failed.Load(), failed.Load())
	}
	return 0
}

// producerErrorLine is the first line of the stack trace a failed send's
// callback prints.
func producerErrorLine(err error) string {
	return "org.apache.kafka.common.KafkaException: " + err.Error()
}

// readPayloadFile is ProducerPerformance.readPayloadFile.
func readPayloadFile(env toolEnv, path, delimiter string) ([][]byte, int) {
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(env.cwd, path)
	}
	fmt.Fprintf(env.stdout, "Reading payloads from: %s\n", abs)
	data, err := os.ReadFile(abs)
	if err != nil || len(data) == 0 {
		return nil, javaException(env, "java.lang.IllegalArgumentException", "File does not exist or empty file provided.")
	}
	re, err := regexp.Compile(delimiter)
	if err != nil {
		return nil, javaException(env, "java.util.regex.PatternSyntaxException", err.Error())
	}
	list := javaSplit(strings.ToValidUTF8(string(data), "\uFFFD"), re)
	fmt.Fprintf(env.stdout, "Number of messages read: %d\n", len(list))
	out := make([][]byte, len(list))
	for i, s := range list {
		out[i] = []byte(s)
	}
	return out, 0
}

// readProducerProps is ProducerPerformance.readProps: the config file,
// then --producer-props over it, then the client.id default.
func readProducerProps(env toolEnv, res apResult) (map[string]string, int) {
	props := map[string]string{}
	if f, ok := res["producerConfigFile"].(string); ok {
		m, class, msg := loadJavaProps(env.cwd, f)
		if class != "" {
			return nil, javaException(env, class, msg)
		}
		props = m
	}
	if list, ok := res["producerConfig"].([]string); ok {
		for _, prop := range list {
			pieces := strings.Split(prop, "=")
			for len(pieces) > 0 && pieces[len(pieces)-1] == "" { // Java's split drops trailing empties
				pieces = pieces[:len(pieces)-1]
			}
			if len(pieces) != 2 {
				return nil, javaException(env, "java.lang.IllegalArgumentException", "Invalid property: "+prop)
			}
			props[pieces[0]] = pieces[1]
		}
	}
	if props["client.id"] == "" {
		props["client.id"] = "perf-producer-client"
	}
	return props, 0
}

// loadJavaProps is Utils.loadProps of path (relative to cwd): the
// exception class and message when the file cannot be read (a missing one
// fails as Files.newInputStream does).
func loadJavaProps(cwd, path string) (props map[string]string, class, msg string) {
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(cwd, path)
	}
	m, _, err := config.LoadProperties(abs)
	switch {
	case err == nil:
		return m, "", ""
	case errors.Is(err, fs.ErrNotExist):
		return nil, "java.nio.file.NoSuchFileException", path
	}
	return nil, "java.io.IOException", err.Error()
}
