package persist

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// testTxn builds a txn for zxid whose type and size vary with it, so that
// logs mix every kind of record and entries of very different sizes.
func testTxn(zxid int64) (*jute.TxnHeader, jute.Record, *jute.TxnDigest) {
	h := &jute.TxnHeader{ClientID: 0x1000000 + zxid%7, Cxid: int32(zxid), Zxid: zxid, Time: 1700000000000 + zxid}
	path := fmt.Sprintf("/n%d", zxid%50)
	data := bytes.Repeat([]byte{byte('a' + zxid%26)}, int(zxid*37%700))
	var rec jute.Record
	switch zxid % 7 {
	case 0:
		h.Type = jute.OpCreate
		rec = &jute.CreateTxn{Path: path, Data: data, ACL: []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "world", ID: "anyone"}}}, ParentCVersion: int32(zxid)}
	case 1:
		h.Type = jute.OpSetData
		rec = &jute.SetDataTxn{Path: path, Data: data, Version: int32(zxid % 5)}
	case 2:
		h.Type = jute.OpDelete
		rec = &jute.DeleteTxn{Path: path}
	case 3:
		h.Type = jute.OpCreateSession
		rec = &jute.CreateSessionTxn{TimeOut: 30000}
	case 4:
		h.Type = jute.OpCloseSession
		rec = &jute.CloseSessionTxn{Paths: []string{path}, Present: true}
	case 5:
		h.Type = jute.OpError
		rec = &jute.ErrorTxn{Err: -101}
		return h, rec, nil
	default:
		h.Type = jute.OpMulti
		rec = &jute.MultiTxn{Txns: []jute.Txn{
			{Type: jute.OpSetData, Data: jute.Marshal(&jute.SetDataTxn{Path: path, Data: data, Version: 1})},
			{Type: jute.OpDelete, Data: jute.Marshal(&jute.DeleteTxn{Path: path + "/x"})},
		}}
	}
	return h, rec, &jute.TxnDigest{Version: 2, TreeDigest: zxid * 7919}
}

// testTxnBytes is testTxn as logged.
func testTxnBytes(zxid int64) []byte {
	h, rec, dg := testTxn(zxid)
	e := jute.NewEncoder(nil)
	jute.EncodeTxn(e, h, rec, dg)
	return e.Bytes()
}

// appendTxns appends testTxn for each zxid in [from, to] and commits.
func appendTxns(t testing.TB, l *TxnLog, from, to int64) {
	t.Helper()
	for z := from; z <= to; z++ {
		if err := l.Append(testTxn(z)); err != nil {
			t.Fatalf("append 0x%x: %v", z, err)
		}
	}
	if err := l.Commit(); err != nil {
		t.Fatal(err)
	}
}

// readAll returns the raw txns with zxid >= from and checks each is testTxn.
func readAll(t testing.TB, fs vfs.FS, from int64) ([]int64, error) {
	t.Helper()
	it, err := ReadTxns(fs, "/data/"+versionDir, from)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var zxids []int64
	for it.Next() {
		e := it.Entry()
		if !bytes.Equal(e.Raw, testTxnBytes(e.Header.Zxid)) {
			t.Fatalf("txn 0x%x: content differs from what was appended", e.Header.Zxid)
		}
		zxids = append(zxids, e.Header.Zxid)
	}
	return zxids, it.Err()
}

// restoreZxids reopens /data and restores it, returning the replayed zxids.
func restoreZxids(t testing.TB, fs vfs.FS, opts Options) (*SnapLog, int64, []int64, error) {
	t.Helper()
	sl, err := Open(fs, "/data", "/data", opts)
	if err != nil {
		return nil, 0, nil, err
	}
	var zxids []int64
	_, snapZxid, last, err := sl.Restore(func(h *jute.TxnHeader, rec jute.Record, dg *jute.TxnDigest) error {
		e := jute.NewEncoder(nil)
		jute.EncodeTxn(e, h, rec, dg)
		if !bytes.Equal(e.Bytes(), testTxnBytes(h.Zxid)) {
			return fmt.Errorf("txn 0x%x: content differs from what was appended", h.Zxid)
		}
		zxids = append(zxids, h.Zxid)
		return nil
	})
	if err == nil && len(zxids) > 0 && last != zxids[len(zxids)-1] {
		err = fmt.Errorf("last zxid 0x%x, replayed up to 0x%x", last, zxids[len(zxids)-1])
	}
	_ = snapZxid
	return sl, last, zxids, err
}

// seq returns [from, to].
func seq(from, to int64) []int64 {
	var s []int64
	for z := from; z <= to; z++ {
		s = append(s, z)
	}
	return s
}

// logNames lists the log files of /data.
func logNames(t testing.TB, fs vfs.FS) []string {
	t.Helper()
	names, err := fs.List("/data/" + versionDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, "log.") {
			out = append(out, n)
		}
	}
	return out
}

// fileSize returns a file's size.
func fileSize(t testing.TB, fs vfs.FS, name string) int64 {
	t.Helper()
	fi, err := fs.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// testSnapshot builds a small tree as a snapshot.
func testSnapshot(n int) *jute.SnapshotData {
	d := &jute.SnapshotData{
		Sessions: []jute.SessionEntry{{ID: 0x100000001, Timeout: 30000}, {ID: 0x100000002, Timeout: 4000}},
		ACLs: []jute.ACLCacheEntry{
			{Index: 1, ACLs: []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "world", ID: "anyone"}}}},
			{Index: 2, ACLs: []jute.ACL{{Perms: jute.PermRead, ID: jute.Id{Scheme: "digest", ID: "u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ="}}, {Perms: jute.PermAll, ID: jute.Id{Scheme: "ip", ID: "127.0.0.1"}}}},
			{Index: 3, ACLs: []jute.ACL{}},
		},
		Nodes: []jute.SnapNode{
			{Path: "", Node: jute.DataNode{ACL: -1, Stat: jute.StatPersisted{Pzxid: int64(n), Cversion: int32(n)}}},
			{Path: "/zookeeper", Node: jute.DataNode{Data: []byte{}, ACL: -1}},
			{Path: "/zookeeper/quota", Node: jute.DataNode{Data: []byte{}, ACL: -1}},
		},
		Digest: &jute.ZxidDigest{Zxid: int64(n) + 1, DigestVersion: 2, Digest: 0x1234567890},
	}
	for i := range n {
		d.Nodes = append(d.Nodes, jute.SnapNode{Path: fmt.Sprintf("/n%d", i), Node: jute.DataNode{
			Data: bytes.Repeat([]byte{byte('A' + i%26)}, i*13%300),
			ACL:  int64(1 + i%2),
			Stat: jute.StatPersisted{Czxid: int64(i + 1), Mzxid: int64(i + 2), Ctime: 1700000000000, Mtime: 1700000000001,
				Version: int32(i), Aversion: 1, EphemeralOwner: int64(i % 3), Pzxid: int64(i + 1)},
		}})
	}
	return d
}

// recordHandler is a slog.Handler that keeps messages.
type recordHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recordHandler) logger() *slog.Logger { return slog.New(h) }

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordHandler) has(sub string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.msgs {
		if strings.Contains(m, sub) {
			return true
		}
	}
	return false
}
