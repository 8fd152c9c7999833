package group

import (
	"errors"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := []func(*Config){
		func(c *Config) { c.MinSessionTimeoutMs = c.MaxSessionTimeoutMs + 1 },
		func(c *Config) { c.InitialRebalanceDelayMs = -1 },
		func(c *Config) { c.MaxSize = 0 },
		func(c *Config) { c.OffsetsRetentionMs = 59999 },
		func(c *Config) { c.OffsetMetadataMaxBytes = -1 },
		func(c *Config) { c.OffsetsRetentionCheckIntervalMs = 0 },
		func(c *Config) { c.NewMemberJoinTimeoutMs = 0 },
	}
	for i, mutate := range bad {
		c := DefaultConfig()
		mutate(&c)
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Fatalf("case %d: %v", i, err)
		}
	}
}

func TestManualTimerRunsDueOperationsInOrder(t *testing.T) {
	tm := NewManualTimer(100)
	var ran []string
	op := func(name string) func(int64) Result {
		return func(now int64) Result {
			ran = append(ran, name)
			if name == "a" {
				tm.Schedule("c", 5, func(int64) Result { ran = append(ran, "c"); return Result{} })
			}
			return Result{}
		}
	}
	tm.Schedule("b", 20, op("b"))
	tm.Schedule("a", 10, op("a"))
	tm.Schedule("x", 10, op("x"))
	tm.Cancel("x")
	tm.Schedule("b", 30, op("b")) // replaces the first b
	if got := len(tm.AdvanceTo(140)); got != 3 {
		t.Fatalf("%d results", got)
	}
	if want := "a,c,b"; join(ran) != want {
		t.Fatalf("ran %s, want %s", join(ran), want)
	}
	if tm.Now() != 140 || len(tm.Keys()) != 0 {
		t.Fatalf("now %d keys %v", tm.Now(), tm.Keys())
	}
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

func TestMemberIDsAreJavaUUIDs(t *testing.T) {
	u := [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}
	if got := uuidString(u); got != "12345678-9abc-def0-0102-030405060708" {
		t.Fatalf("uuid %s", got)
	}
	r := randomUUID()
	if r[6]>>4 != 4 || r[8]>>6 != 2 {
		t.Fatalf("not a v4 uuid: %x", r)
	}
}
