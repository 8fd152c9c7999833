package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"
)

// dumpProperties renders a parsed file the way testdata/properties/Dump.java
// renders java.util.Properties, so the two can be compared byte for byte.
func dumpProperties(m map[string]string) string {
	quote := func(s string) string {
		var b strings.Builder
		b.WriteByte('"')
		for _, u := range utf16.Encode([]rune(s)) {
			if u < 0x20 || u > 0x7e || u == '"' || u == '\\' {
				fmt.Fprintf(&b, "\\u%04x", u)
			} else {
				b.WriteByte(byte(u))
			}
		}
		b.WriteByte('"')
		return b.String()
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(quote(k) + "=" + quote(m[k]) + "\n")
	}
	return b.String()
}

// TestPropertiesMatchJava compares every testdata/properties/*.properties
// with what java.util.Properties.load made of it (the .golden files).
func TestPropertiesMatchJava(t *testing.T) {
	files, err := filepath.Glob("testdata/properties/*.properties")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(f, ".properties") + ".golden")
			if err != nil {
				t.Fatal(err)
			}
			m, _, err := LoadProperties(f)
			got := ""
			if err != nil {
				if !errors.Is(err, ErrSyntax) {
					t.Fatalf("error %v is not ErrSyntax", err)
				}
				got = "ERROR\n"
			} else {
				got = dumpProperties(m)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nJava:\n%s", got, want)
			}
		})
	}
}

func TestPropertiesOrderAndDuplicates(t *testing.T) {
	m, order, err := ParseProperties([]byte("b=1\na=2\nb=3\n\n# x\nc 4\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"b", "a", "c"}; !reflect.DeepEqual(order, want) {
		t.Errorf("order = %q, want %q", order, want)
	}
	if m["b"] != "3" || m["a"] != "2" || m["c"] != "4" {
		t.Errorf("values = %v", m)
	}
}

func TestPropertiesErrorNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.properties")
	if err := os.WriteFile(path, []byte("a=1\n\nb=x\\\n  \\u12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadProperties(path)
	want := path + ":3: malformed \\uxxxx encoding"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	if _, _, err := LoadProperties(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func FuzzParseProperties(f *testing.F) {
	files, _ := filepath.Glob("testdata/properties/*.properties")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, order, err := ParseProperties(data)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if len(order) != len(m) {
			t.Fatalf("order has %d keys, map %d", len(order), len(m))
		}
		for _, k := range order {
			if _, ok := m[k]; !ok {
				t.Fatalf("ordered key %q missing", k)
			}
		}
		// A lone \r ends a line exactly as a lone \n does.
		swapped := make([]byte, len(data))
		for i, c := range data {
			switch c {
			case '\n':
				c = '\r'
			case '\r':
				c = '\n'
			}
			swapped[i] = c
		}
		if !strings.Contains(string(data), "\r\n") && !strings.Contains(string(data), "\n\r") {
			m2, _, err := ParseProperties(swapped)
			if err != nil || !reflect.DeepEqual(m, m2) {
				t.Fatalf("swapping line ends changed the result: %q vs %q (%v)", m, m2, err)
			}
		}
	})
}
