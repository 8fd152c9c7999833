package admin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/javafmt"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// TestRound4 checks AvgMinMaxCounter's 4-decimal HALF_UP rounding on the
// exact binary value, against averages a real server printed.
func TestRound4(t *testing.T) {
	tests := []struct {
		total, count int64
		want         string
	}{
		{37, 12, "3.0833"}, {37, 13, "2.8462"}, {6, 7, "0.8571"}, {1, 13, "0.0769"}, {13, 30, "0.4333"},
		{31, 7, "4.4286"}, {527, 4, "131.75"}, {156, 5, "31.2"}, {4, 5, "0.8"}, {0, 0, "0.0"},
		// Ties as the binary value has them; expectations from JDK 17's
		// new BigDecimal(d).setScale(4, HALF_UP).doubleValue().
		{5, 100000, "1.0E-4"}, {100005, 100000, "1.0001"}, {1, 3, "0.3333"}, {2, 3, "0.6667"},
		{123456789, 1000, "123456.789"}, {15, 200000, "1.0E-4"}, {25, 200000, "1.0E-4"}, {7, 16, "0.4375"},
	}
	for _, tt := range tests {
		l := Latency{Total: tt.total, Count: tt.count}
		if got := javafmt.Double(l.avg()); got != tt.want {
			t.Errorf("avg %d/%d = %s, want %s", tt.total, tt.count, got, tt.want)
		}
	}
}

func TestJavaAddresses(t *testing.T) {
	tests := []struct{ in, java, jackson string }{
		{"127.0.0.1:46298", "/127.0.0.1:46298", "127.0.0.1:46298"},
		{"[::1]:2181", "/[0:0:0:0:0:0:0:1]:2181", "[0:0:0:0:0:0:0:1]:2181"},
		{"[::ffff:10.0.0.1]:5", "/10.0.0.1:5", "10.0.0.1:5"},
		{"[fe80::1%eth0]:7", "/[fe80:0:0:0:0:0:0:1%eth0]:7", "[fe80:0:0:0:0:0:0:1%eth0]:7"},
		{"pipe", "/pipe", "pipe"},
	}
	for _, tt := range tests {
		if got := javaSocketAddr(tt.in); got != tt.java {
			t.Errorf("javaSocketAddr(%q) = %q, want %q", tt.in, got, tt.java)
		}
		if got := jacksonSocketAddr(tt.in); got != tt.jackson {
			t.Errorf("jacksonSocketAddr(%q) = %q, want %q", tt.in, got, tt.jackson)
		}
	}
	if got := javaDate(time.Date(2026, 11, 21, 8, 46, 8, 0, time.UTC)); got != "Sat Nov 21 08:46:08 UTC 2026" {
		t.Errorf("javaDate = %q", got)
	}
	if got := hex(-1); got != "ffffffffffffffff" {
		t.Errorf("hex(-1) = %q", got)
	}
}

func TestJackson(t *testing.T) {
	v := Object{
		{"s", "a\"b\\c\n\t\x01é/<>"},
		{"empty_obj", Object{}},
		{"empty_arr", []any{}},
		{"nested", []Object{{{"a", int64(1)}}, {{"b", true}}}},
		{"nums", []int64{1, 2}},
		{"d", Double(0.5)},
		{"m", map[string]any{"z": nil, "a": 1}},
	}
	want := "{\n  \"s\" : \"a\\\"b\\\\c\\n\\t\\u0001é/<>\",\n  \"empty_obj\" : { },\n  \"empty_arr\" : [ ],\n" +
		"  \"nested\" : [ {\n    \"a\" : 1\n  }, {\n    \"b\" : true\n  } ],\n  \"nums\" : [ 1, 2 ],\n  \"d\" : 0.5,\n" +
		"  \"m\" : {\n    \"a\" : 1,\n    \"z\" : null\n  }\n}"
	if got := Jackson(v); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var m map[string]any
	if err := jsonUnmarshal(Jackson(Object{{"bad", "\xff"}}), &m); err != nil || m["bad"] != "\uFFFD" {
		t.Errorf("invalid UTF-8: %v %v", err, m)
	}
}

func TestHostEnvironment(t *testing.T) {
	e := HostEnvironment()
	if e.OSName == "" || e.OSArch == "" || e.JavaVersion == "" || e.UserDir == "" || e.Compiler == "" {
		t.Errorf("environment incomplete: %+v", e)
	}
	if e.MemoryTotalMB < 0 || e.MemoryMaxMB <= 0 || e.MemoryFreeMB > e.MemoryTotalMB {
		t.Errorf("memory figures: %+v", e)
	}
	v := &View{Env: e, Server: Server{Version: "3.9.4-wharf", BuildDate: "01/01/2026 00:00 GMT"}}
	out := FourLetter("envi", v)
	if !strings.HasPrefix(out, "Environment:\nzookeeper.version=3.9.4-wharf, built on 01/01/2026 00:00 GMT\nhost.name=") ||
		!strings.Contains(out, "\njava.version="+e.JavaVersion+"\n") || !strings.HasSuffix(out, "MB\n") {
		t.Errorf("envi:\n%s", out)
	}
	resp, _ := Run("sysp", v)
	keys := []string{}
	for _, f := range resp.Data {
		keys = append(keys, f.Key)
	}
	if len(keys) < 10 || !isSorted(keys) {
		t.Errorf("system_properties keys %v", keys)
	}
	open, limit := FileDescriptors()
	if open == 0 || limit == 0 || (open > 0 && limit > 0 && open > limit) {
		t.Errorf("file descriptors %d/%d", open, limit)
	}
}

func isSorted(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] > s[i] {
			return false
		}
	}
	return true
}

func TestDirs(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "version-2"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]int{"version-2/log.1": 100, "version-2/snapshot.0": 23, "myid": 2} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := DirSize(filepath.Join(dir, "version-2")); got != 123 {
		t.Errorf("DirSize = %d, want 123", got)
	}
	if got := DirSize(filepath.Join(dir, "missing")); got != 0 {
		t.Errorf("DirSize of a missing dir = %d", got)
	}
	if got := VersionDir(dir); got != filepath.Join(dir, "version-2") {
		t.Errorf("VersionDir = %q", got)
	}
}
