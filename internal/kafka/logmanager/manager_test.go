package logmanager

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

// filesystems runs a test on an in-memory filesystem and on real
// temporary directories.
func filesystems(t *testing.T, run func(t *testing.T, fsys vfs.FS, root string)) {
	t.Run("mem", func(t *testing.T) { run(t, vfs.NewMem(), "/data") })
	t.Run("os", func(t *testing.T) { run(t, vfs.Default, t.TempDir()) })
}

func TestOpenCreateReopen(t *testing.T) {
	filesystems(t, func(t *testing.T, fsys vfs.FS, root string) {
		dirs := []string{filepath.Join(root, "a"), filepath.Join(root, "b", "nested")}
		cfg := testConfig(dirs...)
		clock := newClock()
		m := mustOpen(t, cfg, testOptions(t, fsys, clock))
		if got := m.OnlineLogDirs(); !slices.Equal(got, dirs) {
			t.Fatalf("online dirs %v", got)
		}
		id := checkpoint.RandomUuid()
		tps := []TopicPartition{tp("orders", 0), tp("orders", 1), tp("orders", 2), tp("users", 0)}
		for i, p := range tps {
			l, err := m.GetOrCreateLog(p, cfg.Defaults, id)
			if err != nil {
				t.Fatal(err)
			}
			appendRecords(t, l, 25*(i+1), clock.NowMs())
		}
		// The fewest-partitions rule alternates between the two directories.
		perDir := map[string]int{}
		for _, p := range tps {
			d, _ := m.LogDirOf(p)
			perDir[d]++
		}
		if perDir[dirs[0]] != 2 || perDir[dirs[1]] != 2 {
			t.Fatalf("partitions per directory: %v", perDir)
		}
		if l2, err := m.GetOrCreateLog(tps[0], cfg.Defaults, id); err != nil || l2 != mustGet(t, m, tps[0]) {
			t.Fatalf("GetOrCreateLog of an existing log: %v", err)
		}
		mustClose(t, m)
		for _, d := range dirs {
			for _, name := range []string{".lock", "meta.properties", ".kafka_cleanshutdown", "recovery-point-offset-checkpoint",
				"log-start-offset-checkpoint", "replication-offset-checkpoint", "cleaner-offset-checkpoint"} {
				if !exists(fsys, filepath.Join(d, name)) {
					t.Errorf("%s missing after Close; tree: %v", filepath.Join(d, name), listTree(fsys, root))
				}
			}
		}

		m = mustOpen(t, cfg, testOptions(t, fsys, clock))
		defer mustClose(t, m)
		for i, p := range tps {
			l := mustGet(t, m, p)
			if l.LogEndOffset() != int64(25*(i+1)) {
				t.Fatalf("%s: log end %d after reopen", p, l.LogEndOffset())
			}
			checkRecords(t, l, 0, l.LogEndOffset())
			if got, ok := m.TopicID(p); !ok || got != id {
				t.Fatalf("%s: topic ID %v %v", p, got, ok)
			}
		}
		for _, d := range dirs {
			if !m.HadCleanShutdown(d) {
				t.Fatalf("%s: clean shutdown not seen", d)
			}
			if exists(fsys, filepath.Join(d, checkpoint.CleanShutdownFileName)) {
				t.Fatalf("%s: the marker is still there while open", d)
			}
		}
		if got := len(m.AllLogs()); got != len(tps) {
			t.Fatalf("AllLogs: %d", got)
		}
		if got := len(m.LogsByTopic("orders")); got != 3 {
			t.Fatalf("LogsByTopic: %d", got)
		}
	})
}

func mustGet(t testing.TB, m *Manager, p TopicPartition) *log.Log {
	t.Helper()
	l, ok := m.GetLog(p)
	if !ok {
		t.Fatalf("no log for %s", p)
	}
	return l
}

