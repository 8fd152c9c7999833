package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAliasesCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bin")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	aliases := Aliases()
	if len(aliases) < 3 {
		t.Fatalf("expected the test aliases, got %v", aliases)
	}

	// First run: every alias is linked, each printed.
	r := run("wharf", "aliases", dir)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("code %d stderr %q", r.code, r.stderr)
	}
	var want strings.Builder
	for _, a := range aliases {
		link := filepath.Join(dir, a.Name)
		want.WriteString(link + " -> " + exe + "\n")
		if got, err := os.Readlink(link); err != nil || got != exe {
			t.Errorf("%s -> %q (%v), want %s", link, got, err, exe)
		}
	}
	if r.stdout != want.String() {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want.String())
	}

	// Second run: nothing to do.
	if r := run("wharf", "aliases", dir); r.code != 0 || r.stdout != "" {
		t.Errorf("rerun: code %d stdout %q", r.code, r.stdout)
	}

	// A stale link is replaced; a regular file is refused, the rest still done.
	stale := filepath.Join(dir, "test-echo.sh")
	if err := os.Remove(stale); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/old/wharf", stale); err != nil {
		t.Fatal(err)
	}
	regular := filepath.Join(dir, "test-shell.sh")
	if err := os.Remove(regular); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(regular, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "test-srv.sh")
	if err := os.Remove(missing); err != nil {
		t.Fatal(err)
	}
	r = run("wharf", "aliases", dir)
	if r.code != 1 || r.stderr != "wharf: aliases: "+regular+" exists and is not a symbolic link\n" {
		t.Errorf("code %d stderr %q", r.code, r.stderr)
	}
	if r.stdout != stale+" -> "+exe+"\n"+missing+" -> "+exe+"\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	if got, _ := os.Readlink(stale); got != exe {
		t.Errorf("stale link now -> %q", got)
	}
	if data, err := os.ReadFile(regular); err != nil || string(data) != "#!/bin/sh\n" {
		t.Errorf("regular file touched: %q %v", data, err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestAliasesList(t *testing.T) {
	r := run("wharf", "aliases")
	if r.code != 0 || !strings.Contains(r.stdout, "test-shell.sh\twharf test-echo\n") {
		t.Errorf("list: %d %q", r.code, r.stdout)
	}
	if r := run("wharf", "aliases", "a", "b"); r.code != 2 {
		t.Errorf("two dirs: code %d", r.code)
	}
}
