package cli

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Java behaviours the perf tools print through.

// javaFixed is String.format("%.<prec>f", v): Java rounds the shortest
// decimal representation of v (Double.toString's digits) half-up, and
// pads with zeros beyond those digits, so 0.125 gives "0.13" and 1.005
// "1.01" where C gives "0.12" and "1.00".
func javaFixed(v float64, prec int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	neg := math.Signbit(v)
	e := strconv.FormatFloat(math.Abs(v), 'e', -1, 64) // d.ddde±XX
	mant, expPart, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expPart)
	digits := strings.Replace(mant, ".", "", 1)
	// value = 0.digits × 10^(exp+1): place the point
	point := exp + 1
	var intPart, frac string
	switch {
	case point <= 0:
		intPart, frac = "0", strings.Repeat("0", -point)+digits
	case point >= len(digits):
		intPart, frac = digits+strings.Repeat("0", point-len(digits)), ""
	default:
		intPart, frac = digits[:point], digits[point:]
	}
	if len(frac) < prec {
		frac += strings.Repeat("0", prec-len(frac))
	}
	roundUp := len(frac) > prec && frac[prec] >= '5'
	num := []byte(intPart + frac[:prec])
	if roundUp {
		i := len(num) - 1
		for ; i >= 0; i-- {
			if num[i] == '9' {
				num[i] = '0'
				continue
			}
			num[i]++
			break
		}
		if i < 0 {
			num = append([]byte{'1'}, num...)
		}
	}
	ip, fp := string(num[:len(num)-prec]), string(num[len(num)-prec:])
	s := ip
	if prec > 0 {
		s += "." + fp
	}
	if neg {
		s = "-" + s
	}
	return s
}

// splittableRandom is java.util.SplittableRandom seeded with a long: the
// generator ProducerPerformance draws payload bytes from, so a Wharf run
// sends the same payloads as Kafka's.
type splittableRandom struct{ seed uint64 }

const goldenGamma = 0x9e3779b97f4a7c15

func (r *splittableRandom) nextInt32() int32 {
	r.seed += goldenGamma
	z := r.seed
	z = (z ^ (z >> 33)) * 0x62a9d9ed799705f5
	return int32(((z ^ (z >> 28)) * 0xcb24d0a5c88c35b3) >> 32)
}

// nextInt is nextInt(bound) for bound > 0.
func (r *splittableRandom) nextInt(bound int32) int32 {
	v := r.nextInt32()
	m := bound - 1
	if bound&m == 0 {
		return v & m
	}
	u := int32(uint32(v) >> 1)
	for {
		v = u % bound
		if u+m-v >= 0 { // no int overflow: not an over-represented candidate
			return v
		}
		u = int32(uint32(r.nextInt32()) >> 1)
	}
}

