package tree

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// gen makes mostly valid txns from a tree's state, as the prep stage would
// (explicit parentCVersion, sequential names from the persisted cversion,
// failed multis as error sub-txns), with some invalid ones mixed in.
type gen struct {
	r    *rand.Rand
	tree *Tree
	zxid int64
	now  int64
}

var aclPool = [][]jute.ACL{nil, openACL, readACL, digestACL, {}}

func (g *gen) paths() []string {
	var out []string
	stack := []*node{g.tree.root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.path != "" && n.path != ProcPath && n.path != QuotaPath && n.path != ConfigPath {
			out = append(out, n.path)
		}
		stack = append(stack, n.kids...)
	}
	sort.Strings(out)
	return out
}

func (g *gen) pick() string {
	ps := g.paths()
	if len(ps) == 0 || g.r.IntN(10) == 0 {
		return fmt.Sprintf("/n%d", g.r.IntN(6))
	}
	return ps[g.r.IntN(len(ps))]
}

func (g *gen) parent() string {
	if g.r.IntN(3) == 0 {
		return ""
	}
	p := g.pick()
	if n := g.tree.nodes[p]; n != nil && n.stat.EphemeralOwner != 0 && g.r.IntN(4) != 0 {
		return ""
	}
	return p
}

// createOp returns a create-family txn: type and record.
func (g *gen) createOp() (int32, jute.Record) {
	parent := g.parent()
	pcv := int32(-1)
	if n := g.tree.nodes[parent]; n != nil {
		pcv = n.stat.Cversion + 1
	}
	name := fmt.Sprintf("c%d", g.r.IntN(5))
	if g.r.IntN(3) == 0 && pcv >= 0 {
		name = fmt.Sprintf("s%010d", pcv-1)
	}
	path := parent + "/" + name
	if parent == "" && g.r.IntN(20) == 0 {
		path = "/zookeeper/quota/c" // the quota tree, sometimes
	}
	data := []byte(nil)
	if g.r.IntN(4) != 0 {
		data = []byte(fmt.Sprintf("d%d", g.r.IntN(1000)))
	}
	acl := aclPool[g.r.IntN(len(aclPool))]
	switch g.r.IntN(8) {
	case 0:
		return jute.OpCreateContainer, &jute.CreateContainerTxn{Path: path, Data: data, ACL: acl, ParentCVersion: pcv}
	case 1:
		return jute.OpCreateTTL, &jute.CreateTTLTxn{Path: path, Data: data, ACL: acl, ParentCVersion: pcv, TTL: int64(1 + g.r.IntN(5000))}
	case 2, 3:
		return jute.OpCreate2, &jute.CreateTxn{Path: path, Data: data, ACL: acl, Ephemeral: g.r.IntN(2) == 0, ParentCVersion: pcv}
	}
	return jute.OpCreate, &jute.CreateTxn{Path: path, Data: data, ACL: acl, Ephemeral: g.r.IntN(3) == 0, ParentCVersion: pcv}
}

func (g *gen) simpleOp() (int32, jute.Record) {
	switch g.r.IntN(10) {
	case 0, 1, 2, 3:
		return g.createOp()
	case 4, 5:
		typ := int32(jute.OpDelete)
		if g.r.IntN(4) == 0 {
			typ = jute.OpDeleteContainer
		}
		return typ, &jute.DeleteTxn{Path: g.pick()}
	case 6, 7:
		p := g.pick()
		v := int32(g.r.IntN(3))
		if n := g.tree.nodes[p]; n != nil {
			v = n.stat.Version + 1
		}
		return jute.OpSetData, &jute.SetDataTxn{Path: p, Data: []byte(fmt.Sprintf("v%d", g.r.IntN(100))), Version: v}
	case 8:
		return jute.OpCheck, &jute.CheckVersionTxn{Path: g.pick(), Version: 1}
	}
	return jute.OpSetACL, &jute.SetACLTxn{Path: g.pick(), ACL: aclPool[g.r.IntN(len(aclPool))], Version: int32(g.r.IntN(4))}
}

func (g *gen) next() (jute.TxnHeader, jute.Record) {
	g.zxid++
	g.now += int64(g.r.IntN(100))
	h := jute.TxnHeader{ClientID: int64(1 + g.r.IntN(3)), Cxid: int32(g.zxid), Zxid: g.zxid, Time: g.now}
	var rec jute.Record
	switch k := g.r.IntN(20); {
	case k < 13:
		h.Type, rec = g.simpleOp()
		if h.Type == jute.OpSetACL || h.Type == jute.OpCheck {
			break
		}
	case k < 16:
		var txns []jute.Txn
		failAt := -1
		n := 1 + g.r.IntN(4)
		if g.r.IntN(3) == 0 {
			failAt = g.r.IntN(n)
		}
		for i := 0; i < n; i++ {
			typ, r := g.simpleOp()
			if typ == jute.OpSetACL {
				typ, r = g.createOp()
			}
			switch {
			case i == failAt:
				typ, r = jute.OpError, &jute.ErrorTxn{Err: int32(jute.NoNode)}
			case failAt >= 0 && i > failAt:
				typ, r = jute.OpError, &jute.ErrorTxn{Err: int32(jute.RuntimeInconsistency)}
			}
			txns = append(txns, jute.Txn{Type: typ, Data: jute.Marshal(r)})
		}
		h.Type, rec = jute.OpMulti, &jute.MultiTxn{Txns: txns}
	case k < 18:
		c := &jute.CloseSessionTxn{}
		if g.r.IntN(2) == 0 {
			c.Present = true
			c.Paths = g.tree.Ephemerals(h.ClientID)
			if len(c.Paths) > 0 && g.r.IntN(2) == 0 {
				c.Paths = c.Paths[1:]
			}
		}
		h.Type, rec = jute.OpCloseSession, c
	case k < 19:
		h.Type, rec = jute.OpError, &jute.ErrorTxn{Err: int32(jute.BadVersion)}
	default:
		h.Type, rec = jute.OpCreateSession, &jute.CreateSessionTxn{TimeOut: 3000}
	}
	return h, rec
}

