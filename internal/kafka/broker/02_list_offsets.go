package broker

import (
	"cmp"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/partition"
)

// ListOffsets v0-v9 are Kafka 3.9's: v1 answers one offset (v0 a list),
// v2 adds the isolation level, v4 the current leader epoch (request) and
// the offset's leader epoch (response), v5 OFFSET_NOT_AVAILABLE, v7 the
// max timestamp (-3), v8 the earliest local offset (-4), v9 the latest
// tiered offset (-5: none here).
func init() { Register(2, 0, 9, Typed(handleListOffsets)) }

// minVersionOfTimestamp is Kafka 3.9's timestampMinSupportedVersion: a
// special (negative) timestamp a version does not know is UNSUPPORTED_VERSION.
var minVersionOfTimestamp = map[int64]int16{
	log.EarliestTimestamp:      1,
	log.LatestTimestamp:        1,
	log.MaxTimestamp:           7,
	log.EarliestLocalTimestamp: 8,
	log.LatestTieredTimestamp:  9,
}

// handleListOffsets is KafkaApis.handleListOffsetRequest. v1+: each
// partition's offset for its timestamp (ReplicaManager.ListOffsets has
// the rules: leader only unless replica id -2, a consumer bounded by its
// isolation, OFFSET_NOT_AVAILABLE while the high watermark lags a new
// leader's epoch, LEADER_NOT_AVAILABLE for it before v5); a partition
// named twice is INVALID_REQUEST. v0 is the legacy answer: up to
// max_num_offsets segment start offsets before the timestamp.
func handleListOffsets(ctx *RequestContext, req *kmsg.ListOffsetsRequest) Reply {
	b := ctx.Broker.(*Broker)
	v := req.Version
	resp := req.ResponseKind().(*kmsg.ListOffsetsResponse)
	isolation := int8(0)
	if v >= 2 {
		isolation = req.IsolationLevel
	}
	seen := map[partition.TopicPartition]int{}
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			seen[partition.TopicPartition{Topic: t.Topic, Partition: p.Partition}]++
		}
	}
	for _, t := range req.Topics {
		rt := kmsg.NewListOffsetsResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			tp := partition.TopicPartition{Topic: t.Topic, Partition: p.Partition}
			rp := kmsg.NewListOffsetsResponseTopicPartition()
			rp.Partition = p.Partition
			switch {
			case v == 0:
				rp.OldStyleOffsets, rp.ErrorCode = b.legacyOffsets(req.ReplicaID, tp, p.Timestamp, p.MaxNumOffsets)
			case seen[tp] > 1:
				rp.ErrorCode = kerr.InvalidRequest.Code
			case p.Timestamp < 0 && !timestampSupported(p.Timestamp, v):
				rp.ErrorCode = kerr.UnsupportedVersion.Code
			default:
				epoch := int32(-1)
				if v >= 4 {
					epoch = p.CurrentLeaderEpoch
				}
				r := b.Replicas.ListOffsets(req.ReplicaID, isolation, partition.ListOffsetsPartition{TopicPartition: tp,
					Timestamp: p.Timestamp, CurrentLeaderEpoch: epoch})
				rp.ErrorCode = r.ErrorCode
				switch {
				case r.ErrorCode == kerr.OffsetNotAvailable.Code && v < 5:
					rp.ErrorCode = kerr.LeaderNotAvailable.Code
				case r.ErrorCode == 0:
					rp.Timestamp, rp.Offset = r.Timestamp, r.Offset
					if v >= 4 {
						rp.LeaderEpoch = r.LeaderEpoch
					}
				}
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return Respond(resp)
}

func timestampSupported(ts int64, v int16) bool {
	minV, ok := minVersionOfTimestamp[ts]
	return ok && v >= minV
}

// legacyOffsets is ListOffsets v0 (Partition.legacyFetchOffsetsForTimestamp,
// Log.legacyFetchOffsetsBefore): the start offsets of the segments last
// modified at or before the timestamp (-1: also the log end offset, -2:
// from the first segment), newest first, at most maxNum; a consumer sees
// none above the high watermark, which takes their place.
func (b *Broker) legacyOffsets(replicaID int32, tp partition.TopicPartition, ts int64, maxNum int32) ([]int64, int16) {
	// The leadership and storage checks of a read (no leader epoch in v0).
	check := b.Replicas.ListOffsets(replicaID, partition.ReadUncommitted,
		partition.ListOffsetsPartition{TopicPartition: tp, Timestamp: log.EarliestTimestamp, CurrentLeaderEpoch: -1})
	if check.ErrorCode != 0 {
		return []int64{}, check.ErrorCode
	}
	p, ok := b.Replicas.Partition(tp)
	if !ok {
		return []int64{}, kerr.NotLeaderForPartition.Code
	}
	l := p.Log()
	if l == nil {
		return []int64{}, kerr.NotLeaderForPartition.Code
	}
	type offsetTime struct{ offset, ms int64 }
	segs := l.Segments()
	start := l.LogStartOffset()
	points := make([]offsetTime, 0, len(segs)+1)
	for _, s := range segs {
		var mtime int64
		if fi, err := s.File().Stat(); err == nil {
			mtime = fi.ModTime().UnixMilli()
		}
		points = append(points, offsetTime{max(s.BaseOffset(), start), mtime})
	}
	if len(segs) > 0 && segs[len(segs)-1].Size() > 0 {
		points = append(points, offsetTime{l.LogEndOffset(), b.nowMs()})
	}
	from := len(points) - 1
	switch ts {
	case log.LatestTimestamp:
	case log.EarliestTimestamp:
		from = 0
	default:
		for from >= 0 && points[from].ms > ts {
			from--
		}
	}
	n := max(min(int(maxNum), from+1), 0)
	offsets := make([]int64, 0, n)
	for i := 0; i < n; i++ {
		offsets = append(offsets, points[from-i].offset)
	}
	slices.SortFunc(offsets, func(a, b int64) int { return cmp.Compare(b, a) })
	if replicaID == partition.ConsumerReplicaID {
		hw := p.State().HighWatermark
		if slices.ContainsFunc(offsets, func(o int64) bool { return o > hw }) {
			i := 0
			for i < len(offsets) && offsets[i] > hw {
				i++
			}
			offsets = append([]int64{hw}, offsets[i:]...)
		}
	}
	return offsets, 0
}
