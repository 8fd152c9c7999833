package dumplog

import (
	"strings"
	"testing"
)

func TestOptionParsing(t *testing.T) {
	o := newOptions()
	if err := o.parse([]string{"-files", "a.log", "--print-data-log=ignored", "--key-decoder-class", "--deep-iteration", "--", "--not-an-option"}); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := o.set.ValueOf(o.files); v != "a.log" {
		t.Errorf("files %q", v)
	}
	// an optional argument is not taken from an option-looking token
	if v, _, _ := o.set.ValueOf(o.keyDecoder); v != stringDecoderClass || !o.set.Has(o.deepIteration) {
		t.Errorf("key decoder %q, deep %v", v, o.set.Has(o.deepIteration))
	}
	if len(o.set.NonOptions()) != 1 || o.set.NonOptions()[0] != "--not-an-option" {
		t.Errorf("non-options %q", o.set.NonOptions())
	}
	// a required argument takes the next token whatever it is
	o = newOptions()
	if err := o.parse([]string{"--files", "--deep-iteration"}); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := o.set.ValueOf(o.files); v != "--deep-iteration" || o.set.Has(o.deepIteration) {
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
	help := newOptions().parser.Help()
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
