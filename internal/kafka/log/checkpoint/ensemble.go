package checkpoint

import (
	"errors"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/wharf-project/wharf/internal/vfs"
)

// MetaEnsemble is the meta.properties of every log directory of a broker
// (Kafka's MetaPropertiesEnsemble). Every directory is in exactly one of
// Props, Empty and Errors. A MetaEnsemble is a value: Rewrite returns a new one.
type MetaEnsemble struct {
	// Props holds the directories whose meta.properties was read.
	Props map[string]MetaProperties
	// Empty lists, sorted, the directories without meta.properties (new
	// directories, or directories that do not exist yet).
	Empty []string
	// Errors holds the directories whose meta.properties could not be read
	// or parsed, with the reason; Kafka takes them offline.
	Errors map[string]error
}

// LoadMetaEnsemble reads meta.properties in each of logDirs (duplicates are
// read once). It fails only when logDirs is empty; a file that cannot be
// read or parsed puts its directory in Errors.
func LoadMetaEnsemble(fsys vfs.FS, logDirs []string) (*MetaEnsemble, error) {
	if len(logDirs) == 0 {
		return nil, newError(ErrMetaProperties, "You must specify at least one log directory.")
	}
	e := &MetaEnsemble{Props: map[string]MetaProperties{}, Errors: map[string]error{}}
	dirs := slices.Clone(logDirs)
	slices.Sort(dirs)
	for _, dir := range slices.Compact(dirs) {
		m, err := ReadMetaProperties(fsys, filepath.Join(dir, MetaPropertiesFileName))
		switch {
		case err == nil:
			e.Props[dir] = m
		case errors.Is(err, fs.ErrNotExist):
			e.Empty = append(e.Empty, dir)
		default:
			e.Errors[dir] = err
		}
	}
	return e, nil
}

// VerifyFlag selects optional checks of Verify.
type VerifyFlag uint8

// The flags of Kafka's MetaPropertiesEnsemble.VerificationFlag that apply
// without a KRaft metadata log directory.
const (
	// RequireV0 refuses v1 files: what a ZooKeeper-mode broker that is not
	// migrating to KRaft passes.
	RequireV0 VerifyFlag = 1 << iota
	// RequireAtLeastOneValid refuses an ensemble without any readable file.
	RequireAtLeastOneValid
)

// Verify checks, directory by directory in sorted order, with Kafka's
// messages: the version (RequireV0), that v1 files have cluster.id and
// node.id, that every cluster.id equals expectedClusterID ("" = take the
// first one found) and every broker.id/node.id equals expectedNodeID (< 0 =
// take the first one found), and that directory IDs are neither reserved
// nor shared. A ZooKeeper broker passes the cluster ID from ZooKeeper, its
// configured broker.id (-1 if it has none) and RequireV0.
func (e *MetaEnsemble) Verify(expectedClusterID string, expectedNodeID int32, flags VerifyFlag) error {
	if flags&RequireAtLeastOneValid != 0 && len(e.Props) == 0 {
		return newError(ErrMetaProperties, "No readable meta.properties files found.")
	}
	seen := map[Uuid]string{}
	for _, dir := range slices.Sorted(maps.Keys(e.Props)) {
		m := e.Props[dir]
		path := filepath.Join(dir, MetaPropertiesFileName)
		if flags&RequireV0 != 0 && m.Version != MetaV0 {
			return newError(ErrMetaProperties, "Found unexpected version in %s. ZK-based brokers that are not migrating "+
				"only support version 0 (which is implicit when the `version` field is missing).", path)
		}
		switch {
		case !m.HasClusterID:
			if m.Version != MetaV0 {
				return newError(ErrMetaProperties, "cluster.id was not specified in the v1 file: %s", path)
			}
		case expectedClusterID == "":
			expectedClusterID = m.ClusterID
		case m.ClusterID != expectedClusterID:
			return newError(ErrInconsistentMeta, "Invalid cluster.id in: %s. Expected %s, but read %s",
				path, expectedClusterID, m.ClusterID)
		}
		switch {
		case !m.HasNodeID:
			if m.Version != MetaV0 {
				return newError(ErrMetaProperties, "node.id was not specified in %s", path)
			}
		case expectedNodeID < 0:
			expectedNodeID = m.NodeID
		case m.NodeID != expectedNodeID:
			return newError(ErrInconsistentMeta, "Stored node id %d doesn't match previous node id %d in %s. "+
				"If you moved your data, make sure your configured node id matches. If you intend to create a new "+
				"node, you should remove all data in your data directories.", m.NodeID, expectedNodeID, path)
		}
		if m.HasDirectoryID {
			if IsReservedDirectoryID(m.DirectoryID) {
				// Kafka's message, typo included.
				return newError(ErrMetaProperties, "Invalid resrved directory ID %s found in %s", m.DirectoryID, dir)
			}
			if prev, dup := seen[m.DirectoryID]; dup {
				return newError(ErrInconsistentMeta, "Duplicate directory ID Optional[%s] found. It was the ID of %s, "+
					"but also of %s", m.DirectoryID, prev, dir)
			}
			seen[m.DirectoryID] = dir
		}
	}
	return nil
}

// NodeID returns the first broker.id/node.id found, in directory order.
func (e *MetaEnsemble) NodeID() (int32, bool) {
	for _, dir := range slices.Sorted(maps.Keys(e.Props)) {
		if m := e.Props[dir]; m.HasNodeID {
			return m.NodeID, true
		}
	}
	return 0, false
}

// ClusterID returns the first cluster.id found, in directory order.
func (e *MetaEnsemble) ClusterID() (string, bool) {
	for _, dir := range slices.Sorted(maps.Keys(e.Props)) {
		if m := e.Props[dir]; m.HasClusterID {
			return m.ClusterID, true
		}
	}
	return "", false
}

// Rewrite is what a ZooKeeper-mode Kafka broker does at startup once it
// knows its cluster ID and broker ID: every directory that is not in Errors
// gets clusterID and nodeID (keeping its version and directory ID; a new
// directory gets version 0, and is created if missing), and the file is
// written, crash-safely, where it is new or changed. A directory whose write fails moves to Errors (Kafka
// takes it offline). It returns the resulting ensemble; e is unchanged.
func (e *MetaEnsemble) Rewrite(fsys vfs.FS, clusterID string, nodeID int32, now time.Time) *MetaEnsemble {
	out := &MetaEnsemble{Props: map[string]MetaProperties{}, Errors: maps.Clone(e.Errors)}
	if out.Errors == nil {
		out.Errors = map[string]error{}
	}
	dirs := slices.Concat(e.Empty, slices.Collect(maps.Keys(e.Props)))
	slices.Sort(dirs)
	for _, dir := range dirs {
		old, had := e.Props[dir]
		m := old
		m.ClusterID, m.HasClusterID = clusterID, true
		m.NodeID, m.HasNodeID = nodeID, true
		if had && m == old {
			out.Props[dir] = m
			continue
		}
		err := mkdirDurable(fsys, dir)
		if err != nil {
			err = ioError("creating log directory", dir, err)
		} else {
			err = WriteMetaProperties(fsys, filepath.Join(dir, MetaPropertiesFileName), m, now)
		}
		if err != nil {
			out.Errors[dir] = err
			continue
		}
		out.Props[dir] = m
	}
	return out
}

// mkdirDurable creates dir and its missing parents, and syncs the parent of
// each directory it created, so that the new entries survive a crash.
func mkdirDurable(fsys vfs.FS, dir string) error {
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := fsys.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if len(created) == 0 {
		return nil
	}
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range created {
		if err := fsys.SyncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}
