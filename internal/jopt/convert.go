package jopt

import "strconv"

// ParseInt is Integer.valueOf(s) for ASCII input: an optional sign and
// decimal digits, in range.
func ParseInt(s string) (int32, bool) {
	if !javaDecimal(s) {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 32)
	return int32(v), err == nil
}

// ParseLong is Long.valueOf(s) for ASCII input.
func ParseLong(s string) (int64, bool) {
	if !javaDecimal(s) {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// javaDecimal reports whether s has the shape parseInt/parseLong accept:
// one optional leading sign, then at least one digit (Go's ParseInt also
// accepts underscores with base 0, which Java does not; base 10 never does).
func javaDecimal(s string) bool {
	if s == "" || s == "+" || s == "-" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !(i == 0 && (c == '+' || c == '-')) {
			return false
		}
	}
	return true
}
