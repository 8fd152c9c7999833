package kconfig

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/javafmt"
)

// Type is a ConfigDef type; its numbering is DescribeConfigs' ConfigType
// (kmsg.ConfigType).
type Type int8

const (
	TypeUnknown  Type = 0
	TypeBoolean  Type = 1
	TypeString   Type = 2
	TypeInt      Type = 3
	TypeShort    Type = 4
	TypeLong     Type = 5
	TypeDouble   Type = 6
	TypeList     Type = 7
	TypeClass    Type = 8
	TypePassword Type = 9
)

var typeNames = [...]string{"UNKNOWN", "BOOLEAN", "STRING", "INT", "SHORT", "LONG", "DOUBLE", "LIST", "CLASS", "PASSWORD"}

func (t Type) String() string {
	if t >= 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "UNKNOWN"
}

// Password is a PASSWORD value. It prints as Kafka's Password does.
type Password string

func (Password) String() string { return "[hidden]" }

// Key is one ConfigDef entry. Parsed values are Go values: bool, string,
// int32 (INT), int16 (SHORT), int64 (LONG), float64 (DOUBLE), []string
// (LIST), string (CLASS: the class name, never loaded), Password; nil is
// Java's null.
type Key struct {
	Name     string
	Type     Type
	Default  any // parsed form; nil for a null default
	Validate validator
	Doc      string
	Internal bool // defineInternal: not described unless set
}

// validator is ConfigDef.Validator: ensureValid on a parsed value.
type validator interface {
	check(name string, v any) error
}

// def is an ordered ConfigDef: parse reports the first bad key in
// definition order, as ConfigDef.parse iterates its LinkedHashMap.
type def struct {
	keys  []*Key
	index map[string]*Key
}

func newDef(keys []*Key) *def {
	d := &def{keys: keys, index: make(map[string]*Key, len(keys))}
	for _, k := range keys {
		d.index[k.Name] = k
	}
	return d
}

func (d *def) key(name string) (*Key, bool) {
	k, ok := d.index[name]
	return k, ok
}

// parse is ConfigDef.parse: every defined key's value (or default),
// type-parsed and validated.
func (d *def) parse(props map[string]string) (map[string]any, error) {
	vals := make(map[string]any, len(d.keys))
	for _, k := range d.keys {
		v, err := k.parseValue(props)
		if err != nil {
			return nil, err
		}
		vals[k.Name] = v
	}
	return vals, nil
}

