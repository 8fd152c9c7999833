package checkpoint

import (
	"errors"
	"io/fs"
	"slices"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
)

func TestEncodeGolden(t *testing.T) {
	// Hand-derived from CheckpointWriteBuffer: version, count, one entry a
	// line, each line ending in "\n" (BufferedWriter.newLine on Linux).
	for _, tc := range []struct {
		name    string
		entries []EpochEntry
		want    string
	}{
		{"empty", nil, "0\n0\n"},
		{"one", []EpochEntry{{0, 0}}, "0\n1\n0 0\n"},
		{"kept in order", []EpochEntry{{3, 1200}, {0, 0}, {-1, -5}}, "0\n3\n3 1200\n0 0\n-1 -5\n"},
		{"extremes", []EpochEntry{{2147483647, 9223372036854775807}, {-2147483648, -9223372036854775808}},
			"0\n2\n2147483647 9223372036854775807\n-2147483648 -9223372036854775808\n"},
	} {
		if got := string(EncodeLeaderEpochs(tc.entries)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDecodeLikeKafka(t *testing.T) {
	// What CheckpointReadBuffer makes of each file (the oracle test checks
	// the same against the JDK on a larger corpus).
	for _, tc := range []struct {
		name string
		in   string
		want []EpochEntry
		err  error
		msg  string
	}{
		{name: "empty file is empty", in: ""},
		{name: "version only is empty", in: "0\n"},
		{name: "version without newline", in: "0"},
		{name: "count zero", in: "0\n0\n"},
		{name: "entries", in: "0\n2\n0 0\n3 1200\n", want: []EpochEntry{{0, 0}, {3, 1200}}},
		{name: "no final newline", in: "0\n1\n3 1200", want: []EpochEntry{{3, 1200}}},
		{name: "CRLF", in: "0\r\n1\r\n3 1200\r\n", want: []EpochEntry{{3, 1200}}},
		{name: "CR", in: "0\r1\r3 1200\r", want: []EpochEntry{{3, 1200}}},
		{name: "trailing whitespace on an entry", in: "0\n1\n3 1200 \t\n", want: []EpochEntry{{3, 1200}}},
		{name: "whitespace runs between fields", in: "0\n1\n3\t \v\f1200\n", want: []EpochEntry{{3, 1200}}},
		{name: "signs and leading zeros", in: "+0\n+01\n-03 +0012\n", want: []EpochEntry{{-3, 12}}},
		{name: "trailing blank line", in: "0\n1\n3 1200\n\n", err: ErrMalformed,
			msg: "Malformed line in checkpoint file [LOC]: "},
		{name: "blank line between entries", in: "0\n2\n3 1200\n\n4 1300\n", err: ErrMalformed},
		{name: "whitespace-only line", in: "0\n1\n3 1200\n  \n", err: ErrMalformed},
		{name: "leading whitespace on an entry", in: "0\n1\n 3 1200\n", err: ErrMalformed,
			msg: "Malformed line in checkpoint file [LOC]:  3 1200"},
		{name: "trailing space on version", in: "0 \n0\n", err: ErrMalformed, msg: "Malformed line in checkpoint file [LOC]: 0 "},
		{name: "leading space on count", in: "0\n 0\n", err: ErrMalformed},
		{name: "version not a number", in: "x\n", err: ErrMalformed},
		{name: "count overflows int", in: "0\n2147483648\n", err: ErrMalformed},
		{name: "other version", in: "1\n0\n", err: ErrVersion,
			msg: "Unrecognised version:1, expected version: 0 in checkpoint file at: LOC"},
		{name: "fewer entries than counted", in: "0\n2\n3 1200\n", err: ErrEntryCount,
			msg: "Expected [2] entries in checkpoint file [LOC], but found only [1]"},
		{name: "more entries than counted", in: "0\n1\n3 1200\n4 1300\n", err: ErrEntryCount,
			msg: "Expected [1] entries in checkpoint file [LOC], but found only [2]"},
		{name: "negative count", in: "0\n-1\n", err: ErrEntryCount},
		{name: "huge count is no allocation", in: "0\n2147483647\n", err: ErrEntryCount},
		{name: "three fields", in: "0\n1\n3 1200 7\n", err: ErrMalformed},
		{name: "one field", in: "0\n1\n3\n", err: ErrMalformed},
		{name: "epoch overflows int32", in: "0\n1\n2147483648 0\n", err: ErrMalformed},
		{name: "offset not a number", in: "0\n1\n3 x\n", err: ErrMalformed},
		{name: "not UTF-8", in: "0\n1\n3 1200\xff\n", err: ErrMalformed},
		{name: "byte order mark", in: "\ufeff0\n0\n", err: ErrMalformed},
	} {
		got, err := DecodeLeaderEpochs([]byte(tc.in), "LOC")
		if tc.err == nil {
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, %v; want %v", tc.name, got, err, tc.want)
			}
			continue
		}
		var e *Error
		if !errors.Is(err, tc.err) || !errors.As(err, &e) {
			t.Errorf("%s: got %v, %v; want %v", tc.name, got, err, tc.err)
			continue
		}
		if tc.msg != "" && e.Msg != tc.msg {
			t.Errorf("%s: message %q, want %q", tc.name, e.Msg, tc.msg)
		}
		if err.Error() != "checkpoint: "+e.Msg {
			t.Errorf("%s: Error() = %q lacks the prefix", tc.name, err.Error())
		}
	}
}

func TestFileLifecycle(t *testing.T) {
	fsys := vfs.NewMem()
	mkdirs(t, fsys, "/logs/t-0")
	path := LeaderEpochFilePath("/logs/t-0")
	if path != "/logs/t-0/leader-epoch-checkpoint" {
		t.Fatalf("path %q", path)
	}
	f, err := OpenLeaderEpochFile(fsys, path)
	if err != nil {
		t.Fatal(err)
	}
	// Like Kafka's constructor, opening creates the file empty.
	if got := mustRead(t, fsys, path); len(got) != 0 {
		t.Fatalf("new file holds %q", got)
	}
	if got, err := f.Read(); err != nil || len(got) != 0 {
		t.Fatalf("Read of a new file: %v, %v", got, err)
	}
	entries := []EpochEntry{{0, 0}, {1, 100}, {5, 7000}}
	if err := f.Write(entries); err != nil {
		t.Fatal(err)
	}
	if got := string(mustRead(t, fsys, path)); got != "0\n3\n0 0\n1 100\n5 7000\n" {
		t.Fatalf("file holds %q", got)
	}
	// Reopening keeps the content.
	f2, err := OpenLeaderEpochFile(fsys, path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f2.Read(); err != nil || !slices.Equal(got, entries) {
		t.Fatalf("Read = %v, %v", got, err)
	}
	if err := f.Write(nil); err != nil {
		t.Fatal(err)
	}
	if got, err := f.Read(); err != nil || len(got) != 0 {
		t.Fatalf("Read after emptying = %v, %v", got, err)
	}
	if _, err := fsys.Stat(path + ".tmp"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf(".tmp left behind: %v", err)
	}

	// A file removed behind its back is an I/O error, as in Kafka.
	if err := fsys.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Read(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Read of a removed file: %v", err)
	}
	// A corrupt file reports the path.
	mustWrite(t, fsys, path, "0\n2\n0 0\n")
	_, err = f.Read()
	if !errors.Is(err, ErrEntryCount) || err.Error() != "checkpoint: Expected [2] entries in checkpoint file [/logs/t-0/leader-epoch-checkpoint], but found only [1]" {
		t.Fatalf("Read of a short file: %v", err)
	}
}

func TestOpenFileErrors(t *testing.T) {
	fsys := vfs.NewMem()
	if _, err := OpenLeaderEpochFile(fsys, "/missing/dir/leader-epoch-checkpoint"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open in a missing directory: %v", err)
	}
	mkdirs(t, fsys, "/d")
	_, err := OpenLeaderEpochFile(vfs.WithErrors(fsys, vfs.OnOp(vfs.OpStat)), "/d/x")
	if !errors.Is(err, vfs.ErrInjected) {
		t.Fatalf("open with failing stat: %v", err)
	}
	_, err = OpenLeaderEpochFile(vfs.WithErrors(fsys, vfs.OnOp(vfs.OpFileClose)), "/d/x")
	if !errors.Is(err, vfs.ErrInjected) {
		t.Fatalf("open with failing close: %v", err)
	}
}

func TestWriteIfDirExists(t *testing.T) {
	fsys := vfs.NewMem()
	mkdirs(t, fsys, "/logs/t-0")
	f, err := OpenLeaderEpochFile(fsys, LeaderEpochFilePath("/logs/t-0"))
	if err != nil {
		t.Fatal(err)
	}
	// The partition directory is renamed for deletion while the write is queued.
	if err := fsys.Rename("/logs/t-0", "/logs/t-0.abc-delete"); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteIfDirExists([]EpochEntry{{1, 42}}); err != nil {
		t.Fatalf("WriteIfDirExists: %v", err)
	}
	if err := f.Write([]EpochEntry{{1, 42}}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Write: %v", err)
	}
	if names, _ := fsys.List("/logs"); !slices.Equal(names, []string{"t-0.abc-delete"}) {
		t.Fatalf("directory recreated: %v", names)
	}
	// Other errors still surface.
	mkdirs(t, fsys, "/logs/t-1")
	f, err = OpenLeaderEpochFile(fsys, LeaderEpochFilePath("/logs/t-1"))
	if err != nil {
		t.Fatal(err)
	}
	f.fs = vfs.WithErrors(fsys, vfs.OnOp(vfs.OpFileSync))
	if err := f.WriteIfDirExists([]EpochEntry{{1, 42}}); !errors.Is(err, vfs.ErrInjected) {
		t.Fatalf("WriteIfDirExists with failing sync: %v", err)
	}
}

func TestCheckpointCrashSafety(t *testing.T) {
	const path = "/logs/t-0/leader-epoch-checkpoint"
	fresh := func(t *testing.T, fsys vfs.FS) { mkdirs(t, fsys, "/logs/t-0") }
	withOld := func(t *testing.T, fsys vfs.FS) {
		fresh(t, fsys)
		f, err := OpenLeaderEpochFile(fsys, path)
		if err == nil {
			err = f.Write([]EpochEntry{{0, 0}, {1, 100}})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	write := func(fsys vfs.FS) error {
		f, err := OpenLeaderEpochFile(fsys, path)
		if err != nil {
			return err
		}
		return f.Write([]EpochEntry{{0, 0}, {1, 100}, {2, 250}})
	}
	for _, c := range []writeCase{
		{name: "replace", file: path, setup: withOld, write: write},
		{name: "first write", file: path, setup: fresh, write: write, emptyIsAbsent: true},
	} {
		checkCrashes(t, c)
		checkErrors(t, c)
	}
}
