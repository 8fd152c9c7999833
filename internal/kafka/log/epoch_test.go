package log

import (
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

// memCheckpoint is an in-memory EpochCheckpoint counting writes.
type memCheckpoint struct {
	entries []EpochEntry
	writes  int
}

func (m *memCheckpoint) Read() ([]EpochEntry, error) { return slices.Clone(m.entries), nil }
func (m *memCheckpoint) Write(e []EpochEntry) error {
	m.entries = slices.Clone(e)
	m.writes++
	return nil
}

func newCache(t *testing.T) (*EpochCache, *memCheckpoint) {
	t.Helper()
	cp := &memCheckpoint{}
	c, err := NewEpochCache(cp)
	if err != nil {
		t.Fatal(err)
	}
	return c, cp
}

func assign(t *testing.T, c *EpochCache, pairs ...int64) {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		if err := c.Assign(int32(pairs[i]), pairs[i+1]); err != nil {
			t.Fatal(err)
		}
	}
}

func entries(pairs ...int64) []EpochEntry {
	var out []EpochEntry
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, EpochEntry{Epoch: int32(pairs[i]), StartOffset: pairs[i+1]})
	}
	return out
}

type endOffset struct {
	epoch  int32
	offset int64
}

func endFor(c *EpochCache, epoch int32, leo int64) endOffset {
	e, o := c.EndOffsetFor(epoch, leo)
	return endOffset{e, o}
}

// The cases are LeaderEpochFileCacheTest's (Kafka 3.9).
func TestEpochCacheAssignRules(t *testing.T) {
	cases := []struct {
		name   string
		assign []int64
		want   []EpochEntry
	}{
		{"addEpochAndOffset", []int64{2, 10}, entries(2, 10)},
		{"notOverwriteOffsetOnceAssigned", []int64{2, 9, 2, 10}, entries(2, 9)},
		{"monotonicStartOffsets: new epoch, same offset", []int64{2, 9, 3, 9}, entries(3, 9)},
		{"notOverwriteWithGreaterOffset", []int64{2, 6, 2, 10}, entries(2, 6)},
		{"notUpdateIfUnchanged", []int64{2, 6, 2, 7}, entries(2, 6)},
		{"offsetsIncreaseMonotonically", []int64{2, 6, 3, 5}, entries(3, 5)},
		{"monotonicEpochs: older epoch truncates later ones", []int64{1, 5, 2, 6, 1, 7}, entries(1, 7)},
		{"matchingEpochEarlierOffset", []int64{5, 11, 6, 12, 7, 13, 7, 12}, entries(5, 11, 7, 12)},
		{"followerManyMessages", []int64{0, 0, 0, 1, 0, 2, 1, 3, 1, 4, 1, 5, 2, 6, 2, 7, 2, 8}, entries(0, 0, 1, 3, 2, 6)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache, cp := newCache(t)
			assign(t, cache, c.assign...)
			if got := cache.Entries(); !slices.Equal(got, c.want) {
				t.Fatalf("entries %v, want %v", got, c.want)
			}
			if !slices.Equal(cp.entries, c.want) {
				t.Fatalf("checkpoint %v, want %v", cp.entries, c.want)
			}
		})
	}
	cache, _ := newCache(t)
	if cache.Assign(-1, 5) == nil || cache.Assign(1, -5) == nil {
		t.Fatal("negative epoch or offset accepted")
	}
}