func TestMetaProperties(t *testing.T) {
	fsys := vfs.NewMem()
	clock := newClock()
	cfg := testConfig("/d1", "/d2")
	mustClose(t, mustOpen(t, cfg, testOptions(t, fsys, clock)))
	want := "#\n#" + time.UnixMilli(t0).Format("Mon Jan 02 15:04:05 MST 2006") + "\nbroker.id=1\nversion=0\ncluster.id=wharf-test\n"
	for _, d := range cfg.LogDirs {
		got, err := vfs.ReadFile(fsys, filepath.Join(d, "meta.properties"))
		if err != nil || string(got) != want {
			t.Fatalf("%s/meta.properties = %q (%v), want %q", d, got, err, want)
		}
	}

	// The IDs may come from the files.
	o := testOptions(t, fsys, clock)
	o.ClusterID, o.BrokerID = "", -1
	m := mustOpen(t, cfg, o)
	if m.ClusterID() != "wharf-test" || m.BrokerID() != 1 {
		t.Fatalf("IDs from meta.properties: %q %d", m.ClusterID(), m.BrokerID())
	}
	mustClose(t, m)

	for _, tc := range []struct {
		name  string
		setup func(o *Options)
		kind  error
		msg   string
	}{
		{"other cluster", func(o *Options) { o.ClusterID = "other" }, checkpoint.ErrInconsistentMeta,
			"Invalid cluster.id in: /d1/meta.properties. Expected other, but read wharf-test"},
		{"other broker", func(o *Options) { o.BrokerID = 2 }, checkpoint.ErrInconsistentMeta,
			"Stored node id 1 doesn't match previous node id 2 in /d1/meta.properties"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(t, fsys, clock)
			tc.setup(&o)
			_, err := Open(cfg, o)
			if !errors.Is(err, ErrMetaProperties) || !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Open: %v, want %v with %q", err, tc.kind, tc.msg)
			}
		})
	}
	// A failed Open released its locks.
	mustClose(t, mustOpen(t, cfg, testOptions(t, fsys, clock)))

	// Directories of two clusters.
	if err := checkpoint.WriteMetaProperties(fsys, "/d2/meta.properties", checkpoint.ZkMetaProperties("zzz", 1), time.Now()); err != nil {
		t.Fatal(err)
	}
	o = testOptions(t, fsys, clock)
	o.ClusterID = ""
	if _, err := Open(cfg, o); !errors.Is(err, checkpoint.ErrInconsistentMeta) {
		t.Fatalf("two clusters: %v", err)
	}
	// A KRaft (v1) file is refused by a ZooKeeper-mode broker.
	v1 := checkpoint.MetaProperties{Version: checkpoint.MetaV1, ClusterID: "wharf-test", HasClusterID: true, NodeID: 1, HasNodeID: true}
	if err := checkpoint.WriteMetaProperties(fsys, "/d2/meta.properties", v1, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(cfg, testOptions(t, fsys, clock)); !errors.Is(err, ErrMetaProperties) || !strings.Contains(err.Error(), "Found unexpected version") {
		t.Fatalf("v1 file: %v", err)
	}
	// Nothing to take the IDs from.
	o = testOptions(t, vfs.NewMem(), clock)
	o.BrokerID = -1
	if _, err := Open(cfg, o); !errors.Is(err, ErrMetaProperties) {
		t.Fatalf("no broker ID anywhere: %v", err)
	}
	// An unreadable meta.properties takes its directory offline.
	if err := vfs.WriteFileAtomic(fsys, "/d2/meta.properties", []byte("version=7\n")); err != nil {
		t.Fatal(err)
	}
	m = mustOpen(t, cfg, testOptions(t, fsys, clock))
	if got := m.OnlineLogDirs(); !slices.Equal(got, []string{"/d1"}) {
		t.Fatalf("online %v", got)
	}
	if err := m.Failures().Err("/d2"); !errors.Is(err, checkpoint.ErrMetaProperties) {
		t.Fatalf("offline because of %v", err)
	}
	mustClose(t, m)
}

func TestLockInProcess(t *testing.T) {
	filesystems(t, func(t *testing.T, fsys vfs.FS, root string) {
		cfg := testConfig(filepath.Join(root, "x"))
		clock := newClock()
		m := mustOpen(t, cfg, testOptions(t, fsys, clock))
		_, err := Open(cfg, testOptions(t, fsys, clock))
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "Failed to acquire lock on file .lock in") {
			t.Fatalf("second Open: %v", err)
		}
		mustClose(t, m)
		if err := m.Close(); !errors.Is(err, ErrClosed) {
			t.Fatalf("second Close: %v", err)
		}
		mustClose(t, mustOpen(t, cfg, testOptions(t, fsys, clock)))
	})
	// Another in-memory filesystem is another machine: the same path is free.
	a, b := mustOpen(t, testConfig("/x"), testOptions(t, vfs.NewMem(), newClock())),
		mustOpen(t, testConfig("/x"), testOptions(t, vfs.NewMem(), newClock()))
	mustClose(t, a)
	mustClose(t, b)
}

