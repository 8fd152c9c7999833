package javafmt

import (
	"math"
	"testing"
)

func TestDoubleZooKeeperFigures(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {1, "1.0"}, {0.8, "0.8"}, {2.8462, "2.8462"},
		{131.75, "131.75"}, {0.001, "0.001"}, {0.0001, "1.0E-4"}, {1.5e-5, "1.5E-5"},
		{9999999, "9999999.0"}, {1e7, "1.0E7"}, {1.2345e10, "1.2345E10"}, {-3.5, "-3.5"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
	}
	for _, tt := range tests {
		if got := Double(tt.in); got != tt.want {
			t.Errorf("Double(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDoubleKafkaConfigValues(t *testing.T) {
	for f, want := range map[float64]string{0.5: "0.5", 0.9: "0.9", 1: "1.0", 1.7976931348623157e308: "1.7976931348623157E308",
		1e7: "1.0E7", 1e-4: "1.0E-4", 0.001: "0.001", 1234567.5: "1234567.5", 0.05: "0.05"} {
		if got := Double(f); got != want {
			t.Errorf("Double(%v) = %q, want %q", f, got, want)
		}
	}
}
