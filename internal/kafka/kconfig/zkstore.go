package kconfig

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// ZKStore is the Store on a ZooKeeper client (Wharf's coordinator or an
// Apache ZooKeeper). Paths are relative to the client's chroot.
//
// The one-shot watch on /config/changes belongs to a session: after a
// session expiry (zkdata.Client renews it), the owner calls Manager.Kick,
// as Kafka's listener does in afterInitializingSession.
type ZKStore struct {
	session func() *client.Client
	acl     []jute.ACL

	mu      sync.Mutex
	watcher *client.Watcher
	onWatch func()
}

// NewZKStore returns a Store on the current session (zkdata.Client's
// Session, or a fixed *client.Client), creating znodes with acl (OpenACL
// when nil).
func NewZKStore(session func() *client.Client, acl []jute.ACL) *ZKStore {
	if acl == nil {
		acl = zkdata.OpenACL
	}
	s := &ZKStore{session: session, acl: acl}
	s.watcher = client.NewWatcher(func(client.Event) {
		s.mu.Lock()
		fn := s.onWatch
		s.onWatch = nil
		s.mu.Unlock()
		if fn != nil {
			fn()
		}
	})
	return s
}

func storeErr(op, path string, err error) error {
	return fmt.Errorf("%w: %s %s: %w", ErrStore, op, path, err)
}

func (s *ZKStore) EntityConfig(ctx context.Context, entityType, name string) (map[string]string, error) {
	p := zkdata.ConfigEntityPath(entityType, name)
	data, _, err := s.session().Get(ctx, p, nil)
	if errors.Is(err, jute.NoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, storeErr("get", p, err)
	}
	cfg, err := zkdata.DecodeEntityConfig(data)
	if err != nil {
		return nil, storeErr("decode", p, err)
	}
	return cfg, nil
}

func (s *ZKStore) SetEntityConfig(ctx context.Context, entityType, name string, entries []zkdata.ConfigEntry) error {
	p := zkdata.ConfigEntityPath(entityType, name)
	data := zkdata.EncodeEntityConfig(entries)
	_, err := s.session().Set(ctx, p, data, -1)
	if errors.Is(err, jute.NoNode) {
		if err = s.createRecursive(ctx, p, data); errors.Is(err, jute.NodeExists) {
			_, err = s.session().Set(ctx, p, data, -1)
		}
	}
	if err != nil {
		return storeErr("set", p, err)
	}
	return nil
}

// createRecursive is KafkaZkClient.createRecursive: create p, creating
// missing parents (with no data) first.
func (s *ZKStore) createRecursive(ctx context.Context, p string, data []byte) error {
	_, err := s.session().Create(ctx, p, data, s.acl, client.ModePersistent)
	if !errors.Is(err, jute.NoNode) {
		return err
	}
	parent := p[:strings.LastIndexByte(p, '/')]
	if parent != "" {
		if err := s.createRecursive(ctx, parent, nil); err != nil && !errors.Is(err, jute.NodeExists) {
			return err
		}
	}
	_, err = s.session().Create(ctx, p, data, s.acl, client.ModePersistent)
	return err
}

func (s *ZKStore) ensure(ctx context.Context, p string) error {
	if err := s.createRecursive(ctx, p, nil); err != nil && !errors.Is(err, jute.NodeExists) {
		return storeErr("create", p, err)
	}
	return nil
}

func (s *ZKStore) NotifyChange(ctx context.Context, entityPath string) error {
	if err := s.ensure(ctx, zkdata.ConfigChangesPath); err != nil {
		return err
	}
	p := zkdata.ConfigChangesPath + "/" + zkdata.ConfigChangePrefix
	if _, err := s.session().Create(ctx, p, zkdata.EncodeConfigChange(entityPath), s.acl, client.ModePersistentSequential); err != nil {
		return storeErr("create", p, err)
	}
	return nil
}

func (s *ZKStore) Entities(ctx context.Context, entityType string) ([]string, error) {
	p := zkdata.ConfigEntityTypePath(entityType)
	names, err := s.session().Children(ctx, p, nil)
	if errors.Is(err, jute.NoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, storeErr("children", p, err)
	}
	return names, nil
}

func (s *ZKStore) TopicExists(ctx context.Context, topic string) (bool, error) {
	p := zkdata.TopicPath(topic)
	st, err := s.session().Exists(ctx, p, nil)
	if err != nil {
		return false, storeErr("exists", p, err)
	}
	return st != nil, nil
}

func (s *ZKStore) Changes(ctx context.Context, watch func()) ([]string, error) {
	if err := s.ensure(ctx, zkdata.ConfigChangesPath); err != nil {
		return nil, err
	}
	var w *client.Watcher
	if watch != nil {
		s.mu.Lock()
		s.onWatch = watch
		s.mu.Unlock()
		w = s.watcher
	}
	names, err := s.session().Children(ctx, zkdata.ConfigChangesPath, w)
	if err != nil {
		return nil, storeErr("children", zkdata.ConfigChangesPath, err)
	}
	return names, nil
}

func (s *ZKStore) Change(ctx context.Context, name string) ([]byte, int64, bool, error) {
	p := zkdata.ConfigChangesPath + "/" + name
	data, st, err := s.session().Get(ctx, p, nil)
	if errors.Is(err, jute.NoNode) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, storeErr("get", p, err)
	}
	return data, st.Ctime, true, nil
}

func (s *ZKStore) DeleteChange(ctx context.Context, name string) error {
	p := zkdata.ConfigChangesPath + "/" + name
	if err := s.session().Delete(ctx, p, -1); err != nil && !errors.Is(err, jute.NoNode) {
		return storeErr("delete", p, err)
	}
	return nil
}
