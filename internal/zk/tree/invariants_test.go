package tree

import (
	"testing"
)

// checkInvariants verifies the invariants doc.go states.
func checkInvariants(t testing.TB, tr *Tree) {
	t.Helper()
	if tr.nodes[""] != tr.root || tr.nodes["/"] != tr.root || tr.root == nil {
		t.Fatalf("root aliases broken")
	}
	reach := 0
	var digest int64
	refs := map[int64]int64{}
	normal := map[int64]map[string]bool{}
	containers, ttls := map[string]bool{}, map[string]bool{}
	stack := []*node{tr.root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		reach++
		if tr.nodes[n.path] != n {
			t.Fatalf("node %q not in the map under its path", n.path)
		}
		want := int64(0)
		if !tr.opts.DigestDisabled {
			want = DigestOf(n.path, n.data, &n.stat)
		}
		if n.digest != want {
			t.Fatalf("node %q digest %d, want %d", n.path, n.digest, want)
		}
		digest += want
		if n.acl != OpenACLIndex {
			refs[n.acl]++
		}
		if n != tr.root {
			typ, err := tr.ephemeralType(n.stat.EphemeralOwner)
			if err != nil {
				t.Fatalf("node %q: %v", n.path, err)
			}
			switch typ {
			case EphemeralNormal:
				if normal[n.stat.EphemeralOwner] == nil {
					normal[n.stat.EphemeralOwner] = map[string]bool{}
				}
				normal[n.stat.EphemeralOwner][n.path] = true
			case EphemeralContainer:
				containers[n.path] = true
			case EphemeralTTL:
				ttls[n.path] = true
			}
		}
		if len(n.kids) > smallKids && n.kidIdx == nil {
			t.Fatalf("node %q: %d kids without an index", n.path, len(n.kids))
		}
		names := map[string]bool{}
		for i, k := range n.kids {
			name := nameOf(k.path)
			if k.path != n.path+"/"+name {
				t.Fatalf("kid %q of %q has a foreign path", k.path, n.path)
			}
			if names[name] {
				t.Fatalf("node %q has kid %q twice", n.path, name)
			}
			names[name] = true
			if n.kidIdx != nil && n.kidIdx[name] != int32(i) {
				t.Fatalf("node %q kid index of %q is %d, want %d", n.path, name, n.kidIdx[name], i)
			}
			stack = append(stack, k)
		}
		if n.kidIdx != nil && len(n.kidIdx) != len(n.kids) {
			t.Fatalf("node %q kid index has %d entries for %d kids", n.path, len(n.kidIdx), len(n.kids))
		}
	}
	if reach+1 != len(tr.nodes) {
		t.Fatalf("%d nodes reachable, %d in the map (orphans)", reach, len(tr.nodes)-1)
	}
	if digest != tr.digest {
		t.Fatalf("tree digest %d, sum of node digests %d", tr.digest, digest)
	}
	for s, set := range tr.ephemerals {
		for p := range set {
			if !normal[s][p] {
				t.Fatalf("ephemeral index has %q for session %#x", p, s)
			}
		}
	}
	for s, set := range normal {
		for p := range set {
			if _, ok := tr.ephemerals[s][p]; !ok {
				t.Fatalf("ephemeral %q of %#x missing from the index", p, s)
			}
		}
	}
	if len(containers) != len(tr.containers) || len(ttls) != len(tr.ttls) {
		t.Fatalf("containers %d/%d ttls %d/%d", len(containers), len(tr.containers), len(ttls), len(tr.ttls))
	}
	for p := range tr.containers {
		if !containers[p] {
			t.Fatalf("container index has %q", p)
		}
	}
	for p := range tr.ttls {
		if !ttls[p] {
			t.Fatalf("ttl index has %q", p)
		}
	}
	for idx, e := range tr.acls.byIndex {
		if e.refs != refs[idx] {
			t.Fatalf("ACL %d counted %d, used by %d nodes", idx, e.refs, refs[idx])
		}
		if appendKey := string(appendACLKey(nil, e.acls)); appendKey != e.key {
			t.Fatalf("ACL %d has a stale key", idx)
		}
	}
	// Equal lists under two indexes only come from a snapshot; the key
	// then names one of them (or none, as in ZooKeeper, once it is gone).
	for key, idx := range tr.acls.byKey {
		if e := tr.acls.byIndex[idx]; e == nil || e.key != key {
			t.Fatalf("ACL key maps to %d, which is not that list", idx)
		}
	}
	for idx := range refs {
		if tr.acls.byIndex[idx] == nil {
			t.Fatalf("ACL index %d used but not cached", idx)
		}
	}
}
