package cli

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf-project/wharf/internal/config"
	"github.com/wharf-project/wharf/internal/zk/server"
)

func init() {
	Register(Command{
		Name: "zookeeper",
		New:  newZooKeeperCommand,
		Aliases: []Alias{
			{Name: "zookeeper-server-start.sh", Rewrite: zookeeperServerStartArgs},
		},
	})
	Register(Command{Name: "status", New: newStatusCommand})
}

// zookeeperServerStartArgs is Kafka's `zookeeper-server-start.sh [-daemon]
// zookeeper.properties` (daemon output: $LOG_DIR/zookeeper.out).
var zookeeperServerStartArgs = startScriptArgs("zookeeper", "zookeeper")

func newZooKeeperCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "zookeeper <zoo.cfg> | <port> <dataDir> [tickTime] [maxClientCnxns]",
		Short: "Run the ZooKeeper-compatible coordinator from an Apache ZooKeeper zoo.cfg",
		Long: `Runs Wharf's coordination service, a drop-in for a standalone Apache ZooKeeper
3.9 server: it reads an unchanged zoo.cfg (and dataDir/myid), serves ZooKeeper
clients on clientPort, and keeps its data in ZooKeeper's own on-disk format.
The second form is ZooKeeperServerMain's: port, data directory and optional
tick time and connection limit. SIGTERM or SIGINT stop it cleanly.`,
		Args: cobra.RangeArgs(1, 4),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := zooConfigFromArgs(args)
			if err != nil {
				return err
			}
			return runZooKeeper(cmd, cfg)
		},
	}
}

// zooConfigFromArgs reads a zoo.cfg, or builds the config ZooKeeperServerMain
// builds from `port dataDir [tickTime] [maxClientCnxns]`.
func zooConfigFromArgs(args []string) (*config.ZooConfig, error) {
	if len(args) == 1 {
		return config.ParseZooConfig(args[0])
	}
	port, err := strconv.Atoi(args[0])
	if err != nil {
		return nil, UsageErrorf("zookeeper: %q is neither a zoo.cfg nor a port", args[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "clientPort=%d\ndataDir=%s\n", port, args[1])
	if len(args) > 2 {
		fmt.Fprintf(&b, "tickTime=%s\n", args[2])
	}
	if len(args) > 3 {
		fmt.Fprintf(&b, "maxClientCnxns=%s\n", args[3])
	}
	wd, _ := os.Getwd()
	return config.ParseZooConfigBytes([]byte(b.String()), wd)
}

func runZooKeeper(cmd *cobra.Command, cfg *config.ZooConfig) error {
	log := LoggerFor(cmd)
	if path := os.Getenv("WHARF_CPUPROFILE"); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			return err
		}
		defer stop()
	}
	opts := server.OptionsFromConfig(cfg)
	opts.Logger = log
	if len(cfg.Servers) > 1 {
		log.Warn("server.N lines found: the ensemble is not implemented yet; running standalone",
			"servers", len(cfg.Servers), "myid", cfg.MyID)
	}
	srv, err := server.New(opts)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		srv.Close()
		return err
	}
	log.Info("ZooKeeper-compatible coordinator started", "clientAddr", srv.Addr().String(),
		"dataDir", cfg.DataDir, "dataLogDir", cfg.DataLogDir)
	if a := srv.AdminAddr(); a != nil {
		log.Info("AdminServer started", "url", "http://"+a.String()+opts.AdminURL)
	}
	select {
	case <-cmd.Context().Done():
		log.Info("shutting down")
		return srv.Close()
	case <-srv.Done():
		return srv.Err()
	}
}

func newStatusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status [zoo.cfg]",
		Short: "Print what `zkServer.sh status` prints: the server's client address and Mode",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := defaultZooCfg()
			if len(args) == 1 {
				path = args[0]
			}
			return zkServerStatus(path, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

// defaultZooCfg is where zkServer.sh looks without --config: $ZOOCFGDIR/zoo.cfg.
func defaultZooCfg() string {
	dir := os.Getenv("ZOOCFGDIR")
	if dir == "" {
		dir = "conf"
	}
	name := os.Getenv("ZOOCFG")
	if name == "" {
		name = "zoo.cfg"
	}
	return dir + "/" + name
}

// zkServerStatus mirrors zkServer.sh status: locate the client port as the
// script does, send srvr, print the Mode line.
func zkServerStatus(path string, stdout, stderr io.Writer) error {
	fmt.Fprintln(stderr, "ZooKeeper JMX enabled by default")
	fmt.Fprintf(stderr, "Using config: %s\n", path)
	return zkServerStatusBody(path, stdout)
}

// zkServerStatusBody is status after the script's preamble.
func zkServerStatusBody(path string, stdout io.Writer) error {
	cfg, err := config.ParseZooConfig(path)
	if err != nil {
		fmt.Fprintln(stdout, "Unable to find either secure or unsecure client port in any configs. Terminating.")
		return &ExitError{Code: 1}
	}
	addr := cfg.ClientPortAddress
	if addr == "" {
		addr = "localhost"
	}
	port := cfg.ClientPort
	if port == 0 {
		if s, ok := cfg.Servers[cfg.MyID]; ok && s.ClientPort != 0 {
			port = s.ClientPort
			if s.ClientAddr != "" {
				addr = s.ClientAddr
			}
		}
	}
	if port == 0 {
		fmt.Fprintln(stdout, "Unable to find either secure or unsecure client port in any configs. Terminating.")
		return &ExitError{Code: 1}
	}
	fmt.Fprintf(stdout, "Client port found: %d. Client address: %s. Client SSL: false.\n", port, addr)
	out, err := fourLetterWord(net.JoinHostPort(addr, strconv.Itoa(port)), "srvr", 5*time.Second)
	mode := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "Mode") {
			mode = strings.TrimSpace(line)
			break
		}
	}
	if err != nil || mode == "" {
		fmt.Fprintln(stdout, "Error contacting service. It is probably not running.")
		return &ExitError{Code: 1}
	}
	fmt.Fprintln(stdout, mode)
	return nil
}

// fourLetterWord sends a four-letter word and reads the reply to EOF.
func fourLetterWord(addr, cmd string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte(cmd)); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}
