// Package wiretest holds helpers for tests and fuzz targets of the Kafka
// wire layer and the broker.
package wiretest

import (
	"encoding/binary"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// MayLoopOnTags reports bytes holding, anywhere, a uvarint above 65536
// that exceeds half the bytes after it.
//
// kmsg (v1.15.0) reads a tagged-field section as
// "for n := b.Uvarint(); n > 0; n-- {...}" and keeps looping once its
// reader has run out, so such a count read as a tag count costs up to 2^32
// empty iterations (about a minute of CPU) before the decode fails. Valid
// requests never do this. Fuzz targets skip these inputs so that they keep
// exploring instead of timing out on this one known issue; see
// internal/kafka/wire's package documentation.
func MayLoopOnTags(b []byte) bool {
	for i := range b {
		v, n := binary.Uvarint(b[i:min(len(b), i+5)])
		if n > 0 && v > 1<<16 && v > uint64(len(b)-i-n)/2 {
			return true
		}
	}
	return false
}

// MayLoopOnTagsAt is MayLoopOnTags for a request body of a known API key
// and version: only flexible versions have tagged fields, so a body of any
// other version cannot loop. A key kmsg does not know is checked as a whole.
func MayLoopOnTagsAt(key, version int16, b []byte) bool {
	req := kmsg.RequestForKey(key)
	if req == nil {
		return MayLoopOnTags(b)
	}
	req.SetVersion(version)
	return req.IsFlexible() && MayLoopOnTags(b)
}

// MayLoopOnTagsFrame is MayLoopOnTags for a request frame without its size
// prefix (api key, api version, correlation id, client id, [tags,] body):
// its key and version decide as in MayLoopOnTagsAt; a frame too short to
// name them is checked as a whole.
func MayLoopOnTagsFrame(frame []byte) bool {
	if len(frame) < 4 {
		return MayLoopOnTags(frame)
	}
	key, version := int16(binary.BigEndian.Uint16(frame)), int16(binary.BigEndian.Uint16(frame[2:]))
	return MayLoopOnTagsAt(key, version, frame)
}
