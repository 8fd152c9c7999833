package record

import (
	"encoding/binary"
	"fmt"
)

// Control records (in batches with the control flag) carry their type in
// the key and their payload in the value:
//
//	key    version int16 (0), type int16
//	value  for COMMIT/ABORT (EndTransactionMarker): version int16 (0), coordinatorEpoch int32

// ControlType is ControlRecordType.
type ControlType int16

const (
	ControlAbort          ControlType = 0
	ControlCommit         ControlType = 1
	ControlLeaderChange   ControlType = 2
	ControlSnapshotHeader ControlType = 3
	ControlSnapshotFooter ControlType = 4
	ControlKRaftVersion   ControlType = 5
	ControlKRaftVoters    ControlType = 6
	ControlUnknown        ControlType = -1
)

// String is the Java enum's name.
func (t ControlType) String() string {
	switch t {
	case ControlAbort:
		return "ABORT"
	case ControlCommit:
		return "COMMIT"
	case ControlLeaderChange:
		return "LEADER_CHANGE"
	case ControlSnapshotHeader:
		return "SNAPSHOT_HEADER"
	case ControlSnapshotFooter:
		return "SNAPSHOT_FOOTER"
	case ControlKRaftVersion:
		return "KRAFT_VERSION"
	case ControlKRaftVoters:
		return "KRAFT_VOTERS"
	}
	return "UNKNOWN"
}

// ControlKey is the key of a control record of type t (version 0).
func ControlKey(t ControlType) []byte {
	return binary.BigEndian.AppendUint16([]byte{0, 0}, uint16(t))
}

// ParseControlKey is ControlRecordType.parse: at least 4 bytes, a version
// that is not negative (a newer one is read as version 0), and the type;
// type ids Kafka does not know come back as ControlUnknown.
func ParseControlKey(key []byte) (ControlType, error) {
	if len(key) < 4 {
		return ControlUnknown, fmt.Errorf("%w: Invalid value size found for end control record key. Must have at least 4 bytes, but found only %d",
			ErrInvalid, len(key))
	}
	if v := int16(binary.BigEndian.Uint16(key)); v < 0 {
		return ControlUnknown, fmt.Errorf("%w: Invalid version found for control record: %d. May indicate data corruption", ErrInvalid, v)
	}
	t := ControlType(binary.BigEndian.Uint16(key[2:]))
	if t < ControlAbort || t > ControlKRaftVoters {
		return ControlUnknown, nil
	}
	return t, nil
}

// EndTxnMarkerValue is the value of a COMMIT/ABORT record (version 0).
func EndTxnMarkerValue(coordinatorEpoch int32) []byte {
	return binary.BigEndian.AppendUint32([]byte{0, 0}, uint32(coordinatorEpoch))
}

// EndTxnMarker is a decoded COMMIT or ABORT record.
type EndTxnMarker struct {
	Type             ControlType
	CoordinatorEpoch int32
}

// ParseEndTxnMarker is EndTransactionMarker.deserialize.
func ParseEndTxnMarker(r *Record) (EndTxnMarker, error) {
	t, err := ParseControlKey(r.Key)
	if err != nil {
		return EndTxnMarker{}, err
	}
	if t != ControlCommit && t != ControlAbort {
		return EndTxnMarker{}, fmt.Errorf("%w: Invalid control record type for end transaction marker %s", ErrInvalid, t)
	}
	if len(r.Value) < 6 {
		return EndTxnMarker{}, fmt.Errorf("%w: Invalid value size found for end transaction marker. Must have at least 6 bytes, but found only %d",
			ErrInvalid, len(r.Value))
	}
	if v := int16(binary.BigEndian.Uint16(r.Value)); v < 0 {
		return EndTxnMarker{}, fmt.Errorf("%w: Invalid version found for end transaction marker: %d. May indicate data corruption", ErrInvalid, v)
	}
	return EndTxnMarker{Type: t, CoordinatorEpoch: int32(binary.BigEndian.Uint32(r.Value[2:]))}, nil
}
