package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Fake tools registered for these tests, the way real tools register.
func init() {
	Register(Command{
		Name: "test-echo",
		New: func() *cobra.Command {
			var server string
			cmd := &cobra.Command{
				Use:  "test-echo [--server addr] args...",
				Args: cobra.ArbitraryArgs,
				RunE: func(cmd *cobra.Command, args []string) error {
					fmt.Fprintf(cmd.OutOrStdout(), "server=%s args=%q\n", server, args)
					return nil
				},
			}
			cmd.Flags().StringVar(&server, "server", "", "server address")
			return cmd
		},
		Aliases: []Alias{
			{Name: "test-echo.sh"},
			// Like zookeeper-shell.sh: the server is the first bare argument.
			{Name: "test-shell.sh", Rewrite: func(args []string) []string {
				if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
					return append([]string{"test-echo", "--server", args[0]}, args[1:]...)
				}
				return append([]string{"test-echo"}, args...)
			}},
			// Like zkServer.sh: the first argument picks another tool.
			{Name: "test-srv.sh", Rewrite: func(args []string) []string {
				if len(args) > 0 && args[0] == "status" {
					return append([]string{"test-exit", "--code", "0", "--say", "Mode: standalone"}, args[1:]...)
				}
				return append([]string{"test-echo"}, args...)
			}},
		},
	})
	Register(Command{
		Name: "test-exit",
		New: func() *cobra.Command {
			var code int
			var say, fail string
			var usage, quiet bool
			cmd := &cobra.Command{
				Use:  "test-exit",
				Args: cobra.NoArgs,
				RunE: func(cmd *cobra.Command, _ []string) error {
					if say != "" {
						fmt.Fprintln(cmd.OutOrStdout(), say)
					}
					switch {
					case usage:
						return UsageErrorf("--fail needs --code")
					case quiet:
						fmt.Fprintln(cmd.ErrOrStderr(), "Node does not exist: /x")
						return &ExitError{Code: code}
					case fail != "" && code != 0:
						return &ExitError{Code: code, Err: errors.New(fail)}
					case fail != "":
						return fmt.Errorf("test-exit: %s", fail)
					}
					return nil
				},
			}
			cmd.Flags().IntVar(&code, "code", 0, "exit code")
			cmd.Flags().StringVar(&say, "say", "", "print this")
			cmd.Flags().StringVar(&fail, "fail", "", "fail with this message")
			cmd.Flags().BoolVar(&usage, "usage", false, "fail with a usage error")
			cmd.Flags().BoolVar(&quiet, "quiet-fail", false, "print an original tool's text, exit --code")
			return cmd
		},
	})
	Register(Command{
		Name: "test-required",
		New: func() *cobra.Command {
			cmd := &cobra.Command{Use: "test-required", RunE: func(*cobra.Command, []string) error { return nil }}
			cmd.Flags().String("topic", "", "topic")
			_ = cmd.MarkFlagRequired("topic")
			return cmd
		},
	})
	Register(Command{
		Name: "test-log",
		New: func() *cobra.Command {
			return &cobra.Command{Use: "test-log", RunE: func(cmd *cobra.Command, _ []string) error {
				l := LoggerFor(cmd)
				l.Debug("debug line")
				l.Info("info line", "k", 1)
				l.Warn("warn line")
				return nil
			}}
		},
	})
}

func init() {
	Register(Command{Name: "test-wait", New: func() *cobra.Command {
		return &cobra.Command{Use: "test-wait", RunE: func(cmd *cobra.Command, _ []string) error {
			<-cmd.Context().Done()
			return cmd.Context().Err()
		}}
	}})
}

type result struct {
	code           int
	stdout, stderr string
}

