package kconfig

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// DefaultChangeExpirationMs is how old a processed /config/changes
// notification must be before it is deleted (Kafka's changeExpirationMs).
const DefaultChangeExpirationMs = 15 * 60 * 1000

// Options configure a Manager.
type Options struct {
	// Static is the broker's static configuration (ParseBroker of Load's
	// result).
	Static *Broker
	// BrokerID is the broker's id once resolved (broker.id, or the id
	// generated from /brokers/seqid when broker.id is -1).
	BrokerID int32
	// Store is ZooKeeper's /config (NewZKStore) or a MemStore.
	Store Store
	// Logger receives Kafka's log lines of config changes; nil discards.
	Logger *slog.Logger
	// Now is the current time in ms (default: the wall clock); it decides
	// which notifications are old enough to purge.
	Now func() int64
	// ChangeExpirationMs defaults to DefaultChangeExpirationMs.
	ChangeExpirationMs int64
	// TopicExists answers "does the metadata cache know this topic"
	// (DescribeConfigs, AlterConfigs); nil asks the Store.
	TopicExists func(topic string) bool
	// AlterPolicy stands for alter.config.policy.class.name: a refusal
	// becomes POLICY_VIOLATION with its message. configs are the request's
	// entries (a nil value for an incremental DELETE).
	AlterPolicy func(resourceType kmsg.ConfigResourceType, name string, configs map[string]*string) error
	// Loggers are the broker's loggers for BROKER_LOGGER resources; nil
	// offers only "root" at INFO, which cannot be changed.
	Loggers Loggers
}

// Loggers are a broker's log levels by logger name (Kafka's
// Log4jController), for DescribeConfigs and IncrementalAlterConfigs of
// BROKER_LOGGER resources.
type Loggers interface {
	Levels() map[string]string // logger name -> level; includes "root"
	SetLevel(logger, level string) error
	UnsetLevel(logger string) error
}

// Listener receives configuration changes. Calls are serialized, in the
// order the changes were applied, on the Manager's goroutine or on the
// goroutine of the AlterConfigs that made the change; a listener may call
// the Manager's read methods (Broker, TopicConfig, ...) but not Alter*.
type Listener struct {
	// TopicChanged gets a topic's new effective configuration after its
	// overrides changed (the broker then calls logmanager.UpdateTopicConfig
	// with cfg.Log). Overrides that do not validate are logged, not passed.
	TopicChanged func(topic string, cfg TopicConfig)
	// BrokerChanged gets the old and new effective broker configuration
	// after a dynamic broker config changed. Topic defaults may have
	// changed with it: the broker recomputes its topics' configs
	// (Manager.TopicConfig), as Kafka's DynamicLogConfig does.
	BrokerChanged func(old, cur *Broker)
}

// Manager owns the broker's dynamic configuration: the per-broker and
// cluster-default broker configs and every topic's overrides, loaded from
// ZooKeeper at Start and kept current by the /config/changes notifications
// (Kafka's DynamicBrokerConfig, DynamicConfigManager and
// ZkNodeChangeNotificationListener). It answers DescribeConfigs and
// performs AlterConfigs and IncrementalAlterConfigs.
//
// Lock order: alterMu (one alteration at a time), then procMu (one
// application of changes at a time; listeners run under it), then mu
// (the maps; a leaf, never held across I/O or callbacks).
type Manager struct {
	opts   Options
	store  Store
	log    *slog.Logger
	static *Broker

	alterMu sync.Mutex
	procMu  sync.Mutex

	mu         sync.Mutex
	cur        *Broker
	dynBroker  map[string]string
	dynDefault map[string]string
	topics     map[string]map[string]string
	listeners  map[int]Listener
	nextL      int
	lastChange int64

	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	closed bool
}

// NewManager returns a Manager holding the static configuration; Start
// loads the dynamic one.
func NewManager(opts Options) *Manager {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = func() int64 { return time.Now().UnixMilli() }
	}
	if opts.ChangeExpirationMs <= 0 {
		opts.ChangeExpirationMs = DefaultChangeExpirationMs
	}
	return &Manager{
		opts: opts, store: opts.Store, log: opts.Logger, static: opts.Static, cur: opts.Static,
		dynBroker: map[string]string{}, dynDefault: map[string]string{},
		topics: map[string]map[string]string{}, listeners: map[int]Listener{}, lastChange: -1,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
}

// Start loads the dynamic broker configs (/config/brokers/<default> and
// /config/brokers/<id>) and every topic's overrides, processes the pending
// notifications, then watches /config/changes until Close.
func (m *Manager) Start(ctx context.Context) error {
	m.procMu.Lock()
	err := m.loadAll(ctx)
	m.procMu.Unlock()
	if err != nil {
		return err
	}
	m.processChanges(ctx)
	go m.run()
	return nil
}

