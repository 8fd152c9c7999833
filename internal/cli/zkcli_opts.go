package cli

import (
	"regexp"
	"slices"
	"strings"
)

// zkOpt is one option of a zkCli command, as commons-cli's Option: a short
// name (which may be several letters: reconfig's -members), whether it takes
// a value, and the description help prints.
type zkOpt struct {
	name   string
	hasArg bool
	desc   string
}

// zkOptGroup is an OptionGroup: at most one of its options; required makes
// one mandatory (setquota).
type zkOptGroup struct {
	names    []string
	required bool
}

// zkParsed is a parsed command line: commons-cli's CommandLine.
type zkParsed struct {
	args   []string            // non-option arguments, the command name first
	values map[string][]string // option → values (nil slice for flags)
	order  []string
}

func (p *zkParsed) has(name string) bool { _, ok := p.values[name]; return ok }

// value is getOptionValue: the first value given for the option.
func (p *zkParsed) value(name string) string {
	if v := p.values[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// zkParseError is a commons-cli ParseException; zkCli prints its toString.
type zkParseError struct{ class, msg string }

func (e *zkParseError) Error() string { return "org.apache.commons.cli." + e.class + ": " + e.msg }

// zkParse parses args as commons-cli 1.5's DefaultParser does (options may
// come anywhere, "--" ends them, "-sw" is -s -w, "-v5" is -v 5, a negative
// number is a value), with the same exceptions.
func zkParse(opts []zkOpt, group *zkOptGroup, args []string) (*zkParsed, error) {
	find := func(name string) *zkOpt {
		for i := range opts {
			if opts[i].name == name {
				return &opts[i]
			}
		}
		return nil
	}
	inGroup := func(name string) bool { return group != nil && slices.Contains(group.names, name) }
	p := &zkParsed{values: map[string][]string{}}
	var cur *zkOpt // option waiting for its value
	selected := ""
	skip := false

	handle := func(o *zkOpt) error {
		if cur != nil {
			return &zkParseError{"MissingArgumentException", "Missing argument for option: " + cur.name}
		}
		if inGroup(o.name) {
			if selected != "" && selected != o.name {
				return &zkParseError{"AlreadySelectedException", "The option '" + o.name +
					"' was specified but an option from this group has already been selected: '" + selected + "'"}
			}
			selected = o.name
		}
		if _, ok := p.values[o.name]; !ok {
			p.values[o.name] = nil
			p.order = append(p.order, o.name)
		}
		if o.hasArg {
			cur = o
		}
		return nil
	}
	addValue := func(v string) {
		p.values[cur.name] = append(p.values[cur.name], v)
		cur = nil
	}
	unknown := func(tok string) error {
		if strings.HasPrefix(tok, "-") && len(tok) > 1 {
			return &zkParseError{"UnrecognizedOptionException", "Unrecognized option: " + tok}
		}
		p.args = append(p.args, tok)
		return nil
	}
	isShort := func(tok string) bool {
		if !strings.HasPrefix(tok, "-") || len(tok) == 1 {
			return false
		}
		name := tok[1:]
		if i := strings.IndexByte(tok, '='); i >= 0 {
			name = tok[1:i]
		}
		return find(name) != nil || (name != "" && find(name[:1]) != nil)
	}
	isArgument := func(tok string) bool { return !isShort(tok) || zkIsNumber(tok) }

	for _, tok := range args {
		var err error
		switch {
		case skip:
			p.args = append(p.args, tok)
		case tok == "--":
			skip = true
		case cur != nil && isArgument(tok):
			addValue(tok)
		case strings.HasPrefix(tok, "--"):
			err = unknown(tok) // no command has long options
		case strings.HasPrefix(tok, "-") && tok != "-":
			err = zkShortOption(tok, find, handle, addValue, func() *zkOpt { return cur }, unknown)
		default:
			err = unknown(tok)
		}
		if err != nil {
			return nil, err
		}
	}
	if cur != nil {
		return nil, &zkParseError{"MissingArgumentException", "Missing argument for option: " + cur.name}
	}
	if group != nil && group.required && selected == "" {
		parts := make([]string, len(group.names))
		for i, n := range group.names {
			parts[i] = "-" + n + " " + find(n).desc
		}
		return nil, &zkParseError{"MissingOptionException", "Missing required option: [" + strings.Join(parts, ", ") + "]"}
	}
	return p, nil
}

// zkShortOption is DefaultParser.handleShortAndLongOption for a command
// without long options.
func zkShortOption(tok string, find func(string) *zkOpt, handle func(*zkOpt) error, addValue func(string),
	cur func() *zkOpt, unknown func(string) error) error {
	t := tok[1:]
	eq := strings.IndexByte(t, '=')
	switch {
	case len(t) == 1:
		if o := find(t); o != nil {
			return handle(o)
		}
		return unknown(tok)
	case eq == -1:
		if o := find(t); o != nil {
			return handle(o)
		}
		// -S1S2S3 or -SV: concatenated flags, or a flag with its value.
		for i := 1; i < len(tok); i++ {
			o := find(tok[i : i+1])
			if o == nil {
				return unknown(tok)
			}
			if err := handle(o); err != nil {
				return err
			}
			if cur() != nil && len(tok) != i+1 {
				addValue(tok[i+1:])
				break
			}
		}
		return nil
	default:
		name, val := t[:eq], t[eq+1:]
		if len(name) == 1 {
			if o := find(name); o != nil && o.hasArg {
				if err := handle(o); err != nil {
					return err
				}
				addValue(val)
				return nil
			}
		}
		return unknown(tok)
	}
}

// zkIsNumber is DefaultParser.isNegativeNumber: Double.parseDouble
// accepts the token (hexadecimal floats aside).
var zkNumber = regexp.MustCompile(`^\s*[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?\s*$`)

func zkIsNumber(s string) bool { return zkNumber.MatchString(s) }

// zkHelpOptions renders options as commons-cli's HelpFormatter.printOptions
// (width 74, left pad 1, description pad 3), sorted by name ignoring case.
func zkHelpOptions(opts []zkOpt) string {
	sorted := slices.Clone(opts)
	slices.SortStableFunc(sorted, func(a, b zkOpt) int { return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)) })
	heads := make([]string, len(sorted))
	width := 0
	for i, o := range sorted {
		heads[i] = " -" + o.name
		if o.hasArg {
			heads[i] += " <arg>"
		}
		width = max(width, len(heads[i]))
	}
	var b strings.Builder
	for i, o := range sorted {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(heads[i] + strings.Repeat(" ", width-len(heads[i])+3) + o.desc)
	}
	return b.String()
}
