package dumplog

import (
	"strconv"

	"github.com/wharf-project/wharf/internal/jopt"
)

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
	parser *jopt.Parser
	set    *jopt.OptionSet
	nargs  int

	help, version                                       *jopt.Spec
	print, verify, indexSanity, files                   *jopt.Spec
	maxMessageSize, maxBytes, deepIteration             *jopt.Spec
	valueDecoder, keyDecoder                            *jopt.Spec
	offsets, transactionLog, clusterMetadata, remoteLog *jopt.Spec
	skipRecordMetadata                                  *jopt.Spec
}

func newOptions() *options {
	p := jopt.NewParser()
	o := &options{parser: p}
	o.help = p.Accepts(&jopt.Spec{Name: "help", Desc: "Print usage information.", ForHelp: true})
	o.version = p.Accepts(&jopt.Spec{Name: "version", Desc: "Display Kafka version.", ForHelp: true})
	o.print = p.Accepts(&jopt.Spec{Name: "print-data-log", Desc: "If set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified."})
	o.verify = p.Accepts(&jopt.Spec{Name: "verify-index-only", Desc: "If set, just verify the index log without printing its content."})
	o.indexSanity = p.Accepts(&jopt.Spec{Name: "index-sanity-check", Desc: "If set, just checks the index sanity without printing its content. " +
		"This is the same check that is executed on broker startup to determine if an index needs rebuilding or not."})
	o.files = p.Accepts(&jopt.Spec{Name: "files", Desc: "REQUIRED: The comma separated list of data and index log files to be dumped.",
		Arg: jopt.RequiredArg, ArgDesc: "file1, file2, ..."})
	o.maxMessageSize = p.Accepts(&jopt.Spec{Name: "max-message-size", Desc: "Size of largest message.",
		Arg: jopt.RequiredArg, Type: jopt.TypeInteger, ArgDesc: "size", Defaults: []string{strconv.Itoa(5 * 1024 * 1024)}})
	o.maxBytes = p.Accepts(&jopt.Spec{Name: "max-bytes", Desc: "Limit the amount of total batches read in bytes avoiding reading the whole .log file(s).",
		Arg: jopt.RequiredArg, Type: jopt.TypeInteger, ArgDesc: "size", Defaults: []string{"2147483647"}})
	o.deepIteration = p.Accepts(&jopt.Spec{Name: "deep-iteration", Desc: "If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled."})
	o.valueDecoder = p.Accepts(&jopt.Spec{Name: "value-decoder-class", Desc: "If set, used to deserialize the messages. This class should implement org.apache.kafka.tools.api.Decoder trait. Custom jar should be available in kafka/libs directory.",
		Arg: jopt.OptionalArg, Defaults: []string{stringDecoderClass}})
	o.keyDecoder = p.Accepts(&jopt.Spec{Name: "key-decoder-class", Desc: "If set, used to deserialize the keys. This class should implement org.apache.kafka.tools.api.Decoder trait. Custom jar should be available in kafka/libs directory.",
		Arg: jopt.OptionalArg, Defaults: []string{stringDecoderClass}})
	o.offsets = p.Accepts(&jopt.Spec{Name: "offsets-decoder", Desc: "If set, log data will be parsed as offset data from the " +
		"__consumer_offsets topic."})
	o.transactionLog = p.Accepts(&jopt.Spec{Name: "transaction-log-decoder", Desc: "If set, log data will be parsed as " +
		"transaction metadata from the __transaction_state topic."})
	o.clusterMetadata = p.Accepts(&jopt.Spec{Name: "cluster-metadata-decoder", Desc: "If set, log data will be parsed as cluster metadata records."})
	o.remoteLog = p.Accepts(&jopt.Spec{Name: "remote-log-metadata-decoder", Desc: "If set, log data will be parsed as TopicBasedRemoteLogMetadataManager (RLMM) metadata records." +
		" Instead, the value-decoder-class option can be used if a custom RLMM implementation is configured."})
	o.skipRecordMetadata = p.Accepts(&jopt.Spec{Name: "skip-record-metadata", Desc: "Whether to skip printing metadata for each record."})
	return o
}

// Usage is the help text the tool prints (to stderr) for --help.
func Usage() string { return helpHeader + "\n" + newOptions().parser.Help() }

func (o *options) parse(args []string) *JavaException {
	o.nargs = len(args)
	set, err := o.parser.Parse(args)
	o.set = set
	return joptException(err)
}

func (o *options) shouldPrintDataLog() bool {
	s := o.set
	return s.Has(o.print) || s.Has(o.offsets) || s.Has(o.transactionLog) || s.Has(o.clusterMetadata) ||
		s.Has(o.remoteLog) || s.Has(o.valueDecoder) || s.Has(o.keyDecoder)
}

func (o *options) isDeepIteration() bool { return o.set.Has(o.deepIteration) || o.shouldPrintDataLog() }

// joptException is the exception a jopt-simple failure ends the tool with.
func joptException(err error) *JavaException {
	if err == nil {
		return nil
	}
	if je, ok := err.(*jopt.Error); ok {
		return jex(je.Class, "%s", je.Message)
	}
	return asJava(err)
}

// value is OptionSet.valueOf for a String option.
func (o *options) value(s *jopt.Spec) (string, *JavaException) {
	v, _, err := o.set.ValueOf(s)
	return v, joptException(err)
}

// intValue is OptionSet.valueOf for an Integer option.
func (o *options) intValue(s *jopt.Spec) (int32, *JavaException) {
	v, err := o.set.IntValueOf(s)
	return v, joptException(err)
}
