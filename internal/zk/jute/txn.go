package jute

import "fmt"

// TxnHeader precedes every txn in the log and in quorum proposals.
type TxnHeader struct {
	ClientID int64 // session id
	Cxid     int32 // client xid
	Zxid     int64
	Time     int64 // ms since the epoch, the leader's clock when prepared
	Type     int32 // OpCode
}

func (r *TxnHeader) Encode(e *Encoder) {
	e.Long(r.ClientID)
	e.Int(r.Cxid)
	e.Long(r.Zxid)
	e.Long(r.Time)
	e.Int(r.Type)
}

func (r *TxnHeader) Decode(d *Decoder) {
	r.ClientID = d.Long()
	r.Cxid = d.Int()
	r.Zxid = d.Long()
	r.Time = d.Long()
	r.Type = d.Int()
}

// TxnDigest follows a txn when the tree digest is enabled (3.6+).
type TxnDigest struct {
	Version    int32
	TreeDigest int64
}

func (r *TxnDigest) Encode(e *Encoder) { e.Int(r.Version); e.Long(r.TreeDigest) }
func (r *TxnDigest) Decode(d *Decoder) { r.Version = d.Int(); r.TreeDigest = d.Long() }

// CreateTxn creates a persistent or ephemeral znode (create, create2).
// The pre-3.3 form without parentCVersion (CreateTxnV0) is accepted by Decode.
type CreateTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	Ephemeral      bool
	ParentCVersion int32
}

func (r *CreateTxn) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	EncodeACLs(e, r.ACL)
	e.Bool(r.Ephemeral)
	e.Int(r.ParentCVersion)
}

func (r *CreateTxn) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = DecodeACLs(d)
	r.Ephemeral = d.Bool()
	r.ParentCVersion = -1
	if d.Err() == nil && d.Remaining() >= 4 {
		r.ParentCVersion = d.Int()
	}
}

// CreateTTLTxn creates a TTL znode.
type CreateTTLTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	ParentCVersion int32
	TTL            int64
}

func (r *CreateTTLTxn) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	EncodeACLs(e, r.ACL)
	e.Int(r.ParentCVersion)
	e.Long(r.TTL)
}

func (r *CreateTTLTxn) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = DecodeACLs(d)
	r.ParentCVersion = d.Int()
	r.TTL = d.Long()
}

// CreateContainerTxn creates a container znode.
type CreateContainerTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	ParentCVersion int32
}

func (r *CreateContainerTxn) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	EncodeACLs(e, r.ACL)
	e.Int(r.ParentCVersion)
}

func (r *CreateContainerTxn) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = DecodeACLs(d)
	r.ParentCVersion = d.Int()
}

// DeleteTxn deletes a znode (delete, deleteContainer).
type DeleteTxn = PathRequest

// SetDataTxn sets a znode's data; Version is the new data version.
type SetDataTxn struct {
	Path    string
	Data    []byte
	Version int32
}

func (r *SetDataTxn) Encode(e *Encoder) { e.String(r.Path); e.Buffer(r.Data); e.Int(r.Version) }
func (r *SetDataTxn) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.Version = d.Int()
}

// CheckVersionTxn is a check op inside a multi.
type CheckVersionTxn = PathVersionRequest

// SetACLTxn sets a znode's ACL; Version is the new aversion.
type SetACLTxn = SetACLRequest

// SetMaxChildrenTxn is a legacy txn kept for reading old logs.
type SetMaxChildrenTxn struct {
	Path string
	Max  int32
}

func (r *SetMaxChildrenTxn) Encode(e *Encoder) { e.String(r.Path); e.Int(r.Max) }
func (r *SetMaxChildrenTxn) Decode(d *Decoder) { r.Path = d.String(); r.Max = d.Int() }

// CreateSessionTxn records a new session and its negotiated timeout.
type CreateSessionTxn struct {
	TimeOut int32
}

func (r *CreateSessionTxn) Encode(e *Encoder) { e.Int(r.TimeOut) }
func (r *CreateSessionTxn) Decode(d *Decoder) { r.TimeOut = d.Int() }

