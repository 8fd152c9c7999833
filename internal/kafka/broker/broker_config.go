package broker

import (
	"context"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/kconfig"
	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// NetworkConfig is the network server's share of a broker configuration:
// listeners and their limits, with Kafka's key names (see Config).
func NetworkConfig(cfg *kconfig.Broker) Config {
	c := DefaultConfig()
	c.Listeners = endpointList(cfg.Listeners)
	c.AdvertisedListeners = endpointList(cfg.AdvertisedListeners)
	var pm []string
	for _, name := range slices.Sorted(maps.Keys(cfg.ListenerSecurityProtocolMap)) {
		pm = append(pm, name+":"+cfg.ListenerSecurityProtocolMap[name])
	}
	c.SecurityProtocolMap = strings.Join(pm, ",")
	c.InterBrokerListenerName = cfg.InterBrokerListenerName
	if cfg.SocketRequestMaxBytes > 0 {
		c.SocketRequestMaxBytes = cfg.SocketRequestMaxBytes
	}
	c.SocketSendBufferBytes = int(cfg.SocketSendBufferBytes)
	c.SocketReceiveBufferBytes = int(cfg.SocketReceiveBufferBytes)
	c.QueuedMaxRequests = int(cfg.QueuedMaxRequests)
	c.ConnectionsMaxIdle = time.Duration(cfg.ConnectionsMaxIdleMs) * time.Millisecond
	c.MaxConnections = int(cfg.MaxConnections)
	c.MaxConnectionsPerIP = int(cfg.MaxConnectionsPerIP)
	var ov []string
	for _, host := range slices.Sorted(maps.Keys(cfg.MaxConnectionsPerIPOverrides)) {
		ov = append(ov, host+":"+strconv.Itoa(int(cfg.MaxConnectionsPerIPOverrides[host])))
	}
	c.MaxConnectionsPerIPOverrides = strings.Join(ov, ",")
	for k, v := range cfg.Props {
		m := listenerMaxConnections.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			n = -1 // refused by Validate with the key's name
		}
		if c.MaxConnectionsPerListener == nil {
			c.MaxConnectionsPerListener = map[string]int{}
		}
		c.MaxConnectionsPerListener[strings.ToUpper(m[1])] = n
	}
	return c
}

// listenerMaxConnections matches listener.name.<listener>.max.connections.
var listenerMaxConnections = regexp.MustCompile(`^listener\.name\.([^.]+)\.max\.connections$`)

func endpointList(eps []kconfig.Endpoint) string {
	s := make([]string, len(eps))
	for i, e := range eps {
		s[i] = e.ConnectionString()
	}
	return strings.Join(s, ",")
}

// DurableWritesKey is Wharf's own server.properties key choosing the
// durability of acks=all (DESIGN decision 6): true (the default) answers
// an acks=all produce once the batch is fsynced and lets consumers read
// only fsynced records; false is Kafka's behaviour (acknowledged once in
// the ISR's memory; fsync left to flush.messages and flush.ms).
const DurableWritesKey = "wharf.durable.writes"

func durableWrites(cfg *kconfig.Broker) bool {
	v, ok := cfg.Props[DurableWritesKey]
	return !ok || !strings.EqualFold(strings.TrimSpace(v), "false")
}

// topicConfigCache keeps the topics' effective configurations, which the
// hot paths ask for (min.insync.replicas on every acks=all produce):
// kconfig builds one by parsing, so it is built once per change. gen
// counts the forgets, so that a configuration read while a change came in
// is not kept.
type topicConfigCache struct {
	mu   sync.RWMutex
	cfgs map[string]kconfig.TopicConfig
	gen  uint64
}

// topicConfigReadTimeout bounds the ZooKeeper read of a topic's overrides.
const topicConfigReadTimeout = 5 * time.Second

// TopicConfig is a topic's effective configuration: the broker's current
// defaults (static and dynamic) and the topic's overrides in ZooKeeper.
func (b *Broker) TopicConfig(topic string) (kconfig.TopicConfig, error) {
	b.topics.mu.RLock()
	tc, ok := b.topics.cfgs[topic]
	gen := b.topics.gen
	b.topics.mu.RUnlock()
	if ok {
		return tc, nil
	}
	if b.Configs == nil {
		return kconfig.TopicConfig{}, errors.New("broker: no configuration manager")
	}
	tc, err := b.loadTopicConfig(topic)
	if err != nil {
		return tc, err
	}
	b.topics.mu.Lock()
	if b.topics.gen == gen {
		if b.topics.cfgs == nil {
			b.topics.cfgs = map[string]kconfig.TopicConfig{}
		}
		b.topics.cfgs[topic] = tc
	}
	b.topics.mu.Unlock()
	return tc, nil
}