func run(argv ...string) result {
	var out, errb bytes.Buffer
	code := Run(context.Background(), argv, strings.NewReader(""), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func TestAliasDispatch(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"wharf", "test-echo", "a", "b"}, `server= args=["a" "b"]`},
		{[]string{"/usr/local/bin/test-echo.sh", "a", "--server", "s:1"}, `server=s:1 args=["a"]`},
		{[]string{"test-shell.sh", "localhost:2181", "ls", "/"}, `server=localhost:2181 args=["ls" "/"]`},
		{[]string{"./test-shell.sh", "--server", "h:1", "get"}, `server=h:1 args=["get"]`},
		{[]string{"/opt/zk/bin/test-srv.sh", "status"}, `Mode: standalone`},
		{[]string{"test-srv.sh", "start", "x"}, `server= args=["start" "x"]`},
		// A name that is not an alias runs the root, whatever the binary is called.
		{[]string{"/usr/bin/wharf-1.0", "test-echo", "z"}, `server= args=["z"]`},
	}
	for _, tt := range tests {
		r := run(tt.argv...)
		if r.code != 0 || strings.TrimSpace(r.stdout) != tt.want || r.stderr != "" {
			t.Errorf("%q: code %d stdout %q stderr %q; want %q", tt.argv, r.code, r.stdout, r.stderr, tt.want)
		}
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		argv   []string
		code   int
		stderr string // exact
	}{
		{"ok", []string{"wharf", "test-exit"}, 0, ""},
		{"failure", []string{"wharf", "test-exit", "--fail", "boom"}, 1, "wharf: test-exit: boom\n"},
		{"exit error with message", []string{"wharf", "test-exit", "--fail", "gone", "--code", "4"}, 4, "wharf: gone\n"},
		{"tool prints its own text", []string{"wharf", "test-exit", "--quiet-fail", "--code", "1"}, 1, "Node does not exist: /x\n"},
		{"tool exit code 3", []string{"wharf", "test-exit", "--quiet-fail", "--code", "3"}, 3, "Node does not exist: /x\n"},
		{"usage error from command", []string{"wharf", "test-exit", "--usage"}, 2, "wharf: --fail needs --code\n"},
		{"unknown flag", []string{"wharf", "test-exit", "--nope"}, 2, "wharf: unknown flag: --nope\n"},
		{"bad flag value", []string{"wharf", "test-exit", "--code", "x"}, 2, "wharf: invalid argument \"x\" for \"--code\" flag: strconv.ParseInt: parsing \"x\": invalid syntax\n"},
		{"extra argument", []string{"wharf", "test-exit", "extra"}, 2, "wharf: unknown command \"extra\" for \"wharf test-exit\"\n"},
		{"unknown command", []string{"wharf", "nope"}, 2, "wharf: unknown command \"nope\" for \"wharf\"\n"},
		{"suggestion", []string{"wharf", "test-exi"}, 2, "wharf: unknown command \"test-exi\" for \"wharf\" (did you mean \"test-exit\"?)\n"},
		{"required flag", []string{"wharf", "test-required"}, 2, "wharf: required flag(s) \"topic\" not set\n"},
		{"bad log level", []string{"wharf", "--log-level", "loud", "version"}, 2, "wharf: invalid argument \"loud\" for \"--log-level\" flag: invalid level \"loud\"\n"},
		{"help", []string{"wharf", "--help"}, 0, ""},
		{"bare", []string{"wharf"}, 0, ""},
		{"no argv", nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(tt.argv...)
			if r.code != tt.code || r.stderr != tt.stderr {
				t.Errorf("code %d stderr %q; want %d %q", r.code, r.stderr, tt.code, tt.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, "Error:") {
				t.Errorf("cobra printed its own error: %q %q", r.stdout, r.stderr)
			}
			if tt.code != 0 && strings.Contains(r.stdout+r.stderr, "Usage:") {
				t.Errorf("usage printed on error: %q", r.stdout)
			}
		})
	}
	if r := run("wharf"); !strings.Contains(r.stdout, "Available Commands:") || !strings.Contains(r.stdout, "test-echo") {
		t.Errorf("bare wharf should print help listing the tools: %q", r.stdout)
	}
}

func TestInterruptedCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	if code := Run(ctx, []string{"wharf", "test-wait"}, nil, &out, &errb); code != ExitInterrupted || errb.Len() != 0 {
		t.Errorf("code %d stderr %q", code, errb.String())
	}
}

func TestRegisterRefusesDuplicates(t *testing.T) {
	mustPanic := func(name string, c Command) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: Register did not panic", name)
			}
		}()
		Register(c)
	}
	newCmd := func() *cobra.Command { return &cobra.Command{Use: "x"} }
	mustPanic("duplicate name", Command{Name: "test-echo", New: newCmd})
	mustPanic("duplicate alias", Command{Name: "test-other", New: newCmd, Aliases: []Alias{{Name: "test-shell.sh"}}})
	mustPanic("no constructor", Command{Name: "test-none"})
	mustPanic("path alias", Command{Name: "test-path", New: newCmd, Aliases: []Alias{{Name: "bin/x"}}})
	mustPanic("alias twice", Command{Name: "test-twice", New: newCmd, Aliases: []Alias{{Name: "t.sh"}, {Name: "t.sh"}}})
	for _, c := range Commands() {
		if c.Name == "test-other" || c.Name == "test-path" || c.Name == "test-twice" {
			t.Errorf("a refused command was registered: %s", c.Name)
		}
	}
}

func TestLogger(t *testing.T) {
	r := run("wharf", "test-log")
	if r.code != 0 || strings.Contains(r.stderr, "debug line") || !strings.Contains(r.stderr, "level=INFO msg=\"info line\" k=1") {
		t.Errorf("default: %q", r.stderr)
	}
	r = run("wharf", "--log-level", "debug", "--log-format", "json", "test-log")
	if r.code != 0 || !strings.Contains(r.stderr, `"level":"DEBUG","msg":"debug line"`) {
		t.Errorf("debug json: %q", r.stderr)
	}
	r = run("wharf", "test-log", "--log-level=WARN")
	if r.code != 0 || strings.Contains(r.stderr, "info line") || !strings.Contains(r.stderr, "warn line") {
		t.Errorf("warn: %q", r.stderr)
	}
	var b bytes.Buffer
	Logger("nonsense", &b).Debug("hidden")
	Logger("error", &b).Warn("hidden")
	Logger("debug", &b).Debug("shown")
	if s := b.String(); strings.Contains(s, "hidden") || !strings.Contains(s, "shown") {
		t.Errorf("Logger: %q", s)
	}
	if _, err := NewLogger("info", "xml", &b); err == nil {
		t.Error("xml format accepted")
	}
}

func TestVersion(t *testing.T) {
	r := run("wharf", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "wharf "+Version+" (go") ||
		!strings.HasSuffix(r.stdout, "\ncompatible with: ZooKeeper 3.9.4, Kafka 2.8\n") {
		t.Errorf("version: %q", r.stdout)
	}
	if r := run("wharf", "--version"); r.code != 0 || !strings.HasPrefix(r.stdout, "wharf "+Version) {
		t.Errorf("--version: %q", r.stdout)
	}
}
