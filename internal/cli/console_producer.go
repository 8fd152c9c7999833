package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wharf-project/wharf/internal/jopt"
	"github.com/wharf-project/wharf/internal/kafka/dumplog"
)

// producerOptions is ConsoleProducer.ProducerConfig (Kafka 3.9,
// core/src/main/scala/kafka/tools/ConsoleProducer.scala).
type producerOptions struct {
	parser *jopt.Parser

	help, version, topic, brokerList, bootstrapServer, zookeeper, sync, compressionCodec *jopt.Spec
	commandConfig                                                                        *jopt.Spec
	batchSize, retries, retryBackoff, sendTimeout, acks, requestTimeout, metadataExpiry  *jopt.Spec
	maxBlock, maxMemory, maxPartitionMemory, lineReader, socketBuffer, property          *jopt.Spec
	readerConfig, producerProperty, producerConfig                                       *jopt.Spec
}

const producerHelpHeader = "This tool helps to read data from standard input and publish it to Kafka."

// lineReaderClass is the --line-reader default, the only reader there is.
const lineReaderClass = "kafka.tools.ConsoleProducer$LineMessageReader"

const producerPropertyHelp = `A mechanism to pass user-defined properties in the form key=value to the message reader. This allows custom configuration for a user-defined message reader.
Default properties include:
 parse.key=false
 parse.headers=false
 ignore.error=false
 key.separator=\t
 headers.delimiter=\t
 headers.separator=,
 headers.key.separator=:
 null.marker=   When set, any fields (key, value and headers) equal to this will be replaced by null
Default parsing pattern when:
 parse.headers=true and parse.key=true:
  "h1:v1,h2:v2...\tkey\tvalue"
 parse.key=true:
  "key\tvalue"
 parse.headers=true:
  "h1:v1,h2:v2...\tvalue"
      `