// treesEqual compares everything a tree holds but ACL indexes (a restored
// cache hands out new indexes from the highest it loaded) and the cached
// data size (ZooKeeper recomputes it on load).
func treesEqual(t *testing.T, a, b *Tree) {
	t.Helper()
	if a.Digest() != b.Digest() || a.NodeCount() != b.NodeCount() || a.LastProcessedZxid() != b.LastProcessedZxid() {
		t.Fatalf("digest %d/%d count %d/%d zxid %d/%d", a.Digest(), b.Digest(), a.NodeCount(), b.NodeCount(), a.LastProcessedZxid(), b.LastProcessedZxid())
	}
	sa, sb := a.Snapshot(), b.Snapshot()
	if len(sa.Nodes) != len(sb.Nodes) || !reflect.DeepEqual(sa.Digest, sb.Digest) {
		t.Fatalf("snapshots differ: %d/%d nodes, digest %+v/%+v", len(sa.Nodes), len(sb.Nodes), sa.Digest, sb.Digest)
	}
	for i := range sa.Nodes {
		na, nb := sa.Nodes[i], sb.Nodes[i]
		if na.Path != nb.Path || string(na.Node.Data) != string(nb.Node.Data) || (na.Node.Data == nil) != (nb.Node.Data == nil) || na.Node.Stat != nb.Node.Stat {
			t.Fatalf("node %d: %+v vs %+v", i, na, nb)
		}
		if !reflect.DeepEqual(a.acls.get(na.Node.ACL), b.acls.get(nb.Node.ACL)) {
			t.Fatalf("node %s ACL differs", na.Path)
		}
	}
	nonEmpty := func(tr *Tree) map[int64][]string {
		out := map[int64][]string{}
		for s, ps := range tr.EphemeralsBySession() {
			if len(ps) > 0 {
				out[s] = ps
			}
		}
		return out
	}
	if !reflect.DeepEqual(nonEmpty(a), nonEmpty(b)) || !reflect.DeepEqual(a.containers, b.containers) || !reflect.DeepEqual(a.ttls, b.ttls) {
		t.Fatal("ephemeral, container or TTL indexes differ")
	}
	if !reflect.DeepEqual(a.Quotas(), b.Quotas()) {
		t.Fatalf("quotas %+v / %+v", a.Quotas(), b.Quotas())
	}
	if !reflect.DeepEqual(a.ContainerCandidates(a.lastZxid, 10), b.ContainerCandidates(a.lastZxid, 10)) {
		t.Fatal("container candidates differ")
	}
}

// Random txns applied to a tree, and to a second tree restored from a
// snapshot of the first taken mid-way, leave both equal; so do the results
// and watch events of every txn after the snapshot.
func TestRandomReplayOverSnapshot(t *testing.T) {
	for seed := uint64(1); seed <= 25; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			opts := Options{ExtendedTypes: seed%2 == 0}
			r := rand.New(rand.NewPCG(seed, 99))
			a := New(opts)
			g := &gen{r: r, tree: a, zxid: 0x100000000, now: 1_000_000}
			const total = 300
			snapAt := 50 + r.IntN(200)
			var b *Tree
			for i := 0; i < total; i++ {
				if i == snapAt {
					s := a.Snapshot()
					var err error
					if b, err = FromSnapshot(s, opts); err != nil {
						t.Fatal(err)
					}
					b.SetLastProcessedZxid(a.LastProcessedZxid())
					checkInvariants(t, b)
					treesEqual(t, a, b)
				}
				if b != nil && r.IntN(4) == 0 {
					w := WatcherID(1 + r.IntN(4))
					kind := WatchKind(1 + r.IntN(5))
					p := g.pick()
					a.AddWatch(p, w, kind)
					b.AddWatch(p, w, kind)
				}
				h, rec := g.next()
				ra := a.Apply(&h, rec)
				checkInvariants(t, a)
				if b != nil {
					rb := b.Apply(&h, rec)
					checkInvariants(t, b)
					if !reflect.DeepEqual(ra, rb) {
						t.Fatalf("txn %d (%s): results differ\n%+v\n%+v", i, jute.OpName(h.Type), ra, rb)
					}
				}
			}
			treesEqual(t, a, b)
			if b.DigestMismatches() != 0 || a.DigestMismatches() != 0 {
				t.Fatal("digest mismatch")
			}
			// And the end state survives a round trip of its own.
			c, err := FromSnapshot(a.Snapshot(), opts)
			if err != nil {
				t.Fatal(err)
			}
			c.SetLastProcessedZxid(a.LastProcessedZxid())
			checkInvariants(t, c)
			treesEqual(t, a, c)
		})
	}
}
