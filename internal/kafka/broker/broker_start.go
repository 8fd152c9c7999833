package broker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/group"
	"github.com/wharf-project/wharf/internal/kafka/groupcoord"
	"github.com/wharf-project/wharf/internal/kafka/kconfig"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/kafka/logmanager"
	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/partition"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// Start brings the broker up in the order of Kafka 2.8's
// KafkaServer.startup:
//
//  1. connect to zookeeper.connect (creating its chroot if missing) and
//     create the top-level znodes;
//  2. read or create /cluster/id; take the broker id from meta.properties,
//     broker.id, or /brokers/seqid (broker.id=-1), refusing log
//     directories of another cluster or broker;
//  3. load the dynamic configs (/config/...) and watch /config/changes;
//  4. open the log directories (recovering them after an unclean
//     shutdown) and the replica manager over them;
//  5. bind the listeners (requests are held back until step 8);
//  6. register /brokers/ids/<id> with the advertised endpoints and join
//     the controller election (waiting, at most RegistrationWait, for a
//     registration a crashed run of this broker left behind);
//  7. the admin operations, the producer id allocator, the configuration
//     subscriptions, the ZooKeeper session hooks and the metrics;
//  8. serve.
//
// On an error, what was started is stopped again (Close is still safe to
// call). Start may be called once.
func (b *Broker) Start(ctx context.Context) (err error) {
	first := false
	b.startOnce.Do(func() { first = true })
	if !first {
		return ErrStarted
	}
	b.state.Store(brokerStateStarting)
	defer func() {
		if err != nil {
			b.Log.Error("Fatal error during KafkaServer startup. Prepare to shutdown", "err", err)
			b.shutdown()
		}
	}()
	cfg := b.Config
	b.Log.Info("starting")
	b.Log.Info("Connecting to zookeeper on " + cfg.ZooKeeperConnect)
	b.ZK, err = zkdata.Dial(ctx, zkdata.Config{
		Connect:           cfg.ZooKeeperConnect,
		SessionTimeout:    time.Duration(cfg.ZooKeeperSessionTimeoutMs) * time.Millisecond,
		ConnectionTimeout: time.Duration(cfg.ZooKeeperConnectionTimeoutMs) * time.Millisecond,
		Dial:              b.opts.ZKDial,
		Logger:            b.Log,
	})
	if err != nil {
		return fmt.Errorf("broker: connecting to zookeeper.connect %s: %w", cfg.ZooKeeperConnect, err)
	}
	if err := b.ZK.CreateTopLevelPaths(ctx); err != nil {
		return err
	}
	if b.ClusterID, err = b.ZK.GetOrCreateClusterID(ctx); err != nil {
		return err
	}
	b.Log.Info("Cluster ID = " + b.ClusterID)
	if b.ID, err = b.resolveBrokerID(ctx); err != nil {
		return err
	}
	b.Log = b.Log.With("broker", b.ID)

	b.Meta = meta.New(b.ID)
	b.Meta.SetClusterID(b.ClusterID)
	b.Configs = kconfig.NewManager(kconfig.Options{Static: cfg, BrokerID: b.ID,
		Store: kconfig.NewZKStore(b.ZK.Session, nil), Logger: b.Log})
	if err := b.Configs.Start(ctx); err != nil {
		return err
	}

	b.state.Store(brokerStateRecovery)
	if err := b.openLogs(); err != nil {
		return err
	}

	b.Server, err = NewServer(NetworkConfig(cfg), Options{Logger: b.Log, Metrics: b.netStats, Registry: b.registry, Broker: b})
	if err != nil {
		return err
	}
	if err := b.Server.Start(); err != nil {
		return err
	}

	info, err := b.brokerInfo(ctx)
	if err != nil {
		return err
	}
	b.channel = controller.NewLocalChannel(b.ID, b.handleControl)
	b.Controller, err = controller.New(controller.Config{
		Broker:                      info,
		ZK:                          b.ZK,
		Channel:                     b.channel,
		InterBrokerListener:         cfg.InterBrokerListenerName,
		DeleteTopicEnable:           cfg.DeleteTopicEnable,
		UncleanLeaderElectionEnable: cfg.UncleanLeaderElectionEnable,
		UncleanLeaderElection:       b.uncleanLeaderElection,
		Logger:                      b.Log,
	})
	if err != nil {
		return err
	}
	if err := b.startController(ctx); err != nil {
		return err
	}

	b.Admin = controller.NewAdmin(controller.AdminConfig{
		ZK:                       b.ZK,
		NumPartitions:            cfg.NumPartitions,
		DefaultReplicationFactor: int16(cfg.DefaultReplicationFactor),
		DeleteTopicEnable:        cfg.DeleteTopicEnable,
		ValidateConfig:           func(_ string, c map[string]string) error { return kconfig.ValidateTopicConfig(c) },
		Logger:                   b.Log,
	})
	b.ProducerIDs = NewZKProducerIDs(b.ZK, b.ID, b.Log)
	b.subscribeConfigs()
	hook := "broker-" + strconv.Itoa(int(b.ID))
	b.ZK.OnSession(hook, zkdata.SessionHandler{After: b.Configs.Kick})
	b.cancels = append(b.cancels, func() { b.ZK.RemoveSessionHandler(hook) })
	b.installMetrics()
	b.bg.Add(1)
	go b.watchLogDirs()

	b.state.Store(brokerStateRunning)
	close(b.ready)
	b.Log.Info(fmt.Sprintf("[KafkaServer id=%d] started", b.ID), "cluster", b.ClusterID,
		"endpoints", endpointStrings(info.EndPoints))
	return nil
}

