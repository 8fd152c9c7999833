package testutil

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// ModulePath is the module whose root BuildWharf looks for.
const ModulePath = "github.com/wharf-project/wharf"

// ErrNoModuleRoot means no enclosing go.mod declares ModulePath.
var ErrNoModuleRoot = errors.New("testutil: not inside the " + ModulePath + " module")

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
	wharfBuild.once.Do(func() { wharfBuild.path, wharfBuild.err = buildWharf() })
	if wharfBuild.err != nil {
		t.Fatalf("build wharf: %v", wharfBuild.err)
	}
	return wharfBuild.path
}

func buildWharf() (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("wharf-test-bin-%d", os.Getuid()), fmt.Sprintf("%x", sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "wharf-*.tmp")
	if err != nil {
		return "", err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	gobin, err := goTool()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(gobin, "build", "-o", tmp.Name(), "./cmd/wharf")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/wharf in %s: %v\n%s", root, err, out)
	}
	final := filepath.Join(dir, "wharf")
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", err
	}
	return final, nil
}

func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if r := os.Getenv("GOROOT"); r != "" {
		return filepath.Join(r, "bin", "go"), nil
	}
	return "", errors.New("testutil: go not on PATH")
}

// ModuleRoot returns the directory of the go.mod that declares ModulePath,
// searching up from the working directory (a test runs in its package's
// directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && declaresModule(string(b)) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoModuleRoot
		}
		dir = parent
	}
}

func declaresModule(gomod string) bool {
	for _, line := range strings.Split(gomod, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == ModulePath {
			return true
		}
	}
	return false
}
