package log

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseDirName(t *testing.T) {
	cases := []struct {
		dir   string
		tp    TopicPartition
		kind  DirKind
		valid bool
	}{
		{"/data/topic-0", TopicPartition{"topic", 0}, DirLive, true},
		{"my-topic-12", TopicPartition{"my-topic", 12}, DirLive, true},
		{"/x/__consumer_offsets-49/", TopicPartition{"__consumer_offsets", 49}, DirLive, true},
		{"a.b_c-3", TopicPartition{"a.b_c", 3}, DirLive, true},
		{"topic--1", TopicPartition{"topic-", 1}, DirLive, true},
		{"topic-0.5b0e79ab3d5e4c1e9c43d0b2d8cd5e7c-delete", TopicPartition{"topic", 0}, DirDelete, true},
		{"my-topic-7.abc-future", TopicPartition{"my-topic", 7}, DirFuture, true},
		{"t-1.abc-stray", TopicPartition{"t", 1}, DirStray, true},
		{"topic", TopicPartition{}, DirLive, false},
		{"topic-", TopicPartition{}, DirLive, false},
		{"-1", TopicPartition{}, DirLive, false},
		{"topic-x", TopicPartition{}, DirLive, false},
		{"topic-0-delete", TopicPartition{}, DirLive, false}, // no .uuid
		{"topic-0.abc-future2", TopicPartition{}, DirLive, false},
		{"topic-99999999999", TopicPartition{}, DirLive, false},
	}
	for _, c := range cases {
		tp, kind, err := ParseDirName(c.dir)
		if (err == nil) != c.valid {
			t.Errorf("ParseDirName(%q) err = %v", c.dir, err)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidDirName) {
				t.Errorf("ParseDirName(%q) err = %v, not ErrInvalidDirName", c.dir, err)
			}
			continue
		}
		if tp != c.tp || kind != c.kind {
			t.Errorf("ParseDirName(%q) = %v %v, want %v %v", c.dir, tp, kind, c.tp, c.kind)
		}
	}
}

func TestDirNamesRoundTrip(t *testing.T) {
	tp := TopicPartition{"orders-eu", 3}
	for _, c := range []struct {
		name string
		kind DirKind
	}{{DirName(tp), DirLive}, {DeleteDirName(tp), DirDelete}, {FutureDirName(tp), DirFuture}, {StrayDirName(tp), DirStray}} {
		got, kind, err := ParseDirName(c.name)
		if err != nil || got != tp || kind != c.kind {
			t.Errorf("ParseDirName(%q) = %v %v %v", c.name, got, kind, err)
		}
	}
	long := TopicPartition{strings.Repeat("t", 249), 0}
	if n := DeleteDirName(long); len(n) > 255 {
		t.Fatalf("delete dir name is %d bytes", len(n))
	}
}

func TestSegmentFileNames(t *testing.T) {
	if got := LogFileName(0); got != "00000000000000000000.log" {
		t.Fatal(got)
	}
	if got := IndexFileName(math.MaxInt64); got != "09223372036854775807.index" {
		t.Fatal(got)
	}
	for _, c := range []struct {
		name, suffix string
		kind         fileKind
		base         int64
	}{
		{"00000000000000000042.log", "", kindLog, 42},
		{"00000000000000000042.index", "", kindIndex, 42},
		{"00000000000000000042.timeindex", "", kindTimeIndex, 42},
		{"00000000000000000042.txnindex", "", kindTxnIndex, 42},
		{"00000000000000000042.log.swap", SwapFileSuffix, kindLog, 42},
		{"00000000000000000042.log.swap", "", kindOther, 0},
		{"00000000000000000042.snapshot", "", kindOther, 0},
		{"leader-epoch-checkpoint", "", kindOther, 0},
		{"x42.log", "", kindOther, 0},
	} {
		kind, base := segmentFileKind(c.name, c.suffix)
		if kind != c.kind || base != c.base {
			t.Errorf("segmentFileKind(%q, %q) = %v %d", c.name, c.suffix, kind, base)
		}
	}
}

func TestConfigValidateAndParse(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(map[string]string{
		"segment.bytes": "1048576", "segment.ms": "3600000", "retention.bytes": "-1",
		"cleanup.policy": "compact,delete", "message.timestamp.type": "LogAppendTime",
		"preallocate": "TRUE", "min.cleanable.dirty.ratio": "0.25", "compression.type": "ZSTD",
		"unclean.leader.election.enable": "true", // not the log's: ignored
	}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if c.SegmentBytes != 1<<20 || c.SegmentMs != 3600000 || !c.CleanupPolicy.Compact() || !c.CleanupPolicy.Delete() ||
		c.MessageTimestampType != LogAppendTime || !c.Preallocate || c.MinCleanableDirtyRatio != 0.25 || c.CompressionType != "zstd" {
		t.Fatalf("parsed %+v", c)
	}
	for _, bad := range []map[string]string{
		{"segment.bytes": "13"},
		{"segment.bytes": "1.5"},
		{"segment.ms": "0"},
		{"segment.index.bytes": "8"},
		{"retention.ms": "-2"},
		{"flush.messages": "0"},
		{"cleanup.policy": "compact,bogus"},
		{"message.timestamp.type": "createtime"},
		{"min.cleanable.dirty.ratio": "1.5"},
		{"preallocate": "yes"},
		{"compression.type": "brotli"},
	} {
		if _, err := ParseConfig(bad, DefaultConfig()); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("ParseConfig(%v) err = %v", bad, err)
		}
	}
	c = DefaultConfig()
	c.CleanupPolicy = CleanupCompact
	c.MaxCompactionLagMs = 1000
	if c.MaxSegmentMs() != 1000 {
		t.Fatalf("MaxSegmentMs = %d", c.MaxSegmentMs())
	}
	if p, err := ParseCleanupPolicy(""); err != nil || p != 0 {
		t.Fatalf("empty cleanup.policy = %v, %v", p, err)
	}
}
