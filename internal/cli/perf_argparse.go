package cli

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/javafmt"
	"github.com/wharf-project/wharf/internal/jopt"
)

// A model of argparse4j 0.7.0, the parser ProducerPerformance uses (it is
// the one Kafka tool that does not use jopt-simple): options only, unique
// prefixes of long flags accepted, `--opt=value`, store / storeTrue / help
// actions, nargs("+"), mutually exclusive groups, the deferred "is
// required" checks, the usage and help layout with argparse4j's justified
// wrapping at 75 columns (its width when no terminal width is found), and
// handleError's texts with its "Did you mean" suggestions.

type apAction int

const (
	apStore     apAction = iota // one argument
	apStoreList                 // nargs("+")
	apStoreTrue                 // no argument
	apHelp                      // -h/--help
)

// apType is the argument's Java type, for conversion and its messages.
type apType string

const (
	apString  apType = "String"
	apLong    apType = "Long"
	apInteger apType = "Integer"
	apDouble  apType = "Double"
)

type apArg struct {
	flags    []string
	dest     string
	metavar  string
	help     string
	action   apAction
	typ      apType
	required bool
	def      string // default shown by defaultHelp; "" none
	group    *apGroup
}

func (a *apArg) consumes() bool { return a.action == apStore || a.action == apStoreList }

// textualName is ArgumentImpl.textualName: the flags joined by "/".
func (a *apArg) textualName() string { return strings.Join(a.flags, "/") }

func (a *apArg) metavarText() string {
	switch a.action {
	case apStore:
		return a.metavar
	case apStoreList:
		return a.metavar + " [" + a.metavar + " ...]"
	}
	return ""
}

// shortSyntax is formatShortSyntax (bracketed unless required) or, with
// bare, formatShortSyntaxNoBracket.
func (a *apArg) shortSyntax(bare bool) string {
	s := a.flags[0]
	if mv := a.metavarText(); mv != "" {
		s += " " + mv
	}
	if bare || a.required {
		return s
	}
	return "[" + s + "]"
}

type apGroup struct {
	description string
	required    bool
	args        []*apArg
}

type apParser struct {
	prog, description string
	args              []*apArg // in the order added, -h first
	groups            []*apGroup
	index             map[string]*apArg
}

func newAPParser(prog, description string) *apParser {
	p := &apParser{prog: prog, description: description, index: map[string]*apArg{}}
	p.add(&apArg{flags: []string{"-h", "--help"}, action: apHelp, help: "show this help message and exit"})
	return p
}

func (p *apParser) add(a *apArg) *apArg {
	p.args = append(p.args, a)
	for _, f := range a.flags {
		p.index[f] = a
	}
	if a.group != nil {
		a.group.args = append(a.group.args, a)
	}
	return a
}

func (p *apParser) mutex(description string, required bool) *apGroup {
	g := &apGroup{description: description, required: required}
	p.groups = append(p.groups, g)
	return g
}

// apError is an ArgumentParserException; unrecognized marks an
// UnrecognizedArgumentException, whose handling suggests flags.
type apError struct {
	msg          string
	unrecognized string
}

func (e *apError) Error() string { return e.msg }

func apErrorf(a *apArg, format string, args ...any) *apError {
	msg := fmt.Sprintf(format, args...)
	if a != nil {
		msg = "argument " + a.textualName() + ": " + msg
	}
	return &apError{msg: msg}
}

// errHelpScreen is argparse4j's HelpScreenException: -h ran and printed
// the help.
var errHelpScreen = &apError{msg: "Help Screen"}

// apResult is the Namespace: converted values by dest (string, int64,
// int32, float64, bool or []string).
type apResult map[string]any

var negNumber = regexp.MustCompile(`^-\d+$`)

type apState struct {
	args      []string
	i         int
	separated bool // "--" consumed
}

// isFlag is flagFound: "--" (until consumed) and anything starting with
// '-' that is not just "-" nor a negative integer.
func (s *apState) isFlag(term string) bool {
	if s.separated {
		return false
	}
	if term == "--" {
		return true
	}
	return strings.HasPrefix(term, "-") && term != "-" && !negNumber.MatchString(term)
}

