package tree

import (
	"fmt"
	"sync"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// The documented locking: reads and watch registration under a read lock,
// Apply under the write lock. Run with -race.
func TestConcurrentReadsAndWatches(t *testing.T) {
	a := newApplier(t, Options{})
	for i := 0; i < 20; i++ {
		mustOK(t, a.create(fmt.Sprintf("/n%d", i), "x"))
	}
	var mu sync.RWMutex
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			w := WatcherID(g)
			for i := 0; i < 200; i++ {
				p := fmt.Sprintf("/n%d", i%20)
				mu.RLock()
				a.tree.GetData(p)
				a.tree.Children("/")
				a.tree.AddWatch(p, w, WatchData)
				a.tree.SetWatches(0, nil, []string{"/missing"}, []string{p}, nil, []string{"/"}, w)
				a.tree.WatchCount()
				a.tree.WatchesByPath()
				a.tree.RemoveWatches(p, w, jute.WatcherAny)
				mu.RUnlock()
				if i%50 == 0 {
					mu.Lock()
					a.set(p, fmt.Sprint(i))
					mu.Unlock()
				}
			}
			mu.RLock()
			a.tree.RemoveWatcher(w)
			mu.RUnlock()
		}(g)
	}
	wg.Wait()
	if n := a.tree.WatchCount(); n != 0 {
		t.Fatalf("watch count %d", n)
	}
}