// CloseSessionTxn lists the ephemerals the close deletes. ZooKeeper 3.6+
// writes it (zookeeper.closeSessionTxn.enabled); older logs have an empty body,
// which decodes as Paths == nil with Present false.
type CloseSessionTxn struct {
	Paths   []string
	Present bool
}

func (r *CloseSessionTxn) Encode(e *Encoder) {
	if r.Present {
		e.Strings(r.Paths)
	}
}

func (r *CloseSessionTxn) Decode(d *Decoder) {
	if d.Remaining() >= 4 {
		r.Paths = d.Strings()
		r.Present = true
	}
}

// ErrorTxn records a failed write: it consumes a zxid like any txn.
type ErrorTxn = ErrorResponse

// Txn is one sub-txn of a MultiTxn: its type and its encoded record.
type Txn struct {
	Type int32
	Data []byte
}

func (r *Txn) Encode(e *Encoder) { e.Int(r.Type); e.Buffer(r.Data) }
func (r *Txn) Decode(d *Decoder) { r.Type = d.Int(); r.Data = d.Buffer() }

// MultiTxn is the txn of a multi: a vector of sub-txns sharing one zxid.
type MultiTxn struct {
	Txns []Txn
}

func (r *MultiTxn) Encode(e *Encoder) {
	if r.Txns == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(r.Txns)))
	for i := range r.Txns {
		r.Txns[i].Encode(e)
	}
}

func (r *MultiTxn) Decode(d *Decoder) {
	n := d.VectorLen(8)
	if n < 0 || d.Err() != nil {
		r.Txns = nil
		return
	}
	r.Txns = make([]Txn, n)
	for i := range r.Txns {
		r.Txns[i].Decode(d)
	}
}

// NewTxnRecord returns an empty txn record for a txn type, or an error for a
// type that carries no txn body ZooKeeper knows.
func NewTxnRecord(t int32) (Record, error) {
	switch t {
	case OpCreate, OpCreate2:
		return &CreateTxn{}, nil
	case OpCreateTTL:
		return &CreateTTLTxn{}, nil
	case OpCreateContainer:
		return &CreateContainerTxn{}, nil
	case OpDelete, OpDeleteContainer:
		return &DeleteTxn{}, nil
	case OpSetData:
		return &SetDataTxn{}, nil
	case OpSetACL:
		return &SetACLTxn{}, nil
	case OpCheck:
		return &CheckVersionTxn{}, nil
	case OpCreateSession:
		return &CreateSessionTxn{}, nil
	case OpCloseSession:
		return &CloseSessionTxn{}, nil
	case OpError:
		return &ErrorTxn{}, nil
	case OpMulti:
		return &MultiTxn{}, nil
	case 10: // setMaxChildren (removed opcode, still in old logs)
		return &SetMaxChildrenTxn{}, nil
	case OpReconfig:
		return &SetDataTxn{}, nil
	}
	return nil, fmt.Errorf("jute: unknown txn type %d", t)
}

// DecodeTxn decodes a txn entry as written to the log and in proposals:
// header, body, and an optional trailing digest (nil when absent).
func DecodeTxn(b []byte) (TxnHeader, Record, *TxnDigest, error) {
	d := NewDecoder(b)
	var h TxnHeader
	h.Decode(d)
	if d.Err() != nil {
		return h, nil, nil, d.Err()
	}
	rec, err := NewTxnRecord(h.Type)
	if err != nil {
		return h, nil, nil, err
	}
	rec.Decode(d)
	if d.Err() != nil {
		return h, nil, nil, d.Err()
	}
	var dg *TxnDigest
	if d.Remaining() >= 12 {
		dg = &TxnDigest{}
		dg.Decode(d)
	}
	return h, rec, dg, d.Err()
}

// EncodeTxn encodes a txn entry: header, body, and the digest when non-nil.
func EncodeTxn(e *Encoder, h *TxnHeader, rec Record, dg *TxnDigest) {
	h.Encode(e)
	if rec != nil {
		rec.Encode(e)
	}
	if dg != nil {
		dg.Encode(e)
	}
}
