package dumplog

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
	p := newOptParser()
	const dec = "kafka.serializer.StringDecoder"
	for _, s := range []*optSpec{
		{name: "help", desc: "Print usage information."},
		{name: "version", desc: "Display Kafka version."},
		{name: "print-data-log", desc: "if set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified."},
		{name: "verify-index-only", desc: "if set, just verify the index log without printing its content."},
		{name: "index-sanity-check", desc: "if set, just checks the index sanity without printing its content. This is the same check that is executed on broker startup to determine if an index needs rebuilding or not."},
		{name: "files", desc: "REQUIRED: The comma separated list of data and index log files to be dumped.", mode: argRequired, argDesc: "file1, file2, ..."},
		{name: "max-message-size", desc: "Size of largest message.", mode: argRequired, typ: "Integer", argDesc: "size", defaults: []string{"5242880"}},
		{name: "deep-iteration", desc: "if set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled."},
		{name: "value-decoder-class", desc: "if set, used to deserialize the messages. This class should implement kafka.serializer.Decoder trait. Custom jar should be available in kafka/libs directory.", mode: argOptional, defaults: []string{dec}},
		{name: "key-decoder-class", desc: "if set, used to deserialize the keys. This class should implement kafka.serializer.Decoder trait. Custom jar should be available in kafka/libs directory.", mode: argOptional, defaults: []string{dec}},
		{name: "offsets-decoder", desc: "if set, log data will be parsed as offset data from the __consumer_offsets topic."},
		{name: "transaction-log-decoder", desc: "if set, log data will be parsed as transaction metadata from the __transaction_state topic."},
	} {
		p.accepts(s)
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
	got := p.help()
	var trimmed []string
	for _, l := range strings.Split(got, "\n") {
		trimmed = append(trimmed, strings.TrimRight(l, " "))
	}
	diff(t, "help", strings.Join(trimmed, "\n"), want)
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
		if got := strings.Join(lineBreakWords(in), "|"); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestOptionParsing(t *testing.T) {
	o := newOptions()
	if err := o.parse([]string{"-files", "a.log", "--print-data-log=ignored", "--key-decoder-class", "--deep-iteration", "--", "--not-an-option"}); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := o.set.valueOf(o.files); v != "a.log" {
		t.Errorf("files %q", v)
	}
	// an optional argument is not taken from an option-looking token
	if v, _, _ := o.set.valueOf(o.keyDecoder); v != stringDecoderClass || !o.set.has(o.deepIteration) {
		t.Errorf("key decoder %q, deep %v", v, o.set.has(o.deepIteration))
	}
	if len(o.set.nonOpts) != 1 || o.set.nonOpts[0] != "--not-an-option" {
		t.Errorf("non-options %q", o.set.nonOpts)
	}
	// a required argument takes the next token whatever it is
	o = newOptions()
	if err := o.parse([]string{"--files", "--deep-iteration"}); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := o.set.valueOf(o.files); v != "--deep-iteration" || o.set.has(o.deepIteration) {
		t.Errorf("files %q", v)
	}
	for args, want := range map[string]string{
		"--bogus":              "joptsimple.UnrecognizedOptionException: bogus is not a recognized option",
		"--file x":             "joptsimple.UnrecognizedOptionException: file is not a recognized option",
		"-x":                   "joptsimple.UnrecognizedOptionException: x is not a recognized option",
		"--files":              "joptsimple.OptionMissingRequiredArgumentException: Option files requires an argument",
		"--max-bytes=":         "",
		"--max-message-size 7": "",
	} {
		err := newOptions().parse(strings.Fields(args))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", args, got, want)
		}
	}
}

func TestUsageTexts(t *testing.T) {
	dir := t.TempDir()
	help := newOptions().parser.help()
	for _, tc := range []struct {
		args           []string
		stdout, stderr string
		code           int
	}{
		// CommandLineUtils.printUsageAndExit: the message, the table, status 1
		{nil, "", helpHeader + "\n" + help, 1},
		{[]string{"--help"}, "", helpHeader + "\n" + help, 1},
		{[]string{"--help", "--files", "x.log"}, "", helpHeader + "\n" + help, 1},
		{[]string{"--version"}, "3.9.0\n", "", 0},
		{[]string{"--deep-iteration"}, "", "Missing required argument \"[files]\"\n" + help, 1},
		{[]string{"--files", "a", "--files", "b"}, "",
			"Exception in thread \"main\" joptsimple.MultipleArgumentsForOptionException: Found multiple arguments for option files, but you asked for only one\n", 1},
		{[]string{"--cluster-metadata-decoder", "--files", "0.log"}, "Dumping 0.log\n",
			"dump-log: --cluster-metadata-decoder is not supported: Wharf runs Kafka in ZooKeeper mode and has no KRaft metadata log\n", 1},
	} {
		out, errOut, code := run(t, dir, tc.args...)
		if out != tc.stdout || errOut != tc.stderr || code != tc.code {
			t.Errorf("%q: got (%q, %q, %d), want (%q, %q, %d)", tc.args, out, errOut, code, tc.stdout, tc.stderr, tc.code)
		}
	}
}

func TestJavaFile(t *testing.T) {
	for in, want := range map[string][2]string{
		"a//b/":      {"a/b", "b"},
		"/x/./y.log": {"/x/./y.log", "y.log"},
		"00.log":     {"00.log", "00.log"},
		"":           {"", ""},
		"/":          {"/", ""},
	} {
		f := newJavaFile(in)
		if f.String() != want[0] || f.Name() != want[1] {
			t.Errorf("%q: got (%q, %q)", in, f.String(), f.Name())
		}
	}
	if got := newJavaFile("a/b").Abs("/w"); got != "/w/a/b" {
		t.Errorf("abs %q", got)
	}
}

func TestJavaString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        "plain",
		"\xff":         "\uFFFD",
		"\xe2\x82":     "\uFFFD", // a truncated 3-byte sequence is one malformed input
		"\xe2\x82\xac": "€",
		"\xed\xa0\x80": "\uFFFD", // an encoded surrogate is one malformed sequence (JDK)
		"\xf0\x9f\x98": "\uFFFD",
		"a\xc3(b":      "a\uFFFD(b",
	} {
		if got := javaString([]byte(in)); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
