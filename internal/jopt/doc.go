// Package jopt models jopt-simple 5.0.4, the option parser of the Kafka
// command-line tools (CommandDefaultOptions and friends), closely enough
// that a Wharf tool accepts the same command lines, fails with the same
// exception texts and prints the same help table as the original.
//
// What is modelled: long options only, without abbreviations (Kafka builds
// its parsers with allowAbbreviations=false); `--opt value`, `--opt=value`
// and `-opt`; `--` ending the options; required, optional and absent
// arguments, the optional argument's rules for number types; forHelp()
// options, which waive the required-option checks; requiredUnless();
// conversion of String, Integer and Long arguments on read (as
// OptionSet.valueOf does, so a bad number fails where the tool reads it);
// and the BuiltinHelpFormatter's two-column table, 80 columns wide, with
// the JDK line BreakIterator's break opportunities.
//
// Invariants:
//   - Parse and the value readers never panic: every bad command line is
//     an *Error carrying jopt-simple's exception class and message.
//   - The help table is a pure function of the specs: sorted by name, each
//     row padded to the full width of both columns.
//
// The package is pure: no I/O, no clock.
package jopt