func TestOfflineDirectories(t *testing.T) {
	fsys := vfs.NewMem()
	if err := vfs.WriteFileAtomic(fsys, "/file", []byte("not a directory")); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig("/good", "/file")
	clock := newClock()
	m := mustOpen(t, cfg, testOptions(t, fsys, clock))
	if got := m.OnlineLogDirs(); !slices.Equal(got, []string{"/good"}) {
		t.Fatalf("online %v", got)
	}
	if d := <-m.Failures().C(); d != "/file" || !m.Failures().IsOffline("/file") || m.IsLogDirOnline("/file") {
		t.Fatalf("failure channel gave %q", d)
	}
	// A missing log cannot be created while a directory is offline, unless new.
	if _, err := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, checkpoint.ZeroUuid); !errors.Is(err, ErrLogDirOffline) {
		t.Fatalf("GetOrCreateLog with an offline dir: %v", err)
	}
	l, err := m.GetOrCreateLogWith(tp("t", 0), cfg.Defaults, checkpoint.ZeroUuid, CreateOptions{IsNew: true})
	if err != nil || filepath.Dir(l.Dir()) != "/good" {
		t.Fatalf("new log: %v", err)
	}
	if _, err := m.AsyncDelete(tp("t", 9)); !errors.Is(err, ErrLogDirOffline) {
		t.Fatalf("deleting an unknown log with an offline dir: %v", err)
	}
	mustClose(t, m)

	if _, err := Open(testConfig("/file"), testOptions(t, fsys, clock)); !errors.Is(err, ErrNoLiveLogDirs) {
		t.Fatalf("no usable directory: %v", err)
	}
}

// TestDirectoryFailureWhileRunning: an I/O error in one directory takes it
// offline with its logs, the other keeps working, and only the healthy
// one is marked clean at shutdown.
func TestDirectoryFailureWhileRunning(t *testing.T) {
	mem := vfs.NewMem()
	var failDir2 bool
	inj := vfs.InjectorFunc(func(op vfs.Op) error {
		if failDir2 && filepath.Dir(op.Path) == "/d2" && op.Kind == vfs.OpCreate {
			return vfs.ErrInjected
		}
		return nil
	})
	fsys := vfs.WithErrors(mem, inj)
	cfg := testConfig("/d1", "/d2")
	clock := newClock()
	m := mustOpen(t, cfg, testOptions(t, fsys, clock))
	l1, _ := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, checkpoint.ZeroUuid)
	l2, _ := m.GetOrCreateLog(tp("t", 1), cfg.Defaults, checkpoint.ZeroUuid)
	if filepath.Dir(l2.Dir()) != "/d2" {
		t.Fatalf("t-1 in %s", l2.Dir())
	}
	appendRecords(t, l1, 10, t0)
	appendRecords(t, l2, 10, t0)
	failDir2 = true
	if err := m.CheckpointRecoveryPoints(); err == nil {
		t.Fatal("checkpoint in a failing directory succeeded")
	}
	if !m.Failures().IsOffline("/d2") || m.Failures().IsOffline("/d1") {
		t.Fatalf("offline: %v", m.Failures().Offline())
	}
	if _, ok := m.GetLog(tp("t", 1)); ok || !m.IsOffline(tp("t", 1)) {
		t.Fatal("t-1 still served from the offline directory")
	}
	if err := l2.Roll(); !errors.Is(err, log.ErrClosed) {
		t.Fatalf("the offline log was not closed: %v", err)
	}
	appendRecords(t, l1, 5, t0)
	mustClose(t, m)
	failDir2 = false
	if !exists(mem, "/d1/.kafka_cleanshutdown") || exists(mem, "/d2/.kafka_cleanshutdown") {
		t.Fatal("markers: want /d1 only")
	}
	m = mustOpen(t, cfg, testOptions(t, mem, clock))
	defer mustClose(t, m)
	if mustGet(t, m, tp("t", 0)).LogEndOffset() != 15 || mustGet(t, m, tp("t", 1)).LogEndOffset() != 10 {
		t.Fatal("logs after the failed directory came back")
	}
	if !m.HadCleanShutdown("/d1") || m.HadCleanShutdown("/d2") {
		t.Fatal("clean shutdown flags")
	}
}

