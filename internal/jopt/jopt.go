package jopt

import (
	"strings"
)

// ArgMode says whether an option takes an argument.
type ArgMode int

const (
	NoArg       ArgMode = iota // accepts()
	RequiredArg                // withRequiredArg()
	OptionalArg                // withOptionalArg()
)

// Argument types, as the help table names them (ofType(...)).
const (
	TypeString  = "String"
	TypeInteger = "Integer"
	TypeLong    = "Long"
)

// The exception classes an *Error can carry.
const (
	ClassUnrecognized    = "joptsimple.UnrecognizedOptionException"
	ClassMissingArgument = "joptsimple.OptionMissingRequiredArgumentException"
	ClassMissingRequired = "joptsimple.MissingRequiredOptionsException"
	ClassConversion      = "joptsimple.OptionArgumentConversionException"
	ClassMultipleValues  = "joptsimple.MultipleArgumentsForOptionException"
)

// Error is a joptsimple.OptionException: Class is its fully qualified
// class name, Message what getMessage() returns.
type Error struct {
	Class   string
	Message string
}

func (e *Error) Error() string { return e.Class + ": " + e.Message }

// Spec is one option: parser.accepts(Name, Desc) and the builder calls
// that follow it.
type Spec struct {
	Name     string
	Desc     string
	Arg      ArgMode
	Type     string   // TypeString when empty and an argument is taken
	ArgDesc  string   // describedAs(...)
	Defaults []string // defaultsTo(...)
	// ForHelp is forHelp(): when the option is present the required
	// options are not checked.
	ForHelp bool
	// RequiredUnless is requiredUnless(...): the option is required when
	// none of these options is present.
	RequiredUnless []string
}

// String is OptionSpec.toString(), the form checkRequiredArgs prints:
// "[name]".
func (s *Spec) String() string { return "[" + s.Name + "]" }

// Parser is an OptionParser.
type Parser struct {
	specs  []*Spec
	byName map[string]*Spec
}

// NewParser returns an empty parser.
func NewParser() *Parser { return &Parser{byName: map[string]*Spec{}} }

// Accepts adds s and returns it, so the caller can keep it to read values.
func (p *Parser) Accepts(s *Spec) *Spec {
	if s.Type == "" && s.Arg != NoArg {
		s.Type = TypeString
	}
	p.specs = append(p.specs, s)
	p.byName[s.Name] = s
	return s
}

// OptionSet is what Parse detected: each present option with its
// arguments, in order, and the non-option arguments.
type OptionSet struct {
	values  map[*Spec][]string
	nonOpts []string
}

// Has is OptionSet.has.
func (o *OptionSet) Has(s *Spec) bool { _, ok := o.values[s]; return ok }

// NonOptions are the arguments that are not options or their arguments.
func (o *OptionSet) NonOptions() []string { return o.nonOpts }

// ValueOf is OptionSet.valueOf for a String option: the single argument,
// or the first default when none was given (ok false when there is
// neither); two or more arguments are an error.
func (o *OptionSet) ValueOf(s *Spec) (v string, ok bool, err error) {
	vals := o.values[s]
	switch len(vals) {
	case 0:
		if len(s.Defaults) > 0 {
			return s.Defaults[0], true, nil
		}
		return "", false, nil
	case 1:
		return vals[0], true, nil
	}
	return "", false, &Error{ClassMultipleValues, "Found multiple arguments for option " + s.Name + ", but you asked for only one"}
}

// ValuesOf is OptionSet.valuesOf for a String option: every argument
// given, in order, or the defaults when there is none.
func (o *OptionSet) ValuesOf(s *Spec) []string {
	if vals := o.values[s]; len(vals) > 0 {
		return append([]string(nil), vals...)
	}
	return append([]string(nil), s.Defaults...)
}

// IntValueOf is ValueOf converted as jopt's Integer converter does
// (Integer.valueOf). An absent option without a default reads as 0.
func (o *OptionSet) IntValueOf(s *Spec) (int32, error) {
	v, ok, err := o.ValueOf(s)
	if err != nil || !ok {
		return 0, err
	}
	n, good := ParseInt(v)
	if !good {
		return 0, conversionError(s, v)
	}
	return n, nil
}

