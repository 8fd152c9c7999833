package broker

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestDeleteRecords: the log start offset moves to the offset asked (-1:
// the high watermark) and never back; beyond the high watermark or
// negative is OFFSET_OUT_OF_RANGE; a compacted topic POLICY_VIOLATION; an
// unknown partition UNKNOWN_TOPIC_OR_PARTITION next to a good one; a
// partition named twice is answered once, deleted up to its last offset;
// fetches and ListOffsets follow the new start.
func TestDeleteRecords(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("dr", 2)
	e.createTopic("compacted", 1, "cleanup.policy=compact")
	for i := 0; i < 6; i++ {
		e.mustProduce("dr", 0, "x")
	}

	cases := []struct {
		topic    string
		p        int32
		offset   int64
		wantCode int16
		wantLow  int64
	}{
		{"dr", 0, 2, 0, 2},
		{"dr", 0, 1, 0, 2}, // not back
		{"dr", 0, 7, kerr.OffsetOutOfRange.Code, -1},
		{"dr", 0, -2, kerr.OffsetOutOfRange.Code, -1},
		{"dr", 0, 4, 0, 4},
		{"dr", 0, -1, 0, 6}, // the high watermark
		{"dr", 1, 0, 0, 0},
		{"compacted", 0, 0, kerr.PolicyViolation.Code, -1},
		{"nope", 0, 0, kerr.UnknownTopicOrPartition.Code, -1},
		{"dr", 9, 0, kerr.UnknownTopicOrPartition.Code, -1},
	}
	for _, c := range cases {
		rp := e.deleteRecords(c.topic, c.p, c.offset)
		if rp.ErrorCode != c.wantCode || rp.LowWatermark != c.wantLow {
			t.Errorf("%s-%d to %d: %s low %d, want %s %d", c.topic, c.p, c.offset, errorName(rp.ErrorCode), rp.LowWatermark,
				errorName(c.wantCode), c.wantLow)
		}
	}
	if rp := e.fetchOne(11, fetchSpec{topic: "dr", offset: 5}); rp.ErrorCode != kerr.OffsetOutOfRange.Code || rp.LogStartOffset != -1 {
		// Kafka answers an out-of-range fetch with the partition's
		// error response: no log start offset.
		t.Errorf("fetch below the new start: %s (log start %d)", errorName(rp.ErrorCode), rp.LogStartOffset)
	}
	if rp := e.fetchOne(11, fetchSpec{topic: "dr", offset: 6}); rp.ErrorCode != 0 || rp.LogStartOffset != 6 {
		t.Errorf("fetch at the new start: %s (log start %d)", errorName(rp.ErrorCode), rp.LogStartOffset)
	}
	if rp := e.listOffset(9, "dr", 0, -2, 0); rp.Offset != 6 {
		t.Errorf("earliest after DeleteRecords: %d", rp.Offset)
	}
	// Produce answers carry the log start offset (v5+).
	if r := e.produce("dr", 0, values(t, "after")); r.LogStartOffset != 6 || r.BaseOffset != 6 {
		t.Errorf("produce after DeleteRecords: %+v", r)
	}

	// Several partitions in one request, one named twice, every version.
	for v := int16(0); v <= 2; v++ {
		e.mustProduce("dr", 1, "y", "z")
		end := e.logEnd("dr", 1)
		req := kmsg.NewPtrDeleteRecordsRequest()
		req.Version, req.TimeoutMillis = v, 5000
		for _, part := range []struct {
			topic  string
			p      int32
			offset int64
		}{{"dr", 1, end - 2}, {"nope", 0, 0}, {"dr", 1, end - 1}} {
			rt := kmsg.NewDeleteRecordsRequestTopic()
			rt.Topic = part.topic
			rp := kmsg.NewDeleteRecordsRequestTopicPartition()
			rp.Partition, rp.Offset = part.p, part.offset
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
		}
		resp := roundTrip[*kmsg.DeleteRecordsResponse](e, req)
		if len(resp.Topics) != 2 || len(resp.Topics[0].Partitions) != 1 || len(resp.Topics[1].Partitions) != 1 {
			t.Fatalf("v%d: response %+v, want dr-1 once and nope-0", v, resp.Topics)
		}
		if rp := resp.Topics[0].Partitions[0]; rp.ErrorCode != 0 || rp.LowWatermark != end-1 {
			t.Errorf("v%d: dr-1 %s low %d, want %d", v, errorName(rp.ErrorCode), rp.LowWatermark, end-1)
		}
		if rp := resp.Topics[1].Partitions[0]; rp.ErrorCode != kerr.UnknownTopicOrPartition.Code {
			t.Errorf("v%d: nope-0 %s", v, errorName(rp.ErrorCode))
		}
	}
}
