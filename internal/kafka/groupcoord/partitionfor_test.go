package groupcoord

import (
	"testing"

	"github.com/wharf-project/wharf/internal/javafmt"
)

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
		h := javafmt.StringHash(g)
		want := h
		if want < 0 {
			want = -want
		}
		if got := PartitionFor(g, 50); got != want%50 || got < 0 {
			t.Errorf("PartitionFor(%q) = %d, want %d", g, got, want%50)
		}
	}
}