// parse is parseArgs. help is called when -h is met (printHelp to stdout);
// parsing then ends with errHelpScreen.
func (p *apParser) parse(args []string, help func()) (apResult, error) {
	res := apResult{}
	for _, a := range p.args {
		switch {
		case a.action == apStoreTrue:
			res[a.dest] = false
		case a.def != "" && a.typ == apLong:
			n, _ := strconv.ParseInt(a.def, 10, 64)
			res[a.dest] = n
		case a.def != "":
			res[a.dest] = a.def
		}
	}
	used := map[*apArg]bool{}
	groupUsed := map[*apGroup]*apArg{}
	checkMutex := func(a *apArg) error {
		if a.group == nil {
			return nil
		}
		if prev := groupUsed[a.group]; prev == nil {
			groupUsed[a.group] = a
		} else if prev != a {
			return apErrorf(a, "not allowed with argument %s", prev.textualName())
		}
		return nil
	}
	s := &apState{args: args}
	for s.i < len(args) {
		term := args[s.i]
		switch {
		case s.isFlag(term) && term != "--":
			flag, embedded, hasEmbedded := strings.Cut(term, "=")
			a, err := p.resolve(flag)
			if err != nil {
				return nil, err
			}
			if a == nil {
				hasEmbedded = false
				found := false
				if len(term) > 1 && term[0] == '-' && term[1] != '-' { // concatenated short flags
					found = true
					for k := 1; k < len(term); k++ {
						short := "-" + string(term[k])
						sa := p.index[short]
						if sa == nil {
							found = false
							break
						}
						if sa.consumes() {
							a, flag = sa, short
							if len(term) > k+1 {
								embedded, hasEmbedded = term[k+1:], true
							}
							break
						}
						if err := checkMutex(sa); err != nil {
							return nil, err
						}
						if err := p.run(sa, res, nil, help); err != nil {
							return nil, err
						}
						used[sa] = true
					}
				}
				if !found {
					return nil, &apError{msg: "unrecognized arguments: '" + term + "'", unrecognized: term}
				}
			}
			s.i++
			if a != nil {
				if err := checkMutex(a); err != nil {
					return nil, err
				}
				var emb *string
				if hasEmbedded {
					emb = &embedded
				}
				if err := p.process(a, s, emb, res, help); err != nil {
					return nil, err
				}
				used[a] = true
			}
		case term == "--" && !s.separated:
			s.separated = true
			s.i++
		default:
			return nil, &apError{msg: "unrecognized arguments: '" + strings.Join(args[s.i:], " ") + "'"}
		}
	}
	// The required checks are deferred; the last missing option wins.
	var deferred error
	for _, a := range p.args {
		if a.required && !used[a] {
			deferred = &apError{msg: "argument " + a.textualName() + " is required"}
		}
	}
	if deferred != nil {
		return nil, deferred
	}
	for _, g := range p.groups {
		if g.required && groupUsed[g] == nil {
			var names strings.Builder
			for _, a := range g.args {
				names.WriteString(a.textualName() + " ")
			}
			return nil, &apError{msg: "one of the arguments " + names.String() + "is required"}
		}
	}
	return res, nil
}

// resolve is resolveNextFlag: an exact flag, or the one flag it is a
// prefix of; nil when none matches.
func (p *apParser) resolve(flag string) (*apArg, error) {
	if a := p.index[flag]; a != nil {
		return a, nil
	}
	var cand []string
	for f := range p.index {
		if strings.HasPrefix(f, flag) {
			cand = append(cand, f)
		}
	}
	switch {
	case len(cand) == 0:
		return nil, nil
	case p.concatenatedShort(flag):
		cand = append(cand, flag[:2])
	case len(cand) == 1:
		return p.index[cand[0]], nil
	}
	slices.Sort(cand)
	return nil, &apError{msg: fmt.Sprintf("ambiguous option: %s could match %s", flag, strings.Join(cand, ", "))}
}

func (p *apParser) concatenatedShort(term string) bool {
	if len(term) < 2 || term[0] != '-' || term[1] == '-' {
		return false
	}
	for k := 1; k < len(term); k++ {
		a := p.index["-"+string(term[k])]
		if a == nil {
			return false
		}
		if a.consumes() {
			return true
		}
	}
	return true
}

// process is processArg: takes the option's arguments and stores them.
func (p *apParser) process(a *apArg, s *apState, embedded *string, res apResult, help func()) error {
	if !a.consumes() {
		if embedded != nil {
			return apErrorf(a, "ignore implicit argument '%s'", *embedded)
		}
		return p.run(a, res, nil, help)
	}
	if a.action == apStore {
		var val *string
		if embedded != nil {
			val = embedded
		} else if s.i < len(s.args) && !s.isFlag(s.args[s.i]) {
			val = &s.args[s.i]
			s.i++
		}
		if val == nil {
			return apErrorf(a, "expected one argument")
		}
		return p.run(a, res, []string{*val}, help)
	}
	var vals []string
	if embedded != nil {
		vals = []string{*embedded}
	} else {
		for ; s.i < len(s.args) && !s.isFlag(s.args[s.i]); s.i++ {
			vals = append(vals, s.args[s.i])
		}
	}
	if len(vals) < 1 {
		return apErrorf(a, "expected 1 argument(s)")
	}
	return p.run(a, res, vals, help)
}