// resolveBrokerID is KafkaServer.getOrGenerateBrokerId, with the cluster
// id check before it: meta.properties of the log directories, then
// broker.id, then a generated id.
func (b *Broker) resolveBrokerID(ctx context.Context) (int32, error) {
	cfg := b.Config
	ens, err := checkpoint.LoadMetaEnsemble(b.opts.FS, cfg.Log.LogDirs)
	if err != nil {
		return -1, err
	}
	if stored, ok := ens.ClusterID(); ok && stored != b.ClusterID {
		return -1, fmt.Errorf("%w: The Cluster ID %s doesn't match stored clusterId Some(%s) in meta.properties. "+
			"The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong.",
			ErrInconsistentClusterID, b.ClusterID, stored)
	}
	stored, ok := ens.NodeID()
	switch {
	case cfg.BrokerID >= 0 && ok && stored != cfg.BrokerID:
		return -1, fmt.Errorf("%w: Configured broker.id %d doesn't match stored broker.id Some(%d) in meta.properties. "+
			"If you moved your data, make sure your configured broker.id matches. If you intend to create a new broker, "+
			"you should remove all data in your data directories (log.dirs).", ErrInconsistentBrokerID, cfg.BrokerID, stored)
	case ok:
		return stored, nil
	case cfg.BrokerID < 0 && cfg.BrokerIDGenerationEnable:
		id, err := b.ZK.GenerateBrokerID(ctx, cfg.ReservedBrokerMaxID)
		if err == nil {
			b.Log.Info("Generated broker.id " + strconv.Itoa(int(id)))
		}
		return id, err
	case cfg.BrokerID < 0:
		return -1, fmt.Errorf("%w: broker.id is %d, none is stored in meta.properties and broker.id.generation.enable is false",
			ErrInconsistentBrokerID, cfg.BrokerID)
	}
	return cfg.BrokerID, nil
}

// openLogs opens the log manager and the replica manager over it.
func (b *Broker) openLogs() error {
	cfg := b.Config
	ref := &partition.ReplicationRef{}
	logs, err := logmanager.Open(cfg.Log, logmanager.Options{
		FS:             b.opts.FS,
		Logger:         b.Log,
		ClusterID:      b.ClusterID,
		BrokerID:       b.ID,
		TopicOverrides: b.Configs.TopicOverrides,
		Replication:    ref,
	})
	if err != nil {
		return err
	}
	b.Logs = logs
	for _, dir := range logs.LogDirs() {
		b.Log.Info("Loaded log directory", "dir", dir, "cleanShutdown", logs.HadCleanShutdown(dir),
			"online", logs.IsLogDirOnline(dir))
	}
	groupLog := &groupcoord.ReplicaLog{CommitTimeoutMs: cfg.OffsetsCommitTimeoutMs}
	b.Groups = groupcoord.New(groupCoordinatorConfig(cfg), groupLog, b.Log,
		func() int64 { return time.Now().UnixMilli() })
	b.Groups.SetTopics(func() group.TopicsView { return metaTopics{b.Meta.Snapshot()} })
	rm, err := partition.New(partition.Config{
		BrokerID:               b.ID,
		ReplicaLagTimeMaxMs:    cfg.ReplicaLagTimeMaxMs,
		ProducerIDExpirationMs: int64(cfg.TransactionalIDExpirationMs),
		AsyncFlush:             !durableWrites(cfg),
	}, partition.Options{
		Logs:              logs,
		FS:                b.opts.FS,
		Logger:            b.Log,
		LogConfig:         b.logConfig,
		MinInsyncReplicas: b.minInsyncReplicas,
		Metadata:          metaView{b},
		IsrUpdater:        zkIsrUpdater{b},
		OnLeadershipChange: func(leaders, followers []partition.TopicPartition) {
			b.Groups.OnLeadershipChange(offsetsPartitions(leaders), offsetsPartitions(followers))
		},
	})
	if err != nil {
		return err
	}
	groupLog.RM = rm
	ref.Set(rm)
	rm.Start()
	b.Replicas = rm
	return nil
}

