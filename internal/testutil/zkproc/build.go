package zkproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModulePath is the module whose root ModuleRoot looks for.
const ModulePath = "github.com/wharf-project/wharf"

// ErrNoModuleRoot means no enclosing go.mod declares ModulePath.
var ErrNoModuleRoot = errors.New("zkproc: not inside the " + ModulePath + " module")

// ModuleRoot returns the directory of the go.mod that declares ModulePath,
// searching up from the working directory (a test runs in its package's
// directory; `go run ./bench/...` in the checkout).
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

// BuildWharf builds ./cmd/wharf of the checkout at root into out.
func BuildWharf(root, out string) error { return GoBuild(root, "./cmd/wharf", out) }

// GoBuild runs `go build -o out pkg` in dir, atomically (a temp file renamed
// into place), so concurrent builders sharing out never run a half-written
// binary.
func GoBuild(dir, pkg, out string) error {
	gobin, err := goTool()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+"-*.tmp")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.Command(gobin, "build", "-o", tmp.Name(), pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("zkproc: go build %s in %s: %v\n%s", pkg, dir, err, b)
	}
	return os.Rename(tmp.Name(), out)
}

func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if r := os.Getenv("GOROOT"); r != "" {
		return filepath.Join(r, "bin", "go"), nil
	}
	return "", errors.New("zkproc: go not on PATH")
}