// run converts the values and performs the argument's action.
func (p *apParser) run(a *apArg, res apResult, vals []string, help func()) error {
	switch a.action {
	case apHelp:
		help()
		return errHelpScreen
	case apStoreTrue:
		res[a.dest] = true
	case apStoreList:
		res[a.dest] = vals // the type is String
	default:
		v, err := convertAP(a, vals[0])
		if err != nil {
			return err
		}
		res[a.dest] = v
	}
	return nil
}

// convertAP is ReflectArgumentType.convert: the type's valueOf(String).
func convertAP(a *apArg, v string) (any, error) {
	fail := func(cause string) error {
		return apErrorf(a, "could not convert '%s' to %s (%s)", v, a.typ, cause)
	}
	switch a.typ {
	case apLong:
		if n, ok := jopt.ParseLong(v); ok {
			return n, nil
		}
		return nil, fail(`For input string: "` + v + `"`)
	case apInteger:
		if n, ok := jopt.ParseInt(v); ok {
			return n, nil
		}
		return nil, fail(`For input string: "` + v + `"`)
	case apDouble:
		f, err := javaParseDouble(v)
		if err != nil {
			return nil, fail(err.Error())
		}
		return f, nil
	}
	return v, nil
}

var javaDouble = regexp.MustCompile(`^[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|0[xX]([0-9a-fA-F]+\.?|[0-9a-fA-F]*\.[0-9a-fA-F]+)[pP][+-]?\d+)[fFdD]?)$`)

