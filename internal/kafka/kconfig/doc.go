// Package kconfig is a Kafka 2.8 broker's configuration: server.properties
// (with the official Docker image's KAFKA_* variables and --override),
// topic configs, the dynamic broker and topic configs kept in ZooKeeper,
// and what DescribeConfigs, AlterConfigs and IncrementalAlterConfigs do
// with them (ConfigHelper, ZkAdminManager, DynamicBrokerConfig,
// DynamicConfigManager of Kafka 2.8).
//
// # API at a glance
//
//	props, err := kconfig.Load(kconfig.Sources{File, Env: os.Environ(), Overrides}) // file < env < --override
//	static, err := kconfig.ParseBroker(props, logger)    // Kafka's keys, defaults, validators, messages
//	static.Listeners, static.ZooKeeperChroot, static.Log (logmanager.Config), static.Value("key") ...
//	err = kconfig.ValidateTopicConfig(overrides)          // CreateTopics: LogConfig.validate
//	tc, err := static.TopicConfig(overrides)              // log.Config + min.insync.replicas, ...
//
//	m := kconfig.NewManager(kconfig.Options{Static: static, BrokerID: id, Store: kconfig.NewZKStore(zk.Session, nil)})
//	cancel := m.Subscribe(kconfig.Listener{TopicChanged: ..., BrokerChanged: ...})
//	err = m.Start(ctx)                                     // load /config/brokers/<default>, /<id>, /config/topics/*; watch /config/changes
//	m.Broker(); m.TopicConfig(topic); m.TopicOverrides(topic)
//	m.DescribeConfigs(ctx, req)          -> []kmsg.DescribeConfigsResponseResource
//	m.AlterConfigs(ctx, req)             -> []kmsg.AlterConfigsResponseResource
//	m.IncrementalAlterConfigs(ctx, req)  -> []kmsg.IncrementalAlterConfigsResponseResource
//	m.Kick()                                               // after a ZooKeeper session renewal
//	m.Close()
//
// The request methods return kmsg's response resources; a handler only
// adds ThrottleMillis and lets kmsg encode the version (v0's IsDefault and
// v1+'s Source are both set).
//
// # Invariants
//
//   - Every error a client or an operator sees carries Kafka's own message
//     (Error.Msg) and maps to Kafka's error code (Code): ConfigException
//     and IllegalArgumentException at startup are ErrConfig; in
//     AlterConfigs they become INVALID_REQUEST "Invalid config value for
//     resource ConfigResource(type=..., name='...'): <message>"; unknown
//     topic config names and conflicting values are INVALID_CONFIG.
//   - A Broker is immutable. The Manager's current Broker is always the
//     parse of static < cluster-default < per-broker dynamic properties,
//     with a dynamic key replacing its synonyms (overrideProps); dynamic
//     properties that would not parse are not applied.
//   - Change notifications are applied in sequence-number order, each at
//     most once per Manager (lastChange), re-reading the entity they name;
//     those older than ChangeExpirationMs are deleted after processing.
//     An alteration is applied locally as soon as it is written, so a
//     DescribeConfigs that follows it sees it.
//   - Listeners are called one at a time, in the order changes were
//     applied, with no Manager lock but procMu held.
//
// # Where Wharf differs from Kafka 2.8
//
//   - KRaft (process.roles) is refused; dynamic password configs (which
//     Kafka stores encrypted with password.encoder.secret) are refused and
//     ignored when found in ZooKeeper; CLASS keys are kept as names, never
//     loaded; alter.config.policy.class.name is Options.AlterPolicy.
//   - Kafka 3.6's message.timestamp.before/after.max.ms (and their log.*
//     broker keys) exist, since Wharf's log enforces them.
//   - IncrementalAlterConfigs APPEND/SUBTRACT follow Kafka 3.9 (no
//     duplicates appended, an empty list appended to cleanly, INVALID_CONFIG
//     for an unknown or non-list key).
//   - DescribeConfigs entries are sorted by name; v0 responses carry a
//     meaningful IsDefault; documentation (v3+) is Kafka's text for the
//     topic configs and 171 broker keys (docs_*.go), null for the others.
//   - Set-valued messages list names sorted ("Set(a, b)").
//   - A per-broker or default config stored in ZooKeeper that makes the
//     broker config invalid is not kept (Kafka keeps the map but not the
//     config), and a topic's invalid overrides are logged, not passed on.
//   - JSON key order of the config znodes is zkdata's (a JDK 9+
//     Properties); an incremental change re-inserts the stored keys in name
//     order, where Kafka re-inserts them in their stored order.
//
// Not here yet: quota, user and IP entities (client quotas, SCRAM), which
// the notifications name and the Manager skips.
package kconfig
