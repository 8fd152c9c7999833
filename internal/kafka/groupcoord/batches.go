package groupcoord

import (
	"errors"
	"fmt"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
	"github.com/wharf-project/wharf/internal/kafka/record"
)

// ErrCorrupt reports a __consumer_offsets partition whose records cannot be
// read back: the partition's groups are not loaded (Kafka fails the load
// the same way) and its coordinator stays unavailable.
var ErrCorrupt = errors.New("groupcoord: unreadable record in " + OffsetsTopic)

// encodeBatch builds the one batch a Result's records are appended as: no
// producer id, CreateTime nowMs on every record, uncompressed (Kafka's
// offsets.topic.compression.codec default). Offsets are assigned by the
// log.
func encodeBatch(recs []records.Record, nowMs int64) (record.Batch, error) {
	bl := record.NewBuilder(0, record.CompressionNone)
	for _, r := range recs {
		key, value, err := records.Encode(r)
		if err != nil {
			return nil, err
		}
		if err := bl.Append(nowMs, key, value); err != nil {
			return nil, err
		}
	}
	return bl.Build()
}

// decodeBatches walks data (whole batches as the log returns them) and
// calls fn with each coordinator record in offset order. Control batches
// (transaction markers) are skipped, and so are records of key versions
// this coordinator does not know (a newer Kafka's, or share groups': Kafka
// skips them too). It returns the offset after the last batch (-1 when
// there was none); data must hold whole batches (a log read's region does).
func decodeBatches(data []byte, fn func(offset int64, rec records.Record) error) (next int64, err error) {
	next = -1
	it := record.Iterate(data)
	var scratch []byte
	for {
		b, _, ok := it.Next()
		if !ok {
			break
		}
		next = b.NextOffset()
		if b.IsControl() {
			continue
		}
		raw, err := b.RecordData(scratch, 64<<20)
		if err != nil {
			return next, fmt.Errorf("%w: batch at offset %d: %v", ErrCorrupt, b.BaseOffset(), err)
		}
		if b.Compression() != record.CompressionNone {
			scratch = raw
		}
		ri := b.Iter(raw)
		var r record.Record
		for ri.Next(&r) {
			rec, err := records.Decode(r.Key, r.Value)
			if errors.Is(err, records.ErrUnknownKeyVersion) {
				continue
			}
			if err != nil {
				return next, fmt.Errorf("%w: offset %d: %v", ErrCorrupt, r.Offset, err)
			}
			if err := fn(r.Offset, rec); err != nil {
				return next, err
			}
		}
		if err := ri.Err(); err != nil {
			return next, fmt.Errorf("%w: batch at offset %d: %v", ErrCorrupt, b.BaseOffset(), err)
		}
	}
	if err := it.Err(); err != nil {
		return next, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return next, nil
}
