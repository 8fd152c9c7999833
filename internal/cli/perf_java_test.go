package cli

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// The expected values in this file were printed by Java 17 (String.format,
// SplittableRandom, SimpleDateFormat, String.split).

func TestJavaFixedRoundsTheShortestDecimalHalfUp(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		prec int
		want string
	}{
		{0.125, 2, "0.13"}, {1.005, 2, "1.01"}, {0.15, 1, "0.2"}, {0.25, 1, "0.3"}, {2.675, 2, "2.68"},
		{1234.5678901234, 6, "1234.567890"}, {0.1, 6, "0.100000"}, {1e-7, 4, "0.0000"},
		{123456789012.345678, 6, "123456789012.345670"}, {9.995, 2, "10.00"}, {0.995, 2, "1.00"},
		{0.05, 1, "0.1"}, {2.0005, 3, "2.001"}, {0.00005, 4, "0.0001"}, {5e-324, 2, "0.00"},
		{3.4028234663852886e38, 6, "340282346638528860000000000000000000000.000000"},
		{0, 2, "0.00"}, {-1.5, 1, "-1.5"}, {7.5, 0, "8"},
	} {
		if got := javaFixed(tc.v, tc.prec); got != tc.want {
			t.Errorf("%%.%df of %v: got %s, want %s", tc.prec, tc.v, got, tc.want)
		}
	}
	negZero := 0.0
	negZero = -negZero
	for v, want := range map[float64]string{negZero: "-0.00"} {
		if got := javaFixed(v, 2); got != want {
			t.Errorf("%v: %s", v, got)
		}
	}
	var nan float64
	nan = nan / nan
	if javaFixed(nan, 2) != "NaN" || javaFixed(1/negZero, 2) != "-Infinity" || javaFixed(-1/negZero, 4) != "Infinity" {
		t.Error("NaN/Infinity")
	}
}

func TestSplittableRandomMatchesJava(t *testing.T) {
	r := &splittableRandom{}
	var b strings.Builder
	for range 40 {
		b.WriteByte(byte(r.nextInt(26) + 65))
	}
	if b.String() != "YQHHNEBSEPDNSEIFGAMSUJXKOLTXSPLGHDIOYZJF" {
		t.Errorf("payload letters %s", b.String())
	}
	for bound, want := range map[int32][]int32{
		7:       {6, 2, 0, 5, 4, 6, 3, 2, 2, 2},
		1000003: {556448, 206906, 777146, 413813, 17531, 829533, 72497, 738647, 812785, 342678},
	} {
		r := &splittableRandom{}
		for i, w := range want {
			if got := r.nextInt(bound); got != w {
				t.Errorf("bound %d draw %d: %d, want %d", bound, i, got, w)
			}
		}
	}
}

func TestSimpleDateFormatMatchesJava(t *testing.T) {
	const ms = 1700000000123
	for pattern, want := range map[string]string{
		"yyyy-MM-dd HH:mm:ss:SSS":                    "2023-11-14 22:13:20:123",
		"EEE, d MMM yyyy HH:mm:ss Z":                 "Tue, 14 Nov 2023 22:13:20 +0000",
		"yy.MM.dd G 'at' hh:mm:ss a z":               "23.11.14 AD at 10:13:20 PM UTC",
		"EEEE MMMM w W D F u k K S SSSS XXX X XX ''": "Tuesday November 46 3 318 2 2 22 10 123 0123 Z Z Z '",
		"yyyy-MM-dd'T'HH:mm":                         "2023-11-14T22:13",
		"YYYY ww":                                    "2023 46",
	} {
		f, err := newSimpleDateFormat(pattern, time.UTC)
		if err != nil {
			t.Errorf("%q: %v", pattern, err)
			continue
		}
		if got := f.format(ms); got != want {
			t.Errorf("%q: got %q, want %q", pattern, got, want)
		}
	}
	for pattern, want := range map[string]string{"qq": "Illegal pattern character 'q'", "'abc": "Unterminated quote"} {
		if _, err := newSimpleDateFormat(pattern, time.UTC); err == nil || err.Error() != want {
			t.Errorf("%q: %v", pattern, err)
		}
	}
	// the last days of December can be week 1 of the next year
	f, _ := newSimpleDateFormat("YYYY-ww", time.UTC)
	if got := f.format(time.Date(2024, 12, 30, 0, 0, 0, 0, time.UTC).UnixMilli()); got != "2025-01" {
		t.Errorf("week year %s", got)
	}
}

func TestJavaSplit(t *testing.T) {
	for _, tc := range []struct{ s, re, want string }{
		{"a\nb\n\n", "\n", "a|b"},
		{"\na\nb", "\n", "|a|b"},
		{"abc", ",", "abc"},
		{"a,b;c", "[,;]", "a|b|c"},
		{"abc", "", "a|b|c"},
		{",,,", ",", ""},
	} {
		got := strings.Join(javaSplit(tc.s, regexp.MustCompile(tc.re)), "|")
		if got != tc.want {
			t.Errorf("split(%q, %q) = %q, want %q", tc.s, tc.re, got, tc.want)
		}
	}
}
