// Package wharfbin finds the wharf binary a benchmark runs: the one the
// user named, or ./cmd/wharf of the checkout built for this run.
//
// Invariants: a build goes to a path inside the benchmark's own directory,
// written atomically (a temp file renamed into place), so a half-written
// binary is never run.
package wharfbin

import (
	"fmt"
	"path/filepath"

	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// Path returns bin if it is set; otherwise it builds ./cmd/wharf of the
// checkout around the working directory into dir and returns that path.
func Path(bin, dir string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	root, err := zkproc.ModuleRoot()
	if err != nil {
		return "", fmt.Errorf("%w (run from the checkout, or give -wharf-bin)", err)
	}
	bin = filepath.Join(dir, "wharf-bin")
	fmt.Println("building ./cmd/wharf …")
	if err := zkproc.BuildWharf(root, bin); err != nil {
		return "", err
	}
	return bin, nil
}
