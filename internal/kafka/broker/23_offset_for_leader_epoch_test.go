package broker

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func offsetForEpochReq(v int16, topic string, p, current, epoch int32) *kmsg.OffsetForLeaderEpochRequest {
	req := kmsg.NewPtrOffsetForLeaderEpochRequest()
	req.Version, req.ReplicaID = v, -1
	rt := kmsg.NewOffsetForLeaderEpochRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
	rp.Partition, rp.CurrentLeaderEpoch, rp.LeaderEpoch = p, current, epoch
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

// TestOffsetForLeaderEpoch: the current epoch ends at the log end; an
// epoch above every known one is (-1, -1) without an error; a current
// leader epoch newer than the leader's is UNKNOWN_LEADER_EPOCH (v2+,
// ignored before); unknown partitions UNKNOWN_TOPIC_OR_PARTITION; every
// version round-trips.
func TestOffsetForLeaderEpoch(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("ofle", 1)
	e.mustProduce("ofle", 0, "a", "b", "c")
	lo, hi, ok := DefaultRegistry.Range(23)
	if !ok || lo != 0 || hi != 4 {
		t.Fatalf("OffsetForLeaderEpoch registered %d..%d (%v), want 0..4", lo, hi, ok)
	}
	type want struct {
		code   int16
		epoch  int32
		offset int64
	}
	for v := lo; v <= hi; v++ {
		for _, c := range []struct {
			topic          string
			p              int32
			current, epoch int32
			want           want
		}{
			{"ofle", 0, -1, 0, want{0, 0, 3}},
			{"ofle", 0, 0, 0, want{0, 0, 3}},
			{"ofle", 0, -1, 4, want{0, -1, -1}},
			{"ofle", 0, 3, 0, want{kerr.UnknownLeaderEpoch.Code, -1, -1}},
			{"nope", 0, -1, 0, want{kerr.UnknownTopicOrPartition.Code, -1, -1}},
			{"ofle", 3, -1, 0, want{kerr.UnknownTopicOrPartition.Code, -1, -1}},
		} {
			w := c.want
			if v < 2 && w.code == kerr.UnknownLeaderEpoch.Code {
				w = want{0, 0, 3} // no current epoch before v2
			}
			if v == 0 {
				w.epoch = -1 // not in v0's response
			}
			resp := roundTrip[*kmsg.OffsetForLeaderEpochResponse](e, offsetForEpochReq(v, c.topic, c.p, c.current, c.epoch))
			rp := resp.Topics[0].Partitions[0]
			if got := (want{rp.ErrorCode, rp.LeaderEpoch, rp.EndOffset}); got != w {
				t.Errorf("v%d %s-%d current %d epoch %d: %+v, want %+v", v, c.topic, c.p, c.current, c.epoch, got, w)
			}
		}
	}
}
