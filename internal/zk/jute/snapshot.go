package jute

// DataNode is a znode as a snapshot stores it: data, the ACL cache index of
// its ACL list (-1 = none), and its persisted Stat.
type DataNode struct {
	Data []byte
	ACL  int64
	Stat StatPersisted
}

func (r *DataNode) Encode(e *Encoder) { e.Buffer(r.Data); e.Long(r.ACL); r.Stat.Encode(e) }
func (r *DataNode) Decode(d *Decoder) { r.Data = d.Buffer(); r.ACL = d.Long(); r.Stat.Decode(d) }

// ZxidDigest is the tree digest a snapshot records after its nodes (3.6+).
// Zxid 0 means "no digest known".
type ZxidDigest struct {
	Zxid          int64
	DigestVersion int32
	Digest        int64
}

func (r *ZxidDigest) Encode(e *Encoder) { e.Long(r.Zxid); e.Int(r.DigestVersion); e.Long(r.Digest) }

// Decode reads both forms: digestVersion < 2 stores the digest as a hex string.
func (r *ZxidDigest) Decode(d *Decoder) {
	r.Zxid = d.Long()
	r.DigestVersion = d.Int()
	if r.DigestVersion < 2 {
		s := d.String()
		var v uint64
		for _, c := range s {
			switch {
			case c >= '0' && c <= '9':
				v = v<<4 | uint64(c-'0')
			case c >= 'a' && c <= 'f':
				v = v<<4 | uint64(c-'a'+10)
			case c >= 'A' && c <= 'F':
				v = v<<4 | uint64(c-'A'+10)
			}
		}
		r.Digest = int64(v)
		return
	}
	r.Digest = d.Long()
}

// SnapNode is one znode of a snapshot with its full path ("" for the root).
type SnapNode struct {
	Path string
	Node DataNode
}

// ACLCacheEntry is one entry of the reference-counted ACL cache.
type ACLCacheEntry struct {
	Index int64
	ACLs  []ACL
}

// SessionEntry is one live session of a snapshot.
type SessionEntry struct {
	ID      int64
	Timeout int32
}

// SnapshotData is the whole content of a snapshot file, decoded: the tree
// package produces and consumes it, the persist package reads and writes it.
// Nodes are in pre-order from the root (a parent always precedes its children).
type SnapshotData struct {
	Sessions []SessionEntry
	ACLs     []ACLCacheEntry
	Nodes    []SnapNode
	Digest   *ZxidDigest // nil when the snapshot has none
}