func (m *Manager) loadAll(ctx context.Context) error {
	def, err := m.store.EntityConfig(ctx, zkdata.ConfigBrokers, zkdata.DefaultEntity)
	if err != nil {
		return err
	}
	own, err := m.store.EntityConfig(ctx, zkdata.ConfigBrokers, m.brokerName())
	if err != nil {
		return err
	}
	m.applyBroker(zkdata.DefaultEntity, def)
	m.applyBroker(m.brokerName(), own)
	names, err := m.store.Entities(ctx, zkdata.ConfigTopics)
	if err != nil {
		return err
	}
	for _, t := range names {
		props, err := m.store.EntityConfig(ctx, zkdata.ConfigTopics, t)
		if err != nil {
			return err
		}
		m.applyTopic(t, props)
	}
	return nil
}

func (m *Manager) brokerName() string { return strconv.Itoa(int(m.opts.BrokerID)) }

// Kick makes the Manager read /config/changes again and re-arm its watch
// (after a ZooKeeper session was renewed).
func (m *Manager) Kick() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

func (m *Manager) run() {
	defer close(m.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-m.stop
		cancel()
	}()
	for {
		select {
		case <-m.stop:
			return
		case <-m.kick:
			m.processChanges(ctx)
		}
	}
}

// Close stops watching; the configuration stays readable.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	close(m.stop)
	select {
	case <-m.done:
	case <-time.After(10 * time.Second):
	}
	return nil
}

// processChanges is ZkNodeChangeNotificationListener.processNotifications:
// every notification newer than the last one processed is applied (by
// reading the entity it names), then those older than ChangeExpirationMs
// are deleted. A failure is retried a second later.
func (m *Manager) processChanges(ctx context.Context) {
	m.procMu.Lock()
	defer m.procMu.Unlock()
	names, err := m.store.Changes(ctx, m.Kick)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Error("Error while processing notification change for path = /config/changes", "err", err)
			time.AfterFunc(time.Second, m.Kick)
		}
		return
	}
	slices.SortFunc(names, func(a, b string) int { return int(changeNumber(a) - changeNumber(b)) })
	if len(names) == 0 {
		return
	}
	now := m.opts.Now()
	for _, n := range names {
		id := changeNumber(n)
		if id <= m.lastChange {
			continue
		}
		data, _, ok, err := m.store.Change(ctx, n)
		if err != nil {
			m.log.Error("Error while processing notification change for path = /config/changes", "err", err)
			time.AfterFunc(time.Second, m.Kick)
			return
		}
		if ok {
			if err := m.processNotification(ctx, data); err != nil {
				m.log.Error(fmt.Sprintf("error processing change notification %s from /config/changes/%s", data, n), "err", err)
			}
		} else {
			m.log.Warn("read null data from /config/changes/" + n)
		}
		m.lastChange = id
	}
	for _, n := range names {
		_, ctime, ok, err := m.store.Change(ctx, n)
		if err == nil && ok && now-ctime > m.opts.ChangeExpirationMs {
			m.log.Debug("Purging change notification /config/changes/" + n)
			if err := m.store.DeleteChange(ctx, n); err != nil {
				m.log.Error("purging /config/changes/"+n, "err", err)
			}
		}
	}
}

