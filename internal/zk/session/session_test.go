package session

import (
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Expected values printed by java.util.Random(id ^ 0xB3415C00L).nextBytes on
// OpenJDK 17 (the program is in testdata/Gen.java).
func TestPasswordMatchesJavaRandom(t *testing.T) {
	cases := map[int64]string{
		1:                  "054cc74a37327db215e702e20c73f005",
		0x100000123456789:  "b11647e5db8ff1c8bd6768eac33a41ce",
		-7:                 "fab338b524f6034e86c14d337d748054",
		0x7fffffffffffffff: "20f62cb5648dc2d771471c8a2486a9ee",
	}
	for id, want := range cases {
		if got := hex.EncodeToString(Password(id)); got != want {
			t.Errorf("Password(%#x) = %s, want %s", id, got, want)
		}
		if !CheckPassword(id, Password(id)) {
			t.Errorf("CheckPassword(%#x) rejected its own password", id)
		}
	}
	if CheckPassword(0, Password(0)) {
		t.Error("session 0 must never validate")
	}
	if CheckPassword(1, make([]byte, 16)) || CheckPassword(1, nil) {
		t.Error("wrong passwords validated")
	}
}

func TestInitialIDLayout(t *testing.T) {
	id := InitialID(3, 0x0123456789)
	if id>>56 != 3 {
		t.Fatalf("server id not in the high byte: %#x", id)
	}
	if want := int64(uint64(int64(0x0123456789)<<24) >> 8); id&(1<<56-1) != want {
		t.Fatalf("time bits = %#x, want %#x", id&(1<<56-1), want)
	}
}

func TestExpiryInBuckets(t *testing.T) {
	tr := New(2000, 1, 10_000)
	a := tr.Create(4000, 10_000) // expires at roundUp(14000)=16000
	b := tr.Create(6000, 10_000) // roundUp(16000)=18000
	if a == b {
		t.Fatal("ids must differ")
	}
	if got := tr.Expired(15_999); len(got) != 0 {
		t.Fatalf("expired early: %v", got)
	}
	if got := tr.Expired(16_000); !reflect.DeepEqual(got, []int64{a}) {
		t.Fatalf("Expired(16000) = %v, want [%d]", got, a)
	}
	if tr.Check(a) != jute.SessionExpired {
		t.Fatal("an expiring session must answer SessionExpired")
	}
	if tr.Touch(a, 16_000) {
		t.Fatal("a closing session must not be touched back to life")
	}
	// Touching b keeps it alive past its first deadline.
	if !tr.Touch(b, 17_000) { // roundUp(23000) = 24000
		t.Fatal("touch failed")
	}
	if got := tr.Expired(23_999); len(got) != 0 {
		t.Fatalf("b expired despite touch: %v", got)
	}
	if got := tr.Expired(24_000); !reflect.DeepEqual(got, []int64{b}) {
		t.Fatalf("Expired(24000) = %v", got)
	}
	tr.Remove(a)
	tr.Remove(b)
	if tr.Len() != 0 || tr.Check(a) != jute.UnknownSession {
		t.Fatal("removed sessions must be unknown")
	}
}

func TestTrackFromSnapshotRestartsClock(t *testing.T) {
	tr := New(1000, 0, 0)
	if !tr.Track(42, 3000, 50_000) {
		t.Fatal("Track of a new session must report true")
	}
	if tr.Track(42, 3000, 50_000) {
		t.Fatal("Track of a known session must report false")
	}
	if got := tr.Expired(52_999); len(got) != 0 {
		t.Fatalf("expired before its timeout: %v", got)
	}
	if got := tr.Expired(54_000); !reflect.DeepEqual(got, []int64{42}) {
		t.Fatalf("Expired = %v", got)
	}
	if want := []jute.SessionEntry{{ID: 42, Timeout: 3000}}; !reflect.DeepEqual(tr.Sessions(), want) {
		t.Fatalf("Sessions = %v", tr.Sessions())
	}
}

func TestExpiredReturnsEachOnce(t *testing.T) {
	tr := New(100, 0, 0)
	for i := 0; i < 50; i++ {
		tr.Create(int32(100+i*10), 0)
	}
	seen := map[int64]bool{}
	for now := int64(0); now < 2000; now += 37 {
		for _, id := range tr.Expired(now) {
			if seen[id] {
				t.Fatalf("session %d expired twice", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != 50 {
		t.Fatalf("expired %d sessions, want 50", len(seen))
	}
}