func TestEpochCacheEndOffsetFor(t *testing.T) {
	undefined := endOffset{UndefinedEpoch, UndefinedEpochOffset}
	cases := []struct {
		name   string
		assign []int64
		epoch  int32
		leo    int64
		want   endOffset
	}{
		{"latestEpochIsLogEnd", []int64{2, 10}, 2, 11, endOffset{2, 11}},
		{"latestEpochRepeated", []int64{2, 11, 2, 12}, 2, 14, endOffset{2, 14}},
		{"undefinedEpochRequested", []int64{2, 11, 3, 12}, UndefinedEpoch, 0, undefined},
		{"noEpochRecorded", nil, 0, 0, undefined},
		{"noEpochRecordedUndefinedRequested", nil, UndefinedEpoch, 73, undefined},
		{"requestedBelowFirstEpoch", []int64{5, 11, 6, 12, 7, 13}, 4, 0, endOffset{4, 11}},
		{"truncatedByMatchingEpoch 5", []int64{5, 11, 6, 12, 7, 13, 7, 12}, 5, 0, endOffset{5, 12}},
		{"truncatedByMatchingEpoch 6", []int64{5, 11, 6, 12, 7, 13, 7, 12}, 6, 0, endOffset{5, 12}},
		{"subsequentEpochStart", []int64{1, 11, 1, 12, 2, 13, 2, 14, 3, 15, 3, 16}, 2, 17, endOffset{2, 15}},
		{"nextAvailable 1", []int64{0, 10, 2, 13, 4, 17}, 1, 0, endOffset{0, 13}},
		{"nextAvailable 2", []int64{0, 10, 2, 13, 4, 17}, 2, 0, endOffset{2, 17}},
		{"nextAvailable 3", []int64{0, 10, 2, 13, 4, 17}, 3, 0, endOffset{2, 17}},
		{"untrackedNewerEpoch", []int64{2, 100}, 3, 100, undefined},
		{"epochsNotFromZero", []int64{2, 6}, 2, 7, endOffset{2, 7}},
		{"emptyCache", nil, 7, 0, undefined},
		{"monotonicEpochs 1", []int64{1, 5, 2, 6, 1, 7}, 1, 8, endOffset{1, 8}},
		{"monotonicEpochs 2", []int64{1, 5, 2, 6, 1, 7}, 2, 8, undefined},
		{"leaderChanges epoch1", []int64{0, 0, 1, 0}, 1, 0, endOffset{1, 0}},
		{"leaderChanges epoch0", []int64{0, 0, 1, 0}, 0, 0, endOffset{0, 0}},
		{"leaderChanges after writes", []int64{0, 0, 1, 0, 2, 5}, 1, 10, endOffset{1, 5}},
		{"followerOlderEpochs 0", []int64{0, 0, 1, 3, 2, 6}, 0, 9, endOffset{0, 3}},
		{"followerOlderEpochs 1", []int64{0, 0, 1, 3, 2, 6}, 1, 9, endOffset{1, 6}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache, _ := newCache(t)
			assign(t, cache, c.assign...)
			if got := endFor(cache, c.epoch, c.leo); got != c.want {
				t.Fatalf("EndOffsetFor(%d, %d) = %v, want %v (cache %v)", c.epoch, c.leo, got, c.want, cache.Entries())
			}
		})
	}
}

func TestEpochCacheTruncation(t *testing.T) {
	base := []int64{2, 6, 3, 8, 4, 11}
	cases := []struct {
		name string
		op   func(*EpochCache) error
		want []EpochEntry
	}{
		{"fromEndOnBoundary", func(c *EpochCache) error { return c.TruncateFromEnd(8) }, entries(2, 6)},
		{"fromEndBetween", func(c *EpochCache) error { return c.TruncateFromEnd(9) }, entries(2, 6, 3, 8)},
		{"fromEndUndefined", func(c *EpochCache) error { return c.TruncateFromEnd(UndefinedEpochOffset) }, entries(base...)},
		{"fromStartOnBoundary", func(c *EpochCache) error { return c.TruncateFromStart(8) }, entries(3, 8, 4, 11)},
		{"fromStartBetween", func(c *EpochCache) error { return c.TruncateFromStart(9) }, entries(3, 9, 4, 11)},
		{"fromStartTooEarly", func(c *EpochCache) error { return c.TruncateFromStart(1) }, entries(base...)},
		{"fromStartFirstOffset", func(c *EpochCache) error { return c.TruncateFromStart(6) }, entries(base...)},
		{"fromStartAll", func(c *EpochCache) error { return c.TruncateFromStart(11) }, entries(4, 11)},
		{"fromStartBeyond", func(c *EpochCache) error { return c.TruncateFromStart(15) }, entries(4, 15)},
		{"fromStartUndefined", func(c *EpochCache) error { return c.TruncateFromStart(UndefinedEpochOffset) }, entries(base...)},
		{"clear", func(c *EpochCache) error { return c.Clear() }, nil},
		{"bothEnds", func(c *EpochCache) error {
			if err := c.TruncateFromEnd(11); err != nil {
				return err
			}
			return c.TruncateFromStart(8)
		}, entries(3, 8)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache, cp := newCache(t)
			assign(t, cache, base...)
			if err := c.op(cache); err != nil {
				t.Fatal(err)
			}
			if got := cache.Entries(); !slices.Equal(got, c.want) {
				t.Fatalf("entries %v, want %v", got, c.want)
			}
			if !slices.Equal(cp.entries, c.want) {
				t.Fatalf("checkpoint %v, want %v", cp.entries, c.want)
			}
		})
	}
	// Truncating an empty cache is fine.
	cache, _ := newCache(t)
	if cache.TruncateFromStart(7) != nil || cache.TruncateFromEnd(7) != nil {
		t.Fatal("truncating an empty cache failed")
	}
	// The update offset on start truncation (Kafka's ...ClearEarliest2).
	assign(t, cache, 0, 0, 1, 7, 2, 10)
	if err := cache.TruncateFromStart(5); err != nil {
		t.Fatal(err)
	}
	if got := cache.Entries(); !slices.Equal(got, entries(0, 5, 1, 7, 2, 10)) {
		t.Fatalf("entries %v", got)
	}
}

