package record

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestBuilderErrors(t *testing.T) {
	cases := []struct {
		name string
		run  func(*Builder) error
		msg  string
	}{
		{"decreasing offset", func(bl *Builder) error {
			bl.AppendWithOffset(5, 0, nil, nil)
			return bl.AppendWithOffset(5, 0, nil, nil)
		}, "Illegal offset 5 following previous offset 5 (Offsets must increase monotonically)."},
		{"negative timestamp", func(bl *Builder) error { return bl.Append(-2, nil, nil) }, "Invalid negative timestamp -2"},
		{"offset delta over int32", func(bl *Builder) error { return bl.AppendWithOffset(math.MaxInt32+1, 0, nil, nil) },
			"Maximum offset delta exceeded, base offset: 0, last offset: 2147483648"},
		{"record in a control batch", func(bl *Builder) error { return bl.SetControl(true).Append(0, nil, nil) },
			"Control records can only be appended to control batches"},
		{"control record in a data batch", func(bl *Builder) error { return bl.AppendControlRecord(0, ControlCommit, nil) },
			"Control records can only be appended to control batches"},
		{"unknown control type", func(bl *Builder) error { return bl.SetControl(true).AppendControlRecord(0, ControlUnknown, nil) },
			"Cannot serialize UNKNOWN control record type"},
		{"marker without producer", func(bl *Builder) error {
			return bl.SetControl(true).SetTransactional(true).AppendEndTxnMarker(0, true, 0)
		}, "End transaction marker requires a valid producerId"},
		{"marker outside a transaction", func(bl *Builder) error {
			return bl.SetControl(true).SetProducer(1, 0, NoSequence).AppendEndTxnMarker(0, true, 0)
		}, "End transaction marker depends on batch transactional flag being enabled"},
		{"null header key", func(bl *Builder) error { return bl.Append(0, nil, nil, Header{Value: []byte("v")}) },
			"Invalid null header key found in headers"},
		{"delete horizon after records", func(bl *Builder) error { bl.Append(0, nil, nil); bl.SetDeleteHorizon(5); return bl.Err() },
			"the delete horizon must be set before records are appended"},
		{"transactional without producer", func(bl *Builder) error {
			bl.SetTransactional(true).Append(0, nil, nil)
			_, err := bl.Build()
			return err
		}, "Cannot write transactional messages without a valid producer ID"},
		{"producer without epoch", func(bl *Builder) error {
			bl.SetProducer(1, NoProducerEpoch, 0).Append(0, nil, nil)
			_, err := bl.Build()
			return err
		}, "Invalid negative producer epoch"},
		{"producer without sequence", func(bl *Builder) error {
			bl.SetProducer(1, 0, NoSequence).Append(0, nil, nil)
			_, err := bl.Build()
			return err
		}, "Invalid negative sequence number used"},
	}
	for _, tc := range cases {
		bl := NewBuilder(0, CompressionNone)
		err := tc.run(bl)
		if !errors.Is(err, ErrBuild) || !strings.HasSuffix(err.Error(), tc.msg) {
			t.Errorf("%s: %v; want ErrBuild ending %q", tc.name, err, tc.msg)
		}
		if _, berr := bl.Build(); berr == nil {
			t.Errorf("%s: Build after a failure succeeded", tc.name)
		}
	}
	if _, err := NewBuilder(0, 6).Build(); !errors.Is(err, ErrCompression) {
		t.Errorf("codec 6: %v", err)
	}
}

func TestBuilderEmpty(t *testing.T) {
	b, err := NewBuilder(0, CompressionGzip).Build()
	if b != nil || err != nil {
		t.Fatalf("%x, %v", []byte(b), err)
	}
}

