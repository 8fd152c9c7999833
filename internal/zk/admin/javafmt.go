package admin

import (
	"math"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// round4 is AvgMinMaxCounter.getAvg's rounding: BigDecimal(f) (the exact
// binary value) to 4 decimals, HALF_UP, back to the nearest double.
func round4(f float64) float64 {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return f
	}
	neg := f < 0
	x := new(big.Float).SetPrec(2048).SetFloat64(math.Abs(f))
	x.Mul(x, big.NewFloat(10000))
	whole, _ := x.Int(nil)
	frac := new(big.Float).SetPrec(2048).Sub(x, new(big.Float).SetInt(whole))
	if frac.Cmp(big.NewFloat(0.5)) >= 0 {
		whole.Add(whole, big.NewInt(1))
	}
	r, _ := new(big.Rat).SetFrac(whole, big.NewInt(10000)).Float64()
	if neg {
		r = -r
	}
	return r
}

// avg is AvgMinMaxCounter.getAvg.
func (l Latency) avg() float64 {
	if l.Count <= 0 {
		return 0
	}
	return round4(float64(l.Total) / float64(l.Count))
}

// min and max read 0 with no data point.
func (l Latency) min() int64 {
	if l.Count <= 0 {
		return 0
	}
	return l.Min
}

func (l Latency) max() int64 {
	if l.Count <= 0 {
		return 0
	}
	return l.Max
}

// intAvg is ServerCnxn.getAvgLatency: integer division.
func (l Latency) intAvg() int64 {
	if l.Count <= 0 {
		return 0
	}
	return l.Total / l.Count
}

// hex is Long.toHexString: two's complement for negatives.
func hex(n int64) string { return strconv.FormatUint(uint64(n), 16) }

// javaSocketAddr is InetSocketAddress.toString for an address without a
// host name: "/127.0.0.1:5000", "/[0:0:0:0:0:0:0:1]:5000" (JDK 14+).
func javaSocketAddr(remote string) string {
	host, port, ok := javaHostPort(remote)
	if !ok {
		return "/" + remote
	}
	return "/" + host + ":" + port
}

// jacksonSocketAddr is how Jackson writes an InetSocketAddress:
// "127.0.0.1:5000", "[0:0:0:0:0:0:0:1]:5000".
func jacksonSocketAddr(remote string) string {
	host, port, ok := javaHostPort(remote)
	if !ok {
		return remote
	}
	return host + ":" + port
}

// javaHostPort splits a Go address and spells the host as InetAddress
// does: IPv4-mapped addresses as IPv4, IPv6 as eight bracketed groups.
func javaHostPort(remote string) (host, port string, ok bool) {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return "", "", false
	}
	a := ap.Addr().Unmap()
	port = strconv.Itoa(int(ap.Port()))
	if a.Is4() {
		return a.String(), port, true
	}
	b := a.As16()
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16)
	}
	host = strings.Join(groups, ":")
	if z := a.Zone(); z != "" {
		host += "%" + z
	}
	return "[" + host + "]", port, true
}

// javaDate is java.util.Date.toString: "Sat Nov 21 08:46:08 UTC 2026".
func javaDate(t time.Time) string { return t.Format("Mon Jan 02 15:04:05 MST 2006") }
