package vfs

import (
	"io"
	"path/filepath"
)

// WriteFileAtomic replaces name with data so that after a crash name holds
// either its old contents or data, never a mix: it writes name+".tmp", syncs
// it, renames it over name and syncs the parent directory. On error the
// temporary file is removed if possible; name is then unchanged, unless the
// error came from the final SyncDir (the rename is done but not durable).
func WriteFileAtomic(fs FS, name string, data []byte) error {
	tmp := name + ".tmp"
	if err := writeSynced(fs, tmp, data); err != nil {
		_ = fs.Remove(tmp) // best effort: a stale .tmp is harmless
		return err
	}
	if err := fs.Rename(tmp, name); err != nil {
		_ = fs.Remove(tmp)
		return err
	}
	return fs.SyncDir(filepath.Dir(name))
}

func writeSynced(fs FS, name string, data []byte) error {
	f, err := fs.Create(name)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadFile returns the contents of name.
func ReadFile(fs FS, name string) ([]byte, error) {
	f, err := fs.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
