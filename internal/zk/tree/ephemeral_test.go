package tree

import (
	"errors"
	"testing"
)

func TestTypeOf(t *testing.T) {
	u := func(v uint64) int64 { return int64(v) }
	cases := []struct {
		owner             int64
		extended, emulate bool
		want              EphemeralType
		err               bool
	}{
		{0, false, false, EphemeralVoid, false},
		{0x1234, false, false, EphemeralNormal, false},
		{ContainerOwner, false, false, EphemeralContainer, false},
		{ContainerOwner, true, false, EphemeralContainer, false},
		{ContainerOwner, true, true, EphemeralContainer, false},
		{u(0xff00000000001388), false, false, EphemeralNormal, false}, // a TTL owner without extended types
		{u(0xff00000000001388), true, false, EphemeralTTL, false},
		{u(0xff00010000000001), true, false, EphemeralNormal, true}, // unknown extended feature
		{u(0xff00010000000001), false, false, EphemeralNormal, false},
		{u(0x8000000000001388), true, false, EphemeralNormal, false}, // a 3.5.3 TTL owner...
		{u(0x8000000000001388), true, true, EphemeralTTL, false},     // ...read with emulation
		{u(0x8000000000001388), false, true, EphemeralNormal, false},
		{0x1234, true, true, EphemeralNormal, false},
	}
	for _, c := range cases {
		got, err := TypeOf(c.owner, c.extended, c.emulate)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("TypeOf(%#x, %v, %v) = %v, %v; want %v, err %v", uint64(c.owner), c.extended, c.emulate, got, err, c.want, c.err)
		}
		if err != nil && !errors.Is(err, ErrEphemeralOwner) {
			t.Errorf("error %v is not ErrEphemeralOwner", err)
		}
	}
}

func TestTTLOwner(t *testing.T) {
	cases := []struct {
		ttl   int64
		owner uint64
		ok    bool
	}{
		{1, 0xff00000000000001, true},
		{5000, 0xff00000000001388, true},
		{MaxTTL, 0xff0000ffffffffff, true},
		{MaxTTL + 1, 0, false},
		{0, 0, false},
		{-1, 0, false},
	}
	for _, c := range cases {
		owner, ok := TTLOwner(c.ttl)
		if ok != c.ok || uint64(owner) != c.owner {
			t.Errorf("TTLOwner(%d) = %#x, %v; want %#x, %v", c.ttl, uint64(owner), ok, c.owner, c.ok)
		}
		if ok && TTLOf(owner) != c.ttl {
			t.Errorf("TTLOf(%#x) = %d", uint64(owner), TTLOf(owner))
		}
	}
	if o, ok := TTLOwner353(5000); !ok || uint64(o) != 0x8000000000001388 || TTLOf(o) != 5000 {
		t.Errorf("TTLOwner353 = %#x %v", uint64(o), ok)
	}
	if _, ok := TTLOwner353(0x1000000000000000); ok {
		t.Error("TTLOwner353 accepted a too long TTL")
	}
	if MaxExtendedServerID != 254 {
		t.Error("MaxExtendedServerID")
	}
}