// javaParseDouble is Double.valueOf: surrounding characters up to ' '
// trimmed, Java's decimal and hexadecimal forms, NaN and Infinity, an
// optional f/d suffix. The error is the NumberFormatException's message.
func javaParseDouble(s string) (float64, error) {
	t := strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if t == "" {
		return 0, fmt.Errorf("empty String")
	}
	if !javaDouble.MatchString(t) {
		return 0, fmt.Errorf("For input string: \"%s\"", s)
	}
	neg := strings.HasPrefix(t, "-")
	body := strings.TrimLeft(t, "+-")
	switch body {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		if neg {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	}
	body = strings.TrimRight(body, "fFdD")
	if !strings.HasPrefix(body, "0x") && !strings.HasPrefix(body, "0X") {
		body = strings.TrimRight(body, "fFdD")
	}
	f, err := strconv.ParseFloat(body, 64)
	if err != nil && !strings.Contains(err.Error(), "value out of range") {
		return 0, fmt.Errorf("For input string: \"%s\"", s)
	}
	if neg {
		f = -f
	}
	return f, nil
}

// Output.

const apWidth = 75 // ArgumentParsers.DEFAULT_FORMAT_WIDTH

// usage is formatUsage.
func (p *apParser) usage() string {
	var opts []string
	for _, a := range p.args {
		if a.group == nil {
			opts = append(opts, a.shortSyntax(false))
		}
	}
	for _, g := range p.groups {
		open, close := "[", "]"
		if g.required {
			open, close = "(", ")"
		}
		for k, a := range g.args {
			s := a.shortSyntax(true)
			if k == 0 {
				s = open + s
			}
			if k == len(g.args)-1 {
				s += close
			}
			if k > 0 {
				opts = append(opts, "|")
			}
			opts = append(opts, s)
		}
	}
	var b strings.Builder
	prog := "usage: " + p.prog
	b.WriteString(prog)
	offset, first, next := len(prog), "", strings.Repeat(" ", len(prog))
	if len(prog) > 30 {
		b.WriteString("\n")
		offset, first, next = 6, "      ", "      "
	}
	width := offset + len(first)
	b.WriteString(first)
	for k, o := range opts {
		if k > 0 && width+len(o)+1 > apWidth {
			b.WriteString("\n" + next + " " + o)
			width = len(next) + 1 + len(o)
		} else {
			b.WriteString(" " + o)
			width += 1 + len(o)
		}
	}
	b.WriteString("\n")
	return b.String()
}

// help is formatHelp (defaultHelp on).
func (p *apParser) help() string {
	var b strings.Builder
	b.WriteString(p.usage())
	if p.description != "" {
		b.WriteString("\n" + apWrap(p.description, apWidth, 0, "") + "\n")
	}
	b.WriteString("\noptional arguments:\n")
	for _, a := range p.args {
		if a.group == nil || a.group.description == "" {
			b.WriteString(a.helpEntry())
		}
	}
	for _, g := range p.groups {
		if g.description == "" { // an untitled group without description prints with the rest
			continue
		}
		b.WriteString("\n  " + apWrap(g.description, apWidth, 2, "  ") + "\n\n")
		for _, a := range g.args {
			b.WriteString(a.helpEntry())
		}
	}
	return b.String()
}

// helpEntry is ArgumentImpl.printHelp through TextHelper.printHelp.
func (a *apArg) helpEntry() string {
	title := strings.Join(a.flags, ", ")
	if mv := a.metavarText(); mv != "" {
		title += " " + mv
	}
	help := a.help
	switch {
	case a.action == apStoreTrue:
		help += " (default: false)"
	case a.def != "":
		help += " (default: " + a.def + ")"
	}
	const indent = 25
	s := "  " + title
	if len(title) <= 21 {
		s += strings.Repeat(" ", indent-len(title)-2)
	} else {
		s += "\n" + strings.Repeat(" ", indent)
	}
	return s + apWrap(help, apWidth, indent, strings.Repeat(" ", indent)) + "\n"
}

// apWrap is TextHelper.wrap for a one-line text, which may end in "\n":
// the text cut at line-break opportunities into lines of at most width
// columns (counting offset on the first), every full line justified by
// widening its runs of spaces.
func apWrap(s string, width, offset int, indent string) string {
	body := strings.TrimSuffix(s, "\n")
	segs := jopt.BreakLine(body)
	if body != s { // the line break belongs to the last segment, as in the JDK
		if len(segs) == 0 {
			segs = []string{""}
		}
		segs[len(segs)-1] += "\n"
	}
	var res, cur strings.Builder
	w := offset
	for _, sub := range segs {
		sw := javafmt.Len(sub)
		w += sw
		if w > width {
			res.WriteString(justify(cur.String(), width, w-sw) + "\n" + indent)
			cur.Reset()
			w = len(indent) + sw
		}
		cur.WriteString(sub)
	}
	res.WriteString(cur.String())
	return res.String()
}

// justify is TextHelper.adjustSpace: the line trimmed of outer spaces,
// then width-cur spaces spread over its runs of spaces, the odd ones to
// the middle runs.
func justify(line string, width, cur int) string {
	trimmed := strings.Trim(line, " ")
	cur -= len(line) - len(trimmed)
	runs := 0
	inRun := false
	for _, c := range []byte(trimmed) {
		if c == ' ' {
			if !inRun {
				runs++
			}
			inRun = true
		} else {
			inRun = false
		}
	}
	if runs == 0 {
		return trimmed
	}
	need := width - cur
	each, rem := need/runs, need%runs
	remStart := (runs - rem + 1) / 2
	remEnd := remStart + rem
	var b strings.Builder
	run := 0
	inRun = false
	for _, c := range []byte(trimmed) {
		if c == ' ' && !inRun {
			add := each
			if remStart <= run && run < remEnd {
				add++
			}
			b.WriteString(strings.Repeat(" ", max(0, add)))
			run++
		}
		inRun = c == ' '
		b.WriteByte(c)
	}
	return b.String()
}

// errorText is handleError's output (after the usage): the message
// wrapped, and for an unrecognized flag the most similar flags.
func (p *apParser) errorText(err *apError) string {
	s := apWrap(p.prog+": error: "+err.msg+"\n", apWidth, 0, "")
	if t := err.unrecognized; t != "" && strings.HasPrefix(t, "-") {
		if body := strings.TrimLeft(t, "-"); len(body) >= 2 {
			s += p.suggestions(body)
		}
	}
	return s
}

// suggestions is printFlagCandidates: flags whose name starts with body,
// or else those nearest by a Damerau–Levenshtein distance with git's
// costs, when near enough.
func (p *apParser) suggestions(body string) string {
	type cand struct {
		dist int
		flag string
	}
	var cands []cand
	for _, a := range p.args {
		for _, f := range a.flags {
			fb := strings.TrimLeft(f, "-")
			if len(fb) <= 1 {
				continue
			}
			d := 0
			if !strings.HasPrefix(fb, body) {
				d = damerauLevenshtein(body, fb, 0, 2, 1, 4)
			}
			cands = append(cands, cand{d, f})
		}
	}
	if len(cands) == 0 {
		return ""
	}
	slices.SortFunc(cands, func(x, y cand) int {
		if x.dist != y.dist {
			return x.dist - y.dist
		}
		return strings.Compare(x.flag, y.flag)
	})
	if cands[0].dist >= 7 {
		return ""
	}
	s := "\nDid you mean:\n"
	for _, c := range cands {
		if c.dist > cands[0].dist {
			break
		}
		s += "\t" + c.flag + "\n"
	}
	return s
}

// damerauLevenshtein is the edit distance of a to b with the given costs
// of swapping adjacent characters, substituting, adding and deleting.
func damerauLevenshtein(a, b string, swap, sub, add, del int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c += sub
			}
			if i >= 2 && j >= 2 && a[i-1] != b[j-1] && a[i-2] == b[j-1] && a[i-1] == b[j-2] {
				c = min(c, prev2[j-2]+swap)
			}
			cur[j] = min(c, prev[j]+del, cur[j-1]+add)
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
