package config

import (
	"errors"
	"fmt"
)

var (
	// ErrSyntax is a .properties file java.util.Properties would refuse
	// (a malformed \uXXXX escape).
	ErrSyntax = errors.New("config: malformed properties")
	// ErrInvalid is a configuration value ZooKeeper (or Wharf) refuses.
	ErrInvalid = errors.New("config: invalid configuration")
)

// Error is one refused setting. It prints on one line, naming the file, the
// key and the value: `zoo.cfg: clientPort: "abc" is not a number`.
type Error struct {
	File  string // config file (or "zoo.cfg" when built in code)
	Key   string // "" when the problem is not one key's
	Value string
	Msg   string // what is wrong; with HasValue, follows the quoted value
	// HasValue says Value is shown, quoted, before Msg.
	HasValue bool
}

func (e *Error) Error() string {
	s := e.File + ": "
	if e.Key != "" {
		s += e.Key + ": "
	}
	if e.HasValue {
		s += fmt.Sprintf("%q ", e.Value)
	}
	return s + e.Msg
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }
