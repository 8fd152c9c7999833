package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// The start and stop scripts of Kafka's bin/: `kafka-server-start.sh
// -daemon` and `zookeeper-server-start.sh -daemon` run the server in the
// background with its console output in $LOG_DIR/<name>.out (LOG_DIR
// defaults to bin/../logs, as kafka-run-class.sh's does), and
// kafka-server-stop.sh / zookeeper-server-stop.sh send SIGTERM (or
// $SIGNAL) to every such server of this Wharf executable.
func init() {
	Register(Command{Name: "daemon", New: newDaemonCommand})
	Register(Command{Name: "server-stop", New: newServerStopCommand, Aliases: []Alias{
		{Name: "kafka-server-stop.sh", Rewrite: func(args []string) []string { return append([]string{"server-stop", "kafka"}, args...) }},
		{Name: "zookeeper-server-stop.sh", Rewrite: func(args []string) []string { return append([]string{"server-stop", "zookeeper"}, args...) }},
	}})
}

// startScriptArgs is the Rewrite of a Kafka start script (`NAME.sh
// [-daemon] file [args]`, -daemon first as kafka-run-class.sh wants it):
// `wharf command file [args]`, or with -daemon `wharf daemon name --
// command file [args]`.
func startScriptArgs(command, daemonName string) func(args []string) []string {
	return func(args []string) []string {
		if len(args) > 0 && args[0] == "-daemon" {
			return append([]string{"daemon", daemonName, "--", command}, args[1:]...)
		}
		return append([]string{command}, args...)
	}
}

func newDaemonCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "daemon <name> -- <command> [args]",
		Short:  "Run a Wharf command in the background, its output in $LOG_DIR/<name>.out (the start scripts' -daemon)",
		Hidden: true,
		Args:   cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return daemonize(args[0], args[1:])
		},
	}
}

// logDir is kafka-run-class.sh's LOG_DIR: $LOG_DIR, else the logs
// directory beside the bin directory the script (this link) is in.
func logDir() string {
	if d := os.Getenv("LOG_DIR"); d != "" {
		return d
	}
	return filepath.Join(filepath.Dir(os.Args[0]), "..", "logs")
}

// daemonize starts this executable with args in a session of its own,
// stdin from /dev/null, stdout and stderr into LOG_DIR/name.out, and
// returns at once (nohup … &).
func daemonize(name string, args []string) error {
	// A configuration file that is not there fails here, before the
	// detach, not only in the .out file (the scripts would exit 0).
	if len(args) > 1 && (args[0] == "broker" || args[0] == "zookeeper") && !strings.HasPrefix(args[1], "-") {
		if _, err := os.Stat(args[1]); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir := logDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(filepath.Join(dir, name+".out"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	c := exec.Command(self, args...)
	c.Stdout, c.Stderr = out, out
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		return err
	}
	return c.Process.Release()
}

func newServerStopCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "server-stop kafka|zookeeper",
		Short: "Stop the Kafka brokers or ZooKeeper servers this executable runs (kafka-server-stop.sh, zookeeper-server-stop.sh)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kinds := map[string][]string{
				"kafka":     {"broker", "server", "kafka-server-start.sh"},
				"zookeeper": {"zookeeper", "zookeeper-server-start.sh"},
			}[args[0]]
			if kinds == nil {
				return UsageErrorf("server-stop: want kafka or zookeeper, not %q", args[0])
			}
			sig, err := stopSignal(os.Getenv("SIGNAL"))
			if err != nil {
				return err
			}
			pids := serverPIDs(kinds)
			if len(pids) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "No %s server to stop\n", args[0])
				return &ExitError{Code: 1}
			}
			for _, pid := range pids {
				if err := syscall.Kill(pid, sig); err != nil {
					return fmt.Errorf("kill -s %s %d: %w", sigName(sig), pid, err)
				}
			}
			return nil
		},
	}
}

// stopSignal is $SIGNAL (kill -s): TERM by default, by name or number.
func stopSignal(s string) (syscall.Signal, error) {
	s = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "SIG")
	switch s {
	case "", "TERM":
		return syscall.SIGTERM, nil
	case "KILL":
		return syscall.SIGKILL, nil
	case "INT":
		return syscall.SIGINT, nil
	case "HUP":
		return syscall.SIGHUP, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return syscall.Signal(n), nil
	}
	return 0, UsageErrorf("SIGNAL=%s: not a signal name or number", s)
}

func sigName(s syscall.Signal) string {
	return strings.TrimPrefix(strings.ToUpper(s.String()), "SIG")
}

// serverPIDs finds the processes running this executable as one of the
// given commands (by subcommand, or by the alias it was started through),
// as the stop scripts grep ps for kafka.Kafka or QuorumPeerMain.
func serverPIDs(commands []string) []int {
	self, err := os.Executable()
	if err != nil {
		return nil
	}
	selfID, err := os.Stat(self)
	if err != nil {
		return nil
	}
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		exe, err := os.Stat(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || !os.SameFile(exe, selfID) {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		argv := strings.Split(string(bytes.TrimRight(raw, "\x00")), "\x00")
		if runsOneOf(argv, commands) {
			out = append(out, pid)
		}
	}
	return out
}

// runsOneOf reports whether argv is `wharf <command> …` or
// `<alias> …` for one of commands.
func runsOneOf(argv, commands []string) bool {
	if len(argv) == 0 {
		return false
	}
	for _, c := range commands {
		if filepath.Base(argv[0]) == c || (len(argv) > 1 && argv[1] == c) {
			return true
		}
	}
	return false
}
