package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes of Main.
const (
	ExitOK          = 0
	ExitFailure     = 1   // the command failed
	ExitUsage       = 2   // the command line was wrong
	ExitInterrupted = 130 // SIGINT or SIGTERM cancelled the command
)

// ExitError ends a command with a chosen exit code. With Err nil nothing is
// printed: tools that mimic an original (zkCli.sh, kafka-topics.sh) print
// their own texts and then return &ExitError{Code: n}. With Err set it is
// printed as every other error, "wharf: <Err>".
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

func (e *ExitError) Unwrap() error { return e.Err }

// exitStatus is a tool's exit status as a RunE error: nil for 0, else an
// *ExitError that prints nothing (the tool printed its own texts).
func exitStatus(code int) error {
	if code == 0 {
		return nil
	}
	return &ExitError{Code: code}
}

// UsageError marks a wrong command line: Main prints it and exits with 2.
// Flag parsing, argument-count and unknown-command errors are usage errors
// already; commands use UsageErrorf for their own checks.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// UsageErrorf returns a *UsageError with a formatted message.
func UsageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Main runs the binary with os.Args and returns its exit code:
// os.Exit(cli.Main(os.Args)). SIGINT and SIGTERM cancel the command's context.
func Main(argv []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, argv, os.Stdin, os.Stdout, os.Stderr)
}

// Run is Main with the context and streams given: argv[0] picks an alias
// (busybox-style) or the wharf root command, and the rest are its arguments.
func Run(ctx context.Context, argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var args []string
	if len(argv) > 0 {
		args = argv[1:]
		if rewritten, ok := aliasArgs(filepath.Base(argv[0]), args); ok {
			args = rewritten
		}
	}
	root := newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	_, err := root.ExecuteContextC(ctx)
	return exitCode(ctx, err, stderr)
}

// newRoot builds the command tree from the registry.
func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "wharf",
		Short: "Kafka and ZooKeeper rebuilt in Go, in one binary",
		Long: "Wharf is Apache ZooKeeper and Apache Kafka rebuilt in Go as one binary,\n" +
			"compatible on the wire and on disk with the originals. Called through a link\n" +
			"named after an original tool (see `wharf aliases`), it runs that tool.",
		Version:       versionLine(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(" (did you mean %q?)", s[0])
			}
			return errors.New(msg)
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	addLogFlags(root)
	for _, c := range Commands() {
		cmd := c.New()
		if cmd.Name() != c.Name {
			panic(fmt.Sprintf("cli: command registered as %q builds %q", c.Name, cmd.Name()))
		}
		root.AddCommand(cmd)
	}
	markArgErrors(root)
	return root
}

// markArgErrors makes every positional-argument check return a *UsageError.
func markArgErrors(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				var ue *UsageError
				if errors.As(err, &ue) {
					return err
				}
				return &UsageError{Err: err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		markArgErrors(sub)
	}
}

// exitCode prints err, if it must be, as one line and returns the exit code.
func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			printError(stderr, ee.Err)
		}
		return ee.Code
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	printError(stderr, err)
	if isUsageError(err) {
		return ExitUsage
	}
	return ExitFailure
}

func printError(w io.Writer, err error) {
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
	fmt.Fprintf(w, "wharf: %s\n", msg)
}

// isUsageError also recognises cobra's flag-constraint errors, which cobra
// returns untyped.
func isUsageError(err error) bool {
	var ue *UsageError
	if errors.As(err, &ue) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{
		"required flag(s)",
		"if any flags in the group",
		"at least one of the flags in the group",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Logging: --log-level and --log-format on the root, for every command.

type choiceFlag struct {
	value   string
	allowed func(string) bool
	kind    string
}

func (f *choiceFlag) String() string { return f.value }
func (f *choiceFlag) Type() string   { return f.kind }
func (f *choiceFlag) Set(v string) error {
	if !f.allowed(v) {
		return fmt.Errorf("invalid %s %q", f.kind, v)
	}
	f.value = v
	return nil
}

func addLogFlags(root *cobra.Command) {
	root.PersistentFlags().Var(&choiceFlag{value: "info", kind: "level",
		allowed: func(v string) bool { _, err := parseLevel(v); return err == nil }},
		"log-level", "log level: debug, info, warn or error")
	root.PersistentFlags().Var(&choiceFlag{value: "text", kind: "format",
		allowed: func(v string) bool { return v == "text" || v == "json" }},
		"log-format", "log format: text or json")
}

// Logger returns a text logger at level (debug, info, warn, error; an
// unknown level means info) writing to w, or to stderr when w is nil.
func Logger(level string, w io.Writer) *slog.Logger {
	l, err := NewLogger(level, "text", w)
	if err != nil {
		l, _ = NewLogger("info", "text", w)
	}
	return l
}

// NewLogger returns a logger at level in format "text" or "json", writing to
// w (stderr when nil).
func NewLogger(level, format string, w io.Writer) (*slog.Logger, error) {
	if w == nil {
		w = os.Stderr
	}
	lv, err := parseLevel(level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("cli: unknown log format %q", format)
}

// LoggerFor returns the logger the command line asks for (--log-level,
// --log-format), writing to the command's stderr.
func LoggerFor(cmd *cobra.Command) *slog.Logger {
	// The root's persistent flag values are shared by every subcommand, and
	// readable even when a tool disables flag parsing.
	level, format := "info", "text"
	flags := cmd.Root().PersistentFlags()
	if f := flags.Lookup("log-level"); f != nil {
		level = f.Value.String()
	}
	if f := flags.Lookup("log-format"); f != nil {
		format = f.Value.String()
	}
	l, err := NewLogger(level, format, cmd.ErrOrStderr())
	if err != nil {
		return Logger("info", cmd.ErrOrStderr())
	}
	return l
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "warning":
		return slog.LevelWarn, nil
	case "trace":
		return slog.LevelDebug - 4, nil
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("cli: unknown log level %q", s)
	}
	return lv, nil
}
