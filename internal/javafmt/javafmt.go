// Package javafmt reproduces what the JVM shows of values, for output that
// must match Java tools byte for byte: Double.toString (ZooKeeper's
// four-letter words and AdminServer, Kafka's DescribeConfigs values and
// quotas), String.length and String.hashCode (which __consumer_offsets partition holds a
// group) and the iteration order of a HashMap (tools that print a map as
// it iterates). Pure functions, no I/O.
package javafmt

import (
	"math"
	"strconv"
	"strings"
)

// Double is Java's Double.toString: plain decimal with at least one
// fractional digit for 1e-3 <= |f| < 1e7, computerized scientific notation
// ("1.0E7", "1.7976931348623157E308") outside, the shortest digits that
// read back as f.
func Double(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.dddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	exp = strings.TrimPrefix(exp, "+")
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}