func TestBuilderHeaderFields(t *testing.T) {
	bl := NewBuilder(1000, CompressionLZ4).
		SetProducer(77, 3, 500).SetTransactional(true).SetPartitionLeaderEpoch(9).SetLogAppendTime(now)
	bl.Append(now-20, []byte("a"), []byte("1"))
	bl.Append(now-30, []byte("b"), []byte("2"))
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.ValidateHeader(); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want int64
	}{
		{"base offset", b.BaseOffset(), 1000},
		{"last offset", b.LastOffset(), 1001},
		{"leader epoch", int64(b.PartitionLeaderEpoch()), 9},
		{"base timestamp", b.BaseTimestamp(), now - 20},
		{"max timestamp", b.MaxTimestamp(), now},
		{"producer id", b.ProducerID(), 77},
		{"producer epoch", int64(b.ProducerEpoch()), 3},
		{"base sequence", int64(b.BaseSequence()), 500},
		{"count", int64(b.RecordCount()), 2},
		{"attributes", int64(b.Attributes()), int64(CompressionLZ4) | TimestampTypeMask | TransactionalMask},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

func TestBuilderDeleteHorizon(t *testing.T) {
	bl := NewBuilder(0, CompressionNone).SetDeleteHorizon(now + 86400_000)
	bl.Append(now, []byte("k"), nil)
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	if !b.HasDeleteHorizon() || b.BaseTimestamp() != now+86400_000 || b.MaxTimestamp() != now {
		t.Fatalf("attrs %x base %d max %d", b.Attributes(), b.BaseTimestamp(), b.MaxTimestamp())
	}
	recs, err := walkAll(b)
	if err != nil || recs[0].TimestampDelta != -86400_000 || recs[0].Timestamp != now {
		t.Fatalf("%+v, %v", recs, err)
	}
}

func TestEndTxnMarker(t *testing.T) {
	// MemoryRecords.withEndTransactionMarker(initialOffset 5, now, epoch 2,
	// producerId 8, producerEpoch 1, COMMIT with coordinatorEpoch 4).
	bl := NewBuilder(5, CompressionNone).SetProducer(8, 1, NoSequence).SetTransactional(true).SetControl(true).SetPartitionLeaderEpoch(2)
	if err := bl.AppendEndTxnMarker(now, true, 4); err != nil {
		t.Fatal(err)
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	// RECORD_BATCH_OVERHEAD + CURRENT_END_TXN_SCHEMA_RECORD_SIZE (1 length +
	// 1 attributes + 1 + 1 deltas + 1+4 key + 1+6 value + 1 headers).
	if len(b) != HeaderSize+17 {
		t.Fatalf("size %d", len(b))
	}
	if !b.IsControl() || !b.IsTransactional() {
		t.Fatal("flags")
	}
	recs, err := walkAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(recs[0].Key, []byte{0, 0, 0, 1}) || !bytes.Equal(recs[0].Value, []byte{0, 0, 0, 0, 0, 4}) {
		t.Fatalf("key %x value %x", recs[0].Key, recs[0].Value)
	}
	m, err := ParseEndTxnMarker(&recs[0])
	if err != nil || m.Type != ControlCommit || m.CoordinatorEpoch != 4 || m.Type.String() != "COMMIT" {
		t.Fatalf("%+v, %v", m, err)
	}
	// The coordinator's marker passes validation from the coordinator and
	// is refused from a client.
	o := opts()
	o.Origin = OriginCoordinator
	if _, err := Validate(b, o); err != nil {
		t.Fatal(err)
	}
}

func TestParseControl(t *testing.T) {
	cases := []struct {
		key  []byte
		want ControlType
		err  bool
	}{
		{[]byte{0, 0, 0, 0}, ControlAbort, false},
		{[]byte{0, 0, 0, 6}, ControlKRaftVoters, false},
		{[]byte{0, 3, 0, 1, 9}, ControlCommit, false}, // newer key version read as 0
		{[]byte{0, 0, 0, 9}, ControlUnknown, false},
		{[]byte{0, 0, 0xff, 0xff}, ControlUnknown, false},
		{[]byte{0xff, 0xff, 0, 1}, ControlUnknown, true},
		{[]byte{0, 0, 0}, ControlUnknown, true},
	}
	for _, tc := range cases {
		got, err := ParseControlKey(tc.key)
		if got != tc.want || (err != nil) != tc.err || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("%x: %v, %v", tc.key, got, err)
		}
	}
	for _, tc := range []struct {
		key, value []byte
		ok         bool
	}{
		{ControlKey(ControlAbort), EndTxnMarkerValue(-1), true},
		{ControlKey(ControlLeaderChange), EndTxnMarkerValue(0), false},
		{ControlKey(ControlCommit), []byte{0, 0, 0}, false},
		{ControlKey(ControlCommit), []byte{0x80, 0, 0, 0, 0, 0}, false},
	} {
		r := Record{Key: tc.key, Value: tc.value}
		if _, err := ParseEndTxnMarker(&r); (err == nil) != tc.ok {
			t.Errorf("%x/%x: %v", tc.key, tc.value, err)
		}
	}
}

func TestEmptyFromKeepsProducerState(t *testing.T) {
	bl := NewBuilder(40, CompressionZstd).SetProducer(5, 6, 70).SetTransactional(true).SetPartitionLeaderEpoch(3).SetLogAppendTime(now)
	bl.Append(now, []byte("k"), []byte("v"))
	bl.Append(now, []byte("k"), []byte("v"))
	src, _ := bl.Build()
	e := EmptyFrom(src)
	if err := e.ValidateHeader(); err == nil {
		t.Fatal("an empty batch passes the client header check") // count 0
	}
	if !e.CRCValid() || len(e) != HeaderSize || e.RecordCount() != 0 || e.BaseOffset() != 40 || e.LastOffset() != 41 ||
		e.ProducerID() != 5 || e.ProducerEpoch() != 6 || e.BaseSequence() != 70 || e.LastSequence() != 71 ||
		!e.IsTransactional() || !e.IsLogAppendTime() || e.Compression() != CompressionNone ||
		e.BaseTimestamp() != NoTimestamp || e.MaxTimestamp() != now || e.PartitionLeaderEpoch() != 3 {
		t.Fatalf("%x", []byte(e))
	}
	if recs, err := walkAll(e); err != nil || len(recs) != 0 {
		t.Fatalf("%v %v", recs, err)
	}
}

func TestAppendRecordCopiesVerbatim(t *testing.T) {
	src := NewBuilder(0, CompressionNone)
	src.Append(now, []byte("k"), []byte("v"), Header{Key: []byte("a"), Value: nil}, Header{Key: []byte(""), Value: []byte("z")})
	sb, _ := src.Build()
	recs, _ := walkAll(sb)
	dst := NewBuilder(0, CompressionNone)
	if err := dst.AppendRecord(0, &recs[0]); err != nil {
		t.Fatal(err)
	}
	db, err := dst.Build()
	if err != nil || !bytes.Equal(db, sb) {
		t.Fatalf("copy differs\n%x\n%x", []byte(db), []byte(sb))
	}
}