func TestEpochCacheQueries(t *testing.T) {
	cache, _ := newCache(t)
	if _, ok := cache.LatestEpoch(); ok {
		t.Fatal("empty cache has a latest epoch")
	}
	if _, ok := cache.PreviousEpoch(); ok {
		t.Fatal("empty cache has a previous epoch")
	}
	assign(t, cache, 2, 10)
	if _, ok := cache.PreviousEpoch(); ok {
		t.Fatal("one-entry cache has a previous epoch")
	}
	assign(t, cache, 4, 15)
	if e, _ := cache.PreviousEpoch(); e != 2 {
		t.Fatalf("PreviousEpoch = %d", e)
	}
	assign(t, cache, 10, 20)
	if e, ok := cache.PreviousEntry(10); !ok || e != (EpochEntry{Epoch: 4, StartOffset: 15}) {
		t.Fatalf("PreviousEntry(10) = %v", e)
	}
	if err := cache.TruncateFromEnd(18); err != nil {
		t.Fatal(err)
	}
	if e, _ := cache.PreviousEpoch(); e != 2 {
		t.Fatalf("PreviousEpoch after truncation = %d", e)
	}

	next, _ := newCache(t)
	assign(t, next, 0, 0, 1, 100, 2, 200)
	for _, c := range []struct {
		in, out int32
		ok      bool
	}{{-1, 0, true}, {0, 1, true}, {1, 2, true}, {2, 0, false}, {100, 0, false}} {
		if e, ok := next.NextEpoch(c.in); e != c.out || ok != c.ok {
			t.Errorf("NextEpoch(%d) = %d, %v", c.in, e, ok)
		}
	}
	if e, ok := next.Entry(1); !ok || e.StartOffset != 100 {
		t.Fatalf("Entry(1) = %v, %v", e, ok)
	}

	byOffset, _ := newCache(t)
	assign(t, byOffset, 0, 10, 1, 20, 5, 30)
	for _, c := range []struct {
		off   int64
		epoch int32
		ok    bool
	}{{25, 1, true}, {20, 1, true}, {30, 5, true}, {50, 5, true}, {5, 0, false}} {
		if e, ok := byOffset.EpochForOffset(c.off); e != c.epoch || ok != c.ok {
			t.Errorf("EpochForOffset(%d) = %d, %v", c.off, e, ok)
		}
	}
}

func TestEpochCachePersistsThroughCheckpointFile(t *testing.T) {
	fsys := vfs.NewMem()
	if err := fsys.MkdirAll("/p", 0o755); err != nil {
		t.Fatal(err)
	}
	path := "/p/" + LeaderEpochCheckpointFile
	cp, err := checkpoint.OpenLeaderEpochFile(fsys, path)
	if err != nil {
		t.Fatal(err)
	}
	cache, err := NewEpochCache(cp)
	if err != nil {
		t.Fatal(err)
	}
	assign(t, cache, 2, 6, 3, 1200)
	if got := string(readFile(t, fsys, path)); got != "0\n2\n2 6\n3 1200\n" {
		t.Fatalf("leader-epoch-checkpoint = %q", got)
	}
	cp2, _ := checkpoint.OpenLeaderEpochFile(fsys, path)
	again, err := NewEpochCache(cp2)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Entries(); !slices.Equal(got, entries(2, 6, 3, 1200)) {
		t.Fatalf("reloaded %v", got)
	}
	// A file that breaks the ordering is repaired on load, as Kafka's
	// constructor re-assigns each entry.
	bad := &memCheckpoint{entries: entries(1, 5, 3, 9, 2, 7)}
	fixed, err := NewEpochCache(bad)
	if err != nil {
		t.Fatal(err)
	}
	if got := fixed.Entries(); !slices.Equal(got, entries(1, 5, 2, 7)) {
		t.Fatalf("repaired %v", got)
	}
}
