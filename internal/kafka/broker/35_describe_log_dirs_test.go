package broker

import (
	"path/filepath"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func describeLogDirs(e *dataEnv, v int16, topics map[string][]int32, all bool) *kmsg.DescribeLogDirsResponse {
	req := kmsg.NewPtrDescribeLogDirsRequest()
	req.Version = v
	if !all {
		req.Topics = []kmsg.DescribeLogDirsRequestTopic{}
		for topic, ps := range topics {
			rt := kmsg.NewDescribeLogDirsRequestTopic()
			rt.Topic, rt.Partitions = topic, ps
			req.Topics = append(req.Topics, rt)
		}
	}
	return roundTrip[*kmsg.DescribeLogDirsResponse](e, req)
}

// partitionSizes lists a directory's partitions as "topic-p" → size.
func partitionSizes(d kmsg.DescribeLogDirsResponseDir) map[string]int64 {
	out := map[string]int64{}
	for _, rt := range d.Topics {
		for _, rp := range rt.Partitions {
			out[rt.Topic+"-"+string(rune('0'+rp.Partition))] = rp.Size
		}
	}
	return out
}

// TestDescribeLogDirs: the log directory by its absolute path, the logs in
// it of the partitions asked (all for a null list) with their sizes in
// bytes, no offset lag on a leader, the filesystem's sizes (v4), every
// version.
func TestDescribeLogDirs(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("dl", 2)
	e.createTopic("other", 1)
	batch := values(t, "0123456789")
	if r := e.produce("dl", 1, batch); r.ErrorCode != 0 {
		t.Fatal(errorName(r.ErrorCode))
	}
	dir, _ := filepath.Abs(e.b.Config.Log.LogDirs[0])
	lo, hi, ok := DefaultRegistry.Range(35)
	if !ok || lo != 0 || hi != 4 {
		t.Fatalf("DescribeLogDirs registered %d..%d (%v), want 0..4", lo, hi, ok)
	}
	for v := lo; v <= hi; v++ {
		resp := describeLogDirs(e, v, nil, true)
		if resp.ErrorCode != 0 || len(resp.Dirs) != 1 {
			t.Fatalf("v%d: %+v", v, resp)
		}
		d := resp.Dirs[0]
		sizes := partitionSizes(d)
		if d.ErrorCode != 0 || d.Dir != dir || len(sizes) != 3 || sizes["dl-0"] != 0 || sizes["dl-1"] != int64(len(batch)) {
			t.Errorf("v%d: dir %q (want %q) error %d sizes %v", v, d.Dir, dir, d.ErrorCode, sizes)
		}
		for _, rt := range d.Topics {
			for _, rp := range rt.Partitions {
				if rp.OffsetLag != 0 || rp.IsFuture {
					t.Errorf("v%d %s-%d: lag %d future %v", v, rt.Topic, rp.Partition, rp.OffsetLag, rp.IsFuture)
				}
			}
		}
		if v >= 4 && (d.TotalBytes <= 0 || d.UsableBytes <= 0 || d.UsableBytes > d.TotalBytes) {
			t.Errorf("v%d: total %d usable %d", v, d.TotalBytes, d.UsableBytes)
		}
	}

	// Only the partitions asked; unknown ones are left out.
	resp := describeLogDirs(e, 2, map[string][]int32{"dl": {1, 7}, "nope": {0}}, false)
	if sizes := partitionSizes(resp.Dirs[0]); len(sizes) != 1 || sizes["dl-1"] != int64(len(batch)) {
		t.Errorf("dl-1 asked: %v", sizes)
	}
	resp = describeLogDirs(e, 2, nil, false)
	if len(resp.Dirs) != 1 || len(resp.Dirs[0].Topics) != 0 {
		t.Errorf("an empty list: %+v", resp.Dirs)
	}
}
