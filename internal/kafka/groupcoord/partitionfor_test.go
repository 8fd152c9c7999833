package groupcoord

import "testing"

// The expected values are Java's: "abc".hashCode() is 96354, and
// Utils.abs(x) % 50 gives Kafka's partition.
func TestJavaStringHash(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int32
	}{
		{"", 0},
		{"a", 97},
		{"abc", 96354},
		{"console-consumer-12345", javaHashRef("console-consumer-12345")},
		{"polygenelubricants", -2147483648}, // the classic MinInt32 hashCode
		{"é", 0xe9},
		{"😀", 31*0xd83d + 0xde00}, // a surrogate pair: two code units
		{"\xff", 0xfffd},          // invalid UTF-8 decodes to U+FFFD, as in Java
	} {
		if got := javaStringHash(c.s); got != c.want {
			t.Errorf("javaStringHash(%q) = %d, want %d", c.s, got, c.want)
		}
	}
}

// javaHashRef is the textbook definition over bytes, valid for ASCII.
func javaHashRef(s string) int32 {
	var h int32
	for i := 0; i < len(s); i++ {
		h = 31*h + int32(s[i])
	}
	return h
}

func TestPartitionFor(t *testing.T) {
	for _, c := range []struct {
		group string
		n     int32
		want  int32
	}{
		{"abc", 50, 96354 % 50},
		{"polygenelubricants", 50, 0}, // Utils.abs(MinInt32) is 0
		{"", 50, 0},
		{"my-group", 1, 0},
	} {
		if got := PartitionFor(c.group, c.n); got != c.want {
			t.Errorf("PartitionFor(%q, %d) = %d, want %d", c.group, c.n, got, c.want)
		}
	}
	// Negative hash codes: |h| % n, never negative.
	for _, g := range []string{"group-1", "zzzzzzzzzzzzzz", "Kafka", "test-consumer-group"} {
		h := javaStringHash(g)
		want := h
		if want < 0 {
			want = -want
		}
		if got := PartitionFor(g, 50); got != want%50 || got < 0 {
			t.Errorf("PartitionFor(%q) = %d, want %d", g, got, want%50)
		}
	}
}