func changeNumber(name string) int64 {
	n, err := strconv.ParseInt(strings.TrimPrefix(name, zkdata.ConfigChangePrefix), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// processNotification is DynamicConfigManager's ConfigChangedNotificationHandler.
func (m *Manager) processNotification(ctx context.Context, data []byte) error {
	path, err := zkdata.DecodeConfigChange(data)
	if err != nil {
		return err
	}
	typ, name, ok := strings.Cut(path, "/")
	if !ok {
		return fmt.Errorf("%w: Version 2 config change notification must have 'entity_path' starting with one of 'topics'/, 'clients'/, 'users'/, 'brokers'/, 'ips'/. Received: %s", ErrInvalidRequest, data)
	}
	switch typ {
	case zkdata.ConfigTopics, zkdata.ConfigBrokers:
	default:
		return nil // quotas and credentials are not Wharf's yet
	}
	props, err := m.store.EntityConfig(ctx, typ, name)
	if err != nil {
		return err
	}
	m.log.Info(fmt.Sprintf("Processing override for entityPath: %s with config: %s", path, loggableMap(typ, props)))
	if typ == zkdata.ConfigTopics {
		m.applyTopic(name, props)
	} else {
		m.applyBroker(name, props)
	}
	return nil
}

func loggableMap(typ string, props map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(props)) {
		v := props[k]
		if typ == zkdata.ConfigBrokers && brokerConfigType(k) == TypePassword {
			v = "[hidden]"
		}
		parts = append(parts, k+" -> "+v)
	}
	return "Map(" + strings.Join(parts, ", ") + ")"
}

// applyTopic records a topic's overrides and tells the listeners (procMu
// held).
func (m *Manager) applyTopic(topic string, props map[string]string) {
	m.mu.Lock()
	old := m.topics[topic]
	if len(props) == 0 {
		delete(m.topics, topic)
	} else {
		m.topics[topic] = maps.Clone(props)
	}
	b := m.cur
	ls := m.listenerList()
	m.mu.Unlock()
	if maps.Equal(old, props) {
		return
	}
	cfg, err := b.TopicConfig(props)
	if err != nil {
		m.log.Error(fmt.Sprintf("Invalid topic config overrides for %s, keeping the previous ones in effect", topic), "err", err)
		return
	}
	for _, l := range ls {
		if l.TopicChanged != nil {
			l.TopicChanged(topic, cfg)
		}
	}
}

// applyBroker is BrokerConfigHandler.processConfigChanges with
// DynamicBrokerConfig.updateBrokerConfig/updateDefaultConfig (procMu held).
func (m *Manager) applyBroker(name string, stored map[string]string) {
	perBroker := name != zkdata.DefaultEntity
	if perBroker {
		id, err := strconv.Atoi(strings.TrimSpace(name))
		if err != nil || int32(id) != m.opts.BrokerID {
			return // another broker's
		}
	}
	props, dropped := fromPersistent(stored, perBroker)
	for _, d := range dropped {
		m.log.Error(d)
	}
	m.mu.Lock()
	dynBroker, dynDefault := m.dynBroker, m.dynDefault
	if perBroker {
		dynBroker = props
	} else {
		dynDefault = props
	}
	old := m.cur
	next, err := parseBroker(effectiveProps(m.static.Props, dynDefault, dynBroker))
	if err != nil {
		m.mu.Unlock()
		if perBroker {
			m.log.Error(fmt.Sprintf("Per-broker configs of %d could not be applied: %s", m.opts.BrokerID, scalaSet(slices.Collect(maps.Keys(stored)))), "err", err)
		} else {
			m.log.Error("Cluster default configs could not be applied: "+scalaSet(slices.Collect(maps.Keys(stored))), "err", err)
		}
		return
	}
	m.dynBroker, m.dynDefault = dynBroker, dynDefault
	changed := !maps.Equal(old.Props, next.Props)
	if changed {
		m.cur = next
	}
	ls := m.listenerList()
	m.mu.Unlock()
	if !changed {
		return
	}
	for _, l := range ls {
		if l.BrokerChanged != nil {
			l.BrokerChanged(old, next)
		}
	}
}

func (m *Manager) listenerList() []Listener {
	keys := slices.Sorted(maps.Keys(m.listeners))
	out := make([]Listener, len(keys))
	for i, k := range keys {
		out[i] = m.listeners[k]
	}
	return out
}

// Subscribe adds a listener; the returned function removes it.
func (m *Manager) Subscribe(l Listener) (cancel func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := m.nextL
	m.nextL++
	m.listeners[id] = l
	return func() {
		m.mu.Lock()
		delete(m.listeners, id)
		m.mu.Unlock()
	}
}

// Broker returns the current effective broker configuration: static, then
// cluster-default, then per-broker dynamic configs.
func (m *Manager) Broker() *Broker {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cur
}

// Static returns the static broker configuration.
func (m *Manager) Static() *Broker { return m.static }

// DynamicBrokerConfigs returns the per-broker dynamic configs in effect.
func (m *Manager) DynamicBrokerConfigs() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.dynBroker)
}

// DynamicDefaultConfigs returns the cluster-default dynamic configs in
// effect.
func (m *Manager) DynamicDefaultConfigs() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.dynDefault)
}

// TopicOverrides returns a topic's overrides as last loaded (empty when
// none); the logmanager's Options.TopicOverrides can be this method.
func (m *Manager) TopicOverrides(topic string) map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.topics[topic])
}

// TopicConfig returns a topic's effective configuration under the current
// broker configuration.
func (m *Manager) TopicConfig(topic string) (TopicConfig, error) {
	m.mu.Lock()
	props, b := m.topics[topic], m.cur
	m.mu.Unlock()
	return b.TopicConfig(props)
}
