package checkpoint

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestUuidKnownValues(t *testing.T) {
	for _, tc := range []struct {
		u   Uuid
		str string
	}{
		{ZeroUuid, "AAAAAAAAAAAAAAAAAAAAAA"},
		{MetadataTopicID, "AAAAAAAAAAAAAAAAAAAAAQ"}, // KRaft's __cluster_metadata topic ID
		{NewUuid(-1, -1), "_____________________w"},
		{Uuid{0x51, 0x7c, 0x94, 0xf6, 0x2e, 0x40, 0x46, 0x7e, 0x96, 0xd3, 0x43, 0x8d, 0xda, 0xd6, 0x9e, 0x58}, "UXyU9i5ARn6W00ON2taeWA"}, // from Kafka's UuidTest
	} {
		if got := tc.u.String(); got != tc.str {
			t.Errorf("%x: String = %q, want %q", tc.u[:], got, tc.str)
		}
		back, err := ParseUuid(tc.str)
		if err != nil || back != tc.u {
			t.Errorf("ParseUuid(%q) = %x, %v", tc.str, back[:], err)
		}
	}
	u := NewUuid(34, 98)
	if u.MostSignificantBits() != 34 || u.LeastSignificantBits() != 98 {
		t.Fatal("bits")
	}
	// Kafka's UuidTest.testHashCode.
	for _, tc := range []struct {
		msb, lsb int64
		hash     int32
	}{{16, 7, 23}, {1043, 20075, 19064}, {104312423523523, 200732425676585, -2011255899}} {
		if h := NewUuid(tc.msb, tc.lsb).HashCode(); h != tc.hash {
			t.Errorf("hash(%d, %d) = %d, want %d", tc.msb, tc.lsb, h, tc.hash)
		}
	}
	// Kafka's UuidTest.testCompareUuids: signed comparison.
	id00, id01, id10 := NewUuid(0, 0), NewUuid(0, 1), NewUuid(1, 0)
	if id00.Compare(id00) != 0 || id00.Compare(id01) != -1 || id01.Compare(id10) != -1 || id10.Compare(id01) != 1 ||
		NewUuid(-1, 0).Compare(id00) != -1 || NewUuid(0, -1).Compare(id01) != -1 {
		t.Fatal("Compare")
	}
	if !ZeroUuid.IsReserved() || !OneUuid.IsReserved() || NewUuid(0, 2).IsReserved() {
		t.Fatal("IsReserved")
	}
	if !IsReservedDirectoryID(NewUuid(0, 99)) || IsReservedDirectoryID(NewUuid(0, 100)) ||
		IsReservedDirectoryID(NewUuid(1, 0)) || IsReservedDirectoryID(NewUuid(0, -1)) {
		t.Fatal("IsReservedDirectoryID")
	}
}

func TestParseUuidLikeJava(t *testing.T) {
	const z = "AAAAAAAAAAAAAAAAAAAAAA"
	for _, tc := range []struct {
		in   string
		ok   bool
		want string // String() of the result
		msg  string
	}{
		{in: z + "==", ok: true, want: z},                                        // Java takes padding
		{in: "AAAAAAAAAAAAAAAAAAAAAB", ok: true, want: "AAAAAAAAAAAAAAAAAAAAAA"}, // and ignores the unused bits
		{in: z + "=", msg: "Input byte array has wrong 4-byte ending unit"},
		{in: z + "=A", msg: "Input byte array has wrong 4-byte ending unit"},
		{in: z + "A", msg: "Input string `" + z + "A` decoded as 17 bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID"},
		{in: z[:20], msg: "Input string `" + z[:20] + "` decoded as 15 bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID"},
		{in: "", msg: "Input string `` decoded as 0 bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID"},
		{in: "A", msg: "Input byte[] should at least have 2 bytes for base64 bytes"},
		{in: "AAAAA", msg: "Last unit does not have enough valid bits"},
		{in: "AA==AAAA", msg: "Input byte array has incorrect ending byte at 4"},
		{in: z[:21] + "+", msg: "Illegal base64 character 2b"},
		{in: z[:20] + "\r\n", msg: "Illegal base64 character d"},
		{in: z[:21] + "\u00e9", msg: "Illegal base64 character -17"},
		{in: z[:21] + "\u4e16", msg: "Illegal base64 character 3f"},
		{in: z + "AAA", msg: "Input string with prefix `" + z + "AA` is too long to be decoded as a base64 UUID"},
	} {
		u, err := ParseUuid(tc.in)
		if tc.ok {
			if err != nil || u.String() != tc.want {
				t.Errorf("ParseUuid(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
			}
			continue
		}
		var e *Error
		if !errors.Is(err, ErrInvalidUuid) || !errors.As(err, &e) || e.Msg != tc.msg {
			t.Errorf("ParseUuid(%q) error %v, want %q", tc.in, err, tc.msg)
		}
	}
}

func TestRandomUuid(t *testing.T) {
	seen := map[Uuid]bool{}
	for range 2000 {
		u := RandomUuid()
		if u.IsReserved() || u.String()[0] == '-' || seen[u] {
			t.Fatalf("RandomUuid returned %v", u)
		}
		if u[6]>>4 != 4 || u[8]>>6 != 2 {
			t.Fatalf("%v is not a version 4 IETF Uuid", u)
		}
		seen[u] = true
		if d := RandomDirectoryID(); IsReservedDirectoryID(d) || d.String()[0] == '-' {
			t.Fatalf("RandomDirectoryID returned %v", d)
		}
	}
}

func TestUuidText(t *testing.T) {
	type doc struct{ ID Uuid }
	b, err := json.Marshal(doc{MetadataTopicID})
	if err != nil || string(b) != `{"ID":"AAAAAAAAAAAAAAAAAAAAAQ"}` {
		t.Fatalf("marshal: %s, %v", b, err)
	}
	var d doc
	if err := json.Unmarshal(b, &d); err != nil || d.ID != MetadataTopicID {
		t.Fatalf("unmarshal: %v, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`{"ID":"x"}`), &d); !errors.Is(err, ErrInvalidUuid) {
		t.Fatalf("unmarshal bad: %v", err)
	}
}
