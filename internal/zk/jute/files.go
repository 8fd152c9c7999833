package jute

// FileHeader opens every txn log (magic "ZKLG") and snapshot (magic "ZKSN").
type FileHeader struct {
	Magic   int32
	Version int32
	DBID    int64
}

const (
	TxnLogMagic   int32 = 0x5a4b4c47 // "ZKLG"
	SnapshotMagic int32 = 0x5a4b534e // "ZKSN"
	FileVersion   int32 = 2
)

func (r *FileHeader) Encode(e *Encoder) { e.Int(r.Magic); e.Int(r.Version); e.Long(r.DBID) }
func (r *FileHeader) Decode(d *Decoder) { r.Magic = d.Int(); r.Version = d.Int(); r.DBID = d.Long() }

// LearnerInfo is the body of FOLLOWERINFO and OBSERVERINFO.
type LearnerInfo struct {
	ServerID        int64
	ProtocolVersion int32
	ConfigVersion   int64
}

func (r *LearnerInfo) Encode(e *Encoder) {
	e.Long(r.ServerID)
	e.Int(r.ProtocolVersion)
	e.Long(r.ConfigVersion)
}
func (r *LearnerInfo) Decode(d *Decoder) {
	r.ServerID = d.Long()
	r.ProtocolVersion = d.Int()
	r.ConfigVersion = d.Long()
}

// QuorumPacket is every message between ensemble members after election.
type QuorumPacket struct {
	Type     int32
	Zxid     int64
	Data     []byte
	AuthInfo []Id
}

func (r *QuorumPacket) Encode(e *Encoder) {
	e.Int(r.Type)
	e.Long(r.Zxid)
	e.Buffer(r.Data)
	EncodeIds(e, r.AuthInfo)
}

func (r *QuorumPacket) Decode(d *Decoder) {
	r.Type = d.Int()
	r.Zxid = d.Long()
	r.Data = d.Buffer()
	r.AuthInfo = DecodeIds(d)
}

// QuorumAuthPacket is the SASL quorum authentication message.
type QuorumAuthPacket struct {
	Magic  int64
	Status int32
	Token  []byte
}

func (r *QuorumAuthPacket) Encode(e *Encoder) { e.Long(r.Magic); e.Int(r.Status); e.Buffer(r.Token) }
func (r *QuorumAuthPacket) Decode(d *Decoder) {
	r.Magic = d.Long()
	r.Status = d.Int()
	r.Token = d.Buffer()
}
