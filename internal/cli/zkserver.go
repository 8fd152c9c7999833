package cli

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf-project/wharf/internal/config"
	"github.com/wharf-project/wharf/internal/zk/server"
)

// zkServer.sh, Apache ZooKeeper 3.8's bin/zkServer.sh: `zkServer.sh
// [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|print-cmd}
// [zoo.cfg]`, with the script's messages, $ZOOCFGDIR/$ZOOCFG, the pid file
// dataDir/zookeeper_server.pid ($ZOOPIDFILE) and the daemon's output in
// $ZOO_LOG_DIR/zookeeper-$USER-server-$HOSTNAME.out.
func init() {
	Register(Command{Name: "zkserver", New: newZkServerCommand, Aliases: []Alias{{Name: "zkServer.sh"}}})
}

const zkServerUsage = "Usage: %s [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|print-cmd}\n"

// zkServerSleep is the script's `sleep 1` after start and stop, and
// `sleep 3` between restart's stop and start (a variable for tests).
var zkServerSleep = time.Sleep

func newZkServerCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "zkserver [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|print-cmd} [zoo.cfg]",
		Short:              "Start, stop and query a ZooKeeper server as zkServer.sh does",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runZkServer(args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

func runZkServer(args []string, stdout, stderr io.Writer) error {
	// zkEnv.sh: ZOOCFGDIR defaults to $ZOOBINDIR/../conf, ZOOBINDIR the
	// script's directory made absolute (`cd; pwd`), not cleaned.
	confDir := os.Getenv("ZOOCFGDIR")
	if len(args) >= 2 && args[0] == "--config" {
		confDir, args = args[1], args[2:]
	}
	if confDir == "" {
		confDir = scriptBinDir() + "/../conf"
	}
	name := os.Getenv("ZOOCFG")
	if name == "" {
		name = "zoo.cfg"
	}
	cfgPath := confDir + "/" + name
	if len(args) >= 2 {
		// `zkServer.sh start other.cfg`: a name in ZOOCFGDIR, or a path.
		cfgPath = confDir + "/" + args[1]
		if filepath.Dir(cfgPath) != confDir {
			cfgPath = args[1]
		}
	}
	fmt.Fprintln(stderr, "ZooKeeper JMX enabled by default")
	fmt.Fprintf(stderr, "Using config: %s\n", cfgPath)
	if len(args) == 0 {
		fmt.Fprintf(stderr, zkServerUsage, os.Args[0])
		return nil
	}
	switch args[0] {
	case "status":
		return zkServerStatusBody(cfgPath, stdout)
	case "version":
		fmt.Fprintf(stdout, "Apache ZooKeeper, version %s %s\n", server.ZooKeeperVersion, server.BuildDate)
		return nil
	case "print-cmd":
		self, _ := os.Executable()
		fmt.Fprintf(stdout, "%q zookeeper %q > %q 2>&1 < /dev/null\n", self, cfgPath, zkDaemonOut())
		return nil
	case "start-foreground":
		self, err := os.Executable()
		if err != nil {
			return err
		}
		return syscall.Exec(self, []string{self, "zookeeper", cfgPath}, os.Environ())
	case "start":
		return zkServerStart(cfgPath, stdout)
	case "stop":
		return zkServerStop(cfgPath, stdout)
	case "restart":
		if err := zkServerStop(cfgPath, stdout); err != nil {
			return err
		}
		zkServerSleep(3 * time.Second)
		return zkServerStart(cfgPath, stdout)
	}
	fmt.Fprintf(stderr, zkServerUsage, os.Args[0])
	return nil
}

// zkPidFile is $ZOOPIDFILE, else dataDir/zookeeper_server.pid (dataDir
// created if missing, as the script does).
func zkPidFile(cfgPath string) (string, error) {
	if p := os.Getenv("ZOOPIDFILE"); p != "" {
		return p, os.MkdirAll(filepath.Dir(p), 0o755)
	}
	cfg, err := config.ParseZooConfig(cfgPath)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return "", err
	}
	return filepath.Join(cfg.DataDir, "zookeeper_server.pid"), nil
}

// zkDaemonOut is $ZOO_LOG_DIR/zookeeper-$USER-server-$HOSTNAME.out
// (ZOO_LOG_DIR defaults to bin/../logs, as zkEnv.sh's does).
func zkDaemonOut() string {
	dir := os.Getenv("ZOO_LOG_DIR")
	if dir == "" {
		dir = scriptBinDir() + "/../logs"
	}
	host, _ := os.Hostname()
	return filepath.Join(dir, fmt.Sprintf("zookeeper-%s-server-%s.out", os.Getenv("USER"), host))
}

func zkServerStart(cfgPath string, stdout io.Writer) error {
	fmt.Fprint(stdout, "Starting zookeeper ... ")
	pidFile, err := zkPidFile(cfgPath)
	if err != nil {
		fmt.Fprintln(stdout, "FAILED TO START")
		return &ExitError{Code: 1, Err: err}
	}
	if pid, ok := readPid(pidFile); ok && syscall.Kill(pid, 0) == nil {
		fmt.Fprintf(stdout, "already running as process %d.\n", pid)
		return &ExitError{Code: 1}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	outPath := zkDaemonOut()
	if err := os.MkdirAll(filepath.Dir(outPath), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(outPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	c := exec.Command(self, "zookeeper", cfgPath)
	c.Stdout, c.Stderr = out, out
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		fmt.Fprintln(stdout, "SERVER DID NOT START")
		return &ExitError{Code: 1, Err: err}
	}
	pid := c.Process.Pid
	exited := make(chan struct{})
	go func() { _ = c.Wait(); close(exited) }() // reaped if it dies while we wait
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		fmt.Fprintln(stdout, "FAILED TO WRITE PID")
		return &ExitError{Code: 1, Err: err}
	}
	zkServerSleep(time.Second)
	select {
	case <-exited:
		fmt.Fprintln(stdout, "FAILED TO START")
		return &ExitError{Code: 1}
	default:
	}
	fmt.Fprintln(stdout, "STARTED")
	return nil
}

func zkServerStop(cfgPath string, stdout io.Writer) error {
	fmt.Fprint(stdout, "Stopping zookeeper ... ")
	pidFile, err := zkPidFile(cfgPath)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	pid, ok := readPid(pidFile)
	if !ok {
		fmt.Fprintf(stdout, "no zookeeper to stop (could not find file %s)\n", pidFile)
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	_ = os.Remove(pidFile)
	zkServerSleep(time.Second)
	fmt.Fprintln(stdout, "STOPPED")
	return nil
}

// scriptBinDir is the directory of the script this executable was run
// as, absolute (the scripts' `$(cd "$(dirname "$0")"; pwd)`).
func scriptBinDir() string {
	dir := filepath.Dir(os.Args[0])
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

func readPid(path string) (int, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid, err == nil && pid > 0
}