func newProducerOptions() *producerOptions {
	p := jopt.NewParser()
	o := &producerOptions{parser: p}
	req := func(name, desc, argDesc, typ string, defaults ...string) *jopt.Spec {
		return p.Accepts(&jopt.Spec{Name: name, Desc: desc, Arg: jopt.RequiredArg, ArgDesc: argDesc, Type: typ, Defaults: defaults})
	}
	o.help = p.Accepts(&jopt.Spec{Name: "help", Desc: "Print usage information.", ForHelp: true})
	o.version = p.Accepts(&jopt.Spec{Name: "version", Desc: "Display Kafka version.", ForHelp: true})
	o.topic = req("topic", "REQUIRED: The topic id to produce messages to.", "topic", "")
	o.brokerList = req("broker-list", "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.  The broker list string in the form HOST1:PORT1,HOST2:PORT2.", "broker-list", "")
	o.bootstrapServer = p.Accepts(&jopt.Spec{Name: "bootstrap-server", Desc: "REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to. " +
		"The broker list string in the form HOST1:PORT1,HOST2:PORT2.", Arg: jopt.RequiredArg, ArgDesc: "server to connect to",
		RequiredUnless: []string{"broker-list", "zookeeper"}})
	o.zookeeper = req("zookeeper", zookeeperOptionHelp, "urls", "")
	o.sync = p.Accepts(&jopt.Spec{Name: "sync", Desc: "If set message send requests to the brokers are synchronously, one at a time as they arrive."})
	o.compressionCodec = p.Accepts(&jopt.Spec{Name: "compression-codec", Desc: "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'." +
		"If specified without value, then it defaults to 'gzip'", Arg: jopt.OptionalArg, ArgDesc: "compression-codec"})
	o.batchSize = req("batch-size", "Number of messages to send in a single batch if they are not being sent synchronously. "+
		"please note that this option will be replaced if max-partition-memory-bytes is also set", "size", jopt.TypeInteger, "16384")
	o.retries = req("message-send-max-retries", "Brokers can fail receiving the message for multiple reasons, "+
		"and being unavailable transiently is just one of them. This property specifies the number of retries before the producer give up and drop this message. "+
		"This is the option to control `retries` in producer configs.", "", jopt.TypeInteger, "3")
	o.retryBackoff = req("retry-backoff-ms", "Before each retry, the producer refreshes the metadata of relevant topics. "+
		"Since leader election takes a bit of time, this property specifies the amount of time that the producer waits before refreshing the metadata. "+
		"This is the option to control `retry.backoff.ms` in producer configs.", "", jopt.TypeLong, "100")
	o.sendTimeout = req("timeout", "If set and the producer is running in asynchronous mode, this gives the maximum amount of time"+
		" a message will queue awaiting sufficient batch size. The value is given in ms. "+
		"This is the option to control `linger.ms` in producer configs.", "timeout_ms", jopt.TypeLong, "1000")
	o.acks = req("request-required-acks", "The required `acks` of the producer requests", "request required acks", "", "-1")
	o.requestTimeout = req("request-timeout-ms", "The ack timeout of the producer requests. Value must be non-negative and non-zero.",
		"request timeout ms", jopt.TypeInteger, "1500")
	o.metadataExpiry = req("metadata-expiry-ms", "The period of time in milliseconds after which we force a refresh of metadata even if we haven't seen any leadership changes. "+
		"This is the option to control `metadata.max.age.ms` in producer configs.", "metadata expiration interval", jopt.TypeLong, "300000")
	o.maxBlock = req("max-block-ms", "The max time that the producer will block for during a send request.", "max block on send", jopt.TypeLong, "60000")
	o.maxMemory = req("max-memory-bytes", "The total memory used by the producer to buffer records waiting to be sent to the server. "+
		"This is the option to control `buffer.memory` in producer configs.", "total memory in bytes", jopt.TypeLong, "33554432")
	o.maxPartitionMemory = req("max-partition-memory-bytes", "The buffer size allocated for a partition. When records are received which are smaller than this size the producer "+
		"will attempt to optimistically group them together until this size is reached. "+
		"This is the option to control `batch.size` in producer configs.", "memory in bytes per partition", jopt.TypeInteger, "16384")
	o.lineReader = req("line-reader", "The class name of the class to use for reading lines from standard in. "+
		"By default each line is read as a separate message.", "reader_class", "", lineReaderClass)
	o.socketBuffer = req("socket-buffer-size", "The size of the tcp RECV size. "+
		"This is the option to control `send.buffer.bytes` in producer configs.", "size", jopt.TypeInteger, "102400")
	o.property = req("property", producerPropertyHelp, "prop", "")
	o.readerConfig = req("reader-config", "Config properties file for the message reader. Note that [property] takes precedence over this config.", "config file", "")
	o.producerProperty = req("producer-property", "A mechanism to pass user-defined properties in the form key=value to the producer. ", "producer_prop", "")
	o.producerConfig = req("producer.config", "Producer config properties file. Note that [producer-property] takes precedence over this config.", "config file", "")
	o.commandConfig = req("command-config", commandConfigOptionHelp("producer.config"), "config file", "")
	return o
}

// commandConfigOptionHelp describes Wharf's --command-config on the console
// tools, which Kafka's do not have: the same file as their own option.
func commandConfigOptionHelp(own string) string {
	return "Wharf: the same as --" + own + " (which wins if both are given), as the other tools take it."
}

// firstGiven is the first of specs the command line gave, or nil.
func firstGiven(set *jopt.OptionSet, specs ...*jopt.Spec) *jopt.Spec {
	for _, s := range specs {
		if set.Has(s) {
			return s
		}
	}
	return nil
}

// zookeeperOptionHelp describes Wharf's --zookeeper on the console tools.
const zookeeperOptionHelp = "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified. " +
	"The ZooKeeper connection string in the form host:port[/chroot], from which the brokers registered in /brokers/ids are read."

