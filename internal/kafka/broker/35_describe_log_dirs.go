package broker

import (
	"cmp"
	"path/filepath"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/partition"
	"github.com/wharf-project/wharf/internal/vfs"
)

// DescribeLogDirs v0-v4 are Kafka 3.9's: v2 is flexible, v3 adds a
// top-level error code, v4 each directory's total and usable bytes.
func init() { Register(35, 0, 4, Typed(handleDescribeLogDirs)) }

// handleDescribeLogDirs is KafkaApis.handleDescribeLogDirsRequest
// (ReplicaManager.describeLogDirs): every configured log directory by its
// absolute path, with the logs in it of the partitions asked (all for a
// null topic list), their size, offset lag (how far the log end is
// behind the high watermark) and whether they are future logs; an offline
// directory is KAFKA_STORAGE_ERROR without partitions. Topics come by
// name, partitions by id. The directories' sizes (v4) are those of their
// filesystem, -1 when unknown (an in-memory filesystem).
func handleDescribeLogDirs(ctx *RequestContext, req *kmsg.DescribeLogDirsRequest) Reply {
	b := ctx.Broker.(*Broker)
	resp := req.ResponseKind().(*kmsg.DescribeLogDirsResponse)
	var want func(partition.TopicPartition) bool
	if req.Topics != nil {
		set := map[partition.TopicPartition]bool{}
		for _, t := range req.Topics {
			for _, p := range t.Partitions {
				set[partition.TopicPartition{Topic: t.Topic, Partition: p}] = true
			}
		}
		want = func(tp partition.TopicPartition) bool { return set[tp] }
	}
	osFS := b.opts.FS == nil || b.opts.FS == vfs.Default
	for _, d := range b.Replicas.DescribeLogDirs(want) {
		rd := kmsg.NewDescribeLogDirsResponseDir()
		rd.Dir, rd.ErrorCode = d.Path, d.ErrorCode
		if osFS {
			if abs, err := filepath.Abs(d.Path); err == nil {
				rd.Dir = abs
			}
		}
		if d.ErrorCode == 0 {
			if osFS {
				rd.TotalBytes, rd.UsableBytes = diskSpace(rd.Dir)
			}
			parts := slices.Clone(d.Partitions)
			slices.SortFunc(parts, func(x, y partition.LogDirPartition) int {
				return cmp.Or(cmp.Compare(x.Topic, y.Topic), cmp.Compare(x.Partition, y.Partition), compareBool(x.IsFuture, y.IsFuture))
			})
			for _, p := range parts {
				if k := len(rd.Topics); k == 0 || rd.Topics[k-1].Topic != p.Topic {
					rt := kmsg.NewDescribeLogDirsResponseDirTopic()
					rt.Topic = p.Topic
					rd.Topics = append(rd.Topics, rt)
				}
				rp := kmsg.NewDescribeLogDirsResponseDirTopicPartition()
				rp.Partition, rp.Size, rp.OffsetLag, rp.IsFuture = p.Partition, p.Size, p.OffsetLag, p.IsFuture
				rt := &rd.Topics[len(rd.Topics)-1]
				rt.Partitions = append(rt.Partitions, rp)
			}
		}
		resp.Dirs = append(resp.Dirs, rd)
	}
	return Respond(resp)
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
