package kconfig

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// Store is the Manager's view of ZooKeeper: Kafka 2.8's /config layout.
// ZKStore is the real one; MemStore is the in-memory double.
type Store interface {
	// EntityConfig reads /config/<entityType>/<name>; nil (no error) when
	// the znode does not exist (AdminZkClient.fetchEntityConfig).
	EntityConfig(ctx context.Context, entityType, name string) (map[string]string, error)
	// SetEntityConfig writes /config/<entityType>/<name>, creating it and
	// its parents if needed (KafkaZkClient.setOrCreateEntityConfigs); the
	// entries are in the order Kafka would have put them into Properties.
	SetEntityConfig(ctx context.Context, entityType, name string, entries []zkdata.ConfigEntry) error
	// NotifyChange creates a /config/changes/config_change_<seq> znode for
	// "<entityType>/<name>" (createConfigChangeNotification).
	NotifyChange(ctx context.Context, entityPath string) error
	// Entities lists the children of /config/<entityType> (none if absent).
	Entities(ctx context.Context, entityType string) ([]string, error)
	// TopicExists reports whether /brokers/topics/<topic> exists.
	TopicExists(ctx context.Context, topic string) (bool, error)
	// Changes lists the children of /config/changes. When watch is not
	// nil, a one-shot watch calls it once after the next change of that
	// list (from any goroutine; it must not block).
	Changes(ctx context.Context, watch func()) ([]string, error)
	// Change reads one notification: its data and creation time (ms).
	// ok is false when it no longer exists.
	Change(ctx context.Context, name string) (data []byte, ctimeMs int64, ok bool, err error)
	// DeleteChange deletes a notification; deleting a missing one is no
	// error.
	DeleteChange(ctx context.Context, name string) error
}

// MemStore is an in-memory Store: a map of znodes with ZooKeeper's
// sequential naming and one-shot child watches. Now gives creation times
// (ms); it defaults to 0.
type MemStore struct {
	Now func() int64

	mu      sync.Mutex
	configs map[string][]byte // "<type>/<name>" -> znode data
	topics  map[string]bool
	changes map[string]memChange
	seq     int64
	watches []func()
}

type memChange struct {
	data  []byte
	ctime int64
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{configs: map[string][]byte{}, topics: map[string]bool{}, changes: map[string]memChange{}}
}

// AddTopic makes /brokers/topics/<topic> exist (or not).
func (s *MemStore) AddTopic(topic string, exists bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if exists {
		s.topics[topic] = true
	} else {
		delete(s.topics, topic)
	}
}

// Data returns a config znode's raw data (for tests of the exact JSON).
func (s *MemStore) Data(entityType, name string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.configs[entityType+"/"+name]
	return d, ok
}

func (s *MemStore) EntityConfig(_ context.Context, entityType, name string) (map[string]string, error) {
	s.mu.Lock()
	d, ok := s.configs[entityType+"/"+name]
	s.mu.Unlock()
	if !ok {
		return nil, nil
	}
	return zkdata.DecodeEntityConfig(d)
}

func (s *MemStore) SetEntityConfig(_ context.Context, entityType, name string, entries []zkdata.ConfigEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.configs[entityType+"/"+name] = zkdata.EncodeEntityConfig(entries)
	return nil
}

func (s *MemStore) NotifyChange(_ context.Context, entityPath string) error {
	s.mu.Lock()
	name := fmt.Sprintf("%s%010d", zkdata.ConfigChangePrefix, s.seq)
	s.seq++
	var now int64
	if s.Now != nil {
		now = s.Now()
	}
	s.changes[name] = memChange{zkdata.EncodeConfigChange(entityPath), now}
	ws := s.watches
	s.watches = nil
	s.mu.Unlock()
	for _, w := range ws {
		w()
	}
	return nil
}

func (s *MemStore) Entities(_ context.Context, entityType string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.configs {
		if t, n, _ := strings.Cut(k, "/"); t == entityType {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s *MemStore) TopicExists(_ context.Context, topic string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.topics[topic], nil
}

func (s *MemStore) Changes(_ context.Context, watch func()) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if watch != nil {
		s.watches = append(s.watches, watch)
	}
	return slices.Sorted(maps.Keys(s.changes)), nil
}

func (s *MemStore) Change(_ context.Context, name string) ([]byte, int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.changes[name]
	return c.data, c.ctime, ok, nil
}

func (s *MemStore) DeleteChange(_ context.Context, name string) error {
	s.mu.Lock()
	_, ok := s.changes[name]
	delete(s.changes, name)
	ws := s.watches
	if ok {
		s.watches = nil
	} else {
		ws = nil
	}
	s.mu.Unlock()
	for _, w := range ws {
		w()
	}
	return nil
}
