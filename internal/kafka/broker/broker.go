package broker

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/groupcoord"
	"github.com/wharf-project/wharf/internal/kafka/kconfig"
	"github.com/wharf-project/wharf/internal/kafka/logmanager"
	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/partition"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/metrics"
	"github.com/wharf-project/wharf/internal/vfs"
)

// Broker wires the broker's parts together; handlers reach it as
// ctx.Broker.(*Broker). Every exported field is set before the first
// request reaches a handler (Start holds requests back until then) and
// never replaced afterwards, so handlers read them without locks.
//
// The parts, bottom up: Logs (the log directories), Replicas (partitions:
// appends, reads, leadership), Meta (the metadata cache, fed by the
// controller's UpdateMetadata requests), Configs (static and dynamic
// configs in ZooKeeper), ZK (the ZooKeeper session), Controller (elected
// through /controller; on every broker, active on one) and Admin (the
// topic operations a ZooKeeper-mode broker performs itself by writing
// znodes), Metrics, and the network Server.
//
// Lifecycle (broker_start.go, broker_close.go): New checks the
// configuration; Start runs Kafka 2.8's KafkaServer.startup; Close its
// shutdown, which leaves every log directory with its clean shutdown
// marker and ends the ZooKeeper session (the registration goes with it).
// Done is closed when the broker fails on its own (every log directory
// offline); Err says why.
type Broker struct {
	ID        int32
	ClusterID string
	Config    *kconfig.Broker
	Log       *slog.Logger

	ZK         *zkdata.Client
	Configs    *kconfig.Manager
	Meta       *meta.Cache
	Controller *controller.Controller
	Admin      *controller.Admin
	Logs       *logmanager.Manager
	Replicas   *partition.ReplicaManager
	// Groups is the group coordinator: the shards of the __consumer_offsets
	// partitions this broker leads.
	Groups  *groupcoord.Coordinator
	Metrics *metrics.Registry
	Server  *Server

	// ProducerIDs hands out producer ids for InitProducerId (blocks
	// reserved in /latest_producer_id_block, as Kafka's ProducerIdManager).
	ProducerIDs ProducerIDSource

	opts     BrokerOptions
	registry *Registry // the handlers, held back until ready
	channel  *controller.LocalChannel
	netStats *networkStats
	topics   topicConfigCache
	control  controlState

	state    atomic.Int32  // Kafka's BrokerState (brokerState* constants)
	ready    chan struct{} // closed once every part is set: requests flow
	stopping chan struct{} // closed when Close begins
	done     chan struct{} // closed when the broker failed on its own
	failOnce sync.Once
	errMu    sync.Mutex
	err      error

	startOnce sync.Once
	closeOnce sync.Once
	closeErr  error
	bg        sync.WaitGroup // the broker's own goroutines
	cancels   []func()       // subscriptions and hooks undone by Close
}

// ProducerIDSource allocates producer ids.
type ProducerIDSource interface {
	NextProducerID() (int64, error)
}

// BrokerOptions are a Broker's collaborators; every field is optional.
type BrokerOptions struct {
	// Logger receives the broker's log (default: discard).
	Logger *slog.Logger
	// Metrics is the registry the broker reports to (default: a new one).
	Metrics *metrics.Registry
	// Registry holds the handlers (default: DefaultRegistry, as the
	// handler files fill it from init).
	Registry *Registry
	// FS is the log directories' filesystem (default: vfs.Default).
	FS vfs.FS
	// Hostname names this host in a registration whose advertised
	// listener has no host, as Kafka uses the canonical host name
	// (default: os.Hostname).
	Hostname func() (string, error)
	// ZKDial overrides the ZooKeeper client's TCP dialer (tests).
	ZKDial func(ctx context.Context, network, addr string) (net.Conn, error)
	// RegistrationWait bounds how long Start waits for a registration of
	// this broker id left by a previous process (a crash: its ZooKeeper
	// session has not expired yet) to go away. Default: the session
	// timeout plus five seconds; negative: fail at once, as Kafka does.
	RegistrationWait time.Duration
}

// Kafka's BrokerState values, as kafka.server:type=KafkaServer,name=BrokerState reports them.
const (
	brokerStateNotRunning   = 0
	brokerStateStarting     = 1
	brokerStateRecovery     = 2
	brokerStateRunning      = 3
	brokerStateShuttingDown = 7
)

// Errors of the broker's lifecycle.
var (
	// ErrShuttingDown: the broker is closing (or closed before it was ready).
	ErrShuttingDown = errors.New("broker: shutting down")
	// ErrStarted: Start was called twice.
	ErrStarted = errors.New("broker: already started")
	// ErrInconsistentClusterID is Kafka's InconsistentClusterIdException:
	// the log directories belong to another cluster.
	ErrInconsistentClusterID = errors.New("broker: inconsistent cluster id")
	// ErrInconsistentBrokerID is Kafka's InconsistentBrokerIdException.
	ErrInconsistentBrokerID = errors.New("broker: inconsistent broker id")
	// ErrNoLogDirs: every log directory went offline; the broker stopped.
	ErrNoLogDirs = errors.New("broker: no online log directory left")
)

// New checks cfg (the network server's part, which ParseBroker does not
// check) and returns a Broker to Start. It does no I/O.
func New(cfg *kconfig.Broker, opts BrokerOptions) (*Broker, error) {
	if cfg == nil {
		return nil, errors.New("broker: New needs a configuration")
	}
	if opts.Logger == nil {
		opts.Logger = discard
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New(metrics.Options{Logger: opts.Logger})
	}
	if opts.Registry == nil {
		opts.Registry = DefaultRegistry
	}
	if opts.FS == nil {
		opts.FS = vfs.Default
	}
	if opts.RegistrationWait == 0 {
		opts.RegistrationWait = time.Duration(cfg.ZooKeeperSessionTimeoutMs)*time.Millisecond + 5*time.Second
	}
	nc := NetworkConfig(cfg)
	if err := nc.Validate(); err != nil {
		return nil, err
	}
	if err := groupCoordinatorConfig(cfg).Group.Validate(); err != nil {
		return nil, err
	}
	b := &Broker{
		ID:       cfg.BrokerID,
		Config:   cfg,
		Log:      opts.Logger,
		Metrics:  opts.Metrics,
		opts:     opts,
		netStats: newNetworkStats(opts.Metrics),
		ready:    make(chan struct{}),
		stopping: make(chan struct{}),
		done:     make(chan struct{}),
	}
	b.registry = b.gatedRegistry(opts.Registry)
	b.control.controllerEpoch = -1
	return b, nil
}

// Done is closed when the broker stopped on its own (see Err); Close is
// still to be called.
func (b *Broker) Done() <-chan struct{} { return b.done }

// Err is why the broker stopped on its own (nil while it runs).
func (b *Broker) Err() error {
	b.errMu.Lock()
	defer b.errMu.Unlock()
	return b.err
}

// fail records a fatal error (the first one) and closes Done.
func (b *Broker) fail(err error) {
	b.failOnce.Do(func() {
		b.errMu.Lock()
		b.err = err
		b.errMu.Unlock()
		b.Log.Error("broker stopping after a fatal error", "err", err)
		close(b.done)
	})
}

// Ready is closed once the broker serves requests.
func (b *Broker) Ready() <-chan struct{} { return b.ready }