// runConsoleProducer is ConsoleProducer.main.
func runConsoleProducer(ctx context.Context, args []string, env toolEnv) int {
	o := newProducerOptions()
	set, err := o.parser.Parse(args)
	if err != nil {
		return usageExit(env, o.parser, err.(*jopt.Error).Message)
	}
	if len(args) == 0 || set.Has(o.help) {
		return usageExit(env, o.parser, producerHelpHeader)
	}
	if set.Has(o.version) {
		fmt.Fprintln(env.stdout, dumplog.KafkaVersion)
		return 0
	}
	if !set.Has(o.topic) {
		return usageExit(env, o.parser, fmt.Sprintf("Missing required argument %q", o.topic.String()))
	}
	// options.valueOf of a String option given twice throws, caught as an
	// OptionException by main: its message alone, exit 1.
	optErr := func(err error) int {
		fmt.Fprintln(env.stderr, err.(*jopt.Error).Message)
		return 1
	}
	topic, _, err := set.ValueOf(o.topic)
	if err != nil {
		return optErr(err)
	}
	target := kafkaTarget{}
	switch {
	case set.Has(o.bootstrapServer):
		target.Bootstrap, _, err = set.ValueOf(o.bootstrapServer)
	case set.Has(o.brokerList):
		target.Bootstrap, _, err = set.ValueOf(o.brokerList)
	default:
		target.ZooKeeper, _, err = set.ValueOf(o.zookeeper)
	}
	if err != nil {
		return optErr(err)
	}
	if target.Bootstrap != "" && !validHostPorts(target.Bootstrap) {
		// ToolsUtils.validatePortOrDie
		return usageExit(env, o.parser, "Please provide valid host:port like host1:9091,host2:9092\n ")
	}
	codec := "none"
	if set.Has(o.compressionCodec) {
		codec = "gzip"
		if v, ok, _ := set.ValueOf(o.compressionCodec); ok && v != "" {
			codec = v
		}
	}
	props, code := o.producerProps(set, env, codec)
	if code >= 0 {
		return code
	}
	maxBlock, err := propLong("max.block.ms", props["max.block.ms"], 0)
	if err == nil {
		check := map[string]string{"bootstrap.servers": "localhost:9092"} // the target's, once known
		for k, v := range props {
			check[k] = v
		}
		_, err = newClientConfig("producer", check, io.Discard)
	}
	if err != nil { // KafkaProducer's constructor
		fmt.Fprintln(env.stderr, "org.apache.kafka.common.config.ConfigException: "+err.Error())
		return 1
	}
	target.Props, target.TimeoutMs = props, maxBlock

	readerClass, _, err := set.ValueOf(o.lineReader)
	if err != nil {
		return optErr(err)
	}
	if readerClass != lineReaderClass {
		fmt.Fprintln(env.stderr, "java.lang.ClassNotFoundException: "+readerClass)
		return 1
	}
	readerProps := map[string]string{}
	if set.Has(o.readerConfig) {
		f, _, err := set.ValueOf(o.readerConfig)
		if err != nil {
			return optErr(err)
		}
		m, class, msg := loadJavaProps(env.cwd, f)
		if class != "" {
			fmt.Fprintf(env.stderr, "%s: %s\n", class, msg)
			return 1
		}
		readerProps = m
	}
	readerProps["topic"] = topic
	for k, v := range consoleKeyValues(set.ValuesOf(o.property)) {
		readerProps[k] = v
	}
	reader, err := newLineReader(readerProps)
	if err != nil {
		fmt.Fprintln(env.stderr, "org.apache.kafka.common.KafkaException: "+err.Error())
		return 1
	}
	send := &consoleSender{env: env, target: target, sync: set.Has(o.sync)}
	return send.loop(ctx, reader)
}

