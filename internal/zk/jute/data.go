package jute

// Id is an ACL identity: scheme and id (world:anyone, digest:user:hash, ip:10.0.0.0/8).
type Id struct {
	Scheme string
	ID     string
}

func (r *Id) Encode(e *Encoder) { e.String(r.Scheme); e.String(r.ID) }
func (r *Id) Decode(d *Decoder) { r.Scheme = d.String(); r.ID = d.String() }

// ACL grants Perms to an identity.
type ACL struct {
	Perms int32
	ID    Id
}

func (r *ACL) Encode(e *Encoder) { e.Int(r.Perms); r.ID.Encode(e) }
func (r *ACL) Decode(d *Decoder) { r.Perms = d.Int(); r.ID.Decode(d) }

// EncodeACLs writes a vector<ACL>; nil is written as -1.
func EncodeACLs(e *Encoder, acls []ACL) {
	if acls == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(acls)))
	for i := range acls {
		acls[i].Encode(e)
	}
}

// DecodeACLs reads a vector<ACL>; null is returned as nil.
func DecodeACLs(d *Decoder) []ACL {
	n := d.VectorLen(12)
	if n < 0 || d.Err() != nil {
		return nil
	}
	out := make([]ACL, n)
	for i := range out {
		out[i].Decode(d)
	}
	return out
}

// EncodeIds writes a vector<Id>.
func EncodeIds(e *Encoder, ids []Id) {
	if ids == nil {
		e.Int(-1)
		return
	}
	e.Int(int32(len(ids)))
	for i := range ids {
		ids[i].Encode(e)
	}
}

// DecodeIds reads a vector<Id>.
func DecodeIds(d *Decoder) []Id {
	n := d.VectorLen(8)
	if n < 0 || d.Err() != nil {
		return nil
	}
	out := make([]Id, n)
	for i := range out {
		out[i].Decode(d)
	}
	return out
}

// Stat is a znode's metadata as clients see it (68 bytes on the wire).
type Stat struct {
	Czxid          int64 // zxid of the create
	Mzxid          int64 // zxid of the last data change
	Ctime          int64 // ms since the epoch
	Mtime          int64
	Version        int32 // data version
	Cversion       int32 // child version
	Aversion       int32 // ACL version
	EphemeralOwner int64 // owning session, or a container/TTL marker
	DataLength     int32
	NumChildren    int32
	Pzxid          int64 // zxid of the last child change
}

// StatSize is the encoded size of a Stat.
const StatSize = 68

func (s *Stat) Encode(e *Encoder) {
	e.Long(s.Czxid)
	e.Long(s.Mzxid)
	e.Long(s.Ctime)
	e.Long(s.Mtime)
	e.Int(s.Version)
	e.Int(s.Cversion)
	e.Int(s.Aversion)
	e.Long(s.EphemeralOwner)
	e.Int(s.DataLength)
	e.Int(s.NumChildren)
	e.Long(s.Pzxid)
}

func (s *Stat) Decode(d *Decoder) {
	s.Czxid = d.Long()
	s.Mzxid = d.Long()
	s.Ctime = d.Long()
	s.Mtime = d.Long()
	s.Version = d.Int()
	s.Cversion = d.Int()
	s.Aversion = d.Int()
	s.EphemeralOwner = d.Long()
	s.DataLength = d.Int()
	s.NumChildren = d.Int()
	s.Pzxid = d.Long()
}

// StatPersisted is the Stat stored in snapshots: no dataLength or numChildren.
type StatPersisted struct {
	Czxid          int64
	Mzxid          int64
	Ctime          int64
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner int64
	Pzxid          int64
}

func (s *StatPersisted) Encode(e *Encoder) {
	e.Long(s.Czxid)
	e.Long(s.Mzxid)
	e.Long(s.Ctime)
	e.Long(s.Mtime)
	e.Int(s.Version)
	e.Int(s.Cversion)
	e.Int(s.Aversion)
	e.Long(s.EphemeralOwner)
	e.Long(s.Pzxid)
}

func (s *StatPersisted) Decode(d *Decoder) {
	s.Czxid = d.Long()
	s.Mzxid = d.Long()
	s.Ctime = d.Long()
	s.Mtime = d.Long()
	s.Version = d.Int()
	s.Cversion = d.Int()
	s.Aversion = d.Int()
	s.EphemeralOwner = d.Long()
	s.Pzxid = d.Long()
}

// ClientInfo is one identity in a whoAmI reply.
type ClientInfo struct {
	AuthScheme string
	User       string
}

func (r *ClientInfo) Encode(e *Encoder) { e.String(r.AuthScheme); e.String(r.User) }
func (r *ClientInfo) Decode(d *Decoder) { r.AuthScheme = d.String(); r.User = d.String() }
