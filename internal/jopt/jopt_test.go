package jopt

import (
	"strings"
	"testing"
)

// The help table of an older kafka-dump-log.sh (Kafka 2.x, whose options
// said "if set"), as the real tool printed it, checks the jopt-simple
// table layout and the JDK line breaking (after "kafka." and
// "serializer.", after "print-", never inside "kafka/libs") against the
// original rather than against our reading of it. Trailing blanks are
// trimmed on both sides: the capture had lost some.
func TestHelpTableMatchesCapturedKafka2Output(t *testing.T) {
	p := NewParser()
	const dec = "kafka.serializer.StringDecoder"
	for _, s := range []*Spec{
		{Name: "help", Desc: "Print usage information."},
		{Name: "version", Desc: "Display Kafka version."},
		{Name: "print-data-log", Desc: "if set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified."},
		{Name: "verify-index-only", Desc: "if set, just verify the index log without printing its content."},
		{Name: "index-sanity-check", Desc: "if set, just checks the index sanity without printing its content. This is the same check that is executed on broker startup to determine if an index needs rebuilding or not."},
		{Name: "files", Desc: "REQUIRED: The comma separated list of data and index log files to be dumped.", Arg: RequiredArg, ArgDesc: "file1, file2, ..."},
		{Name: "max-message-size", Desc: "Size of largest message.", Arg: RequiredArg, Type: TypeInteger, ArgDesc: "size", Defaults: []string{"5242880"}},
		{Name: "deep-iteration", Desc: "if set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled."},
		{Name: "value-decoder-class", Desc: "if set, used to deserialize the messages. This class should implement kafka.serializer.Decoder trait. Custom jar should be available in kafka/libs directory.", Arg: OptionalArg, Defaults: []string{dec}},
		{Name: "key-decoder-class", Desc: "if set, used to deserialize the keys. This class should implement kafka.serializer.Decoder trait. Custom jar should be available in kafka/libs directory.", Arg: OptionalArg, Defaults: []string{dec}},
		{Name: "offsets-decoder", Desc: "if set, log data will be parsed as offset data from the __consumer_offsets topic."},
		{Name: "transaction-log-decoder", Desc: "if set, log data will be parsed as transaction metadata from the __transaction_state topic."},
	} {
		p.Accepts(s)
	}
	want := `Option                               Description
------                               -----------
--deep-iteration                     if set, uses deep instead of shallow
                                       iteration. Automatically set if print-
                                       data-log is enabled.
--files <String: file1, file2, ...>  REQUIRED: The comma separated list of data
                                       and index log files to be dumped.
--help                               Print usage information.
--index-sanity-check                 if set, just checks the index sanity
                                       without printing its content. This is
                                       the same check that is executed on
                                       broker startup to determine if an index
                                       needs rebuilding or not.
--key-decoder-class [String]         if set, used to deserialize the keys. This
                                       class should implement kafka.serializer.
                                       Decoder trait. Custom jar should be
                                       available in kafka/libs directory.
                                       (default: kafka.serializer.StringDecoder)
--max-message-size <Integer: size>   Size of largest message. (default: 5242880)
--offsets-decoder                    if set, log data will be parsed as offset
                                       data from the __consumer_offsets topic.
--print-data-log                     if set, printing the messages content when
                                       dumping data logs. Automatically set if
                                       any decoder option is specified.
--transaction-log-decoder            if set, log data will be parsed as
                                       transaction metadata from the
                                       __transaction_state topic.
--value-decoder-class [String]       if set, used to deserialize the messages.
                                       This class should implement kafka.
                                       serializer.Decoder trait. Custom jar
                                       should be available in kafka/libs
                                       directory. (default: kafka.serializer.
                                       StringDecoder)
--verify-index-only                  if set, just verify the index log without
                                       printing its content.
--version                            Display Kafka version.
`
	got := p.Help()
	var trimmed []string
	for _, l := range strings.Split(got, "\n") {
		trimmed = append(trimmed, strings.TrimRight(l, " "))
	}
	if got := strings.Join(trimmed, "\n"); got != want {
		t.Errorf("help:\n%s\nwant:\n%s", got, want)
	}
	// every row is padded to the full width of both columns
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if len(l) != 80 {
			t.Errorf("row of %d columns: %q", len(l), l)
		}
	}
}

