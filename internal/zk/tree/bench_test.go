package tree

import (
	"fmt"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

func benchTree(b *testing.B, n int) (*Tree, []string) {
	tr := New(Options{})
	paths := make([]string, 0, n)
	z := int64(1)
	for i := 0; i < 100; i++ {
		p := fmt.Sprintf("/dir%02d", i)
		tr.Apply(&jute.TxnHeader{Zxid: z, Type: jute.OpCreate}, &jute.CreateTxn{Path: p, ACL: openACL, ParentCVersion: -1})
		z++
	}
	for i := 0; len(paths) < n; i++ {
		p := fmt.Sprintf("/dir%02d/node%07d", i%100, i)
		tr.Apply(&jute.TxnHeader{Zxid: z, Type: jute.OpCreate}, &jute.CreateTxn{Path: p, Data: make([]byte, 100), ACL: openACL, ParentCVersion: -1})
		z++
		paths = append(paths, p)
	}
	return tr, paths
}

func BenchmarkApplyCreateDelete(b *testing.B) {
	tr, _ := benchTree(b, 10000)
	data := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := fmt.Sprintf("/dir%02d/x%d", i%100, i)
		tr.Apply(&jute.TxnHeader{Zxid: int64(1e9 + 2*i), Type: jute.OpCreate}, &jute.CreateTxn{Path: p, Data: data, ACL: openACL, ParentCVersion: -1})
		tr.Apply(&jute.TxnHeader{Zxid: int64(1e9 + 2*i + 1), Type: jute.OpDelete}, &jute.DeleteTxn{Path: p})
	}
}

func BenchmarkApplySetData(b *testing.B) {
	tr, paths := benchTree(b, 10000)
	data := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Apply(&jute.TxnHeader{Zxid: int64(1e9 + i), Type: jute.OpSetData}, &jute.SetDataTxn{Path: paths[i%len(paths)], Data: data, Version: 1})
	}
}

func BenchmarkGetData(b *testing.B) {
	tr, paths := benchTree(b, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.GetData(paths[i%len(paths)])
	}
}

func BenchmarkSnapshot100k(b *testing.B) {
	tr, _ := benchTree(b, 100000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Snapshot()
	}
}

func BenchmarkFromSnapshot100k(b *testing.B) {
	tr, _ := benchTree(b, 100000)
	s := tr.Snapshot()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := FromSnapshot(s, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