// producerProps is ConsoleProducer.producerProps: the --producer.config
// file, --producer-property over it, the connection, compression and
// client id, then each option merged (CommandLineUtils.maybeMergeOptions:
// an option given wins over the property, a property set wins over the
// option's default). code is -1 when all went well.
func (o *producerOptions) producerProps(set *jopt.OptionSet, env toolEnv, codec string) (props map[string]string, code int) {
	props = map[string]string{}
	if file := firstGiven(set, o.producerConfig, o.commandConfig); file != nil {
		f, _, err := set.ValueOf(file)
		if err != nil {
			fmt.Fprintln(env.stderr, err.(*jopt.Error).Message)
			return nil, 1
		}
		m, class, msg := loadJavaProps(env.cwd, f)
		if class != "" {
			fmt.Fprintf(env.stderr, "%s: %s\n", class, msg)
			return nil, 1
		}
		props = m
	}
	for k, v := range consoleKeyValues(set.ValuesOf(o.producerProperty)) {
		props[k] = v
	}
	delete(props, "bootstrap.servers") // the target's
	props["compression.type"] = codec
	if props["client.id"] == "" {
		props["client.id"] = "console-producer"
	}
	for _, m := range []struct {
		key  string
		spec *jopt.Spec
	}{
		{"linger.ms", o.sendTimeout}, {"acks", o.acks}, {"request.timeout.ms", o.requestTimeout},
		{"retries", o.retries}, {"retry.backoff.ms", o.retryBackoff}, {"send.buffer.bytes", o.socketBuffer},
		{"buffer.memory", o.maxMemory}, {"batch.size", o.batchSize}, {"batch.size", o.maxPartitionMemory},
		{"metadata.max.age.ms", o.metadataExpiry}, {"max.block.ms", o.maxBlock},
	} {
		if _, ok := props[m.key]; ok && !set.Has(m.spec) {
			continue
		}
		v, _, err := set.ValueOf(m.spec)
		if err == nil && m.spec.Type != jopt.TypeString {
			_, err = set.LongValueOf(m.spec) // Integer and Long options convert on read
			if err == nil && m.spec.Type == jopt.TypeInteger {
				_, err = set.IntValueOf(m.spec)
			}
		}
		if err != nil {
			fmt.Fprintln(env.stderr, err.(*jopt.Error).Message)
			return nil, 1
		}
		props[m.key] = v
	}
	// The socket send buffer is the operating system's; batch.size is a
	// soft limit in Java that kgo would enforce per record, so it is left
	// to kgo's default.
	delete(props, "send.buffer.bytes")
	delete(props, "batch.size")
	return props, -1
}

// lineReader is ConsoleProducer.LineMessageReader.
type lineReader struct {
	topic                                   string
	parseKey, parseHeaders, ignoreError     bool
	keySep, headersDelim, headersSep, hkSep string
	nullMarker                              *string
	headersSepRE                            *regexp.Regexp
	lineNumber                              int
}

// newLineReader is LineMessageReader.configure; the error is the
// KafkaException's message.
func newLineReader(props map[string]string) (*lineReader, error) {
	r := &lineReader{topic: props["topic"], keySep: "\t", headersDelim: "\t", headersSep: ",", hkSep: ":"}
	isTrue := func(k string) bool { return strings.EqualFold(strings.TrimSpace(props[k]), "true") }
	r.parseKey = isTrue("parse.key")
	r.parseHeaders = isTrue("parse.headers")
	r.ignoreError = isTrue("ignore.error")
	for k, dst := range map[string]*string{"key.separator": &r.keySep, "headers.delimiter": &r.headersDelim,
		"headers.separator": &r.headersSep, "headers.key.separator": &r.hkSep} {
		if v, ok := props[k]; ok {
			*dst = v
		}
	}
	re, err := regexp.Compile(r.headersSep)
	if err != nil {
		return nil, fmt.Errorf("headers.separator %q is not a regular expression: %v", r.headersSep, err)
	}
	r.headersSepRE = re
	switch {
	case r.headersDelim == r.headersSep:
		return nil, fmt.Errorf("headers.delimiter and headers.separator may not be equal")
	case r.headersDelim == r.hkSep:
		return nil, fmt.Errorf("headers.delimiter and headers.key.separator may not be equal")
	case r.headersSep == r.hkSep:
		return nil, fmt.Errorf("headers.separator and headers.key.separator may not be equal")
	}
	if v, ok := props["null.marker"]; ok {
		r.nullMarker = &v
		for _, c := range []struct{ name, val string }{{"key.separator", r.keySep}, {"headers.separator", r.headersSep},
			{"headers.delimiter", r.headersDelim}, {"headers.key.separator", r.hkSep}} {
			if v == c.val {
				return nil, fmt.Errorf("null.marker and %s may not be equal", c.name)
			}
		}
	}
	return r, nil
}

