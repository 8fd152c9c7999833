package dumplog

import (
	"sort"
	"strings"
)

// A small model of jopt-simple 5.0.4, the option parser of every Kafka
// tool: long options only (no abbreviations, as Kafka's CommandDefaultOptions
// asks), `--opt value` and `--opt=value`, `--` ending the options, and the
// BuiltinHelpFormatter's two-column help table.

type argMode int

const (
	argNone     argMode = iota // accepts()
	argRequired                // withRequiredArg()
	argOptional                // withOptionalArg()
)

type optSpec struct {
	name     string
	desc     string
	mode     argMode
	typ      string // type indicator: "String" or "Integer"
	argDesc  string // describedAs(...)
	defaults []string
}

type optParser struct {
	specs  []*optSpec
	byName map[string]*optSpec
}

func newOptParser() *optParser { return &optParser{byName: map[string]*optSpec{}} }

func (p *optParser) accepts(s *optSpec) *optSpec {
	if s.typ == "" && s.mode != argNone {
		s.typ = "String"
	}
	p.specs = append(p.specs, s)
	p.byName[s.name] = s
	return s
}

// optionSet is what parse detected: each present option with its
// arguments, in order.
type optionSet struct {
	values   map[*optSpec][]string
	nonOpts  []string
	detected []*optSpec
}

func (o *optionSet) has(s *optSpec) bool { _, ok := o.values[s]; return ok }

// valueOf is OptionSet.valueOf: the single argument, or the default when
// none was given; two or more arguments are an error.
func (o *optionSet) valueOf(s *optSpec) (string, bool, *JavaException) {
	vals := o.values[s]
	switch len(vals) {
	case 0:
		if len(s.defaults) > 0 {
			return s.defaults[0], true, nil
		}
		return "", false, nil
	case 1:
		return vals[0], true, nil
	}
	return "", false, jex(exJoptMultipleValue, "Found multiple arguments for option %s, but you asked for only one", s.name)
}

// intValueOf converts the value as jopt's Integer converter does.
func (o *optionSet) intValueOf(s *optSpec) (int32, *JavaException) {
	v, _, err := o.valueOf(s)
	if err != nil {
		return 0, err
	}
	n, ok := parseJavaInt(v)
	if !ok {
		return 0, jex(exJoptConversion, "Cannot parse argument '%s' of option %s", v, s.name)
	}
	return n, nil
}

func (o *optionSet) add(s *optSpec, arg *string) {
	if o.values[s] == nil {
		o.values[s] = []string{}
	}
	if arg != nil {
		o.values[s] = append(o.values[s], *arg)
	}
	o.detected = append(o.detected, s)
}

func isLongToken(a string) bool  { return strings.HasPrefix(a, "--") && a != "--" }
func isShortToken(a string) bool { return strings.HasPrefix(a, "-") && a != "-" && !isLongToken(a) }

// parse is OptionParser.parse. Errors are the jopt exceptions the tool
// would die with.
func (p *optParser) parse(args []string) (*optionSet, *JavaException) {
	set := &optionSet{values: map[*optSpec][]string{}}
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
				return nil, jex(exJoptUnrecognized, "%s is not a recognized option", key)
			}
		case isShortToken(a):
			key, val = splitKeyValue(a[1:])
			if p.byName[key] == nil {
				// a cluster of one-letter options: none is defined, so the
				// first letter is the unrecognized one
				return nil, jex(exJoptUnrecognized, "%s is not a recognized option", string([]rune(a[1:])[0]))
			}
		default:
			set.nonOpts = append(set.nonOpts, a)
			continue
		}
		s := p.byName[key]
		switch {
		case s.mode == argNone:
			set.add(s, nil)
		case val != nil:
			set.add(s, val)
		case s.mode == argRequired:
			if i >= len(args) {
				return nil, jex(exJoptMissingArg, "Option %s requires an argument", s.name)
			}
			next := args[i]
			i++
			set.add(s, &next)
		default: // optional argument: taken unless it looks like an option
			if i < len(args) && !isLongToken(args[i]) && !isShortToken(args[i]) && p.canConvert(s, args[i]) {
				next := args[i]
				i++
				set.add(s, &next)
			} else {
				set.add(s, nil)
			}
		}
	}
	return set, nil
}