// javaSplit is String.split(regex): no leading empty string for a
// zero-width match at the start, trailing empty strings removed, and the
// input itself when nothing matches. Go's RE2 syntax stands in for Java's.
func javaSplit(s string, re *regexp.Regexp) []string {
	matches := re.FindAllStringIndex(s, -1)
	if len(matches) == 0 {
		return []string{s}
	}
	var out []string
	at := 0
	for _, m := range matches {
		if at == 0 && m[0] == 0 && m[1] == 0 {
			continue
		}
		out = append(out, s[at:m[0]])
		at = m[1]
	}
	out = append(out, s[at:])
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// simpleDateFormat is java.text.SimpleDateFormat in the US locale and the
// local time zone: the pattern compiled once, then applied to
// milliseconds since the epoch.
type simpleDateFormat struct {
	parts []dateField
	loc   *time.Location
}

type dateField struct {
	letter byte // 0 for literal text
	count  int
	text   string
}

// newSimpleDateFormat compiles a pattern; the error is the message of the
// IllegalArgumentException the constructor throws.
func newSimpleDateFormat(pattern string, loc *time.Location) (*simpleDateFormat, error) {
	f := &simpleDateFormat{loc: loc}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			if i+1 < len(pattern) && pattern[i+1] == '\'' {
				f.parts = append(f.parts, dateField{text: "'"})
				i += 2
				continue
			}
			var lit strings.Builder
			i++
			for {
				if i >= len(pattern) {
					return nil, fmt.Errorf("Unterminated quote")
				}
				if pattern[i] == '\'' {
					if i+1 < len(pattern) && pattern[i+1] == '\'' {
						lit.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				lit.WriteByte(pattern[i])
				i++
			}
			f.parts = append(f.parts, dateField{text: lit.String()})
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			if !strings.ContainsRune("GyYMLwWDdFEuaHkKhmsSzZX", rune(c)) {
				return nil, fmt.Errorf("Illegal pattern character '%c'", c)
			}
			n := 1
			for i+n < len(pattern) && pattern[i+n] == c {
				n++
			}
			f.parts = append(f.parts, dateField{letter: c, count: n})
			i += n
		default:
			f.parts = append(f.parts, dateField{text: string(c)})
			i++
		}
	}
	return f, nil
}

func pad(n int64, width int) string {
	s := strconv.FormatInt(n, 10)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// format is SimpleDateFormat.format(ms).
func (f *simpleDateFormat) format(ms int64) string {
	t := time.UnixMilli(ms).In(f.loc)
	var b strings.Builder
	for _, p := range f.parts {
		n := p.count
		switch p.letter {
		case 0:
			b.WriteString(p.text)
		case 'G':
			b.WriteString("AD")
		case 'y', 'Y':
			y := t.Year()
			if p.letter == 'Y' {
				y = weekYear(t)
			}
			if n == 2 {
				b.WriteString(pad(int64(y%100), 2))
			} else {
				b.WriteString(pad(int64(y), n))
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString(t.Month().String())
			case n == 3:
				b.WriteString(t.Month().String()[:3])
			default:
				b.WriteString(pad(int64(t.Month()), n))
			}
		case 'w':
			b.WriteString(pad(int64(weekOfYear(t)), n))
		case 'W':
			first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, f.loc)
			b.WriteString(pad(int64((t.Day()-1+int(first.Weekday()))/7+1), n))
		case 'D':
			b.WriteString(pad(int64(t.YearDay()), n))
		case 'd':
			b.WriteString(pad(int64(t.Day()), n))
		case 'F':
			b.WriteString(pad(int64((t.Day()-1)/7+1), n))
		case 'E':
			if n >= 4 {
				b.WriteString(t.Weekday().String())
			} else {
				b.WriteString(t.Weekday().String()[:3])
			}
		case 'u':
			d := int(t.Weekday())
			if d == 0 {
				d = 7
			}
			b.WriteString(pad(int64(d), n))
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'H':
			b.WriteString(pad(int64(t.Hour()), n))
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b.WriteString(pad(int64(h), n))
		case 'K':
			b.WriteString(pad(int64(t.Hour()%12), n))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(pad(int64(h), n))
		case 'm':
			b.WriteString(pad(int64(t.Minute()), n))
		case 's':
			b.WriteString(pad(int64(t.Second()), n))
		case 'S':
			b.WriteString(pad(int64(t.Nanosecond()/1e6), n))
		case 'z':
			name, _ := t.Zone()
			b.WriteString(name)
		case 'Z':
			b.WriteString(zoneOffset(t, false, false))
		case 'X':
			_, off := t.Zone()
			switch {
			case off == 0:
				b.WriteString("Z")
			case n == 1:
				b.WriteString(zoneOffset(t, false, true))
			case n == 2:
				b.WriteString(zoneOffset(t, false, false))
			default:
				b.WriteString(zoneOffset(t, true, false))
			}
		}
	}
	return b.String()
}

// zoneOffset is "+hhmm", "+hh:mm" with colon, or "+hh" with hoursOnly.
func zoneOffset(t time.Time, colon, hoursOnly bool) string {
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := sign + pad(int64(off/3600), 2)
	if hoursOnly {
		return s
	}
	if colon {
		s += ":"
	}
	return s + pad(int64(off%3600/60), 2)
}

// weekOfYear is the US week of year: weeks start on Sunday and week 1 is
// the one holding January 1.
func weekOfYear(t time.Time) int {
	if sat := t.AddDate(0, 0, 6-int(t.Weekday())); sat.Year() > t.Year() {
		return 1
	}
	jan1 := time.Date(t.Year(), 1, 1, 0, 0, 0, 0, t.Location())
	return (t.YearDay()-1+int(jan1.Weekday()))/7 + 1
}

func weekYear(t time.Time) int {
	if t.Month() == time.December && weekOfYear(t) == 1 {
		return t.Year() + 1
	}
	return t.Year()
}
