package broker

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// Security protocols (Kafka's SecurityProtocol names).
const (
	ProtocolPlaintext     = "PLAINTEXT"
	ProtocolSSL           = "SSL"
	ProtocolSASLPlaintext = "SASL_PLAINTEXT"
	ProtocolSASLSSL       = "SASL_SSL"
)

// DefaultSecurityProtocolMap is listener.security.protocol.map's default:
// each protocol is a listener name of its own.
const DefaultSecurityProtocolMap = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"

var (
	// ErrListener: a listeners, advertised.listeners or
	// listener.security.protocol.map value does not parse or is inconsistent.
	ErrListener = errors.New("broker: invalid listener configuration")
	// ErrUnsupportedProtocol: a listener uses a security protocol this
	// broker does not serve yet (only PLAINTEXT is).
	ErrUnsupportedProtocol = errors.New("broker: unsupported security protocol")
)

// Listener is one endpoint: a `listeners` or `advertised.listeners` entry.
type Listener struct {
	Name     string // normalised (upper case), e.g. PLAINTEXT, CLIENT
	Protocol string // security protocol
	Host     string // "" binds every interface (Kafka's default interface)
	Port     int    // 0: an ephemeral port (tests)
}

// Addr is host:port for net.Listen.
func (l Listener) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

// String is Kafka's connection string NAME://host:port.
func (l Listener) String() string {
	if l.Host == "" {
		return fmt.Sprintf("%s://:%d", l.Name, l.Port)
	}
	return l.Name + "://" + net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
}

// endpointRe is Kafka's EndPoint.uriParseExp.
var endpointRe = regexp.MustCompile(`^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$`)

// ParseSecurityProtocolMap parses listener.security.protocol.map
// ("NAME:PROTOCOL,..."); "" means the default map.
func ParseSecurityProtocolMap(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		s = DefaultSecurityProtocolMap
	}
	m := map[string]string{}
	for _, item := range splitCSV(s) {
		name, proto, ok := strings.Cut(item, ":")
		name, proto = strings.ToUpper(strings.TrimSpace(name)), strings.ToUpper(strings.TrimSpace(proto))
		if !ok || name == "" {
			return nil, fmt.Errorf("%w: listener.security.protocol.map entry %q is not NAME:PROTOCOL", ErrListener, item)
		}
		switch proto {
		case ProtocolPlaintext, ProtocolSSL, ProtocolSASLPlaintext, ProtocolSASLSSL:
		default:
			return nil, fmt.Errorf("%w: listener.security.protocol.map: unknown security protocol %q", ErrListener, proto)
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("%w: listener.security.protocol.map names %s twice", ErrListener, name)
		}
		m[name] = proto
	}
	return m, nil
}

// ParseListeners parses a `listeners` or `advertised.listeners` value
// against a protocol map, as Kafka's listenerListToEndPoints: names unique,
// and ports unique (0 excepted) when distinctPorts.
func ParseListeners(s string, protocols map[string]string, distinctPorts bool) ([]Listener, error) {
	var out []Listener
	names, ports := map[string]bool{}, map[int]bool{}
	for _, item := range splitCSV(s) {
		m := endpointRe.FindStringSubmatch(item)
		if m == nil {
			return nil, fmt.Errorf("%w: unable to parse %q to a broker endpoint", ErrListener, item)
		}
		name := strings.ToUpper(m[1])
		port, err := strconv.Atoi(m[3])
		if err != nil || port < 0 || port > 65535 {
			return nil, fmt.Errorf("%w: %q: port out of range", ErrListener, item)
		}
		proto, ok := protocols[name]
		if !ok {
			return nil, fmt.Errorf("%w: no security protocol defined for listener %s", ErrListener, name)
		}
		if names[name] {
			return nil, fmt.Errorf("%w: each listener must have a different name, listeners: %s", ErrListener, s)
		}
		if distinctPorts && port != 0 && ports[port] {
			return nil, fmt.Errorf("%w: each listener must have a different port, listeners: %s", ErrListener, s)
		}
		names[name], ports[port] = true, true
		out = append(out, Listener{Name: name, Protocol: proto, Host: m[2], Port: port})
	}
	return out, nil
}

// ListenerConfig is the listener part of the broker's configuration,
// parsed and checked.
type ListenerConfig struct {
	Listeners  []Listener
	Advertised []Listener // advertised.listeners, or Listeners when unset
}

// ParseListenerConfig parses listeners, advertised.listeners and
// listener.security.protocol.map as KafkaConfig does: at least one
// listener; every advertised name is a listener's; no advertised
// 0.0.0.0 (a meta-address clients cannot connect to).
func ParseListenerConfig(listeners, advertised, protocolMap string) (ListenerConfig, error) {
	protocols, err := ParseSecurityProtocolMap(protocolMap)
	if err != nil {
		return ListenerConfig{}, err
	}
	ls, err := ParseListeners(listeners, protocols, true)
	if err != nil {
		return ListenerConfig{}, err
	}
	if len(ls) == 0 {
		return ListenerConfig{}, fmt.Errorf("%w: listeners is empty", ErrListener)
	}
	adv := ls
	if strings.TrimSpace(advertised) != "" {
		if adv, err = ParseListeners(advertised, protocols, false); err != nil {
			return ListenerConfig{}, err
		}
	}
	for _, a := range adv {
		if a.Host == "0.0.0.0" { // also when advertised.listeners defaults to listeners, as in Kafka
			return ListenerConfig{}, fmt.Errorf("%w: advertised.listeners cannot use the nonroutable meta-address 0.0.0.0", ErrListener)
		}
		if !hasListener(ls, a.Name) {
			return ListenerConfig{}, fmt.Errorf("%w: advertised listener %s is not in listeners", ErrListener, a.Name)
		}
	}
	return ListenerConfig{Listeners: ls, Advertised: adv}, nil
}

// CheckSupported refuses listeners this broker cannot serve yet.
func (c ListenerConfig) CheckSupported() error {
	for _, l := range c.Listeners {
		if l.Protocol != ProtocolPlaintext {
			return fmt.Errorf("%w: listener %s uses %s; only PLAINTEXT listeners are supported for now", ErrUnsupportedProtocol, l, l.Protocol)
		}
	}
	return nil
}

func hasListener(ls []Listener, name string) bool {
	for _, l := range ls {
		if l.Name == name {
			return true
		}
	}
	return false
}

// splitCSV is Kafka's parseCsvList: comma-separated, trimmed, empties
// dropped.
func splitCSV(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
