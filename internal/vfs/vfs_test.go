package vfs

import (
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// eachFS runs a behavioural test against every FS, in a fresh directory.
func eachFS(t *testing.T, test func(t *testing.T, fsys FS, dir string)) {
	targets := []struct {
		name string
		new  func(t *testing.T) (FS, string)
	}{
		{"os", func(t *testing.T) (FS, string) { return Default, t.TempDir() }},
		{"mem", func(*testing.T) (FS, string) { return NewMem(), "/data" }},
		{"crashable", func(*testing.T) (FS, string) { return NewCrashableMem(), "/data" }},
		{"errors-never", func(*testing.T) (FS, string) { return WithErrors(NewMem(), &Counter{}), "data" }},
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			fsys, dir := tg.new(t)
			must(t, fsys.MkdirAll(dir, 0o755))
			test(t, fsys, dir)
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustFail(t testing.TB, err error, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}

func writeFile(t testing.TB, fsys FS, name, data string) {
	t.Helper()
	f, err := fsys.Create(name)
	must(t, err)
	_, err = f.Write([]byte(data))
	must(t, err)
	must(t, f.Close())
}

func readFile(t testing.TB, fsys FS, name string) string {
	t.Helper()
	b, err := ReadFile(fsys, name)
	must(t, err)
	return string(b)
}

// dump maps every path under dir (relative, directories with a trailing
// slash) to its contents.
func dump(t testing.TB, fsys FS, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(rel string)
	walk = func(rel string) {
		names, err := fsys.List(filepath.Join(dir, rel))
		must(t, err)
		for _, n := range names {
			p := filepath.Join(rel, n)
			st, err := fsys.Stat(filepath.Join(dir, p))
			must(t, err)
			if st.IsDir() {
				out[p+"/"] = ""
				walk(p)
			} else {
				out[p] = readFile(t, fsys, filepath.Join(dir, p))
			}
		}
	}
	walk("")
	return out
}

func TestFileReadWriteSeek(t *testing.T) {
	eachFS(t, func(t *testing.T, fsys FS, dir string) {
		name := filepath.Join(dir, "f")
		f, err := fsys.Create(name)
		must(t, err)
		if _, err := f.Write([]byte("hello world")); err != nil {
			t.Fatal(err)
		}
		pos, err := f.Seek(0, io.SeekStart)
		must(t, err)
		buf := make([]byte, 5)
		if n, err := f.Read(buf); n != 5 || err != nil || string(buf) != "hello" || pos != 0 {
			t.Fatalf("Read = %d, %v, %q", n, err, buf)
		}
		if pos, err = f.Seek(1, io.SeekCurrent); pos != 6 || err != nil {
			t.Fatalf("Seek current = %d, %v", pos, err)
		}
		if rest, err := io.ReadAll(f); string(rest) != "world" || err != nil {
			t.Fatalf("ReadAll = %q, %v", rest, err)
		}
		if n, err := f.Read(buf); n != 0 || err != io.EOF {
			t.Fatalf("Read at end = %d, %v", n, err)
		}
		if pos, err = f.Seek(-1, io.SeekEnd); pos != 10 || err != nil {
			t.Fatalf("Seek end = %d, %v", pos, err)
		}
		if _, err := f.Seek(-1, io.SeekStart); err == nil {
			t.Fatal("Seek before start succeeded")
		}
		if n, err := f.ReadAt(buf, 8); n != 3 || err != io.EOF || string(buf[:3]) != "rld" {
			t.Fatalf("ReadAt across end = %d, %v, %q", n, err, buf[:n])
		}
		if n, err := f.ReadAt(buf, 100); n != 0 || err != io.EOF {
			t.Fatalf("ReadAt past end = %d, %v", n, err)
		}
		if _, err := f.WriteAt([]byte("HE"), 0); err != nil {
			t.Fatal(err)
		}
		_, err = f.Seek(14, io.SeekStart) // a write past the end leaves zeros
		must(t, err)
		_, err = f.Write([]byte("!"))
		must(t, err)
		if got := readFile(t, fsys, name); got != "HEllo world\x00\x00\x00!" {
			t.Fatalf("contents %q", got)
		}
		must(t, f.Truncate(5))
		must(t, f.Truncate(7))
		st, err := f.Stat()
		must(t, err)
		if st.Size() != 7 || st.Name() != "f" || st.IsDir() {
			t.Fatalf("Stat = %v %v %v", st.Size(), st.Name(), st.IsDir())
		}
		must(t, f.Sync())
		must(t, f.Close())
		if got := readFile(t, fsys, name); got != "HEllo\x00\x00" {
			t.Fatalf("after truncate %q", got)
		}
		if _, err := f.Read(buf); !errors.Is(err, fs.ErrClosed) {
			t.Fatalf("Read after Close: %v", err)
		}
		r, err := fsys.Open(name)
		must(t, err)
		defer r.Close()
		if _, err := r.Write([]byte("x")); err == nil {
			t.Fatal("Write to a read-only file succeeded")
		}
		if (r.Fd() == ^uintptr(0)) != (fsys != Default) {
			t.Fatalf("Fd = %x", r.Fd())
		}
	})
}

func TestNamespace(t *testing.T) {
	eachFS(t, func(t *testing.T, fsys FS, dir string) {
		at := func(p string) string { return filepath.Join(dir, p) }
		must(t, fsys.MkdirAll(at("a/b"), 0o755))
		must(t, fsys.MkdirAll(at("a/b"), 0o755))
		for _, n := range []string{"c", "b", "a/x"} {
			writeFile(t, fsys, at(n), n)
		}
		if names, _ := fsys.List(dir); !slices.Equal(names, []string{"a", "b", "c"}) {
			t.Fatalf("List = %v", names)
		}
		if st, err := fsys.Stat(at("a")); err != nil || !st.IsDir() {
			t.Fatalf("Stat dir = %v, %v", st, err)
		}
		mustFail(t, fsys.Remove(at("a")), fs.ErrExist) // ENOTEMPTY
		_, err := fsys.Open(at("missing"))
		mustFail(t, err, fs.ErrNotExist)
		_, err = fsys.Create(at("missing/f"))
		mustFail(t, err, fs.ErrNotExist)
		_, err = fsys.List(at("missing"))
		mustFail(t, err, fs.ErrNotExist)
		_, err = fsys.Stat(at("missing"))
		mustFail(t, err, fs.ErrNotExist)
		if fsys.MkdirAll(at("c/d"), 0o755) == nil {
			t.Fatal("MkdirAll through a file succeeded")
		}
		must(t, fsys.Rename(at("c"), at("b"))) // over an existing file
		if got := readFile(t, fsys, at("b")); got != "c" {
			t.Fatalf("renamed-over file holds %q", got)
		}
		must(t, fsys.Rename(at("a"), at("z"))) // a directory with its contents
		if got := readFile(t, fsys, at("z/x")); got != "a/x" {
			t.Fatalf("moved file holds %q", got)
		}
		f, err := fsys.OpenReadWrite(at("z/x")) // keeps contents
		must(t, err)
		must(t, f.Close())
		f, err = fsys.OpenReadWrite(at("new")) // creates
		must(t, err)
		must(t, f.Close())
		must(t, fsys.Remove(at("b")))
		must(t, fsys.RemoveAll(at("z")))
		must(t, fsys.RemoveAll(at("z")))
		mustFail(t, fsys.Remove(at("b")), fs.ErrNotExist)
		if got := dump(t, fsys, dir); len(got) != 1 || got["new"] != "" {
			t.Fatalf("left %v", got)
		}
	})
}

func TestHandlesOutliveNames(t *testing.T) {
	eachFS(t, func(t *testing.T, fsys FS, dir string) {
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		f, err := fsys.Create(a)
		must(t, err)
		must(t, fsys.Rename(a, b))
		_, err = f.Write([]byte("moved"))
		must(t, err)
		if got := readFile(t, fsys, b); got != "moved" {
			t.Fatalf("new name holds %q", got)
		}
		must(t, fsys.Remove(b))
		if got, err := io.ReadAll(io.NewSectionReader(f, 0, 100)); string(got) != "moved" || err != nil {
			t.Fatalf("removed file reads %q, %v", got, err)
		}
		must(t, f.Close())
	})
}

func TestPreallocateKeepsSize(t *testing.T) {
	eachFS(t, func(t *testing.T, fsys FS, dir string) {
		f, err := fsys.Create(filepath.Join(dir, "log"))
		must(t, err)
		defer f.Close()
		_, err = f.Write([]byte("0123456789"))
		must(t, err)
		must(t, f.Preallocate(0, 1<<20))
		must(t, f.Preallocate(5, 0))
		if f.Preallocate(-1, 10) == nil {
			t.Fatal("Preallocate at a negative offset succeeded")
		}
		if st, _ := f.Stat(); st.Size() != 10 {
			t.Fatalf("size %d after Preallocate", st.Size())
		}
		if n, err := f.ReadAt(make([]byte, 4), 10); n != 0 || err != io.EOF {
			t.Fatalf("read past the written end = %d, %v", n, err)
		}
	})
}

func TestWriteFileAtomic(t *testing.T) {
	eachFS(t, func(t *testing.T, fsys FS, dir string) {
		name := filepath.Join(dir, "meta.properties")
		must(t, WriteFileAtomic(fsys, name, []byte("v1")))
		must(t, WriteFileAtomic(fsys, name, []byte("v2")))
		if got := dump(t, fsys, dir); len(got) != 1 || got["meta.properties"] != "v2" {
			t.Fatalf("left %v", got)
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	for _, fsys := range []FS{NewMem(), NewCrashableMem()} {
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				name := "/d" + strings.Repeat("x", g)
				for range 50 {
					if err := WriteFileAtomic(fsys, name, []byte(name)); err != nil {
						t.Error(err)
					}
					if c, ok := fsys.(*CrashableMem); ok {
						c.CrashClone()
					}
					if _, err := fsys.List("/"); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		if got := dump(t, fsys, "/"); len(got) != 4 {
			t.Fatalf("left %v", got)
		}
	}
}
