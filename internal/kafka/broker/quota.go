package broker

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
)

// ErrTooManyConnections: a client address is at max.connections.per.ip
// (Kafka's TooManyConnectionsException); the new connection is closed.
var ErrTooManyConnections = errors.New("broker: too many connections from this address")

// errServerClosed: the server closed while an acceptor waited for a slot.
var errServerClosed = errors.New("broker: server closed")

// connQuotas counts connections as Kafka's ConnectionQuotas: per client
// address (max.connections.per.ip and its overrides), per listener
// (listener.name.<l>.max.connections) and broker-wide (max.connections).
// An address over its limit is refused at once; a listener or the broker at
// its limit stops accepting until a connection closes (the acceptor waits,
// new connections queue in the kernel's backlog). The inter-broker listener
// is exempt from the broker-wide limit when there are other listeners.
type connQuotas struct {
	maxTotal     int
	maxPerIP     int
	ipOverrides  map[netip.Addr]int
	maxListener  map[string]int
	protected    string // inter-broker listener name
	anyProtected bool   // more than one listener: protection applies

	mu       sync.Mutex
	total    int
	perIP    map[netip.Addr]int
	listener map[string]int
	freed    chan struct{} // closed and replaced whenever a slot frees
}

func newConnQuotas(cfg *Config, listeners int, overrides map[netip.Addr]int) *connQuotas {
	return &connQuotas{
		maxTotal:     cfg.MaxConnections,
		maxPerIP:     cfg.MaxConnectionsPerIP,
		ipOverrides:  overrides,
		maxListener:  cfg.MaxConnectionsPerListener,
		protected:    strings.ToUpper(cfg.InterBrokerListenerName),
		anyProtected: listeners > 1,
		perIP:        map[netip.Addr]int{},
		listener:     map[string]int{},
		freed:        make(chan struct{}),
	}
}

// slotAvailable is Kafka's connectionSlotAvailable; q.mu is held.
func (q *connQuotas) slotAvailable(listener string) bool {
	if max, ok := q.maxListener[listener]; ok && q.listener[listener] >= max {
		return false
	}
	if q.anyProtected && listener == q.protected {
		return true
	}
	return q.total < q.maxTotal
}

// inc counts a new connection from ip on listener, first waiting for a
// listener and broker slot (until stop closes), then refusing it when ip is
// at its limit.
func (q *connQuotas) inc(listener string, ip netip.Addr, stop <-chan struct{}) error {
	q.mu.Lock()
	for !q.slotAvailable(listener) {
		freed := q.freed
		q.mu.Unlock()
		select {
		case <-freed:
		case <-stop:
			return errServerClosed
		}
		q.mu.Lock()
	}
	defer q.mu.Unlock()
	max, ok := q.ipOverrides[ip]
	if !ok {
		max = q.maxPerIP
	}
	if q.perIP[ip] >= max {
		return fmt.Errorf("%w: %s has %d (max %d)", ErrTooManyConnections, ip, q.perIP[ip], max)
	}
	q.perIP[ip]++
	q.listener[listener]++
	q.total++
	return nil
}

// dec uncounts a connection counted by inc.
func (q *connQuotas) dec(listener string, ip netip.Addr) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.perIP[ip]--; q.perIP[ip] <= 0 {
		delete(q.perIP, ip)
	}
	q.listener[listener]--
	q.total--
	close(q.freed)
	q.freed = make(chan struct{})
}

// count is the number of connections (for tests and metrics).
func (q *connQuotas) count() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}

// ParseConnectionOverrides parses max.connections.per.ip.overrides
// ("hostOrIP:count,..."; the count after the last colon, so IPv6
// addresses work). Host names are resolved now, as Kafka does.
func ParseConnectionOverrides(s string, resolve func(host string) ([]netip.Addr, error)) (map[netip.Addr]int, error) {
	if resolve == nil {
		resolve = resolveHost
	}
	out := map[netip.Addr]int{}
	for _, item := range splitCSV(s) {
		i := strings.LastIndex(item, ":")
		if i < 0 {
			return nil, fmt.Errorf("broker: max.connections.per.ip.overrides entry %q is not host:count", item)
		}
		host := strings.Trim(strings.TrimSpace(item[:i]), "[]")
		n, err := strconv.Atoi(strings.TrimSpace(item[i+1:]))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("broker: max.connections.per.ip.overrides entry %q: bad count", item)
		}
		addrs, err := resolve(host)
		if err != nil || len(addrs) == 0 {
			return nil, fmt.Errorf("broker: max.connections.per.ip.overrides: cannot resolve %q: %v", host, err)
		}
		// Kafka's InetAddress.getByName takes the first address.
		out[addrs[0].Unmap()] = n
	}
	return out, nil
}

func resolveHost(host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	ips, err := net.LookupIP(host)
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, ip := range ips {
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, a.Unmap())
		}
	}
	return out, nil
}

// remoteIP is a connection's client address.
func remoteIP(c net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
