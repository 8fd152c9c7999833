package groupcoord

import (
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/partition"
)

// ReplicaLog is the Log of a broker: __consumer_offsets through its
// replica manager, written as the coordinator (acks=all, internal topics
// allowed) and read up to the high watermark.
type ReplicaLog struct {
	RM *partition.ReplicaManager
	// CommitTimeoutMs is offsets.commit.timeout.ms (default 5000): how long
	// an append may wait for the in-sync replicas.
	CommitTimeoutMs int32
}

func (l ReplicaLog) tp(p int32) partition.TopicPartition {
	return log.TopicPartition{Topic: OffsetsTopic, Partition: p}
}

// Append implements Log.
func (l ReplicaLog) Append(p int32, batch []byte, done func(err error)) {
	timeout := l.CommitTimeoutMs
	if timeout <= 0 {
		timeout = 5000
	}
	l.RM.AppendRecords(partition.AppendRequest{
		Acks: -1, TimeoutMs: timeout, Origin: partition.OriginCoordinator, InternalTopicsAllowed: true,
		Partitions: []partition.AppendPartition{{TopicPartition: l.tp(p), Records: batch}},
	}, func(rs []partition.AppendResult) {
		if len(rs) != 1 {
			done(kerr.UnknownServerError)
			return
		}
		if rs[0].ErrorCode != 0 {
			done(kerr.ErrorForCode(rs[0].ErrorCode))
			return
		}
		done(nil)
	})
}

// Read implements Log.
func (l ReplicaLog) Read(p int32, from int64, maxBytes int32) ([]byte, int64, error) {
	rs := l.RM.Fetch(partition.FetchRequest{
		ReplicaID: partition.ConsumerReplicaID, MaxBytes: maxBytes, Isolation: partition.ReadUncommitted,
		Partitions: []partition.FetchPartition{{TopicPartition: l.tp(p), FetchOffset: from, LogStartOffset: -1,
			MaxBytes: maxBytes, CurrentLeaderEpoch: -1, LastFetchedEpoch: -1}},
	})
	defer partition.ReleaseAll(rs)
	if len(rs) != 1 {
		return nil, 0, kerr.UnknownServerError
	}
	r := rs[0]
	if r.ErrorCode == kerr.OffsetOutOfRange.Code && from < r.LogStartOffset {
		// Compaction or retention removed the start: read from the log start.
		return l.Read(p, r.LogStartOffset, maxBytes)
	}
	if r.ErrorCode != 0 {
		return nil, 0, kerr.ErrorForCode(r.ErrorCode)
	}
	data, err := r.Records.AppendTo(nil)
	if err != nil {
		return nil, 0, err
	}
	return data, r.HighWatermark, nil
}
