package zkproc

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNoFreePort means no bindable port was found on 127.0.0.1.
var ErrNoFreePort = errors.New("zkproc: no free port on 127.0.0.1")

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// FreePort returns a TCP port on 127.0.0.1 that could be bound just now and
// that this process has not handed out before.
//
// Ports come from below the kernel's ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range), so a server started on one
// cannot collide with the local end of some client connection, which the
// kernel picks from that range.
func FreePort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	hi := ephemeralLow() - 1
	const lo = 10000
	if hi > lo+1000 {
		for range 200 {
			p := lo + rand.IntN(hi-lo+1)
			if !portsGiven[p] && canBind(p) {
				portsGiven[p] = true
				return p, nil
			}
		}
	}
	// Odd port range: let the kernel choose.
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("%w: %v", ErrNoFreePort, err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !portsGiven[p] {
			portsGiven[p] = true
			return p, nil
		}
	}
	return 0, ErrNoFreePort
}

func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) < 1 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 32768
	}
	return n
}

func canBind(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// Four sends a four-letter word (ruok, srvr, stat, mntr, conf, …) to addr and
// returns the whole reply; the server closes the connection after it.
func Four(addr, cmd string) (string, error) { return four(addr, cmd, 5*time.Second) }

func four(addr, cmd string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	if _, err := io.WriteString(c, cmd); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	if err != nil {
		return string(b), err
	}
	return string(b), nil
}

// WaitFor polls cond until it returns true or timeout passes, and reports
// whether it did. Polling starts at 1ms and backs off to 50ms, so a
// condition that becomes true quickly is seen quickly.
func WaitFor(cond func() bool, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	wait := time.Millisecond
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(wait)
		wait = min(wait*2, 50*time.Millisecond)
	}
}
