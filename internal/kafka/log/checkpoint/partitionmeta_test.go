package checkpoint

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
)

var testTopicID = Uuid{0x51, 0x7c, 0x94, 0xf6, 0x2e, 0x40, 0x46, 0x7e, 0x96, 0xd3, 0x43, 0x8d, 0xda, 0xd6, 0x9e, 0x58}

func TestPartitionMetadataGolden(t *testing.T) {
	// PartitionMetadata.encode: no newline after the topic ID.
	got := string(PartitionMetadata{Version: 0, TopicID: testTopicID}.Encode())
	if want := "version: 0\ntopic_id: UXyU9i5ARn6W00ON2taeWA"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestPartitionMetadataDecode(t *testing.T) {
	id := testTopicID.String()
	for _, tc := range []struct {
		name string
		in   string
		want PartitionMetadata
		err  error
		msg  string
	}{
		{name: "as written", in: "version: 0\ntopic_id: " + id, want: PartitionMetadata{0, testTopicID}},
		{name: "final newline", in: "version: 0\ntopic_id: " + id + "\n", want: PartitionMetadata{0, testTopicID}},
		{name: "CRLF and junk after", in: "version: 0\r\ntopic_id: " + id + "\r\nwhatever", want: PartitionMetadata{0, testTopicID}},
		{name: "later version accepted", in: "version: 3\ntopic_id: " + id, want: PartitionMetadata{3, testTopicID}},
		{name: "keys not checked, blanks after colon", in: "v:\t 0\nx:  " + id, want: PartitionMetadata{0, testTopicID}},
		{name: "padded Uuid", in: "version: 0\ntopic_id: " + id + "==", want: PartitionMetadata{0, testTopicID}},
		{name: "metadata topic", in: "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ", want: PartitionMetadata{0, MetadataTopicID}},
		{name: "no blank after colon", in: "version:0\ntopic_id: " + id, err: ErrMalformed,
			msg: "Malformed line in checkpoint file [LOC]: version:0"},
		{name: "trailing blank on version", in: "version: 0 \ntopic_id: " + id, err: ErrMalformed},
		{name: "three parts", in: "version: 0: 1\ntopic_id: " + id, err: ErrMalformed},
		{name: "negative version", in: "version: -1\ntopic_id: " + id, err: ErrVersion,
			msg: "Unrecognized version of partition metadata file + (LOC): -1"},
		{name: "zero topic ID", in: "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA", err: ErrInvalidTopicID,
			msg: "Invalid topic ID in partition metadata file (LOC)"},
		{name: "trailing blank on topic ID", in: "version: 0\ntopic_id: " + id + " ", err: ErrInvalidUuid},
		{name: "short topic ID", in: "version: 0\ntopic_id: AAAA", err: ErrInvalidUuid},
		{name: "no topic ID", in: "version: 0\ntopic_id: ", err: ErrMalformed},
		{name: "no topic line", in: "version: 0\n", err: ErrMalformed},
		{name: "empty", in: "", err: ErrMalformed},
		{name: "not UTF-8", in: "version: 0\ntopic_id: \xff", err: ErrMalformed},
	} {
		got, err := DecodePartitionMetadata([]byte(tc.in), "LOC")
		if tc.err == nil {
			if err != nil || got != tc.want {
				t.Errorf("%s: got %v, %v; want %v", tc.name, got, err, tc.want)
			}
			continue
		}
		var e *Error
		if !errors.Is(err, tc.err) || !errors.As(err, &e) || tc.msg != "" && e.Msg != tc.msg {
			t.Errorf("%s: got %v; want %v %q", tc.name, err, tc.err, tc.msg)
		}
	}
}

func TestPartitionMetadataFile(t *testing.T) {
	fsys := vfs.NewMem()
	mkdirs(t, fsys, "/logs/t-0")
	p := NewPartitionMetadataFile(fsys, PartitionMetadataFilePath("/logs/t-0"))
	if p.Path() != "/logs/t-0/partition.metadata" {
		t.Fatalf("path %q", p.Path())
	}
	if ok, err := p.Exists(); ok || err != nil {
		t.Fatalf("Exists = %v, %v", ok, err)
	}
	// Nothing recorded: nothing written.
	if err := p.MaybeFlush(); err != nil {
		t.Fatal(err)
	}
	if ok, _ := p.Exists(); ok {
		t.Fatal("MaybeFlush wrote without a recorded ID")
	}
	if _, err := p.Read(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Read of a missing file: %v", err)
	}
	if err := p.Record(testTopicID); err != nil {
		t.Fatal(err)
	}
	if err := p.Record(testTopicID); err != nil {
		t.Fatalf("recording the same ID again: %v", err)
	}
	err := p.Record(MetadataTopicID)
	if !errors.Is(err, ErrInconsistentTopicID) || err.Error() !=
		"checkpoint: Tried to record topic ID AAAAAAAAAAAAAAAAAAAAAQ to file but had already recorded UXyU9i5ARn6W00ON2taeWA" {
		t.Fatalf("Record of another ID: %v", err)
	}
	// A failed flush keeps the ID for the next try.
	p.fs = vfs.WithErrors(fsys, vfs.OnOp(vfs.OpRename))
	if err := p.MaybeFlush(); !errors.Is(err, vfs.ErrInjected) {
		t.Fatalf("MaybeFlush with failing rename: %v", err)
	}
	p.fs = fsys
	if err := p.MaybeFlush(); err != nil {
		t.Fatal(err)
	}
	if got := string(mustRead(t, fsys, p.Path())); got != "version: 0\ntopic_id: UXyU9i5ARn6W00ON2taeWA" {
		t.Fatalf("file holds %q", got)
	}
	if m, err := p.Read(); err != nil || m != (PartitionMetadata{0, testTopicID}) {
		t.Fatalf("Read = %v, %v", m, err)
	}
	// Flushed: another ID may be recorded now, as in Kafka.
	if err := p.Record(MetadataTopicID); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(); err != nil {
		t.Fatal(err)
	}
	if ok, _ := p.Exists(); ok {
		t.Fatal("Delete left the file")
	}
	if err := p.Delete(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Delete of a missing file: %v", err)
	}
}

func TestPartitionMetadataCrashSafety(t *testing.T) {
	path := PartitionMetadataFilePath("/logs/t-0")
	write := func(fsys vfs.FS) error { return WritePartitionMetadata(fsys, path, testTopicID) }
	for _, c := range []writeCase{
		{name: "first write", file: path, setup: func(t *testing.T, fsys vfs.FS) { mkdirs(t, fsys, "/logs/t-0") }, write: write},
		{name: "replace", file: path, setup: func(t *testing.T, fsys vfs.FS) {
			mkdirs(t, fsys, "/logs/t-0")
			if err := WritePartitionMetadata(fsys, path, MetadataTopicID); err != nil {
				t.Fatal(err)
			}
		}, write: write},
		{name: "delete", file: path, setup: func(t *testing.T, fsys vfs.FS) {
			mkdirs(t, fsys, "/logs/t-0")
			if err := WritePartitionMetadata(fsys, path, MetadataTopicID); err != nil {
				t.Fatal(err)
			}
		}, write: func(fsys vfs.FS) error { return NewPartitionMetadataFile(fsys, path).Delete() }},
	} {
		checkCrashes(t, c)
		checkErrors(t, c)
	}
}
