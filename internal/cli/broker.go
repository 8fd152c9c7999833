package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf-project/wharf/internal/kafka/broker"
	"github.com/wharf-project/wharf/internal/kafka/kconfig"
)

func init() {
	Register(Command{
		Name: "broker",
		New:  newBrokerCommand,
		Aliases: []Alias{
			{Name: "kafka-server-start.sh", Rewrite: kafkaServerStartArgs},
		},
	})
}

// kafkaServerStartArgs is `kafka-server-start.sh [-daemon] server.properties
// [--override property=value]*` (daemon output: $LOG_DIR/kafkaServer.out).
var kafkaServerStartArgs = startScriptArgs("broker", "kafkaServer")

func newBrokerCommand() *cobra.Command {
	var overrides []string
	var httpAddr string
	cmd := &cobra.Command{
		Use:   "broker <server.properties> [--override property=value]...",
		Short: "Run a Kafka-compatible broker from an unchanged Kafka server.properties",
		Long: `Runs one Kafka broker in ZooKeeper mode, a drop-in for Kafka 2.8's
kafka-server-start.sh: it reads server.properties (Kafka's key names and
defaults), then the official image's KAFKA_* environment variables, then
the --override arguments, joins the cluster through zookeeper.connect
(Wharf's coordinator or Apache ZooKeeper), and serves Kafka clients on its
listeners. SIGTERM or SIGINT stop it cleanly.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageErrorf("broker: want one argument, the server.properties file: wharf broker server.properties [--override property=value]...")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadBrokerConfig("broker", args[0], overrides, os.Environ(), LoggerFor(cmd))
			if err != nil {
				return err
			}
			return runBroker(cmd.Context(), LoggerFor(cmd), cfg, httpAddr, nil)
		},
	}
	cmd.Flags().StringArrayVar(&overrides, "override", nil, "Optional property that should override values set in server.properties file")
	cmd.Flags().StringVar(&httpAddr, "http-addr", "", "serve Prometheus /metrics on this address (none by default)")
	return cmd
}

// loadBrokerConfig merges server.properties, KAFKA_* variables and
// overrides ("" file: none) and checks the result as Kafka does; errors
// start with the command's name.
func loadBrokerConfig(command, file string, overrides, environ []string, log *slog.Logger) (*kconfig.Broker, error) {
	for _, o := range overrides {
		if k, _, ok := strings.Cut(o, "="); !ok || k == "" {
			return nil, UsageErrorf("%s: --override %q is not property=value", command, o)
		}
	}
	props, err := kconfig.Load(kconfig.Sources{File: file, Env: environ, Overrides: overrides})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", command, err)
	}
	cfg, err := kconfig.ParseBroker(props, log)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", command, err)
	}
	return cfg, nil
}

// runBroker starts a broker and serves until ctx ends (a clean stop) or
// the broker stops on its own. With httpAddr it also serves /metrics.
// started, when not nil, is called once the broker serves.
func runBroker(ctx context.Context, log *slog.Logger, cfg *kconfig.Broker, httpAddr string, started func(*broker.Broker)) error {
	b, err := broker.New(cfg, broker.BrokerOptions{Logger: log})
	if err != nil {
		return err
	}
	if err := b.Start(ctx); err != nil {
		b.Close()
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return err
	}
	var hs *http.Server
	if httpAddr != "" {
		if hs, err = serveHTTP(log, httpAddr, b); err != nil {
			b.Close()
			return err
		}
	}
	if started != nil {
		started(b)
	}
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down (signal)")
	case <-b.Done():
		runErr = b.Err()
	}
	if hs != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		hs.Shutdown(sctx)
		cancel()
	}
	return errors.Join(runErr, b.Close())
}

// serveHTTP serves the broker's Prometheus metrics at /metrics.
func serveHTTP(log *slog.Logger, addr string, b *broker.Broker) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", b.Metrics.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "Wharf broker %d of cluster %s\nPrometheus metrics: /metrics\n", b.ID, b.ClusterID)
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	log.Info("HTTP listener ready", "url", "http://"+ln.Addr().String()+"/metrics")
	return hs, nil
}