// groupCoordinatorConfig is the group coordinator's share of
// server.properties.
func groupCoordinatorConfig(cfg *kconfig.Broker) groupcoord.Config {
	g := group.DefaultConfig()
	g.MinSessionTimeoutMs = cfg.GroupMinSessionTimeoutMs
	g.MaxSessionTimeoutMs = cfg.GroupMaxSessionTimeoutMs
	g.InitialRebalanceDelayMs = cfg.GroupInitialRebalanceDelayMs
	g.MaxSize = cfg.GroupMaxSize
	g.OffsetsRetentionMs = int64(cfg.OffsetsRetentionMinutes) * 60 * 1000
	g.OffsetsRetentionCheckIntervalMs = cfg.OffsetsRetentionCheckIntervalMs
	g.OffsetMetadataMaxBytes = cfg.OffsetMetadataMaxBytes
	g.ConsumerSessionTimeoutMs = cfg.GroupConsumerSessionTimeoutMs
	g.ConsumerHeartbeatIntervalMs = cfg.GroupConsumerHeartbeatMs
	g.ConsumerMaxSize = cfg.GroupConsumerMaxSize
	return groupcoord.Config{Partitions: cfg.OffsetsTopicNumPartitions, Group: g, LoadBatchBytes: cfg.OffsetsLoadBufferSize}
}

// offsetsPartitions picks the __consumer_offsets partitions out of tps.
func offsetsPartitions(tps []partition.TopicPartition) []int32 {
	var out []int32
	for _, tp := range tps {
		if tp.Topic == meta.GroupMetadataTopic {
			out = append(out, tp.Partition)
		}
	}
	return out
}

// brokerInfo is KafkaServer.createBrokerInfo: the advertised listeners
// with bound ports for port 0 and this host's name for an empty host,
// refused if another broker registered one of them.
func (b *Broker) brokerInfo(ctx context.Context) (zkdata.BrokerInfo, error) {
	cfg := b.Config
	info := zkdata.BrokerInfo{ID: b.ID, JMXPort: -1, Timestamp: time.Now().UnixMilli(), Version: registrationVersion(cfg.InterBrokerProtocolVersion)}
	if cfg.Rack != "" {
		rack := cfg.Rack
		info.Rack = &rack
	}
	for _, l := range b.Server.Advertised() {
		host := l.Host
		if strings.TrimSpace(host) == "" {
			hostname := b.opts.Hostname
			if hostname == nil {
				hostname = os.Hostname
			}
			h, err := hostname()
			if err != nil {
				return info, fmt.Errorf("broker: advertised listener %s has no host and the host name is unknown: %w", l, err)
			}
			host = h
		}
		info.EndPoints = append(info.EndPoints, zkdata.EndPoint{Listener: l.Name, Host: host, Port: int32(l.Port), SecurityProtocol: l.Protocol})
	}
	others, err := b.ZK.GetAllBrokerAndEpochs(ctx)
	if err != nil {
		return info, err
	}
	return info, zkdata.CheckEndpointsUnique(others, info)
}

// registrationVersion is the /brokers/ids JSON version for an
// inter.broker.protocol.version ("2.8-IV1"; "0.10.2-IV0" is major 0,
// minor 10).
func registrationVersion(ibp string) int {
	parts := strings.SplitN(strings.SplitN(ibp, "-", 2)[0], ".", 3)
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return zkdata.RegistrationVersion(major, minor)
}

// startController registers the broker and joins the election. A
// registration of this id owned by another ZooKeeper session is waited on
// while it may be a crashed run's whose session has not expired yet.
func (b *Broker) startController(ctx context.Context) error {
	deadline := time.Now().Add(b.opts.RegistrationWait)
	pause := 100 * time.Millisecond
	warned := false
	for {
		err := b.Controller.Start(ctx)
		if err == nil || !errors.Is(err, zkdata.ErrBrokerRegistered) || b.opts.RegistrationWait < 0 || time.Now().After(deadline) {
			return err
		}
		if !warned {
			warned = true
			b.Log.Warn("broker id already registered by another ZooKeeper session; waiting for it to expire "+
				"(a previous run that did not shut down cleanly?)", "path", zkdata.BrokerPath(b.ID),
				"wait", b.opts.RegistrationWait.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// watchLogDirs follows the log directories taken offline after I/O errors
// (ReplicaManager.handleLogDirFailure): the controller is told through
// /log_dir_event_notification, and the broker stops when none is left,
// as Kafka halts.
func (b *Broker) watchLogDirs() {
	defer b.bg.Done()
	for {
		select {
		case <-b.stopping:
			return
		case dir := <-b.Logs.Failures().C():
			b.Log.Error("Log directory is offline", "dir", dir, "err", b.Logs.Failures().Err(dir))
			if len(b.Logs.OnlineLogDirs()) == 0 {
				b.fail(fmt.Errorf("%w: Shutdown broker because all log dirs in %s have failed",
					ErrNoLogDirs, strings.Join(b.Logs.LogDirs(), ", ")))
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := b.ZK.PropagateLogDirEvent(ctx, b.ID); err != nil {
				b.Log.Warn("log directory event notification failed", "err", err)
			}
			cancel()
		}
	}
}

func endpointStrings(eps []zkdata.EndPoint) []string {
	out := make([]string, len(eps))
	for i, e := range eps {
		out[i] = e.ConnectionString()
	}
	return out
}
