package jute

import "testing"

// requestRecords are the request bodies a server decodes, by opcode.
func requestRecord(op int32) Record {
	switch op % 12 {
	case 0:
		return &ConnectRequest{}
	case 1:
		return &CreateRequest{}
	case 2:
		return &CreateTTLRequest{}
	case 3:
		return &SetDataRequest{}
	case 4:
		return &SetACLRequest{}
	case 5:
		return &MultiRequest{}
	case 6:
		return &SetWatches{V2: true}
	case 7:
		return &AuthPacket{}
	case 8:
		return &ReconfigRequest{}
	case 9:
		return &PathWatchRequest{}
	case 10:
		return &MultiResponse{}
	default:
		return &MultiTxn{}
	}
}

// FuzzDecodeRecords feeds arbitrary bytes to every request decoder: no
// panics, and whatever decodes re-encodes to a prefix of the input's meaning
// (decode(encode(x)) == x).
func FuzzDecodeRecords(f *testing.F) {
	f.Add(int32(1), Marshal(&CreateRequest{Path: "/a", Data: []byte("x"), ACL: []ACL{{Perms: 31, ID: Id{"world", "anyone"}}}}))
	f.Add(int32(5), Marshal(&MultiRequest{Ops: []MultiOp{{Type: OpDelete, Op: &DeleteRequest{Path: "/a"}}}}))
	f.Add(int32(6), Marshal(&SetWatches{RelativeZxid: 1, DataWatches: []string{"/a"}, V2: true}))
	f.Add(int32(0), Marshal(&ConnectRequest{TimeOut: 1, Passwd: make([]byte, 16), HasReadOnly: true}))
	f.Add(int32(10), []byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0x2f, 0x61})
	f.Fuzz(func(t *testing.T, op int32, data []byte) {
		if op < 0 {
			op = -op
		}
		r := requestRecord(op)
		if Unmarshal(data, r) != nil {
			return
		}
		again := requestRecord(op)
		if err := Unmarshal(Marshal(r), again); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if string(Marshal(again)) != string(Marshal(r)) {
			t.Fatal("decode(encode(x)) != x")
		}
	})
}

// FuzzDecodeTxn feeds arbitrary bytes to the txn decoder (log entries and
// proposals): never panics.
func FuzzDecodeTxn(f *testing.F) {
	e := NewEncoder(nil)
	EncodeTxn(e, &TxnHeader{Type: OpMulti}, &MultiTxn{Txns: []Txn{{Type: OpCreate, Data: Marshal(&CreateTxn{Path: "/a"})}}}, &TxnDigest{Version: 2})
	f.Add(e.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		_, rec, _, err := DecodeTxn(data)
		if err != nil {
			return
		}
		if m, ok := rec.(*MultiTxn); ok {
			for _, sub := range m.Txns {
				if r, err := NewTxnRecord(sub.Type); err == nil {
					_ = Unmarshal(sub.Data, r)
				}
			}
		}
	})
}
