package zkdata

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// Security protocols (org.apache.kafka.common.security.auth.SecurityProtocol)
// with their wire ids, as UpdateMetadata carries them.
var securityProtocolIDs = map[string]int16{
	"PLAINTEXT":      0,
	"SSL":            1,
	"SASL_PLAINTEXT": 2,
	"SASL_SSL":       3,
}

// SecurityProtocolID returns the wire id of a security protocol name, or
// -1 for an unknown one.
func SecurityProtocolID(name string) int16 {
	if id, ok := securityProtocolIDs[name]; ok {
		return id
	}
	return -1
}

// SecurityProtocolName returns the name of a wire id ("" if unknown).
func SecurityProtocolName(id int16) string {
	for n, i := range securityProtocolIDs {
		if i == id {
			return n
		}
	}
	return ""
}

// EndPoint is one advertised listener of a broker (kafka.cluster.EndPoint).
type EndPoint struct {
	Listener         string // listener name, upper case: "PLAINTEXT", "CLIENT"
	Host             string // "" for Kafka's null host
	Port             int32
	SecurityProtocol string // "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"
}

// ConnectionString is EndPoint.connectionString: "LISTENER://host:port",
// an IPv6 host in brackets.
func (e EndPoint) ConnectionString() string {
	if e.Host == "" {
		return e.Listener + "://:" + strconv.Itoa(int(e.Port))
	}
	return e.Listener + "://" + net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port)))
}

var endpointRE = regexp.MustCompile(`^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)`)

// ParseEndPoint is EndPoint.createEndPoint: it parses "NAME://host:port"
// and looks the listener's security protocol up in protocols (nil: every
// listener named after its protocol, Kafka's default map).
func ParseEndPoint(s string, protocols map[string]string) (EndPoint, error) {
	m := endpointRE.FindStringSubmatch(s)
	if m == nil {
		return EndPoint{}, fmt.Errorf("zkdata: Unable to parse %s to a broker endpoint", s)
	}
	port, err := strconv.ParseInt(m[3], 10, 32)
	if err != nil {
		return EndPoint{}, fmt.Errorf("zkdata: Unable to parse %s to a broker endpoint", s)
	}
	listener := strings.ToUpper(m[1])
	var proto string
	if protocols == nil {
		if _, ok := securityProtocolIDs[listener]; ok {
			proto = listener
		}
	} else {
		proto = protocols[listener]
	}
	if proto == "" {
		return EndPoint{}, fmt.Errorf("zkdata: No security protocol defined for listener %s", listener)
	}
	return EndPoint{Listener: listener, Host: m[2], Port: int32(port), SecurityProtocol: proto}, nil
}

// VersionRange is a supported feature's range in a broker registration.
type VersionRange struct{ Min, Max int16 }

// BrokerInfo is a broker's registration at /brokers/ids/<id>.
type BrokerInfo struct {
	ID        int32
	EndPoints []EndPoint
	Rack      *string
	// Features are the broker's supported features (always empty in 2.8).
	Features map[string]VersionRange
	// Version is the registration format: 5 for inter.broker.protocol.version
	// 2.7 and above, 4 from 0.10.0, 2 before (BrokerInfo.apply).
	Version int
	// JMXPort is com.sun.management.jmxremote.port, -1 when unset.
	JMXPort int32
	// Timestamp is the registration time in ms (a string in the JSON).
	Timestamp int64
}

// RegistrationVersion is the JSON version a broker with the given
// inter.broker.protocol.version (major, minor) registers with.
func RegistrationVersion(major, minor int) int {
	switch {
	case major > 2 || major == 2 && minor >= 7:
		return 5
	case major >= 1 || minor >= 10:
		return 4
	}
	return 2
}

// PlaintextEndPoint is the first PLAINTEXT endpoint, whose host and port
// the registration repeats at its top level for old clients.
func (b BrokerInfo) PlaintextEndPoint() (EndPoint, bool) {
	for _, e := range b.EndPoints {
		if e.SecurityProtocol == "PLAINTEXT" {
			return e, true
		}
	}
	return EndPoint{}, false
}

// EndPoint returns the endpoint of a listener.
func (b BrokerInfo) EndPoint(listener string) (EndPoint, bool) {
	for _, e := range b.EndPoints {
		if e.Listener == listener {
			return e, true
		}
	}
	return EndPoint{}, false
}

