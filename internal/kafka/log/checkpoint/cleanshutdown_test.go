package checkpoint

import (
	"errors"
	"math"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
)

func TestCleanShutdownGolden(t *testing.T) {
	// Jackson's encoding of CleanShutdownFileHandler.Content, fields in
	// declaration order, no newline.
	for epoch, want := range map[int64]string{
		NoBrokerEpoch: `{"version":0,"brokerEpoch":-1}`,
		10:            `{"version":0,"brokerEpoch":10}`,
		math.MaxInt64: `{"version":0,"brokerEpoch":9223372036854775807}`,
	} {
		if got := string(EncodeCleanShutdown(epoch)); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if got, ok := DecodeCleanShutdown([]byte(want)); !ok || got != epoch {
			t.Errorf("decode %q = %d, %v", want, got, ok)
		}
	}
}

func TestDecodeCleanShutdown(t *testing.T) {
	for in, want := range map[string]int64{
		`{"version":0,"brokerEpoch":10,"unknown":123}`: 10, // Kafka's testCleanShutdownFileCanParseWithUnknownFields
		`{"brokerEpoch":5}`:                            5,
		`{"version":1,"brokerEpoch":5}`:                5, // the version is not checked
		`{"version":null,"brokerEpoch":5}`:             5,
		`{"brokerEpoch":5} trailing`:                   5,
		`{"brokerEpoch":"7"}`:                          7,
		`{"brokerEpoch":" +7 "}`:                       7,
		`{"brokerEpoch":5.9}`:                          5,
		`{"brokerEpoch":-5.9}`:                         -5,
		`{"brokerEpoch":1e3}`:                          1000,
		`{"brokerEpoch":3,"brokerEpoch":4}`:            4,
		`{"version":"1","brokerEpoch":2}`:              2,
		`{"version":1.5,"brokerEpoch":2}`:              2,
	} {
		if got, ok := DecodeCleanShutdown([]byte(in)); !ok || got != want {
			t.Errorf("%s: got %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{
		"", " ", "{}", "null", "[]", "5", `{"version":0}`, `{"brokerEpoch":null}`, `{"brokerEpoch":""}`,
		`{"brokerEpoch":"null"}`, `{"brokerEpoch":"5.5"}`, `{"brokerEpoch":true}`, `{"brokerEpoch":[5]}`,
		`{"brokerEpoch":1e30}`, `{"brokerEpoch":99999999999999999999}`, `{"version":"x","brokerEpoch":5}`,
		`{"version":2147483648,"brokerEpoch":5}`, `{"version":true,"brokerEpoch":5}`, `{"brokerEpoch":5`,
	} {
		if got, ok := DecodeCleanShutdown([]byte(in)); ok {
			t.Errorf("%q: got epoch %d", in, got)
		}
	}
}

func TestCleanShutdownLifecycle(t *testing.T) {
	fsys := vfs.NewMem()
	mkdirs(t, fsys, "/logs")
	if ok, err := HasCleanShutdown(fsys, "/logs"); ok || err != nil {
		t.Fatalf("Has = %v, %v", ok, err)
	}
	if _, ok, err := ReadCleanShutdown(fsys, "/logs"); ok || err != nil {
		t.Fatalf("Read of a missing marker = %v, %v", ok, err)
	}
	if err := WriteCleanShutdown(fsys, "/logs", NoBrokerEpoch); err != nil {
		t.Fatal(err)
	}
	if got := string(mustRead(t, fsys, "/logs/.kafka_cleanshutdown")); got != `{"version":0,"brokerEpoch":-1}` {
		t.Fatalf("marker holds %q", got)
	}
	if ok, err := HasCleanShutdown(fsys, "/logs"); !ok || err != nil {
		t.Fatalf("Has = %v, %v", ok, err)
	}
	if e, ok, err := ReadCleanShutdown(fsys, "/logs"); e != -1 || !ok || err != nil {
		t.Fatalf("Read = %d, %v, %v", e, ok, err)
	}
	// Kafka before 3.6 writes the marker empty: present, without an epoch.
	mustWrite(t, fsys, "/logs/.kafka_cleanshutdown", "")
	if ok, _ := HasCleanShutdown(fsys, "/logs"); !ok {
		t.Fatal("empty marker not seen")
	}
	if _, ok, err := ReadCleanShutdown(fsys, "/logs"); ok || err != nil {
		t.Fatalf("Read of an empty marker = %v, %v", ok, err)
	}
	if err := RemoveCleanShutdown(fsys, "/logs"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := HasCleanShutdown(fsys, "/logs"); ok {
		t.Fatal("marker still there")
	}
	if err := RemoveCleanShutdown(fsys, "/logs"); err != nil {
		t.Fatalf("removing a missing marker: %v", err)
	}
	// I/O errors other than a missing file surface.
	failing := vfs.WithErrors(fsys, vfs.OnOp(vfs.OpStat, vfs.OpOpen, vfs.OpRemove))
	if _, err := HasCleanShutdown(failing, "/logs"); !errors.Is(err, vfs.ErrInjected) {
		t.Fatalf("Has: %v", err)
	}
	if _, _, err := ReadCleanShutdown(failing, "/logs"); !errors.Is(err, vfs.ErrInjected) {
		t.Fatalf("Read: %v", err)
	}
	if err := RemoveCleanShutdown(failing, "/logs"); !errors.Is(err, vfs.ErrInjected) {
		t.Fatalf("Remove: %v", err)
	}
}

func TestCleanShutdownCrashSafety(t *testing.T) {
	const path = "/logs/" + CleanShutdownFileName
	fresh := func(t *testing.T, fsys vfs.FS) { mkdirs(t, fsys, "/logs") }
	withMarker := func(t *testing.T, fsys vfs.FS) {
		fresh(t, fsys)
		if err := WriteCleanShutdown(fsys, "/logs", 5); err != nil {
			t.Fatal(err)
		}
	}
	withEmptyMarker := func(t *testing.T, fsys vfs.FS) { fresh(t, fsys); mustWrite(t, fsys, path, "") }
	for _, c := range []writeCase{
		{name: "write", file: path, setup: fresh, write: func(fsys vfs.FS) error { return WriteCleanShutdown(fsys, "/logs", NoBrokerEpoch) }},
		{name: "overwrite", file: path, setup: withMarker, write: func(fsys vfs.FS) error { return WriteCleanShutdown(fsys, "/logs", NoBrokerEpoch) }},
		{name: "remove", file: path, setup: withMarker, write: func(fsys vfs.FS) error { return RemoveCleanShutdown(fsys, "/logs") }},
		{name: "remove empty", file: path, setup: withEmptyMarker, write: func(fsys vfs.FS) error { return RemoveCleanShutdown(fsys, "/logs") }},
	} {
		checkCrashes(t, c)
		checkErrors(t, c)
	}
}
