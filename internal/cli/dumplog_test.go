package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

var updateDumpLog = flag.Bool("update-dumplog", false, "rewrite testdata/dumplog fixtures and goldens")

// The segment under testdata/dumplog/segment was written by
// writeDumpLogFixture (MemoryRecordsBuilder's layout, via the record
// package): three uncompressed batches — two records with a key and a
// header, an idempotent one, a transactional one and its COMMIT marker —
// then 20 bytes of a torn batch; its .index and .timeindex have an entry
// per batch and two zero entries, as a preallocated index has.
func writeDumpLogFixture(t *testing.T, dir string) {
	const ts = int64(1700000000000)
	var log, idx, tidx []byte
	add := func(bl *record.Builder) {
		b, err := bl.Build()
		if err != nil {
			t.Fatal(err)
		}
		idx = binary.BigEndian.AppendUint32(idx, uint32(b.LastOffset()))
		idx = binary.BigEndian.AppendUint32(idx, uint32(len(log)))
		tidx = binary.BigEndian.AppendUint64(tidx, uint64(b.MaxTimestamp()))
		tidx = binary.BigEndian.AppendUint32(tidx, uint32(b.LastOffset()))
		log = append(log, b...)
	}
	bl := record.NewBuilder(0, record.CompressionNone).SetPartitionLeaderEpoch(0)
	bl.Append(ts, []byte("k1"), []byte("hello"), record.Header{Key: []byte("trace"), Value: []byte("1")})
	bl.Append(ts+1, nil, []byte("world"))
	add(bl)
	bl = record.NewBuilder(2, record.CompressionNone).SetPartitionLeaderEpoch(1).SetProducer(1000, 0, 0)
	bl.Append(ts+2, []byte("k2"), nil)
	add(bl)
	bl = record.NewBuilder(3, record.CompressionNone).SetPartitionLeaderEpoch(1).SetProducer(2000, 5, 10).SetTransactional(true)
	bl.Append(ts+3, nil, []byte("in-txn"))
	add(bl)
	bl = record.NewBuilder(4, record.CompressionNone).SetPartitionLeaderEpoch(1).SetProducer(2000, 5, -1).
		SetTransactional(true).SetControl(true)
	bl.AppendEndTxnMarker(ts+4, true, 3)
	add(bl)
	bl = record.NewBuilder(5, record.CompressionNone)
	bl.Append(ts+5, nil, []byte("lost"))
	torn, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	log = append(log, torn[:20]...)
	idx = append(idx, make([]byte, 16)...)
	tidx = append(tidx, make([]byte, 24)...)
	for name, data := range map[string][]byte{".log": log, ".index": idx, ".timeindex": tidx} {
		if err := os.WriteFile(filepath.Join(dir, "00000000000000000000"+name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDumpLogGoldens(t *testing.T) {
	seg := filepath.Join("testdata", "dumplog", "segment")
	if *updateDumpLog {
		os.MkdirAll(seg, 0o755)
		writeDumpLogFixture(t, seg)
	}
	t.Chdir(seg) // the tool prints the paths it is given, and resolves them as Java does
	for _, tc := range []struct {
		golden string
		argv   []string
	}{
		{"shallow", []string{"wharf", "dump-log", "--files", "00000000000000000000.log"}},
		{"deep", []string{"kafka-dump-log.sh", "--deep-iteration", "--files", "00000000000000000000.log"}},
		{"print-data-log", []string{"kafka-dump-log.sh", "--print-data-log", "--files=00000000000000000000.log"}},
		{"skip-record-metadata", []string{"wharf", "dump-log", "--print-data-log", "--skip-record-metadata", "--files", "00000000000000000000.log"}},
		{"max-bytes", []string{"kafka-dump-log.sh", "--max-bytes", "150", "--files", "00000000000000000000.log"}},
		{"indexes", []string{"kafka-dump-log.sh", "--files", "00000000000000000000.index,00000000000000000000.timeindex,00000000000000000000.txnindex,leader-epoch-checkpoint"}},
		{"verify-index-only", []string{"kafka-dump-log.sh", "--verify-index-only", "--files", "00000000000000000000.index,00000000000000000000.timeindex"}},
		{"index-sanity-check", []string{"kafka-dump-log.sh", "--index-sanity-check", "--files", "00000000000000000000.index"}},
		{"help", []string{"kafka-dump-log.sh", "--help"}},
		{"no-files", []string{"wharf", "dump-log", "--print-data-log"}},
		{"unrecognized", []string{"kafka-dump-log.sh", "--files", "x.log", "--bogus"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(context.Background(), tc.argv, strings.NewReader(""), &out, &errb)
			got := "exit: " + strconv.Itoa(code) + "\n--- stdout\n" + out.String() + "--- stderr\n" + errb.String()
			path := filepath.Join("..", tc.golden+".golden")
			if *updateDumpLog {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%v:\n--- got\n%s\n--- want\n%s", tc.argv, got, want)
			}
		})
	}
}

func TestDumpLogIsRegisteredWithItsAlias(t *testing.T) {
	found := false
	for _, a := range Aliases() {
		if a.Name == "kafka-dump-log.sh" && a.Command == "dump-log" {
			found = true
		}
	}
	if !found {
		t.Fatal("kafka-dump-log.sh is not an alias of dump-log")
	}
	// the alias and the subcommand run the same tool
	var a, b, ea, eb bytes.Buffer
	ca := Run(context.Background(), []string{"/usr/bin/kafka-dump-log.sh", "--version"}, nil, &a, &ea)
	cb := Run(context.Background(), []string{"wharf", "dump-log", "--version"}, nil, &b, &eb)
	if ca != 0 || cb != 0 || a.String() != "3.9.0\n" || b.String() != a.String() {
		t.Errorf("alias %d %q, command %d %q", ca, a.String(), cb, b.String())
	}
}
