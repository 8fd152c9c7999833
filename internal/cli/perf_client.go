package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The Java client's configuration mapped onto franz-go's kgo options.

// clientConfig is what the perf tools read from producer/consumer
// properties beyond the kgo options.
type clientConfig struct {
	opts            []kgo.Opt
	seeds           []string
	clientID        string
	maxBlockMs      int64 // producer: how long to wait for the cluster
	maxPollRecords  int
	batchSize       int32
	maxRequestSize  int32
	idempotence     *bool
	acksAll         bool
	transactionalID string
}

// configError is a ConfigException of the Java client.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func invalidValue(key, value, why string) error {
	return &configError{fmt.Sprintf("Invalid value %s for configuration %s: %s", value, key, why)}
}

func propLong(key, v string, min int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, invalidValue(key, v, "Not a number of type LONG")
	}
	if n < min {
		return 0, invalidValue(key, v, fmt.Sprintf("Value must be at least %d", min))
	}
	return n, nil
}

func propInt(key, v string, min int64) (int32, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, invalidValue(key, v, "Not a number of type INT")
	}
	if n < min {
		return 0, invalidValue(key, v, fmt.Sprintf("Value must be at least %d", min))
	}
	return int32(n), nil
}

func propBool(key, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, invalidValue(key, v, "Expected value to be either true or false")
}

func ms2d(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// propSetter applies one property; role is "producer" or "consumer".
type propSetter func(c *clientConfig, key, v string) error

func durationProp[O kgo.Opt](opt func(time.Duration) O, min int64) propSetter {
	return func(c *clientConfig, key, v string) error {
		n, err := propLong(key, v, min)
		if err == nil {
			c.opts = append(c.opts, opt(ms2d(n)))
		}
		return err
	}
}

func int32Prop[O kgo.Opt](opt func(int32) O, min int64) propSetter {
	return func(c *clientConfig, key, v string) error {
		n, err := propInt(key, v, min)
		if err == nil {
			c.opts = append(c.opts, opt(n))
		}
		return err
	}
}

func ignoredProp(*clientConfig, string, string) error { return nil }

var commonProps = map[string]propSetter{
	"bootstrap.servers": func(c *clientConfig, _, v string) error {
		c.seeds = nil
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.seeds = append(c.seeds, s)
			}
		}
		return nil
	},
	"client.id":                          func(c *clientConfig, _, v string) error { c.clientID = v; return nil },
	"metadata.max.age.ms":                durationProp(kgo.MetadataMaxAge, 0),
	"connections.max.idle.ms":            durationProp(kgo.ConnIdleTimeout, 0),
	"socket.connection.setup.timeout.ms": durationProp(kgo.DialTimeout, 0),
	"retry.backoff.ms": func(c *clientConfig, key, v string) error {
		n, err := propLong(key, v, 0)
		if err == nil {
			c.opts = append(c.opts, kgo.RetryBackoffFn(func(int) time.Duration { return ms2d(n) }))
		}
		return err
	},
	"security.protocol": func(_ *clientConfig, key, v string) error {
		if strings.EqualFold(strings.TrimSpace(v), "PLAINTEXT") {
			return nil
		}
		return &configError{fmt.Sprintf("%s=%s is not supported by wharf perf yet: only PLAINTEXT", key, v)}
	},
	// set by the tools themselves, or meaningless for byte arrays
	"key.serializer": ignoredProp, "value.serializer": ignoredProp,
	"key.deserializer": ignoredProp, "value.deserializer": ignoredProp,
}

