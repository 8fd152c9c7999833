package dumplog

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// legacyMessage is a v0/v1 message with its offset and size, as
// LegacyRecord.write lays it out.
func legacyMessage(offset int64, magic, attrs byte, ts int64, key, value []byte) []byte {
	body := []byte{magic, attrs}
	if magic == 1 {
		body = binary.BigEndian.AppendUint64(body, uint64(ts))
	}
	for _, b := range [][]byte{key, value} {
		if b == nil {
			body = binary.BigEndian.AppendUint32(body, 0xFFFFFFFF)
			continue
		}
		body = binary.BigEndian.AppendUint32(body, uint32(len(b)))
		body = append(body, b...)
	}
	rec := binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(body))
	rec = append(rec, body...)
	out := binary.BigEndian.AppendUint64(nil, uint64(offset))
	out = binary.BigEndian.AppendUint32(out, uint32(len(rec)))
	return append(out, rec...)
}

func TestDumpLegacyMessages(t *testing.T) {
	dir := t.TempDir()
	m0 := legacyMessage(0, 0, 0, 0, nil, []byte("v0"))
	m1 := legacyMessage(1, 1, 0, ts0, []byte("k"), []byte("abc"))
	// a gzip wrapper of two v1 messages with relative offsets 0 and 1,
	// whose own offset is the last absolute offset, 3
	var inner bytes.Buffer
	inner.Write(legacyMessage(0, 1, 0, ts0+1, nil, []byte("x")))
	inner.Write(legacyMessage(1, 1, 0, ts0+2, nil, []byte("y")))
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(inner.Bytes())
	zw.Close()
	w := legacyMessage(3, 1, 1, ts0+2, nil, z.Bytes())
	log := append(append(append([]byte(nil), m0...), m1...), w...)
	p := filepath.Join(dir, "00000000000000000000.log")
	if err := os.WriteFile(p, log, 0o644); err != nil {
		t.Fatal(err)
	}
	crc := func(m []byte) uint32 { return binary.BigEndian.Uint32(m[12:]) }
	innerCRC := func(i int) uint32 { return crc(inner.Bytes()[i*len(inner.Bytes())/2:]) }

	out, errOut, code := run(t, dir, "--print-data-log", "--files", p)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d stderr %q", code, errOut)
	}
	// printBatchLevel for magic < 2: "offset: " + lastOffset, then the
	// shared " position: ..." part; records of legacy batches add
	// " isValid: ... crc: ...}" (with the stray brace of the Scala source).
	diff(t, "stdout", out, lines(
		"Dumping "+p,
		"Log starting offset: 0",
		fmt.Sprintf("offset: 0 position: 0 NoTimestampType: -1 size: %d magic: 0 compresscodec: none crc: %d isvalid: true", len(m0), crc(m0)),
		fmt.Sprintf("| offset: 0 NoTimestampType: -1 keySize: -1 valueSize: 2 isValid: true crc: %d} payload: v0", crc(m0)),
		fmt.Sprintf("offset: 1 position: %d CreateTime: %d size: %d magic: 1 compresscodec: none crc: %d isvalid: true", len(m0), ts0, len(m1), crc(m1)),
		fmt.Sprintf("| offset: 1 CreateTime: %d keySize: 1 valueSize: 3 isValid: true crc: %d} key: k payload: abc", ts0, crc(m1)),
		fmt.Sprintf("offset: 3 position: %d CreateTime: %d size: %d magic: 1 compresscodec: gzip crc: %d isvalid: true", len(m0)+len(m1), ts0+2, len(w), crc(w)),
		fmt.Sprintf("| offset: 2 CreateTime: %d keySize: -1 valueSize: 1 isValid: true crc: %d} payload: x", ts0+1, innerCRC(0)),
		fmt.Sprintf("| offset: 3 CreateTime: %d keySize: -1 valueSize: 1 isValid: true crc: %d} payload: y", ts0+2, innerCRC(1)),
	))
}