// EncodeBroker is BrokerIdZNode.encode.
func (f Flavor) EncodeBroker(b BrokerInfo) []byte {
	var o fields
	o.addInt("version", int64(b.Version))
	pe, ok := b.PlaintextEndPoint()
	if ok {
		o.addStr("host", pe.Host)
		o.addInt("port", int64(pe.Port))
	} else {
		o.add("host", func(w *jsonWriter) { w.b = append(w.b, "null"...) })
		o.addInt("port", -1)
	}
	conns := make([]string, len(b.EndPoints))
	for i, e := range b.EndPoints {
		conns[i] = e.ConnectionString()
	}
	o.add("endpoints", func(w *jsonWriter) { w.strs(conns) })
	o.addInt("jmx_port", int64(b.JMXPort))
	o.addStr("timestamp", strconv.FormatInt(b.Timestamp, 10))
	applied := len(o.keys)
	if b.Rack != nil && b.Version >= 3 {
		o.addStr("rack", *b.Rack)
	}
	if b.Version >= 4 {
		var listeners []string
		protos := map[string]string{}
		for _, e := range b.EndPoints {
			if _, dup := protos[e.Listener]; !dup {
				listeners = append(listeners, e.Listener)
			}
			protos[e.Listener] = e.SecurityProtocol
		}
		order := f.immutableMapOrder(listeners)
		o.add("listener_security_protocol_map", func(w *jsonWriter) {
			w.object(order, func(k string) { w.str(protos[k]) })
		})
	}
	if b.Version >= 5 {
		var names []string
		for n := range b.Features {
			names = append(names, n)
		}
		order := javaHashMapOrder(sortedStrings(names))
		o.add("features", func(w *jsonWriter) {
			w.object(order, func(k string) {
				r := b.Features[k]
				w.object([]string{"min_version", "max_version"}, func(l string) {
					if l == "min_version" {
						w.int(int64(r.Min))
					} else {
						w.int(int64(r.Max))
					}
				})
			})
		})
	}
	var w jsonWriter
	w.fields(f.mutableMapOrder(o.keys, applied), &o)
	return w.b
}

// DecodeBroker is BrokerIdZNode.decode: it reads registrations of every
// version Kafka 2.8 reads (1 to 5).
func DecodeBroker(id int32, data []byte) (BrokerInfo, error) {
	fail := func(err error) (BrokerInfo, error) {
		return BrokerInfo{}, decodeErr("Failed to parse ZooKeeper registration for broker "+strconv.Itoa(int(id)), data, err)
	}
	o, err := parseObject(data)
	if err != nil {
		return fail(err)
	}
	version, err := o.intField("version")
	if err != nil {
		return fail(err)
	}
	jmx, err := o.intField("jmx_port")
	if err != nil {
		return fail(err)
	}
	b := BrokerInfo{ID: id, Version: int(version), JMXPort: jmx}
	switch {
	case version < 1:
		return fail(fmt.Errorf("Unsupported version of broker registration: %s", data))
	case version == 1:
		host, err := o.strField("host")
		if err != nil {
			return fail(err)
		}
		port, err := o.intField("port")
		if err != nil {
			return fail(err)
		}
		b.EndPoints = []EndPoint{{Listener: "PLAINTEXT", Host: host, Port: port, SecurityProtocol: "PLAINTEXT"}}
	default:
		var protocols map[string]string
		if o.has("listener_security_protocol_map") {
			if err := json.Unmarshal(o["listener_security_protocol_map"], &protocols); err != nil {
				return fail(err)
			}
			for _, v := range protocols { // keys stay as written: Kafka does not normalise them
				if _, ok := securityProtocolIDs[v]; !ok {
					return fail(fmt.Errorf("unknown security protocol %s", v))
				}
			}
		}
		var conns []string
		if err := json.Unmarshal(o["endpoints"], &conns); err != nil || !o.has("endpoints") {
			return fail(fmt.Errorf("bad endpoints"))
		}
		for _, c := range conns {
			e, err := ParseEndPoint(c, protocols)
			if err != nil {
				return fail(err)
			}
			b.EndPoints = append(b.EndPoints, e)
		}
	}
	if b.Rack, err = o.optStr("rack"); err != nil {
		return fail(err)
	}
	if ts, err := o.strField("timestamp"); err == nil {
		b.Timestamp, _ = strconv.ParseInt(ts, 10, 64)
	}
	if fs, err := o.objField("features"); err != nil {
		return fail(err)
	} else if len(fs) > 0 {
		b.Features = map[string]VersionRange{}
		for name, raw := range fs {
			var r map[string]json.RawMessage
			if err := json.Unmarshal(raw, &r); err != nil {
				return fail(err)
			}
			lo, err1 := rawInt(r["min_version"])
			hi, err2 := rawInt(r["max_version"])
			if err1 != nil || err2 != nil {
				return fail(fmt.Errorf("bad feature %s", name))
			}
			b.Features[name] = VersionRange{int16(lo), int16(hi)}
		}
	}
	return b, nil
}
