package machine

import (
	"fmt"
	"os"
	"path/filepath"
)

// WorkDir prepares the directory a benchmark keeps its servers' data in:
// dir (made absolute, created if needed) or, when dir is "", a new
// directory <prefix>-* under $TMPDIR. done removes it again, or with keep
// leaves it and says where it is; call it when the benchmark ends.
func WorkDir(dir, prefix string, keep bool) (path string, done func(), err error) {
	if dir == "" {
		path, err = os.MkdirTemp("", prefix+"-")
	} else if path, err = filepath.Abs(dir); err == nil {
		err = os.MkdirAll(path, 0o755)
	}
	if err != nil {
		return "", nil, err
	}
	if keep {
		return path, func() { fmt.Printf("kept %s\n", path) }, nil
	}
	return path, func() { os.RemoveAll(path) }, nil
}
