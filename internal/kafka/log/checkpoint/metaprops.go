package checkpoint

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wharf-project/wharf/internal/config"
	"github.com/wharf-project/wharf/internal/vfs"
)

// meta.properties in every log directory names the broker and its cluster.
// It is a Java .properties file as Properties.store writes it: an empty
// comment, the date as a comment, then key=value lines. Kafka in ZooKeeper
// mode writes version 0:
//
//	#\n
//	#Sat Nov 21 09:49:22 UTC 2026\n          <- Date.toString() when written
//	broker.id=0\n
//	version=0\n
//	cluster.id=zd2vLVrZQlCLJj8-k7A10w\n
//
// KRaft (and a ZooKeeper broker migrating to it) writes version 1, where
// node.id replaces broker.id and cluster.id is required; Kafka 3.7+ may add
// directory.id (a Uuid) to either:
//
//	#\n
//	#Sat Nov 21 09:49:22 UTC 2026\n
//	node.id=1\n
//	directory.id=3Adc4FjfTeypRWROmQDNIQ\n
//	version=1\n
//	cluster.id=zd2vLVrZQlCLJj8-k7A10w\n
//
// The key order is what JDK 11 and 17 write for Kafka's insertion order (the
// hash order of the table behind Properties; JDK 18+ sorts the keys, JDK 8
// uses another hash order). Readers, Kafka's and ours, ignore the order, the
// comments and unknown keys. Values are escaped as Properties.store does;
// non-ASCII characters become \uXXXX (as Kafka 2.8 wrote them), so the file
// is ASCII and reads the same everywhere.
//
// Reading follows Kafka 3.9's MetaProperties.Builder: a missing version is
// 0; version (trimmed) must be 0 or 1; in v0 broker.id is optional, node.id
// ignored; in v1 node.id and cluster.id are required, broker.id ignored;
// directory.id, if present, must parse as a Uuid. Written like a checkpoint:
// <name>.tmp, sync, rename, directory sync.

// MetaPropertiesFileName is the file's name in a log directory.
const MetaPropertiesFileName = "meta.properties"

// MetaVersion is the version of a meta.properties file.
type MetaVersion int32

// The meta.properties versions.
const (
	MetaV0 MetaVersion = 0 // ZooKeeper mode; nothing is required
	MetaV1 MetaVersion = 1 // KRaft: node.id and cluster.id required
)

// The keys of meta.properties.
const (
	metaVersionKey     = "version"
	metaClusterIDKey   = "cluster.id"
	metaBrokerIDKey    = "broker.id" // v0
	metaNodeIDKey      = "node.id"   // v1
	metaDirectoryIDKey = "directory.id"
)

// MetaProperties is the content of one meta.properties (Kafka's
// MetaProperties). Each optional field has a Has flag, because Kafka tells
// an absent key from an empty or zero one.
type MetaProperties struct {
	Version MetaVersion

	ClusterID    string
	HasClusterID bool

	// NodeID is broker.id in v0 and node.id in v1.
	NodeID    int32
	HasNodeID bool

	DirectoryID    Uuid
	HasDirectoryID bool
}

// ZkMetaProperties is what a ZooKeeper-mode broker writes: version 0 with
// cluster.id and broker.id.
func ZkMetaProperties(clusterID string, brokerID int32) MetaProperties {
	return MetaProperties{Version: MetaV0, ClusterID: clusterID, HasClusterID: true, NodeID: brokerID, HasNodeID: true}
}

// Validate makes the checks of Kafka's MetaProperties.Builder.build: a
// known version, and in v1 a cluster.id and a node.id.
func (m MetaProperties) Validate() error {
	switch m.Version {
	case MetaV0:
	case MetaV1:
		if !m.HasClusterID {
			return newError(ErrMetaProperties, "cluster.id was not found.")
		}
		if !m.HasNodeID {
			return newError(ErrMetaProperties, "node.id was not found.")
		}
	default:
		return newError(ErrMetaProperties, "Unknown meta.properties version number %d", m.Version)
	}
	return nil
}

// String is Kafka's MetaProperties.toString.
func (m MetaProperties) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "MetaProperties(version=%d", m.Version)
	if m.HasClusterID {
		b.WriteString(", clusterId=" + m.ClusterID)
	}
	if m.HasNodeID {
		fmt.Fprintf(&b, ", nodeId=%d", m.NodeID)
	}
	if m.HasDirectoryID {
		b.WriteString(", directoryId=" + m.DirectoryID.String())
	}
	b.WriteString(")")
	return b.String()
}

