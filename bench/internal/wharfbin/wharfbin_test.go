package wharfbin

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wharf-project/wharf/internal/testutil"
)

func TestPathGiven(t *testing.T) {
	if p, err := Path("/opt/wharf", t.TempDir()); err != nil || p != "/opt/wharf" {
		t.Errorf("Path = %q, %v", p, err)
	}
}

func TestPathBuilds(t *testing.T) {
	testutil.Slow(t)
	dir := t.TempDir()
	p, err := Path("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(p); err != nil || st.Mode()&0o111 == 0 || filepath.Dir(p) != dir {
		t.Errorf("built %q: %v %v", p, st, err)
	}
}
