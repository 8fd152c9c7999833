package latency

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	var s []time.Duration
	for i := 1000; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Microsecond)
	}
	got := Summarize(s)
	want := Summary{N: 1000, Mean: 500500 * time.Nanosecond, P50: 500 * time.Microsecond,
		P99: 990 * time.Microsecond, P999: 999 * time.Microsecond, Max: 1000 * time.Microsecond}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if (Summarize(nil) != Summary{}) {
		t.Error("empty sample not zero")
	}
	if one := Summarize([]time.Duration{7}); one.P50 != 7 || one.P99 != 7 || one.Max != 7 {
		t.Errorf("single sample: %+v", one)
	}
	if At(nil, 0.5) != 0 {
		t.Error("At of nothing not zero")
	}
	if US(1500*time.Nanosecond) != 1.5 {
		t.Error("US(1.5µs) != 1.5")
	}
}
