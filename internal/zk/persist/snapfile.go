package persist

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"path/filepath"
	"strings"

	"github.com/wharf-project/wharf/internal/vfs"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// compressionOf returns a snapshot file's stream mode from its last
// extension, as SnapStream.getStreamMode: anything else is plain.
func compressionOf(name string) string {
	ext := name[strings.LastIndexByte(name, '.')+1:]
	switch {
	case strings.EqualFold(ext, CompressionGzip):
		return CompressionGzip
	case strings.EqualFold(ext, CompressionSnappy):
		return CompressionSnappy
	}
	return CompressionNone
}

// writeSnapshotFile writes a snapshot to dir/name atomically: to name.tmp,
// fsync, rename, fsync the directory (ZOOKEEPER-2872), so that name either
// does not exist or is whole. On error the temporary file is removed.
func writeSnapshotFile(fs vfs.FS, dir, name string, data *jute.SnapshotData, lastZxid *int64, noSync bool) (err error) {
	path := filepath.Join(dir, name)
	tmp := path + tmpSuffix
	f, err := fs.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = fs.Remove(tmp) // best effort: a stale .tmp is ignored and cleaned at Open
		}
	}()
	var sink io.Writer = f
	var closer io.Closer
	switch compressionOf(name) {
	case CompressionGzip:
		gz := gzip.NewWriter(f)
		sink, closer = gz, gz
	case CompressionSnappy:
		sn := newSnappyWriter(f)
		sink, closer = sn, sn
	}
	if err = encodeSnapshot(sink, data, lastZxid); err != nil {
		return err
	}
	if closer != nil {
		if err = closer.Close(); err != nil {
			return err
		}
	}
	if !noSync {
		if err = f.Sync(); err != nil {
			return err
		}
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = fs.Rename(tmp, path); err != nil {
		return err
	}
	if noSync {
		return nil
	}
	return fs.SyncDir(dir)
}

// readSnapshotFile reads and verifies dir/name. With keepNodes false the
// nodes are verified and dropped.
func readSnapshotFile(fs vfs.FS, dir, name string, keepNodes bool) (*jute.SnapshotData, *int64, error) {
	f, err := fs.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	switch compressionOf(name) {
	case CompressionGzip:
		gz, err := gzip.NewReader(bufio.NewReader(f))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: snapshot %s: %w", ErrCorrupt, name, err)
		}
		data, lz, err := decodeSnapshot(gz, -1, keepNodes)
		return data, lz, wrapCodecErr(name, err)
	case CompressionSnappy:
		data, lz, err := decodeSnapshot(newSnappyReader(bufio.NewReader(f), fi.Size()), -1, keepNodes)
		return data, lz, wrapCodecErr(name, err)
	}
	return decodeSnapshot(f, fi.Size(), keepNodes)
}

// wrapCodecErr marks a decompressor's complaint as corruption; I/O errors
// (which every FS returns as *fs.PathError) stay what they are.
func wrapCodecErr(name string, err error) error {
	var pe *iofs.PathError
	if err == nil || errors.Is(err, ErrCorrupt) || errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%w: snapshot %s: %w", ErrCorrupt, name, err)
}

// snapshotLooksValid is SnapStream.isValidSnapshot: a cheap check of a
// snapshot's shape (its seal at the end, or its compression magic), made
// before reading it whole.
func snapshotLooksValid(fs vfs.FS, dir, name string) (bool, error) {
	if ZxidFromName(name, snapPrefix) < 0 {
		return false, nil
	}
	f, err := fs.Open(filepath.Join(dir, name))
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	size := fi.Size()
	read := func(off int64, n int) ([]byte, error) {
		if size < off+int64(n) {
			return nil, nil
		}
		b := make([]byte, n)
		if _, err := f.ReadAt(b, off); err != nil {
			return nil, err
		}
		return b, nil
	}
	var b []byte
	switch compressionOf(name) {
	case CompressionGzip:
		b, err = read(0, 2)
		return b != nil && b[0] == 0x1f && b[1] == 0x8b, err
	case CompressionSnappy:
		b, err = read(0, len(snappyMagic))
		return b != nil && bytes.Equal(b, snappyMagic), err
	}
	if size < 10 { // header and seal at the least
		return false, nil
	}
	b, err = read(size-5, 5)
	return b != nil && binary.BigEndian.Uint32(b) == 1 && b[4] == '/', err
}
