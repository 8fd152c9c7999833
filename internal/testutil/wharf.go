package testutil

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

var wharfBuild struct {
	once sync.Once
	path string
	err  error
}

// BuildWharf returns the path of a wharf binary built from ./cmd/wharf of
// this checkout, building it once per test binary. WHARF_BIN, when set,
// names a binary to use instead (a release build, a -race build).
//
// The binary goes to $TMPDIR/wharf-test-bin-<uid>/<checkout hash>/wharf,
// replaced atomically, so test binaries running in parallel share one path
// and the go build cache keeps rebuilds cheap.
func BuildWharf(t testing.TB) string {
	t.Helper()
	Slow(t)
	if p := os.Getenv("WHARF_BIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err == nil {
			_, err = os.Stat(abs)
		}
		if err != nil {
			t.Fatalf("WHARF_BIN=%s: %v", p, err)
		}
		return abs
	}
	wharfBuild.once.Do(func() {
		root, err := zkproc.ModuleRoot()
		if err != nil {
			wharfBuild.err = err
			return
		}
		sum := sha256.Sum256([]byte(root))
		out := filepath.Join(os.TempDir(), fmt.Sprintf("wharf-test-bin-%d", os.Getuid()), fmt.Sprintf("%x", sum[:6]), "wharf")
		wharfBuild.path, wharfBuild.err = out, zkproc.BuildWharf(root, out)
	})
	if wharfBuild.err != nil {
		t.Fatalf("build wharf: %v", wharfBuild.err)
	}
	return wharfBuild.path
}