func (r *lineReader) isNull(s string) bool { return r.nullMarker != nil && s == *r.nullMarker }

// bytesOrNull is s's UTF-8 bytes, or nil for the null marker.
func (r *lineReader) bytesOrNull(s string) []byte {
	if r.isNull(s) {
		return nil
	}
	return append(make([]byte, 0, len(s)), s...)
}

// field is LineMessageReader.parse: the text from start to the next
// demarcation, ok false when the field is off or (with ignore.error)
// missing.
func (r *lineReader) field(enabled bool, line string, start int, demarcation, name string) (string, bool, error) {
	if !enabled {
		return "", false, nil
	}
	i := strings.Index(line[start:], demarcation)
	if i < 0 {
		if r.ignoreError {
			return "", false, nil
		}
		return "", false, fmt.Errorf("No %s found on line number %d: '%s'", name, r.lineNumber, line)
	}
	return line[start : start+i], true, nil
}

// record parses one line (the lineNumber-th) into a record.
func (r *lineReader) record(line string) (*kgo.Record, error) {
	headers, hasHeaders, err := r.field(r.parseHeaders, line, 0, r.headersDelim, "headers delimiter")
	if err != nil {
		return nil, err
	}
	offset := 0
	if hasHeaders {
		offset = len(headers) + len(r.headersDelim)
	}
	key, hasKey, err := r.field(r.parseKey, line, offset, r.keySep, "key separator")
	if err != nil {
		return nil, err
	}
	rec := &kgo.Record{Topic: r.topic}
	if hasKey {
		offset += len(key) + len(r.keySep)
		rec.Key = r.bytesOrNull(key)
	}
	rec.Value = r.bytesOrNull(line[offset:])
	if hasHeaders && !r.isNull(headers) {
		for _, pair := range javaSplit(headers, r.headersSepRE) {
			i := strings.Index(pair, r.hkSep)
			if i < 0 {
				if !r.ignoreError {
					return nil, fmt.Errorf("No header key separator found in pair '%s' on line number %d", pair, r.lineNumber)
				}
				rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: pair})
				continue
			}
			if r.isNull(pair[:i]) {
				return nil, fmt.Errorf("Header keys should not be equal to the null marker '%s' as they can't be null", *r.nullMarker)
			}
			rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: pair[:i], Value: r.bytesOrNull(pair[i+len(r.hkSep):])})
		}
	}
	return rec, nil
}

// javaLines reads lines as BufferedReader.readLine does: ended by "\n",
// "\r" or "\r\n", the last one possibly unterminated, malformed UTF-8
// replaced. A "\n" after a "\r" is skipped when it arrives, so a
// terminal's line is returned without waiting for the next byte.
type javaLines struct {
	r      *bufio.Reader
	skipLF bool
}

func (j *javaLines) next() (string, error) {
	var b []byte
	for {
		c, err := j.r.ReadByte()
		if err != nil {
			if len(b) > 0 && err == io.EOF {
				return strings.ToValidUTF8(string(b), "\uFFFD"), nil
			}
			return "", err
		}
		skip := j.skipLF
		j.skipLF = false
		switch {
		case c == '\n' && skip:
			continue
		case c == '\n':
			return strings.ToValidUTF8(string(b), "\uFFFD"), nil
		case c == '\r':
			j.skipLF = true
			return strings.ToValidUTF8(string(b), "\uFFFD"), nil
		}
		b = append(b, c)
	}
}