func (k *Key) parseValue(props map[string]string) (any, error) {
	v := k.Default
	if raw, ok := props[k.Name]; ok {
		var err error
		if v, err = parseType(k.Name, raw, k.Type); err != nil {
			return nil, err
		}
	}
	if k.Validate != nil {
		if err := k.Validate.check(k.Name, v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// configException is Kafka's ConfigException(name, value, message).
func configException(name string, value any, msg string) error {
	return newError(ErrConfig, fmt.Sprintf("Invalid value %s for configuration %s: %s", javaString(value), name, msg))
}

// javaString is String.valueOf(value) for the values parse produces.
func javaString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case float64:
		return javafmt.Double(x)
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	case Password:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

var commaWithWhitespace = regexp.MustCompile(`\s*,\s*`)

// parseType is ConfigDef.parseType for a string value.
func parseType(name, raw string, t Type) (any, error) {
	v := javaTrim(raw)
	notNumber := func() error { return configException(name, raw, "Not a number of type "+t.String()) }
	switch t {
	case TypeBoolean:
		switch strings.ToLower(v) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, configException(name, raw, "Expected value to be either true or false")
	case TypePassword:
		return Password(v), nil
	case TypeString, TypeClass:
		return v, nil
	case TypeInt:
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || !javaInteger(v) {
			return nil, notNumber()
		}
		return int32(n), nil
	case TypeShort:
		n, err := strconv.ParseInt(v, 10, 16)
		if err != nil || !javaInteger(v) {
			return nil, notNumber()
		}
		return int16(n), nil
	case TypeLong:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || !javaInteger(v) {
			return nil, notNumber()
		}
		return n, nil
	case TypeDouble:
		f, ok := javaParseDouble(v)
		if !ok {
			return nil, notNumber()
		}
		return f, nil
	case TypeList:
		if v == "" {
			return []string{}, nil
		}
		return commaWithWhitespace.Split(v, -1), nil
	}
	return nil, configException(name, raw, "Unknown type.")
}

// javaInteger reports whether s has Integer.parseInt's syntax (an optional
// sign, then ASCII digits); Go's ParseInt also takes underscores with base
// prefixes only, so this only guards the sign-only corner cases.
func javaInteger(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var javaDoubleSyntax = regexp.MustCompile(`^[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?)$`)

// javaParseDouble is Double.parseDouble for decimal input (hexadecimal
// floating literals are refused).
func javaParseDouble(s string) (float64, bool) {
	if !javaDoubleSyntax.MatchString(s) {
		return 0, false
	}
	s = strings.TrimRight(s, "fFdD")
	switch strings.TrimLeft(s, "+-") {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return 0, false
	}
	return f, true
}

// javaTrim is String.trim: it strips every char <= ' '.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// convertToString is ConfigDef.convertToString: how DescribeConfigs prints
// a parsed value (nil stays nil).
func convertToString(v any) *string {
	if v == nil {
		return nil
	}
	var s string
	switch x := v.(type) {
	case []string:
		s = strings.Join(x, ",")
	case Password:
		s = string(x)
	default:
		s = javaString(v)
	}
	return &s
}

// Validators.

type atLeast struct{ min float64 }

func (r atLeast) check(name string, v any) error {
	if v == nil {
		return configException(name, nil, "Value must be non-null")
	}
	if toFloat(v) < r.min {
		return configException(name, v, "Value must be at least "+javaNumber(r.min))
	}
	return nil
}

type between struct{ min, max float64 }

func (r between) check(name string, v any) error {
	if v == nil {
		return configException(name, nil, "Value must be non-null")
	}
	f := toFloat(v)
	if f < r.min {
		return configException(name, v, "Value must be at least "+javaNumber(r.min))
	}
	if f > r.max {
		return configException(name, v, "Value must be no more than "+javaNumber(r.max))
	}
	return nil
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int32:
		return float64(x)
	case int16:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// javaNumber prints a validator bound as the Integer/Long Kafka wrote it.
func javaNumber(f float64) string { return strconv.FormatInt(int64(f), 10) }

// validString is ValidString.in: case-sensitive.
type validString []string

func (s validString) check(name string, v any) error {
	str, _ := v.(string)
	for _, ok := range s {
		if str == ok && v != nil {
			return nil
		}
	}
	return configException(name, v, "String must be one of: "+strings.Join(s, ", "))
}

// validList is ValidList.in: every element one of the strings.
type validList []string

func (l validList) check(name string, v any) error {
	list, _ := v.([]string)
	for _, e := range list {
		if err := validString(l).check(name, e); err != nil {
			return err
		}
	}
	return nil
}

// apiVersionValidator is ApiVersionValidator: a Kafka 2.8 ApiVersion.
type apiVersionValidator struct{}

func (apiVersionValidator) check(name string, v any) error {
	s, _ := v.(string)
	if _, ok := apiVersion(s); !ok {
		return configException(name, s, "Version `"+s+"` is not a valid version")
	}
	return nil
}

// apiVersions maps every Kafka 2.8 ApiVersion string, and its short form
// ("2.8", "0.10.0"), to the version ApiVersion.apply picks (the last
// sub-version of that release: "2.8" is "2.8-IV1").
var apiVersions = func() map[string]string {
	m := map[string]string{}
	for _, v := range []string{"0.8.0", "0.8.1", "0.8.2", "0.9.0",
		"0.10.0-IV0", "0.10.0-IV1", "0.10.1-IV0", "0.10.1-IV1", "0.10.1-IV2", "0.10.2-IV0",
		"0.11.0-IV0", "0.11.0-IV1", "0.11.0-IV2", "1.0-IV0", "1.1-IV0", "2.0-IV0", "2.0-IV1",
		"2.1-IV0", "2.1-IV1", "2.1-IV2", "2.2-IV0", "2.2-IV1", "2.3-IV0", "2.3-IV1", "2.4-IV0",
		"2.4-IV1", "2.5-IV0", "2.6-IV0", "2.7-IV0", "2.7-IV1", "2.7-IV2", "2.8-IV0", "2.8-IV1"} {
		m[v] = v
		short, _, _ := strings.Cut(v, "-")
		m[short] = v
	}
	return m
}()

// apiVersion is ApiVersion.apply(s).version: the first three dot-separated
// segments of a 0.x version, the first two otherwise, looked up.
func apiVersion(s string) (string, bool) {
	n := 2
	if strings.HasPrefix(s, "0.") {
		n = 3
	}
	seg := strings.Split(s, ".")
	if len(seg) > n {
		seg = seg[:n]
	}
	v, ok := apiVersions[strings.Join(seg, ".")]
	return v, ok
}

// throttledReplicas is ThrottledReplicaListValidator.
type throttledReplicas struct{}

var replicaPair = regexp.MustCompile(`^([0-9]+:[0-9]+)?$`)

func (throttledReplicas) check(name string, v any) error {
	list, _ := v.([]string)
	all := true
	for _, e := range list {
		if !replicaPair.MatchString(javaTrim(e)) {
			all = false
			break
		}
	}
	if all || javaTrim(strings.Join(list, "")) == "*" {
		return nil
	}
	return configException(name, v, name+" must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...")
}