// loadTopicConfig reads a topic's overrides from /config/topics/<topic>,
// as Kafka does when it creates a partition's log (Partition.createLog's
// fetchLogConfig): the configuration manager learns of overrides only
// through /config/changes, and creating a topic with overrides writes no
// change notification. Without ZooKeeper (or when the read fails) the
// manager's view is used.
func (b *Broker) loadTopicConfig(topic string) (kconfig.TopicConfig, error) {
	if b.ZK == nil {
		return b.Configs.TopicConfig(topic)
	}
	ctx, cancel := context.WithTimeout(context.Background(), topicConfigReadTimeout)
	defer cancel()
	props, err := kconfig.NewZKStore(b.ZK.Session, nil).EntityConfig(ctx, zkdata.ConfigTopics, topic)
	if err != nil {
		b.Log.Warn("reading a topic's config overrides failed; using the last ones loaded", "topic", topic, "err", err)
		return b.Configs.TopicConfig(topic)
	}
	return b.Configs.Broker().TopicConfig(props)
}

// forgetTopicConfigs drops cached configurations (all when topic is "").
func (b *Broker) forgetTopicConfigs(topic string) {
	b.topics.mu.Lock()
	b.topics.gen++
	if topic == "" {
		b.topics.cfgs = nil
	} else {
		delete(b.topics.cfgs, topic)
	}
	b.topics.mu.Unlock()
}

// logConfig is the replica manager's LogConfig: a topic's log settings.
func (b *Broker) logConfig(topic string) (log.Config, error) {
	tc, err := b.TopicConfig(topic)
	return tc.Log, err
}

// minInsyncReplicas is the replica manager's MinInsyncReplicas. A topic
// whose config does not parse (it cannot be created so) counts as 1.
func (b *Broker) minInsyncReplicas(topic string) int {
	tc, err := b.TopicConfig(topic)
	if err != nil {
		return 1
	}
	return int(tc.MinInSyncReplicas)
}

// uncleanLeaderElection is the controller's per-topic
// unclean.leader.election.enable.
func (b *Broker) uncleanLeaderElection(topic string) bool {
	tc, err := b.TopicConfig(topic)
	if err != nil {
		return b.Configs.Broker().UncleanLeaderElectionEnable
	}
	return tc.UncleanLeaderElectionEnable
}

// subscribeConfigs applies dynamic configuration changes to the logs
// (Kafka's TopicConfigHandler and DynamicLogConfig), then brings every
// open log up to date once, so that no change made between the
// configuration manager's start and the subscription is missed.
func (b *Broker) subscribeConfigs() {
	cancel := b.Configs.Subscribe(kconfig.Listener{
		TopicChanged: func(topic string, cfg kconfig.TopicConfig) {
			b.forgetTopicConfigs(topic)
			b.updateTopicLogs(topic, cfg.Log)
		},
		BrokerChanged: func(_, _ *kconfig.Broker) {
			b.forgetTopicConfigs("")
			b.refreshAllTopicLogs()
		},
	})
	b.cancels = append(b.cancels, cancel)
	b.refreshAllTopicLogs()
}

// refreshAllTopicLogs recomputes the configuration of every topic with a
// log here (after the broker defaults changed).
func (b *Broker) refreshAllTopicLogs() {
	seen := map[string]bool{}
	for _, l := range b.Logs.AllLogs() {
		topic := l.TopicPartition().Topic
		if seen[topic] {
			continue
		}
		seen[topic] = true
		tc, err := b.TopicConfig(topic)
		if err != nil {
			b.Log.Error("invalid topic configuration; the logs keep their previous one", "topic", topic, "err", err)
			continue
		}
		b.updateTopicLogs(topic, tc.Log)
	}
}

func (b *Broker) updateTopicLogs(topic string, cfg log.Config) {
	if err := b.Logs.UpdateTopicConfig(topic, cfg); err != nil {
		b.Log.Error("updating a topic's log configuration failed", "topic", topic, "err", err)
	}
}
