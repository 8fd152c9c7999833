package logmanager

import (
	"slices"
	"sync"
)

// FailureChannel is Kafka's LogDirFailureChannel: the set of log
// directories taken offline by an I/O error, each reported once on C for
// whoever handles failures (the broker's replica manager: it stops serving
// the partitions and tells the controller). A directory stays offline
// until the broker restarts.
type FailureChannel struct {
	mu      sync.Mutex
	offline map[string]error
	c       chan string
}

func newFailureChannel(numDirs int) *FailureChannel {
	return &FailureChannel{offline: map[string]error{}, c: make(chan string, numDirs)}
}

// C receives each directory once, when it goes offline. It is buffered for
// every directory, so nobody has to read it.
func (f *FailureChannel) C() <-chan string { return f.c }

// add marks dir offline because of err; it reports whether dir was online.
func (f *FailureChannel) add(dir string, err error) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.offline[dir]; ok {
		return false
	}
	f.offline[dir] = err
	f.c <- dir // never blocks: one slot per directory
	return true
}

// IsOffline reports whether dir is offline.
func (f *FailureChannel) IsOffline(dir string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.offline[dir]
	return ok
}

// Err returns the error that took dir offline (nil if it is online).
func (f *FailureChannel) Err(dir string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.offline[dir]
}

// Offline returns the offline directories, sorted.
func (f *FailureChannel) Offline() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	dirs := make([]string, 0, len(f.offline))
	for d := range f.offline {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	return dirs
}
