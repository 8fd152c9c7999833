package dumplog

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDumpLog feeds arbitrary bytes to the tool as a segment, as its
// index, time index, transaction index and producer snapshot: whatever
// the bytes, it must end in output or an exception line, never a panic.
func FuzzDumpLog(f *testing.F) {
	s := metadataFixture(f)
	f.Add(s.log, s.offsetIndex())
	f.Add(s.log[:len(s.log)-7], s.timeIndex())
	legacy := legacyMessage(0, 1, 0, ts0, []byte("k"), []byte("v"))
	f.Add(legacy, []byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(append(s.log[:61:61], make([]byte, 30)...), []byte{})
	dir := f.TempDir()
	base := filepath.Join(dir, "00000000000000000000")
	f.Fuzz(func(t *testing.T, logBytes, other []byte) {
		for suffix, data := range map[string][]byte{".log": logBytes, ".index": other, ".timeindex": other,
			".txnindex": other, ".snapshot": other} {
			if err := os.WriteFile(base+suffix, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		files := base + ".log," + base + ".index," + base + ".timeindex," + base + ".txnindex," + base + ".snapshot"
		for _, args := range [][]string{
			{"--print-data-log", "--files", files},
			{"--offsets-decoder", "--files", base + ".log"},
			{"--transaction-log-decoder", "--files", base + ".log"},
			{"--index-sanity-check", "--files", base + ".index," + base + ".timeindex"},
			{"--value-decoder-class", "kafka.serializer.LongDecoder", "--files", base + ".log"},
		} {
			Run(args, Env{Stdout: io.Discard, Stderr: io.Discard, Cwd: dir})
		}
	})
}

// FuzzCoordinatorRecord decodes arbitrary keys and values as the offsets
// and transaction log decoders do.
func FuzzCoordinatorRecord(f *testing.F) {
	for _, kv := range [][2]enc{
		{enc{}.i16(2).str("group"), groupMetadataValueV4(subscriptionV3(), assignmentV3())},
		{enc{}.i16(3).str("group"), enc{}.i16(0).i32(10).uv(0)},
		{enc{}.i16(5).str("g").str("m"), enc{}.i16(0).uv(0).uv(0).cstr("").cstr("").uv(1).uv(0).i32(-1).cstr("").uv(1).uv(0).uv(5).raw([]byte{1, 0, 0, 0, 0})},
		{enc{}.i16(0).str("txn"), enc{}.i16(1).i64(1).i16(0).i32(1).i8(1).uv(2).cstr("t").uv(2).i32(0).uv(0).i64(0).i64(0).uv(0)},
	} {
		f.Add([]byte(kv[0]), []byte(kv[1]))
	}
	f.Fuzz(func(t *testing.T, key, value []byte) {
		r := &logRecord{key: key, value: value}
		offsetsParser{}.parse(r)
		txnLogParser{}.parse(r)
		for typ := int16(0); typ < 8; typ++ {
			controlRecordText(&logRecord{key: enc{}.i16(0).i16(typ), value: value})
		}
	})
}
