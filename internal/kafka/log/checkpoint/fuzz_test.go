package checkpoint

import (
	"errors"
	"maps"
	"slices"
	"testing"
)

// Every reader is fuzzed: it must not panic, must fail only with a *Error,
// and what it accepts must survive a write and a read unchanged.

func addSeeds(f *testing.F, format string) {
	for _, s := range oracleSeeds[format] {
		f.Add([]byte(s))
	}
}

func checkContentError(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *Error", err, err)
	}
}

func FuzzDecodeOffsets(f *testing.F) {
	addSeeds(f, "offsets")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeOffsets(data, "LOC")
		checkContentError(t, err)
		if err != nil {
			return
		}
		b, err := EncodeOffsets(m)
		if err != nil {
			if !errors.Is(err, ErrInvalidEntry) {
				t.Fatal(err)
			}
			return // the empty topic, read from " 0 5", cannot be written
		}
		m2, err := DecodeOffsets(b, "LOC")
		if err != nil || !maps.Equal(m, m2) {
			t.Fatalf("%q: read %v, rewritten %q, reread %v, %v", data, m, b, m2, err)
		}
	})
}

func FuzzDecodeLeaderEpochs(f *testing.F) {
	addSeeds(f, "epochs")
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := DecodeLeaderEpochs(data, "LOC")
		checkContentError(t, err)
		if err != nil {
			return
		}
		b := EncodeLeaderEpochs(entries)
		again, err := DecodeLeaderEpochs(b, "LOC")
		if err != nil || !slices.Equal(entries, again) {
			t.Fatalf("%q: read %v, rewritten %q, reread %v, %v", data, entries, b, again, err)
		}
	})
}

func FuzzDecodePartitionMetadata(f *testing.F) {
	addSeeds(f, "partmeta")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodePartitionMetadata(data, "LOC")
		checkContentError(t, err)
		if err != nil {
			return
		}
		if m.TopicID == ZeroUuid || m.Version < 0 {
			t.Fatalf("%q: accepted %v", data, m)
		}
		again, err := DecodePartitionMetadata(m.Encode(), "LOC")
		if err != nil || again != m {
			t.Fatalf("%q: read %v, reread %v, %v", data, m, again, err)
		}
	})
}

func FuzzParseUuid(f *testing.F) {
	for _, s := range oracleSeeds["uuid"] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUuid(s)
		checkContentError(t, err)
		if err != nil {
			return
		}
		str := u.String()
		if len(str) != 22 || (s != str && len(s) != 24 && len(s) != 22) {
			t.Fatalf("%q: parsed as %s", s, str)
		}
		if back, err := ParseUuid(str); err != nil || back != u {
			t.Fatalf("%q: %s reparsed as %v, %v", s, str, back, err)
		}
	})
}

func FuzzDecodeMetaProperties(f *testing.F) {
	addSeeds(f, "meta")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMetaProperties(data)
		checkContentError(t, err)
		if err != nil {
			return
		}
		b, err := m.Encode(testTime)
		if err != nil {
			t.Fatalf("%q: read %v, cannot write it: %v", data, m, err)
		}
		again, err := DecodeMetaProperties(b)
		if err != nil || again != m {
			t.Fatalf("%q: read %v, rewritten %q, reread %v, %v", data, m, b, again, err)
		}
	})
}

func FuzzDecodeCleanShutdown(f *testing.F) {
	addSeeds(f, "clean")
	f.Fuzz(func(t *testing.T, data []byte) {
		epoch, ok := DecodeCleanShutdown(data)
		if !ok {
			return
		}
		if again, ok := DecodeCleanShutdown(EncodeCleanShutdown(epoch)); !ok || again != epoch {
			t.Fatalf("%q: epoch %d reread as %d, %v", data, epoch, again, ok)
		}
	})
}
