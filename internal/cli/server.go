package cli

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wharf-project/wharf/internal/config"
	"github.com/wharf-project/wharf/internal/zk/server"
)

func init() {
	Register(Command{Name: "server", New: newServerCommand})
}

// serverFlags are `wharf server`'s settings.
type serverFlags struct {
	dataDir   string
	kafkaAddr string
	zkAddr    string
	httpAddr  string
	overrides []string
}

func newServerCommand() *cobra.Command {
	var f serverFlags
	cmd := &cobra.Command{
		Use:   "server [--data-dir DIR] [--kafka-addr HOST:PORT] [--zk-addr HOST:PORT] [--http-addr HOST:PORT]",
		Short: "Run a single-node Kafka + ZooKeeper: the coordinator and one broker in one process",
		Long: `Runs Wharf's ZooKeeper-compatible coordinator and one Kafka broker (id 0)
in one process, the embedded default for a new user: Kafka clients connect
to --kafka-addr, ZooKeeper clients and tools to --zk-addr, and Prometheus
scrapes http://--http-addr/metrics. Everything is kept under --data-dir
(zookeeper/ in ZooKeeper's format, kafka-logs/ in Kafka's), so a restart
finds it where it was. The broker's settings are Kafka's defaults with the
internal topics sized for one node; KAFKA_* environment variables and
--override property=value change them. SIGTERM or SIGINT stop it cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServer(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dataDir, "data-dir", "./wharf-data", "directory for the coordinator's and the broker's data")
	fl.StringVar(&f.kafkaAddr, "kafka-addr", "127.0.0.1:9092", "Kafka listener address")
	fl.StringVar(&f.zkAddr, "zk-addr", "127.0.0.1:2181", "ZooKeeper client address")
	fl.StringVar(&f.httpAddr, "http-addr", "127.0.0.1:8080", "HTTP address for /metrics")
	fl.StringArrayVar(&f.overrides, "override", nil, "a broker property=value, over the defaults and KAFKA_* variables")
	return cmd
}

func runServer(cmd *cobra.Command, f serverFlags) error {
	log := LoggerFor(cmd)
	if path := os.Getenv("WHARF_CPUPROFILE"); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			return err
		}
		defer stop()
	}
	zkHost, zkPort, err := splitAddr("--zk-addr", f.zkAddr)
	if err != nil {
		return err
	}
	if _, _, err := splitAddr("--kafka-addr", f.kafkaAddr); err != nil {
		return err
	}
	if _, _, err := splitAddr("--http-addr", f.httpAddr); err != nil {
		return err
	}
	dataDir, err := filepath.Abs(f.dataDir)
	if err != nil {
		return err
	}
	// The broker's configuration is checked before anything starts, so a
	// bad --override or KAFKA_* value is one error line and no listener.
	// (The coordinator refuses port 0, so its address is known here.)
	connect := net.JoinHostPort(zkHost, zkPort)
	if zkHost == "" || net.ParseIP(zkHost).IsUnspecified() {
		connect = net.JoinHostPort("127.0.0.1", zkPort)
	}
	env := append(embeddedBrokerEnv(f.kafkaAddr, connect, filepath.Join(dataDir, "kafka-logs")), os.Environ()...)
	cfg, err := loadBrokerConfig("server", "", f.overrides, env, log)
	if err != nil {
		return err
	}
	zkCfg, err := embeddedZooConfig(filepath.Join(dataDir, "zookeeper"), zkHost, zkPort)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(zkCfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	opts := server.OptionsFromConfig(zkCfg)
	opts.Logger = log.With("component", "zookeeper")
	zk, err := server.New(opts)
	if err != nil {
		return err
	}
	if err := zk.Start(); err != nil {
		zk.Close()
		return err
	}
	log.Info("ZooKeeper-compatible coordinator ready", "addr", zk.Addr().String(), "dataDir", zkCfg.DataDir)

	brokerErr := runBroker(cmd.Context(), log.With("component", "kafka"), cfg, f.httpAddr, nil)
	select {
	case <-zk.Done():
		brokerErr = errors.Join(brokerErr, zk.Err())
	default:
	}
	return errors.Join(brokerErr, zk.Close())
}

// splitAddr checks a HOST:PORT flag (port 0 to 65535).
func splitAddr(flag, addr string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(addr)
	if err != nil {
		return "", "", UsageErrorf("server: %s %q: want HOST:PORT", flag, addr)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return "", "", UsageErrorf("server: %s %q: the port must be a number from 0 to 65535", flag, addr)
	}
	return host, port, nil
}

// embeddedZooConfig is Kafka's config/zookeeper.properties for the
// coordinator: no connection limit, no AdminServer (its port would be
// --http-addr's), every four-letter word.
func embeddedZooConfig(dir, host, port string) (*config.ZooConfig, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "dataDir=%s\nclientPort=%s\n", escapeProperty(dir), port)
	if host != "" {
		fmt.Fprintf(&b, "clientPortAddress=%s\n", host)
	}
	b.WriteString("tickTime=2000\nmaxClientCnxns=0\nadmin.enableServer=false\n4lw.commands.whitelist=*\n")
	return config.ParseZooConfigBytes([]byte(b.String()), dir)
}

// escapeProperty escapes a value for a .properties line (backslashes, as
// on Windows paths).
func escapeProperty(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }

// embeddedBrokerEnv is the single-node broker's configuration, as KAFKA_*
// variables so that the user's own (later in the environment) win: broker
// 0, listening and advertised on --kafka-addr, logs under the data
// directory, internal topics with one replica, and no initial rebalance
// delay (Kafka's config/server.properties for a development node). A
// listener on every interface is advertised under the host's name.
func embeddedBrokerEnv(kafkaAddr, zkConnect, logDir string) []string {
	listener, advertised := "PLAINTEXT://"+kafkaAddr, "PLAINTEXT://"+kafkaAddr
	if host, port, err := net.SplitHostPort(kafkaAddr); err == nil && (host == "" || net.ParseIP(host).IsUnspecified()) {
		advertised = "PLAINTEXT://:" + port // every interface: advertise the host's name, as Kafka does
	}
	return []string{
		"KAFKA_BROKER_ID=0",
		"KAFKA_LISTENERS=" + listener,
		"KAFKA_ADVERTISED_LISTENERS=" + advertised,
		"KAFKA_LOG_DIRS=" + escapeProperty(logDir),
		"KAFKA_ZOOKEEPER_CONNECT=" + zkConnect,
		"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1",
		"KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1",
		"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1",
		"KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0",
	}
}
