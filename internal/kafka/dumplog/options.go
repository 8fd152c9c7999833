package dumplog

import "strconv"

// The options of kafka.tools.DumpLogSegments (Kafka 3.9,
// DumpLogSegmentsOptions), with CommandDefaultOptions' --help and --version.

const (
	helpHeader = "This tool helps to parse a log file and dump its contents to the console, " +
		"useful for debugging a seemingly corrupt log segment."
	stringDecoderClass = "org.apache.kafka.tools.api.StringDecoder"
	// KafkaVersion is what --version prints (AppInfoParser.getVersion of
	// the release whose output this tool reproduces).
	KafkaVersion = "3.9.0"
)

type options struct {
	parser *optParser
	set    *optionSet
	nargs  int

	help, version                                       *optSpec
	print, verify, indexSanity, files                   *optSpec
	maxMessageSize, maxBytes, deepIteration             *optSpec
	valueDecoder, keyDecoder                            *optSpec
	offsets, transactionLog, clusterMetadata, remoteLog *optSpec
	skipRecordMetadata                                  *optSpec
}

func newOptions() *options {
	p := newOptParser()
	o := &options{parser: p}
	o.help = p.accepts(&optSpec{name: "help", desc: "Print usage information."})
	o.version = p.accepts(&optSpec{name: "version", desc: "Display Kafka version."})
	o.print = p.accepts(&optSpec{name: "print-data-log", desc: "If set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified."})
	o.verify = p.accepts(&optSpec{name: "verify-index-only", desc: "If set, just verify the index log without printing its content."})
	o.indexSanity = p.accepts(&optSpec{name: "index-sanity-check", desc: "If set, just checks the index sanity without printing its content. " +
		"This is the same check that is executed on broker startup to determine if an index needs rebuilding or not."})
	o.files = p.accepts(&optSpec{name: "files", desc: "REQUIRED: The comma separated list of data and index log files to be dumped.",
		mode: argRequired, argDesc: "file1, file2, ..."})
	o.maxMessageSize = p.accepts(&optSpec{name: "max-message-size", desc: "Size of largest message.",
		mode: argRequired, typ: "Integer", argDesc: "size", defaults: []string{strconv.Itoa(5 * 1024 * 1024)}})
	o.maxBytes = p.accepts(&optSpec{name: "max-bytes", desc: "Limit the amount of total batches read in bytes avoiding reading the whole .log file(s).",
		mode: argRequired, typ: "Integer", argDesc: "size", defaults: []string{"2147483647"}})
	o.deepIteration = p.accepts(&optSpec{name: "deep-iteration", desc: "If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled."})
	o.valueDecoder = p.accepts(&optSpec{name: "value-decoder-class", desc: "If set, used to deserialize the messages. This class should implement org.apache.kafka.tools.api.Decoder trait. Custom jar should be available in kafka/libs directory.",
		mode: argOptional, defaults: []string{stringDecoderClass}})
	o.keyDecoder = p.accepts(&optSpec{name: "key-decoder-class", desc: "If set, used to deserialize the keys. This class should implement org.apache.kafka.tools.api.Decoder trait. Custom jar should be available in kafka/libs directory.",
		mode: argOptional, defaults: []string{stringDecoderClass}})
	o.offsets = p.accepts(&optSpec{name: "offsets-decoder", desc: "If set, log data will be parsed as offset data from the " +
		"__consumer_offsets topic."})
	o.transactionLog = p.accepts(&optSpec{name: "transaction-log-decoder", desc: "If set, log data will be parsed as " +
		"transaction metadata from the __transaction_state topic."})
	o.clusterMetadata = p.accepts(&optSpec{name: "cluster-metadata-decoder", desc: "If set, log data will be parsed as cluster metadata records."})
	o.remoteLog = p.accepts(&optSpec{name: "remote-log-metadata-decoder", desc: "If set, log data will be parsed as TopicBasedRemoteLogMetadataManager (RLMM) metadata records." +
		" Instead, the value-decoder-class option can be used if a custom RLMM implementation is configured."})
	o.skipRecordMetadata = p.accepts(&optSpec{name: "skip-record-metadata", desc: "Whether to skip printing metadata for each record."})
	return o
}

// Usage is the help text the tool prints (to stderr) for --help.
func Usage() string { return helpHeader + "\n" + newOptions().parser.help() }

func (o *options) parse(args []string) *JavaException {
	o.nargs = len(args)
	set, err := o.parser.parse(args)
	o.set = set
	return err
}

func (o *options) shouldPrintDataLog() bool {
	s := o.set
	return s.has(o.print) || s.has(o.offsets) || s.has(o.transactionLog) || s.has(o.clusterMetadata) ||
		s.has(o.remoteLog) || s.has(o.valueDecoder) || s.has(o.keyDecoder)
}

func (o *options) isDeepIteration() bool { return o.set.has(o.deepIteration) || o.shouldPrintDataLog() }