// consoleSender is ConsoleProducer.loopReader and send: a record per
// line, sent as it is read; the client connects at the first record, as
// the Java producer first fetches metadata then.
type consoleSender struct {
	env    toolEnv
	target kafkaTarget
	sync   bool
	cl     *kgo.Client
	mu     sync.Mutex // env.stderr, written by the send callbacks
}

type lineOrErr struct {
	line string
	err  error
}

func (s *consoleSender) loop(ctx context.Context, reader *lineReader) int {
	env := s.env
	lines := make(chan lineOrErr, 1)
	want := make(chan struct{})
	go func() { // reads only when asked, so the prompt comes before the read
		in := &javaLines{r: bufio.NewReader(env.stdin)}
		for range want {
			l, err := in.next()
			lines <- lineOrErr{l, err}
			if err != nil {
				return
			}
		}
	}()
	defer close(want)
	defer func() {
		if s.cl != nil {
			if ctx.Err() == nil { // an interrupted JVM does not close its producer
				s.cl.Flush(context.WithoutCancel(ctx))
			}
			s.cl.Close()
		}
	}()
	for {
		reader.lineNumber++
		if env.terminal {
			fmt.Fprint(env.stdout, ">")
		}
		want <- struct{}{}
		var in lineOrErr
		select {
		case <-ctx.Done():
			return 130
		case in = <-lines:
		}
		if in.err != nil {
			if in.err == io.EOF {
				return 0
			}
			return s.fail(ctx, "java.io.IOException: "+in.err.Error())
		}
		rec, err := reader.record(in.line)
		if err != nil {
			return s.fail(ctx, "org.apache.kafka.common.KafkaException: "+err.Error())
		}
		if code := s.send(ctx, rec); code != 0 {
			return code
		}
	}
}

// fail is main's catch: what was sent is flushed when the producer
// closes, then the exception is printed; exit 1.
func (s *consoleSender) fail(ctx context.Context, exc string) int {
	if s.cl != nil {
		s.cl.Flush(context.WithoutCancel(ctx))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintln(s.env.stderr, exc)
	return 1
}

func (s *consoleSender) send(ctx context.Context, rec *kgo.Record) int {
	if s.cl == nil {
		cl, err := s.target.client(ctx, "producer", s.env.stderr, kgo.AllowAutoTopicCreation())
		if err != nil {
			if ctx.Err() != nil {
				return 130
			}
			s.mu.Lock()
			fmt.Fprintln(s.env.stderr, "wharf produce: "+err.Error())
			s.mu.Unlock()
			return 1
		}
		s.cl = cl
	}
	if s.sync { // producer.send(record).get()
		if err := s.cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
			if ctx.Err() != nil {
				return 130
			}
			return s.fail(ctx, "java.util.concurrent.ExecutionException: "+consoleJavaError(err))
		}
		return 0
	}
	// ErrorLoggingCallback(topic, key, value, logAsString = false)
	keyLen, valueLen := lengthOrNull(rec.Key), lengthOrNull(rec.Value)
	s.cl.Produce(ctx, rec, func(r *kgo.Record, err error) {
		if err == nil || ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		consoleLog(s.env, "ERROR", fmt.Sprintf("Error when sending message to topic %s with key: %s, value: %s with error:", r.Topic, keyLen, valueLen),
			"org.apache.kafka.clients.producer.internals.ErrorLoggingCallback", consoleJavaError(err))
	})
	return 0
}

func lengthOrNull(b []byte) string {
	if b == nil {
		return "null"
	}
	return strconv.Itoa(len(b)) + " bytes"
}