var producerProps = map[string]propSetter{
	"acks": func(c *clientConfig, key, v string) error {
		switch strings.TrimSpace(v) {
		case "all", "-1":
			c.acksAll = true
			c.opts = append(c.opts, kgo.RequiredAcks(kgo.AllISRAcks()))
		case "1":
			c.opts = append(c.opts, kgo.RequiredAcks(kgo.LeaderAck()))
		case "0":
			c.opts = append(c.opts, kgo.RequiredAcks(kgo.NoAck()))
		default:
			return invalidValue(key, v, "String must be one of: all, -1, 0, 1")
		}
		return nil
	},
	"linger.ms": durationProp(kgo.ProducerLinger, 0),
	"batch.size": func(c *clientConfig, key, v string) error {
		n, err := propInt(key, v, 0)
		c.batchSize = n
		return err
	},
	"max.request.size": func(c *clientConfig, key, v string) error {
		n, err := propInt(key, v, 0)
		c.maxRequestSize = n
		return err
	},
	"compression.type": func(c *clientConfig, key, v string) error {
		codec, ok := map[string]kgo.CompressionCodec{"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(),
			"snappy": kgo.SnappyCompression(), "lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression()}[strings.TrimSpace(v)]
		if !ok {
			return invalidValue(key, v, "String must be one of: none, gzip, snappy, lz4, zstd")
		}
		c.opts = append(c.opts, kgo.ProducerBatchCompression(codec))
		return nil
	},
	"enable.idempotence": func(c *clientConfig, key, v string) error {
		b, err := propBool(key, v)
		c.idempotence = &b
		return err
	},
	"max.in.flight.requests.per.connection": int32Prop(func(n int32) kgo.Opt { return kgo.MaxProduceRequestsInflightPerBroker(int(n)) }, 1),
	"request.timeout.ms":                    durationProp(kgo.ProduceRequestTimeout, 0),
	"delivery.timeout.ms":                   durationProp(kgo.RecordDeliveryTimeout, 0),
	"retries":                               int32Prop(func(n int32) kgo.Opt { return kgo.RecordRetries(int(n)) }, 0),
	"buffer.memory": func(c *clientConfig, key, v string) error {
		n, err := propLong(key, v, 0)
		if err == nil {
			c.opts = append(c.opts, kgo.MaxBufferedBytes(int(n)))
		}
		return err
	},
	"max.block.ms": func(c *clientConfig, key, v string) error {
		n, err := propLong(key, v, 0)
		c.maxBlockMs = n
		return err
	},
	"transactional.id": func(c *clientConfig, _, v string) error { c.transactionalID = v; return nil },
}

var consumerProps = map[string]propSetter{
	"fetch.max.bytes":    int32Prop(kgo.FetchMaxBytes, 0),
	"fetch.min.bytes":    int32Prop(kgo.FetchMinBytes, 0),
	"fetch.max.wait.ms":  durationProp(kgo.FetchMaxWait, 0),
	"request.timeout.ms": durationProp(kgo.RequestTimeoutOverhead, 0),
	"max.poll.records": func(c *clientConfig, key, v string) error {
		n, err := propInt(key, v, 1)
		c.maxPollRecords = int(n)
		return err
	},
	"isolation.level": func(c *clientConfig, key, v string) error {
		switch strings.TrimSpace(v) {
		case "read_uncommitted":
			c.opts = append(c.opts, kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
		case "read_committed":
			c.opts = append(c.opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
		default:
			return invalidValue(key, v, "String must be one of: read_committed, read_uncommitted")
		}
		return nil
	},
	// the tool sets these; Wharf reads without a group and verifies CRCs
	"group.id": ignoredProp, "auto.offset.reset": ignoredProp, "check.crcs": ignoredProp,
	"max.partition.fetch.bytes": int32Prop(kgo.FetchMaxPartitionBytes, 0),
}

// newClientConfig maps properties (in key order) onto kgo options. Keys
// with no equivalent are reported on warn, one line each, and ignored.
func newClientConfig(role string, props map[string]string, warn io.Writer) (*clientConfig, error) {
	c := &clientConfig{maxBlockMs: 60000, maxPollRecords: 500, batchSize: 16384, maxRequestSize: 1048576}
	specific := producerProps
	if role == "consumer" {
		specific = consumerProps
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		set := specific[k]
		if set == nil {
			set = commonProps[k]
		}
		if set == nil {
			fmt.Fprintf(warn, "WARN The configuration '%s' was supplied but has no equivalent in Wharf's client; it is ignored.\n", k)
			continue
		}
		if err := set(c, k, props[k]); err != nil {
			return nil, err
		}
	}
	if len(c.seeds) == 0 {
		return nil, &configError{`Missing required configuration "bootstrap.servers" which has no default value.`}
	}
	if role == "producer" {
		explicit := c.idempotence != nil
		idem := !explicit || *c.idempotence
		if _, set := props["acks"]; set && !c.acksAll {
			if explicit && *c.idempotence {
				return nil, &configError{"Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence."}
			}
			idem = false // Kafka 3.x turns its default idempotence off for acks 0 and 1
		}
		if !idem {
			c.opts = append(c.opts, kgo.DisableIdempotentWrite())
		}
		if !c.acksAll && props["acks"] == "" {
			c.opts = append(c.opts, kgo.RequiredAcks(kgo.AllISRAcks()))
		}
	}
	c.opts = append(c.opts, kgo.SeedBrokers(c.seeds...), kgo.ClientID(c.clientID))
	return c, nil
}

// errUnreachable: no broker answered within the wait.
var errUnreachable = errors.New("cannot reach the cluster")

// unreachableWhy is the last connection error behind an errUnreachable
// (what the one-line message ends with).
func unreachableWhy(err error) string {
	return strings.TrimPrefix(err.Error(), errUnreachable.Error()+": ")
}

// awaitCluster pings the seed brokers until one answers or waitMs pass.
func awaitCluster(ctx context.Context, cl *kgo.Client, waitMs int64) error {
	ctx, cancel := context.WithTimeout(ctx, ms2d(waitMs))
	defer cancel()
	var last error
	for {
		err := cl.Ping(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if last == nil || errors.Is(last, context.DeadlineExceeded) {
				last = err
			}
			return fmt.Errorf("%w: %v", errUnreachable, last)
		}
		last = err
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// clientMetrics gathers what --print-metrics prints, from kgo's hooks.
// Rates are averages over the whole run; Kafka's are over its last 30
// seconds (two 30 s samples), which for a run shorter than a minute is
// about the same.
type clientMetrics struct {
	mu                               sync.Mutex
	start                            time.Time
	requests, responses              int64
	bytesOut, bytesIn                int64
	latencySum, latencyMax           time.Duration
	produceReqs, produceLatency      int64
	produceLatencyMax                time.Duration
	fetches                          int64
	fetchLatencySum, fetchLatencyMax time.Duration
	fetchBytesMax                    int64
	batches, batchBytes, batchMax    int64
	uncompressed, compressed         int64
	batchRecords                     int64
	fetchedRecords, fetchedBytes     int64
	topicBytes                       map[string]int64
	throttleSum, throttleMax         time.Duration
	throttles                        int64
}

func newClientMetrics() *clientMetrics {
	return &clientMetrics{start: time.Now(), topicBytes: map[string]int64{}}
}

func (m *clientMetrics) OnBrokerE2E(_ kgo.BrokerMetadata, key int16, e kgo.BrokerE2E) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests++
	m.bytesOut += int64(e.BytesWritten)
	m.bytesIn += int64(e.BytesRead)
	if e.Err() != nil {
		return
	}
	m.responses++
	d := e.DurationE2E()
	m.latencySum += d
	m.latencyMax = max(m.latencyMax, d)
	switch key {
	case 0:
		m.produceReqs++
	case 1:
		m.fetches++
		m.fetchLatencySum += d
		m.fetchLatencyMax = max(m.fetchLatencyMax, d)
		m.fetchBytesMax = max(m.fetchBytesMax, int64(e.BytesRead))
	}
}

func (m *clientMetrics) OnBrokerThrottle(_ kgo.BrokerMetadata, d time.Duration, _ bool) {
	m.mu.Lock()
	m.throttles++
	m.throttleSum += d
	m.throttleMax = max(m.throttleMax, d)
	m.mu.Unlock()
}

func (m *clientMetrics) OnProduceBatchWritten(_ kgo.BrokerMetadata, topic string, _ int32, b kgo.ProduceBatchMetrics) {
	m.mu.Lock()
	m.batches++
	m.batchBytes += int64(b.CompressedBytes)
	m.batchMax = max(m.batchMax, int64(b.CompressedBytes))
	m.compressed += int64(b.CompressedBytes)
	m.uncompressed += int64(b.UncompressedBytes)
	m.batchRecords += int64(b.NumRecords)
	m.topicBytes[topic] += int64(b.CompressedBytes)
	m.mu.Unlock()
}

func (m *clientMetrics) OnFetchBatchRead(_ kgo.BrokerMetadata, topic string, _ int32, b kgo.FetchBatchMetrics) {
	m.mu.Lock()
	m.fetchedRecords += int64(b.NumRecords)
	m.fetchedBytes += int64(b.CompressedBytes) // the batches' size as fetched, as Kafka counts
	m.topicBytes[topic] += int64(b.CompressedBytes)
	m.mu.Unlock()
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// print is ToolsUtils.printMetrics over the subset Wharf measures: one
// "group:name:{tags}" per line, sorted, padded to the longest, values as
// %.3f. The producer's record counts come from its callbacks (sent is
// acknowledged plus failed), which have all run when it prints; kgo's
// batch hooks may still be running.
func (m *clientMetrics) print(w io.Writer, role, clientID string, sent, recordErrors int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	secs := time.Since(m.start).Seconds()
	tags := "{client-id=" + clientID + "}"
	vals := map[string]float64{}
	put := func(group, name string, v float64) { vals[group+":"+name+":"+tags] = v }
	group := role + "-metrics"
	put(group, "request-total", float64(m.requests))
	put(group, "request-rate", ratio(float64(m.requests), secs))
	put(group, "response-total", float64(m.responses))
	put(group, "response-rate", ratio(float64(m.responses), secs))
	put(group, "outgoing-byte-total", float64(m.bytesOut))
	put(group, "outgoing-byte-rate", ratio(float64(m.bytesOut), secs))
	put(group, "incoming-byte-total", float64(m.bytesIn))
	put(group, "incoming-byte-rate", ratio(float64(m.bytesIn), secs))
	put(group, "request-latency-avg", ratio(msOf(m.latencySum), float64(m.responses)))
	put(group, "request-latency-max", msOf(m.latencyMax))
	if role == "producer" {
		put(group, "batch-size-avg", ratio(float64(m.batchBytes), float64(m.batches)))
		put(group, "batch-size-max", float64(m.batchMax))
		put(group, "compression-rate-avg", ratio(float64(m.compressed), float64(m.uncompressed)))
		put(group, "record-send-total", float64(sent))
		put(group, "record-send-rate", ratio(float64(sent), secs))
		put(group, "record-error-total", float64(recordErrors))
		put(group, "records-per-request-avg", ratio(float64(m.batchRecords), float64(m.produceReqs)))
		put(group, "produce-throttle-time-avg", ratio(msOf(m.throttleSum), float64(m.throttles)))
		put(group, "produce-throttle-time-max", msOf(m.throttleMax))
		for topic, n := range m.topicBytes {
			ttags := "{client-id=" + clientID + ", topic=" + topic + "}"
			vals["producer-topic-metrics:byte-total:"+ttags] = float64(n)
		}
	} else {
		fg := "consumer-fetch-manager-metrics"
		put(fg, "fetch-total", float64(m.fetches))
		put(fg, "fetch-rate", ratio(float64(m.fetches), secs))
		put(fg, "fetch-latency-avg", ratio(msOf(m.fetchLatencySum), float64(m.fetches)))
		put(fg, "fetch-latency-max", msOf(m.fetchLatencyMax))
		put(fg, "fetch-size-max", float64(m.fetchBytesMax))
		put(fg, "records-consumed-total", float64(m.fetchedRecords))
		put(fg, "records-consumed-rate", ratio(float64(m.fetchedRecords), secs))
		put(fg, "bytes-consumed-total", float64(m.fetchedBytes))
		put(fg, "bytes-consumed-rate", ratio(float64(m.fetchedBytes), secs))
		put(fg, "records-per-request-avg", ratio(float64(m.fetchedRecords), float64(m.fetches)))
	}
	printMetricTable(w, vals)
}

// printMetricTable is ToolsUtils.printMetrics' layout.
func printMetricTable(w io.Writer, vals map[string]float64) {
	names := make([]string, 0, len(vals))
	width := 0
	for n := range vals {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\n%-*s   %s\n", width, "Metric Name", "Value")
	for _, n := range names {
		fmt.Fprintf(w, "%-*s : %s\n", width, n, javaFixed(vals[n], 3))
	}
}
