package broker

import (
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestListOffsets: earliest (-2), latest (-1), by timestamp (the first
// record at or after it; none: -1), max timestamp (-3, v7+), earliest
// local (-4, v8+), latest tiered (-5, v9+: -1 without tiered storage),
// a special timestamp too new for the version UNSUPPORTED_VERSION, the
// isolation level, the leader epoch (v4+), and DeleteRecords moving the
// earliest offset.
func TestListOffsets(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("lo", 1)
	for _, b := range []struct {
		ts int64
		vs []string
	}{{1000, []string{"a", "b"}}, {5000, []string{"c"}}, {3000, []string{"d", "e"}}} {
		if r := e.produce("lo", 0, buildBatch(t, batchSpec{values: b.vs, timestamp: b.ts})); r.ErrorCode != 0 {
			t.Fatal(errorName(r.ErrorCode))
		}
	}
	cases := []struct {
		v          int16
		ts         int64
		iso        int8
		wantCode   int16
		wantOffset int64
		wantTs     int64
	}{
		{9, -2, 0, 0, 0, -1},
		{9, -1, 0, 0, 5, -1},
		{9, -1, 1, 0, 5, -1},
		{9, 1000, 0, 0, 0, 1000},
		{9, 1001, 0, 0, 1, 1001},
		{9, 2000, 0, 0, 2, 5000},
		{9, 3001, 0, 0, 2, 5000},
		{9, 5000, 0, 0, 2, 5000},
		{9, 5001, 0, 0, -1, -1},
		{9, -3, 0, 0, 2, 5000},
		{7, -3, 0, 0, 2, 5000},
		{6, -3, 0, kerr.UnsupportedVersion.Code, 0, 0},
		{9, -4, 0, 0, 0, -1},
		{7, -4, 0, kerr.UnsupportedVersion.Code, 0, 0},
		{9, -5, 0, 0, -1, -1},
		{8, -5, 0, kerr.UnsupportedVersion.Code, 0, 0},
		{9, -6, 0, kerr.UnsupportedVersion.Code, 0, 0},
		{1, -1, 0, 0, 5, -1},
		{1, 1001, 0, 0, 1, 1001},
	}
	for _, c := range cases {
		rp := e.listOffset(c.v, "lo", 0, c.ts, c.iso)
		if rp.ErrorCode != c.wantCode || (c.wantCode == 0 && (rp.Offset != c.wantOffset || rp.Timestamp != c.wantTs)) {
			t.Errorf("v%d ts %d iso %d: %s offset %d ts %d, want %s %d %d", c.v, c.ts, c.iso, errorName(rp.ErrorCode),
				rp.Offset, rp.Timestamp, errorName(c.wantCode), c.wantOffset, c.wantTs)
		}
		if c.wantCode == 0 && c.v >= 4 && c.wantOffset >= 0 && rp.LeaderEpoch != 0 {
			t.Errorf("v%d ts %d: leader epoch %d, want 0", c.v, c.ts, rp.LeaderEpoch)
		}
	}

	// v0: the legacy answer, a list of offsets.
	if rp := e.listOffset(0, "lo", 0, -1, 0); rp.ErrorCode != 0 || !slices.Equal(rp.OldStyleOffsets, []int64{5, 0}) {
		t.Errorf("v0 latest: %s %v, want [5 0]", errorName(rp.ErrorCode), rp.OldStyleOffsets)
	}
	if rp := e.listOffset(0, "lo", 0, -2, 0); rp.ErrorCode != 0 || !slices.Equal(rp.OldStyleOffsets, []int64{0}) {
		t.Errorf("v0 earliest: %s %v, want [0]", errorName(rp.ErrorCode), rp.OldStyleOffsets)
	}

	// Earliest follows DeleteRecords.
	if dr := e.deleteRecords("lo", 0, 3); dr.ErrorCode != 0 {
		t.Fatal(errorName(dr.ErrorCode))
	}
	for _, ts := range []int64{-2, -4} {
		if rp := e.listOffset(9, "lo", 0, ts, 0); rp.Offset != 3 {
			t.Errorf("ts %d after DeleteRecords: %d, want 3", ts, rp.Offset)
		}
	}
	if rp := e.listOffset(9, "lo", 0, 1000, 0); rp.Offset != 3 || rp.Timestamp != 3000 {
		t.Errorf("ts 1000 after DeleteRecords: offset %d ts %d, want 3 at 3000", rp.Offset, rp.Timestamp)
	}

	// Unknown partitions, and a partition named twice.
	if rp := e.listOffset(9, "nope", 0, -1, 0); rp.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("unknown topic: %s", errorName(rp.ErrorCode))
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.Version, req.ReplicaID = 5, -1
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = "lo"
	for range 2 {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Timestamp = -1
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp := roundTrip[*kmsg.ListOffsetsResponse](e, req)
	for _, rp := range resp.Topics[0].Partitions {
		if rp.ErrorCode != kerr.InvalidRequest.Code {
			t.Errorf("partition named twice: %s", errorName(rp.ErrorCode))
		}
	}

	// A leader epoch older / newer than the leader's.
	for epoch, want := range map[int32]int16{-1: 0, 0: 0, 5: kerr.UnknownLeaderEpoch.Code} {
		req := kmsg.NewPtrListOffsetsRequest()
		req.Version, req.ReplicaID = 9, -1
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = "lo"
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Timestamp, rp.CurrentLeaderEpoch = -1, epoch
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		if got := roundTrip[*kmsg.ListOffsetsResponse](e, req).Topics[0].Partitions[0]; got.ErrorCode != want {
			t.Errorf("current leader epoch %d: %s, want %s", epoch, errorName(got.ErrorCode), errorName(want))
		}
	}

	// Every version round-trips.
	lo, hi, ok := DefaultRegistry.Range(2)
	if !ok || lo != 0 || hi != 9 {
		t.Fatalf("ListOffsets registered %d..%d (%v), want 0..9", lo, hi, ok)
	}
	for v := lo; v <= hi; v++ {
		rp := e.listOffset(v, "lo", 0, -1, 0)
		got := rp.Offset
		if v == 0 && len(rp.OldStyleOffsets) > 0 {
			got = rp.OldStyleOffsets[0]
		}
		if rp.ErrorCode != 0 || got != 5 {
			t.Errorf("v%d latest: %s %d", v, errorName(rp.ErrorCode), got)
		}
	}
}
