package session

// superSecret is ZooKeeperServer.superSecret.
const superSecret int64 = 0xB3415C00

// Password returns the session password ZooKeeper generates for id:
// new java.util.Random(id ^ superSecret).nextBytes(new byte[16]).
func Password(id int64) []byte {
	r := newJavaRandom(id ^ superSecret)
	p := make([]byte, 16)
	for i := 0; i < len(p); {
		v := r.nextInt()
		for n := min(len(p)-i, 4); n > 0; n-- {
			p[i] = byte(v)
			v >>= 8
			i++
		}
	}
	return p
}

// CheckPassword reports whether passwd is the password of session id.
func CheckPassword(id int64, passwd []byte) bool {
	if id == 0 || len(passwd) != 16 {
		return false
	}
	want := Password(id)
	for i := range want {
		if want[i] != passwd[i] {
			return false
		}
	}
	return true
}

// javaRandom is java.util.Random's 48-bit linear congruential generator.
type javaRandom struct{ seed int64 }

const (
	jrMultiplier = 0x5DEECE66D
	jrAddend     = 0xB
	jrMask       = (1 << 48) - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ jrMultiplier) & jrMask}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*jrMultiplier + jrAddend) & jrMask
	return int32(uint64(r.seed) >> (48 - bits))
}

func (r *javaRandom) nextInt() int32 { return r.next(32) }