// Encode returns the file's bytes, dated now (in now's location, as Java
// uses the JVM's time zone).
func (m MetaProperties) Encode(now time.Time) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	b := []byte("#\n#" + javaDate(now) + "\n")
	put := func(key, value string) {
		b = appendPropertiesEscaped(b, key, true)
		b = append(b, '=')
		b = appendPropertiesEscaped(b, value, false)
		b = append(b, '\n')
	}
	if m.HasNodeID {
		key := metaNodeIDKey
		if m.Version == MetaV0 {
			key = metaBrokerIDKey
		}
		put(key, strconv.FormatInt(int64(m.NodeID), 10))
	}
	if m.HasDirectoryID {
		put(metaDirectoryIDKey, m.DirectoryID.String())
	}
	put(metaVersionKey, strconv.FormatInt(int64(m.Version), 10))
	if m.HasClusterID {
		put(metaClusterIDKey, m.ClusterID)
	}
	return b, nil
}

// DecodeMetaProperties parses meta.properties. Errors are ErrMetaProperties
// with Kafka's message (a malformed \uXXXX escape, the one thing the
// .properties syntax refuses, is ErrMetaProperties wrapping config.ErrSyntax).
//
// Java reads .properties bytes as ISO-8859-1; config.ParseProperties reads
// UTF-8, which is the same for the ASCII files Kafka writes and right for a
// hand-written UTF-8 one. A file that is not valid UTF-8 is read as
// ISO-8859-1, exactly as Java reads it.
func DecodeMetaProperties(data []byte) (MetaProperties, error) {
	if !utf8.Valid(data) {
		data = latin1ToUTF8(data)
	}
	props, _, err := config.ParseProperties(data)
	if err != nil {
		return MetaProperties{}, &Error{Kind: ErrMetaProperties, Msg: err.Error(), Err: err}
	}
	var m MetaProperties
	rawVersion, ok := props[metaVersionKey]
	if !ok {
		rawVersion = "0"
	}
	v, ok := parseJavaInt(strings.TrimFunc(rawVersion, func(r rune) bool { return r <= ' ' }))
	if !ok {
		return m, newError(ErrMetaProperties, "Invalid meta.properties version string '%s'", rawVersion)
	}
	m.Version = MetaVersion(v)
	if m.Version != MetaV0 && m.Version != MetaV1 {
		return m, newError(ErrMetaProperties, "Unknown meta.properties version number %d", v)
	}
	idKey := metaNodeIDKey
	if m.Version == MetaV0 {
		idKey = metaBrokerIDKey
	}
	if raw, ok := props[idKey]; ok {
		if m.NodeID, ok = parseJavaInt(raw); !ok {
			return m, newError(ErrMetaProperties, "Unable to read %s as a base-10 number.", idKey)
		}
		m.HasNodeID = true
	} else if m.Version == MetaV1 {
		return m, newError(ErrMetaProperties, "Failed to find %s", idKey)
	}
	m.ClusterID, m.HasClusterID = props[metaClusterIDKey]
	if raw, ok := props[metaDirectoryIDKey]; ok {
		id, err := ParseUuid(raw)
		if err != nil {
			return m, &Error{Kind: ErrMetaProperties, Err: err,
				Msg: fmt.Sprintf("Unable to read %s as a Uuid: %s", metaDirectoryIDKey, err.(*Error).Msg)} // ParseUuid's errors are *Error
		}
		m.DirectoryID, m.HasDirectoryID = id, true
	}
	return m, m.Validate()
}

func latin1ToUTF8(b []byte) []byte {
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

// WriteMetaProperties writes m to path, crash-safely, dated now.
func WriteMetaProperties(fsys vfs.FS, path string, m MetaProperties, now time.Time) error {
	data, err := m.Encode(now)
	if err != nil {
		return err
	}
	if err := vfs.WriteFileAtomic(fsys, path, data); err != nil {
		return ioError("writing", path, err)
	}
	return nil
}

// ReadMetaProperties reads meta.properties at path. A missing file is an I/O
// error with errors.Is(err, fs.ErrNotExist).
func ReadMetaProperties(fsys vfs.FS, path string) (MetaProperties, error) {
	data, err := vfs.ReadFile(fsys, path)
	if err != nil {
		return MetaProperties{}, ioError("reading", path, err)
	}
	m, err := DecodeMetaProperties(data)
	if err != nil {
		e := *err.(*Error) // DecodeMetaProperties' errors are *Error
		e.Msg = path + ": " + e.Msg
		return MetaProperties{}, &e
	}
	return m, nil
}