func (p *optParser) canConvert(s *optSpec, v string) bool {
	if s.typ == "Integer" {
		_, ok := parseJavaInt(v)
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

// help is BuiltinHelpFormatter.format over the parser's options: sorted by
// name, an "Option"/"Description" table 80 columns wide, descriptions
// wrapped at java.text.BreakIterator line boundaries.
func (p *optParser) help() string {
	specs := append([]*optSpec(nil), p.specs...)
	sort.Slice(specs, func(i, j int) bool { return specs[i].name < specs[j].name })
	rows := &helpRows{overall: 80, sep: 2}
	rows.add("Option", "Description")
	rows.add("------", "-----------")
	for _, s := range specs {
		rows.add(optionDisplay(s), descriptionDisplay(s))
	}
	rows.fitToWidth()
	return rows.render()
}

func optionDisplay(s *optSpec) string {
	d := "--" + s.name
	if s.mode == argNone {
		return d
	}
	open, close := " <", ">"
	if s.mode == argOptional {
		open, close = " [", "]"
	}
	d += open + s.typ
	if s.argDesc != "" {
		d += ": " + s.argDesc
	}
	return d + close
}

func descriptionDisplay(s *optSpec) string {
	if len(s.defaults) == 0 {
		return s.desc
	}
	def := s.defaults[0]
	if len(s.defaults) > 1 {
		def = "[" + strings.Join(s.defaults, ", ") + "]"
	}
	return strings.TrimSpace(s.desc + " (default: " + def + ")")
}

type helpRow struct{ option, desc string }

// helpRows is jopt's internal Rows: widths are those of the widest cell,
// capped so that the option column takes at most half the line.
type helpRows struct {
	overall, sep          int
	rows                  []helpRow
	widestOpt, widestDesc int
}

func (r *helpRows) add(option, desc string) {
	r.rows = append(r.rows, helpRow{option, desc})
	r.widestOpt = max(r.widestOpt, javaLen(option))
	r.widestDesc = max(r.widestDesc, javaLen(desc))
}

func (r *helpRows) optionWidth() int { return min((r.overall-r.sep)/2, r.widestOpt) }
func (r *helpRows) descWidth() int {
	return min(r.overall-r.optionWidth()-r.sep, r.widestDesc)
}

func (r *helpRows) fitToWidth() {
	ow, dw := r.optionWidth(), r.descWidth()
	var fitted []helpRow
	for _, row := range r.rows {
		opts := pieces(row.option, ow)
		descs := pieces(row.desc, dw)
		for i := 0; i < max(len(opts), len(descs)); i++ {
			fitted = append(fitted, helpRow{itemOrEmpty(opts, i), itemOrEmpty(descs, i)})
		}
	}
	r.rows, r.widestOpt, r.widestDesc = nil, 0, 0
	for _, row := range fitted {
		r.add(row.option, row.desc)
	}
}

func (r *helpRows) render() string {
	var b strings.Builder
	ow, dw := r.optionWidth(), r.descWidth()
	for _, row := range r.rows {
		b.WriteString(row.option)
		b.WriteString(strings.Repeat(" ", max(0, ow-javaLen(row.option))+r.sep))
		b.WriteString(row.desc)
		b.WriteString(strings.Repeat(" ", max(0, dw-javaLen(row.desc))))
		b.WriteString("\n")
	}
	return b.String()
}

func itemOrEmpty(items []string, i int) string {
	if i < len(items) {
		return items[i]
	}
	return ""
}

// javaLen is String.length(): UTF-16 code units.
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// pieces is jopt's Columns.piecesOf: each line of the trimmed text broken
// into pieces no wider than width (a single longer word overflows), every
// piece after the first indented by two spaces.
func pieces(raw string, width int) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(raw), "\n") {
		var next strings.Builder
		for _, word := range lineBreakWords(line) {
			if javaLen(next.String())+javaLen(word) > width {
				out = append(out, strings.TrimRight(next.String(), " \t\n\r\f\v"))
				next.Reset()
				next.WriteString("  ")
			}
			next.WriteString(word)
		}
		if next.Len() > 0 {
			out = append(out, next.String())
		}
	}
	return out
}

// lineBreakWords splits a line at the break opportunities of the JDK's
// line BreakIterator (its rule-based engine, not UAX #14), for the
// characters Kafka's help texts use: a word is optional opening
// punctuation, a run of word characters (or a number with inner '.' or
// ','), optional closing punctuation ('.', ',', ':', ';', '!', '?', '%',
// ')', ']', '}', quotes), and then its trailing spaces or trailing dashes.
// So "kafka.serializer" breaks after "kafka.", "print-data-log" after each
// '-', "server(s)" before '(', and "kafka/libs" not at all.
func lineBreakWords(line string) []string {
	rs := []rune(line)
	var words []string
	for i := 0; i < len(rs); {
		start := i
		for i < len(rs) && isPreWord(rs[i]) {
			i++
		}
		if j := numberEnd(rs, i); j > i {
			i = j
		} else {
			for i < len(rs) && isWordChar(rs[i]) {
				i++
			}
		}
		for i < len(rs) && isPostWord(rs[i]) {
			i++
		}
		switch {
		case i < len(rs) && rs[i] == ' ':
			for i < len(rs) && rs[i] == ' ' {
				i++
			}
		case i < len(rs) && rs[i] == '-':
			for i < len(rs) && rs[i] == '-' {
				i++
			}
		}
		if i == start { // a character no rule claims: a word of its own
			i++
		}
		words = append(words, string(rs[start:i]))
	}
	return words
}

func isPreWord(r rune) bool  { return strings.ContainsRune("([{$\"'", r) }
func isPostWord(r rune) bool { return strings.ContainsRune(")]}!%.,:;?\"'", r) }
func isDigit(r rune) bool    { return r >= '0' && r <= '9' }

func isWordChar(r rune) bool {
	return r != ' ' && r != '-' && r != '\t' && !isPreWord(r) && !isPostWord(r)
}

// numberEnd returns where a number starting at i ends (digits with single
// '.' or ',' between digits), or i when there is none. Letters following
// the digits continue the word.
func numberEnd(rs []rune, i int) int {
	j := i
	for j < len(rs) && isDigit(rs[j]) {
		j++
	}
	if j == i {
		return i
	}
	for j+1 < len(rs) && (rs[j] == '.' || rs[j] == ',') && isDigit(rs[j+1]) {
		j++
		for j < len(rs) && isDigit(rs[j]) {
			j++
		}
	}
	for j < len(rs) && isWordChar(rs[j]) {
		j++
	}
	return j
}
