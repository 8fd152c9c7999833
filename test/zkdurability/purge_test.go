package zkdurability

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/testutil"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// startLike starts a server of srv's kind on srv's data directory with opts.
func startLike(t *testing.T, srv *testutil.ZKServer, opts testutil.ZKOptions) *testutil.ZKServer {
	t.Helper()
	opts.DataDir = srv.DataDir
	if srv.Kind == zkproc.Apache {
		return testutil.StartApacheZK(t, opts)
	}
	return testutil.StartWharfZK(t, opts)
}

func zxids(fs []dataFile) []int64 {
	out := make([]int64, len(fs))
	for i, f := range fs {
		out[i] = f.zxid
	}
	return out
}

// TestSnapshotsAndAutopurgeFromZooCfg: with snapCount 20 snapshots pile up
// and a restart loads the newest; restarted with autopurge.purgeInterval=1
// and snapRetainCount=3, the server purges at once (ZooKeeper's
// DatadirCleanupManager runs its first purge when it starts, then every
// interval), keeping the newest three snapshots and the logs they need,
// and the tree is unchanged.
func TestSnapshotsAndAutopurgeFromZooCfg(t *testing.T) {
	opts := testutil.ZKOptions{SnapCount: 20, PreAllocSizeKB: 16}
	testutil.ForEachZK(t, opts, func(t *testing.T, srv *testutil.ZKServer) {
		c := testutil.Connect(t, srv.Addr)
		mustCreate(t, c, "/p", "", 0)
		for i := range 300 {
			mustCreate(t, c, fmt.Sprintf("/p/n%d", i), fmt.Sprintf("data %d", i), 0)
		}
		want := walkTree(t, c)
		srv.Stop()
		before := zxids(listData(t, srv.DataDir, "snapshot"))
		if len(before) < 8 {
			t.Fatalf("%d snapshots after 300 txns at snapCount 20", len(before))
		}

		// Without autopurge nothing goes, and the newest snapshot is loaded.
		srv.Restart()
		newest := slices.Max(before)
		switch srv.Kind {
		case zkproc.Apache:
			requireLogHas(t, srv, fmt.Sprintf("Reading snapshot %s/version-2/snapshot.%x", srv.DataDir, newest))
		default:
			requireLogHas(t, srv, fmt.Sprintf("snapshotZxid=0x%x ", newest))
		}
		requireSameTree(t, "restart", want, walkTree(t, testutil.Connect(t, srv.Addr)))
		srv.Stop()
		before = zxids(listData(t, srv.DataDir, "snapshot"))
		logsBefore := zxids(listData(t, srv.DataDir, "log"))

		// With autopurge: the first purge runs at startup.
		opts := opts
		opts.Extra = map[string]string{"autopurge.snapRetainCount": "3", "autopurge.purgeInterval": "1"}
		purging := startLike(t, srv, opts)
		old := before[:len(before)-3]
		if !testutil.WaitFor(func() bool {
			now := zxids(listData(t, srv.DataDir, "snapshot"))
			return !slices.ContainsFunc(now, func(z int64) bool { return slices.Contains(old, z) })
		}, 20*time.Second) {
			t.Fatalf("%s: autopurge (interval 1h) did not purge at startup: snapshots %x", srv.Kind, zxids(listData(t, srv.DataDir, "snapshot")))
		}
		snaps := zxids(listData(t, srv.DataDir, "snapshot"))
		logs := zxids(listData(t, srv.DataDir, "log"))
		// Apache snapshots after loading; its purge may run before or after
		// that, so it keeps the newest three, or those and its new one.
		all := slices.Sorted(slices.Values(append(slices.Clone(before), snaps...)))
		all = slices.Compact(all)
		if len(snaps) < 3 || len(snaps) > 4 || !slices.Equal(snaps, all[len(all)-len(snaps):]) ||
			len(snaps) == 4 && slices.Contains(before, snaps[3]) {
			t.Fatalf("%s kept snapshots %x of %x", srv.Kind, snaps, all)
		}
		oldest := snaps[len(snaps)-3]
		if len(snaps) == 4 {
			oldest = snaps[0]
		}
		var atOrBefore []int64
		for _, z := range logs {
			if z <= oldest {
				atOrBefore = append(atOrBefore, z)
			}
		}
		wantLog := int64(-1)
		for _, z := range logsBefore {
			if z <= oldest {
				wantLog = z
			}
		}
		if len(atOrBefore) != 1 || atOrBefore[0] != wantLog {
			t.Fatalf("%s kept logs %x with snapshots %x: want log.%x (the one holding the txns after snapshot.%x) and every later one", srv.Kind, logs, snaps, wantLog, oldest)
		}
		for _, z := range logsBefore {
			if z > oldest && !slices.Contains(logs, z) {
				t.Fatalf("%s purged log.%x, which snapshot.%x needs", srv.Kind, z, oldest)
			}
		}
		requireSameTree(t, "after the purge", want, walkTree(t, testutil.Connect(t, purging.Addr)))
		purging.Stop()
		// And the purged directory still restarts to the same tree.
		purging.Restart()
		requireSameTree(t, "restart after the purge", want, walkTree(t, testutil.Connect(t, purging.Addr)))
		t.Logf("%s: %d snapshots before, kept %x and logs %x", srv.Kind, len(before), snaps, logs)
	})
}