// LongValueOf is ValueOf converted as jopt's Long converter does
// (Long.valueOf). An absent option without a default reads as 0.
func (o *OptionSet) LongValueOf(s *Spec) (int64, error) {
	v, ok, err := o.ValueOf(s)
	if err != nil || !ok {
		return 0, err
	}
	n, good := ParseLong(v)
	if !good {
		return 0, conversionError(s, v)
	}
	return n, nil
}

func conversionError(s *Spec, v string) *Error {
	return &Error{ClassConversion, "Cannot parse argument '" + v + "' of option " + s.Name}
}

func (o *OptionSet) add(s *Spec, arg *string) {
	if o.values[s] == nil {
		o.values[s] = []string{}
	}
	if arg != nil {
		o.values[s] = append(o.values[s], *arg)
	}
}

func isLongToken(a string) bool  { return strings.HasPrefix(a, "--") && a != "--" }
func isShortToken(a string) bool { return strings.HasPrefix(a, "-") && a != "-" && !isLongToken(a) }

// Parse is OptionParser.parse: the options detected, or the exception the
// parser throws. Required options are checked after the whole command line
// is read, unless a ForHelp option is present.
func (p *Parser) Parse(args []string) (*OptionSet, error) {
	set := &OptionSet{values: map[*Spec][]string{}}
	more := true
	for i := 0; i < len(args); {
		a := args[i]
		i++
		if !more {
			set.nonOpts = append(set.nonOpts, a)
			continue
		}
		var key string
		var val *string
		switch {
		case a == "--":
			more = false
			continue
		case isLongToken(a):
			key, val = splitKeyValue(a[2:])
			if p.byName[key] == nil {
				return nil, &Error{ClassUnrecognized, key + " is not a recognized option"}
			}
		case isShortToken(a):
			key, val = splitKeyValue(a[1:])
			if p.byName[key] == nil {
				// a cluster of one-letter options: none is defined, so the
				// first letter is the unrecognized one
				return nil, &Error{ClassUnrecognized, string([]rune(a[1:])[0]) + " is not a recognized option"}
			}
		default:
			set.nonOpts = append(set.nonOpts, a)
			continue
		}
		s := p.byName[key]
		switch {
		case s.Arg == NoArg:
			set.add(s, nil)
		case val != nil:
			set.add(s, val)
		case s.Arg == RequiredArg:
			if i >= len(args) {
				return nil, &Error{ClassMissingArgument, "Option " + s.Name + " requires an argument"}
			}
			next := args[i]
			i++
			set.add(s, &next)
		default:
			// An optional argument is taken unless it looks like an option;
			// a number type also takes "-5", which looks like one.
			if i < len(args) && p.canConvert(s, args[i]) &&
				(!isLongToken(args[i]) && !isShortToken(args[i]) || s.isNumber()) {
				next := args[i]
				i++
				set.add(s, &next)
			} else {
				set.add(s, nil)
			}
		}
	}
	if err := p.checkRequired(set); err != nil {
		return nil, err
	}
	return set, nil
}

func (s *Spec) isNumber() bool { return s.Type == TypeInteger || s.Type == TypeLong }

// checkRequired is ensureRequiredOptions for requiredUnless options (the
// only kind of required option Kafka's tools declare to the parser).
func (p *Parser) checkRequired(set *OptionSet) error {
	var missing []string
	for _, s := range p.specs {
		if s.ForHelp && set.Has(s) {
			return nil
		}
	}
	for _, s := range p.specs {
		if len(s.RequiredUnless) == 0 || set.Has(s) {
			continue
		}
		present := false
		for _, other := range s.RequiredUnless {
			if o := p.byName[other]; o != nil && set.Has(o) {
				present = true
			}
		}
		if !present {
			missing = append(missing, s.Name)
		}
	}
	if len(missing) > 0 {
		return &Error{ClassMissingRequired, "Missing required option(s) [" + strings.Join(missing, ", ") + "]"}
	}
	return nil
}

func (p *Parser) canConvert(s *Spec, v string) bool {
	switch s.Type {
	case TypeInteger:
		_, ok := ParseInt(v)
		return ok
	case TypeLong:
		_, ok := ParseLong(v)
		return ok
	}
	return true
}

func splitKeyValue(s string) (string, *string) {
	i := strings.IndexByte(s, '=')
	if i < 0 {
		return s, nil
	}
	v := s[i+1:]
	return s[:i], &v
}
