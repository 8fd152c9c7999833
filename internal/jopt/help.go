package jopt

import (
	"sort"
	"strings"

	"github.com/wharf-project/wharf/internal/javafmt"
)

// Help is BuiltinHelpFormatter.format over the parser's options: sorted by
// name, an "Option"/"Description" table 80 columns wide, descriptions
// wrapped at java.text.BreakIterator line boundaries.
func (p *Parser) Help() string {
	specs := append([]*Spec(nil), p.specs...)
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	rows := &helpRows{overall: 80, sep: 2}
	rows.add("Option", "Description")
	rows.add("------", "-----------")
	for _, s := range specs {
		rows.add(optionDisplay(s), descriptionDisplay(s))
	}
	rows.fitToWidth()
	return rows.render()
}

func optionDisplay(s *Spec) string {
	d := "--" + s.Name
	if s.Arg == NoArg {
		return d
	}
	open, close := " <", ">"
	if s.Arg == OptionalArg {
		open, close = " [", "]"
	}
	d += open + s.Type
	if s.ArgDesc != "" {
		d += ": " + s.ArgDesc
	}
	return d + close
}

func descriptionDisplay(s *Spec) string {
	if len(s.Defaults) == 0 {
		return s.Desc
	}
	def := s.Defaults[0]
	if len(s.Defaults) > 1 {
		def = "[" + strings.Join(s.Defaults, ", ") + "]"
	}
	return strings.TrimSpace(s.Desc + " (default: " + def + ")")
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
	r.widestOpt = max(r.widestOpt, javafmt.Len(option))
	r.widestDesc = max(r.widestDesc, javafmt.Len(desc))
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
		b.WriteString(strings.Repeat(" ", max(0, ow-javafmt.Len(row.option))+r.sep))
		b.WriteString(row.desc)
		b.WriteString(strings.Repeat(" ", max(0, dw-javafmt.Len(row.desc))))
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

// pieces is jopt's Columns.piecesOf: each line of the trimmed text broken
// into pieces no wider than width (a single longer word overflows), every
// piece after the first indented by two spaces.
func pieces(raw string, width int) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(raw), "\n") {
		var next strings.Builder
		for _, word := range BreakLine(line) {
			if javafmt.Len(next.String())+javafmt.Len(word) > width {
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

// BreakLine splits a line at the break opportunities of the JDK's line
// BreakIterator (its rule-based engine, not UAX #14), for the characters
// Kafka's help texts use: a word is optional opening punctuation, a run of
// word characters (or a number with inner '.' or ','), optional closing
// punctuation ('.', ',', ':', ';', '!', '?', '%', ')', ']', '}', quotes),
// and then its trailing spaces or trailing dashes. So "kafka.serializer"
// breaks after "kafka.", "print-data-log" after each '-', "server(s)"
// before '(', and "kafka/libs" not at all. The pieces concatenate to line.
func BreakLine(line string) []string {
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