func TestLoadSkipsWhatIsNotALivePartition(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := testConfig("/d")
	clock := newClock()
	m := mustOpen(t, cfg, testOptions(t, fsys, clock))
	for _, name := range []string{"t-0", "t-1.0123456789abcdef0123456789abcdef-future", "__cluster_metadata-0", "u-0.0123456789abcdef0123456789abcdef-stray"} {
		l, err := log.Open(fsys, filepath.Join("/d", name), cfg.Defaults, log.Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		appendRecords(t, l, 3, t0)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, dir := range []string{"/d/lost+found", "/d/not-a-partition"} {
		if err := fsys.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := vfs.WriteFileAtomic(fsys, "/d/x-1", []byte("a file named like a partition")); err != nil {
		t.Fatal(err)
	}
	mustClose(t, m)
	m = mustOpen(t, cfg, testOptions(t, fsys, clock))
	defer mustClose(t, m)
	if got := len(m.AllLogs()); got != 2 {
		t.Fatalf("%d logs loaded, want t-0 and the future t-1", got)
	}
	mustGet(t, m, tp("t", 0))
	if f, ok := m.GetFutureLog(tp("t", 1)); !ok || f.DirKind() != log.DirFuture || f.LogEndOffset() != 3 {
		t.Fatal("future log not loaded")
	}
	if _, ok := m.GetLog(tp("t", 1)); ok {
		t.Fatal("the future log is not the live one")
	}
	for _, dir := range []string{"/d/lost+found", "/d/u-0.0123456789abcdef0123456789abcdef-stray", "/d/__cluster_metadata-0"} {
		if !exists(fsys, dir) {
			t.Fatalf("%s was touched", dir)
		}
	}
}

func TestDuplicatePartitionAcrossDirectories(t *testing.T) {
	fsys := vfs.NewMem()
	clock := newClock()
	for _, dir := range []string{"/a/t-0", "/b/t-0"} {
		l, err := log.Open(fsys, dir, log.DefaultConfig(), log.Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Open(testConfig("/a", "/b"), testOptions(t, fsys, clock))
	if !errors.Is(err, ErrDuplicateLog) || !strings.Contains(err.Error(), "/a/t-0 and /b/t-0") && !strings.Contains(err.Error(), "/b/t-0 and /a/t-0") {
		t.Fatalf("Open: %v", err)
	}
	// Nothing stays locked.
	if _, err := Open(testConfig("/a"), testOptions(t, fsys, clock)); err != nil {
		t.Fatalf("after the failure: %v", err)
	}
}

func TestTopicID(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := testConfig("/d")
	clock := newClock()
	m := mustOpen(t, cfg, testOptions(t, fsys, clock))
	// No ID yet: no partition.metadata.
	l, err := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, checkpoint.ZeroUuid)
	if err != nil {
		t.Fatal(err)
	}
	pm := checkpoint.PartitionMetadataFilePath(l.Dir())
	if exists(fsys, pm) {
		t.Fatal("partition.metadata written without a topic ID")
	}
	id := checkpoint.NewUuid(0x5174945E2E40467E, -0x4A3F0D24F1D59A60)
	if _, err := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, id); err != nil {
		t.Fatal(err)
	}
	got, err := vfs.ReadFile(fsys, pm)
	if want := "version: 0\ntopic_id: " + id.String(); err != nil || string(got) != want {
		t.Fatalf("partition.metadata = %q (%v), want %q", got, err, want)
	}
	other := checkpoint.RandomUuid()
	if _, err := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, other); !errors.Is(err, ErrInconsistentTopicID) {
		t.Fatalf("another topic ID: %v", err)
	}
	mustClose(t, m)
	m = mustOpen(t, cfg, testOptions(t, fsys, clock))
	defer mustClose(t, m)
	if got, ok := m.TopicID(tp("t", 0)); !ok || got != id {
		t.Fatalf("topic ID after reopen: %v %v", got, ok)
	}
	if _, err := m.GetOrCreateLog(tp("t", 0), cfg.Defaults, other); !errors.Is(err, ErrInconsistentTopicID) {
		t.Fatalf("another topic ID after reopen: %v", err)
	}
}

func TestCreateInPreferredDir(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := testConfig("/a", "/b")
	m := mustOpen(t, cfg, testOptions(t, fsys, newClock()))
	defer mustClose(t, m)
	for i := range int32(3) {
		l, err := m.GetOrCreateLogWith(tp("t", i), cfg.Defaults, checkpoint.ZeroUuid, CreateOptions{Dir: "/b/"})
		if err != nil || filepath.Dir(l.Dir()) != "/b" {
			t.Fatalf("preferred dir: %v", err)
		}
	}
	if _, err := m.GetOrCreateLogWith(tp("t", 9), cfg.Defaults, checkpoint.ZeroUuid, CreateOptions{Dir: "/c"}); !errors.Is(err, ErrLogDirOffline) {
		t.Fatalf("unknown dir: %v", err)
	}
	// Then the fewest-partitions rule fills /a.
	for i := int32(3); i < 6; i++ {
		l, _ := m.GetOrCreateLog(tp("t", i), cfg.Defaults, checkpoint.ZeroUuid)
		if filepath.Dir(l.Dir()) != "/a" {
			t.Fatalf("t-%d in %s", i, l.Dir())
		}
	}
	bad := cfg.Defaults
	bad.SegmentBytes = 1
	if _, err := m.GetOrCreateLog(tp("t", 10), bad, checkpoint.ZeroUuid); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("invalid config: %v", err)
	}
}

func TestUpdateTopicConfig(t *testing.T) {
	cfg := testConfig("/d")
	m := mustOpen(t, cfg, testOptions(t, vfs.NewMem(), newClock()))
	defer mustClose(t, m)
	for i := range int32(3) {
		if _, err := m.GetOrCreateLog(tp("t", i), cfg.Defaults, checkpoint.ZeroUuid); err != nil {
			t.Fatal(err)
		}
	}
	other, _ := m.GetOrCreateLog(tp("u", 0), cfg.Defaults, checkpoint.ZeroUuid)
	tc, err := m.TopicConfig(map[string]string{"retention.ms": "1234", "cleanup.policy": "compact"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.UpdateTopicConfig("t", tc); err != nil {
		t.Fatal(err)
	}
	for _, l := range m.LogsByTopic("t") {
		if l.Config() != tc {
			t.Fatalf("%s: %+v", l.TopicPartition(), l.Config())
		}
	}
	if other.Config() != cfg.Defaults {
		t.Fatal("another topic changed")
	}
}

// TestTopicOverridesAtOpen: logs found at Open get their topic's config.
func TestTopicOverridesAtOpen(t *testing.T) {
	fsys := vfs.NewMem()
	cfg := testConfig("/d")
	m := mustOpen(t, cfg, testOptions(t, fsys, newClock()))
	for _, p := range []TopicPartition{tp("t", 0), tp("u", 0)} {
		if _, err := m.GetOrCreateLog(p, cfg.Defaults, checkpoint.ZeroUuid); err != nil {
			t.Fatal(err)
		}
	}
	mustClose(t, m)
	o := testOptions(t, fsys, newClock())
	o.TopicOverrides = func(topic string) map[string]string {
		if topic == "t" {
			return map[string]string{"retention.ms": "42"}
		}
		return nil
	}
	m = mustOpen(t, cfg, o)
	if mustGet(t, m, tp("t", 0)).Config().RetentionMs != 42 || mustGet(t, m, tp("u", 0)).Config() != cfg.Defaults {
		t.Fatal("overrides not applied at Open")
	}
	mustClose(t, m)
	o.TopicOverrides = func(string) map[string]string { return map[string]string{"segment.bytes": "nope"} }
	if _, err := Open(cfg, o); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("invalid override: %v", err)
	}
	mustClose(t, mustOpen(t, cfg, testOptions(t, fsys, newClock())))
}