func TestLineBreakWords(t *testing.T) {
	for in, want := range map[string]string{
		"kafka.serializer.StringDecoder)": "kafka.|serializer.|StringDecoder)",
		"if print-data-log is":            "if |print-|data-|log |is",
		"The server(s) to":                "The |server|(s) |to",
		"in kafka/libs directory.":        "in |kafka/libs |directory.",
		"(default: 5242880)":              "(default: |5242880)",
		"version 1.5 or 2,000":            "version |1.5 |or |2,000",
		"HOST1:PORT1,HOST2:PORT2":         "HOST1:|PORT1,|HOST2:|PORT2",
	} {
		if got := strings.Join(BreakLine(in), "|"); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// consumerParser is the shape of ConsumerPerformance's options: a forHelp
// --help, a requiredUnless --bootstrap-server, Long options with a
// required and an optional argument.
func consumerParser() (p *Parser, help, server, brokers, messages, timeout *Spec) {
	p = NewParser()
	help = p.Accepts(&Spec{Name: "help", Desc: "Print usage information.", ForHelp: true})
	brokers = p.Accepts(&Spec{Name: "broker-list", Arg: RequiredArg})
	server = p.Accepts(&Spec{Name: "bootstrap-server", Arg: RequiredArg, RequiredUnless: []string{"broker-list"}})
	messages = p.Accepts(&Spec{Name: "messages", Arg: RequiredArg, Type: TypeLong})
	timeout = p.Accepts(&Spec{Name: "timeout", Arg: OptionalArg, Type: TypeLong, Defaults: []string{"10000"}})
	return
}

func TestRequiredUnlessAndForHelp(t *testing.T) {
	for _, tc := range []struct {
		args string
		want string
	}{
		{"", "joptsimple.MissingRequiredOptionsException: Missing required option(s) [bootstrap-server]"},
		{"--messages 5", "joptsimple.MissingRequiredOptionsException: Missing required option(s) [bootstrap-server]"},
		{"--broker-list h:1", ""},
		{"--bootstrap-server h:1", ""},
		{"--help", ""}, // a help option waives the check
		{"--bogus --help", "joptsimple.UnrecognizedOptionException: bogus is not a recognized option"},
	} {
		p, _, _, _, _, _ := consumerParser()
		_, err := p.Parse(strings.Fields(tc.args))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestLongValuesAndOptionalNumberArguments(t *testing.T) {
	p, _, _, _, messages, timeout := consumerParser()
	set, err := p.Parse([]string{"--bootstrap-server", "h:1", "--messages", "-7", "--timeout", "-5"})
	if err != nil {
		t.Fatal(err)
	}
	// "-5" looks like an option but converts to the Long an optional
	// argument of number type wants, so jopt takes it.
	if v, err := set.LongValueOf(timeout); v != -5 || err != nil {
		t.Errorf("timeout %d %v", v, err)
	}
	if v, err := set.LongValueOf(messages); v != -7 || err != nil {
		t.Errorf("messages %d %v", v, err)
	}

	// An optional argument that does not convert is left alone: the option
	// reads as its default and the token is a non-option argument.
	set, err = p.Parse([]string{"--bootstrap-server", "h:1", "--timeout", "soon"})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := set.LongValueOf(timeout); v != 10000 || err != nil || set.NonOptions()[0] != "soon" {
		t.Errorf("timeout %d %v, non-options %q", v, err, set.NonOptions())
	}

	// A required argument converts when read, not when parsed.
	set, err = p.Parse([]string{"--bootstrap-server", "h:1", "--messages", "9223372036854775808"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.LongValueOf(messages); err == nil || err.Error() != "joptsimple.OptionArgumentConversionException: Cannot parse argument '9223372036854775808' of option messages" {
		t.Errorf("overflow: %v", err)
	}
	set, _ = p.Parse([]string{"--bootstrap-server", "a", "--bootstrap-server", "b"})
	if _, _, err := set.ValueOf(p.byName["bootstrap-server"]); err == nil || !strings.Contains(err.Error(), "Found multiple arguments for option bootstrap-server") {
		t.Errorf("multiple: %v", err)
	}
}

func TestJavaNumberParsing(t *testing.T) {
	for in, want := range map[string]bool{
		"0": true, "+1": true, "-2147483648": true, "2147483648": false,
		"": false, "-": false, "1_000": false, " 1": false, "0x10": false, "1.0": false,
	} {
		if _, ok := ParseInt(in); ok != want {
			t.Errorf("ParseInt(%q) ok=%v", in, ok)
		}
	}
	if v, ok := ParseLong("-9223372036854775808"); !ok || v != -9223372036854775808 {
		t.Errorf("ParseLong min: %d %v", v, ok)
	}
}

func TestSpecString(t *testing.T) {
	if s := (&Spec{Name: "topic"}).String(); s != "[topic]" {
		t.Errorf("%q", s)
	}
}

func TestValuesOf(t *testing.T) {
	p := NewParser()
	prop := p.Accepts(&Spec{Name: "property", Arg: RequiredArg})
	def := p.Accepts(&Spec{Name: "d", Arg: RequiredArg, Defaults: []string{"x"}})
	set, err := p.Parse([]string{"--property", "a=1", "--property=b=2"})
	if err != nil {
		t.Fatal(err)
	}
	if got := set.ValuesOf(prop); len(got) != 2 || got[0] != "a=1" || got[1] != "b=2" {
		t.Errorf("ValuesOf(property) = %q", got)
	}
	if got := set.ValuesOf(def); len(got) != 1 || got[0] != "x" {
		t.Errorf("ValuesOf(d) = %q, want the default", got)
	}
}
