package tree

import (
	"errors"
	"fmt"
	"math"
)

// EphemeralType interprets a znode's ephemeralOwner (EphemeralType.java).
type EphemeralType int

const (
	// EphemeralVoid is a plain persistent znode (owner 0).
	EphemeralVoid EphemeralType = iota
	// EphemeralNormal is a session ephemeral: the owner is the session id.
	EphemeralNormal
	// EphemeralContainer is a container znode (owner ContainerOwner).
	EphemeralContainer
	// EphemeralTTL is a TTL znode (extended types only).
	EphemeralTTL
)

func (e EphemeralType) String() string {
	switch e {
	case EphemeralVoid:
		return "VOID"
	case EphemeralNormal:
		return "NORMAL"
	case EphemeralContainer:
		return "CONTAINER"
	case EphemeralTTL:
		return "TTL"
	}
	return fmt.Sprintf("EphemeralType(%d)", int(e))
}

const (
	// ContainerOwner marks a container znode, whether or not extended types
	// are enabled (EphemeralType.CONTAINER_EPHEMERAL_OWNER).
	ContainerOwner int64 = math.MinInt64

	// MaxTTL is the largest TTL a TTL znode can carry: the low 5 bytes of the
	// owner (about 34 years of milliseconds).
	MaxTTL int64 = 0x000000ffffffffff

	// MaxExtendedServerID is the largest server id usable with extended types:
	// a session id of server 255 would look like a TTL owner.
	MaxExtendedServerID int64 = 0xfe

	extendedMask      = -0x0100000000000000 // 0xff00000000000000
	extendedBitTTL    = 0x0000
	reservedBitsMask  = 0x00ffff0000000000
	reservedBitsShift = 40

	// emulate353 (ZOOKEEPER-2901): 3.5.3 marked TTL nodes by the sign bit.
	emulate353MaxTTL int64 = 0x0fffffffffffffff
)

// ErrEphemeralOwner is returned for an owner with the extended bits set but
// an extended feature ZooKeeper does not know.
var ErrEphemeralOwner = errors.New("tree: invalid ephemeralOwner")

// TypeOf classifies an ephemeralOwner as EphemeralType.get does. Without
// extended types only VOID, NORMAL and CONTAINER exist: a TTL-looking owner is
// then a NORMAL session id. emulate353 is zookeeper.emulate353TTLNodes.
func TypeOf(owner int64, extended, emulate353 bool) (EphemeralType, error) {
	if extended {
		if emulate353 && owner != ContainerOwner && owner < 0 {
			return EphemeralTTL, nil
		}
		if owner&extendedMask == extendedMask {
			if (owner&reservedBitsMask)>>reservedBitsShift != extendedBitTTL {
				return EphemeralNormal, fmt.Errorf("%w: %x", ErrEphemeralOwner, uint64(owner))
			}
			return EphemeralTTL, nil
		}
	}
	if owner == ContainerOwner {
		return EphemeralContainer, nil
	}
	if owner == 0 {
		return EphemeralVoid, nil
	}
	return EphemeralNormal, nil
}

// TTLOwner encodes a TTL as an ephemeralOwner: 0xff in the high byte, two zero
// bytes, the TTL in the low five. ok is false when ttl is not in (0, MaxTTL].
func TTLOwner(ttl int64) (owner int64, ok bool) {
	if ttl <= 0 || ttl > MaxTTL {
		return 0, false
	}
	return extendedMask | extendedBitTTL | ttl, true
}

// TTLOwner353 encodes a TTL the 3.5.3 way (sign bit | ttl), for reading
// trees written by 3.5.3 with zookeeper.emulate353TTLNodes.
func TTLOwner353(ttl int64) (owner int64, ok bool) {
	if ttl <= 0 || ttl > emulate353MaxTTL {
		return 0, false
	}
	return math.MinInt64 | ttl, true
}

// TTLOf returns the TTL in milliseconds carried by a TTL owner.
func TTLOf(owner int64) int64 {
	return owner &^ (extendedMask | reservedBitsMask)
}

// ephemeralType classifies with the tree's options.
func (t *Tree) ephemeralType(owner int64) (EphemeralType, error) {
	return TypeOf(owner, t.opts.ExtendedTypes, t.opts.Emulate353TTL)
}

// clientOwner is the ephemeralOwner clients see: 0 for containers and TTL
// nodes (DataNode.getClientEphemeralOwner).
func (t *Tree) clientOwner(owner int64) int64 {
	typ, err := t.ephemeralType(owner)
	if err == nil && typ != EphemeralNormal {
		return 0
	}
	return owner
}
