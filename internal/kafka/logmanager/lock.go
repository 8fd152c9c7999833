package logmanager

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"

	"github.com/wharf-project/wharf/internal/vfs"
)

// LockFileName is the lock file Kafka keeps in every log directory.
const LockFileName = ".lock"

// A log directory is locked as Kafka's FileLock does it: the manager opens
// <dir>/.lock and holds it open until it closes. Two checks guard it:
//
//   - in this process, a registry of the directories held, by filesystem
//     and path: a second manager on the same directory gets ErrLocked (the
//     JVM's OverlappingFileLockException);
//   - across processes, where the file has an OS descriptor, an fcntl
//     write lock on the whole file (F_SETLK, what the JVM's
//     FileChannel.tryLock takes on Linux), so a running Apache Kafka
//     broker and a Wharf broker exclude each other. POSIX locks belong to
//     the process and are dropped when any descriptor of the file closes:
//     the registry is what makes sure this process opens .lock only once.
//
// In-memory filesystems have no descriptors: only the registry applies.

type lockKey struct {
	fs   any
	path string
}

var (
	heldMu sync.Mutex
	held   = map[lockKey]bool{}
)

func keyFor(fsys vfs.FS, path string) lockKey {
	k := lockKey{path: filepath.Clean(path)}
	if t := reflect.TypeOf(fsys); t != nil && t.Comparable() {
		k.fs = fsys
	}
	return k
}

// dirLock is a held lock on a log directory.
type dirLock struct {
	key  lockKey
	file vfs.File
	once sync.Once
}

// errLockIO wraps an I/O error met while locking: the directory goes
// offline, where a lock held by someone else fails the broker.
var errLockIO = errors.New("logmanager: disk error while locking directory")

// lockDir takes dir's lock.
func lockDir(fsys vfs.FS, dir string) (*dirLock, error) {
	path := filepath.Join(dir, LockFileName)
	key := keyFor(fsys, path)
	heldMu.Lock()
	defer heldMu.Unlock()
	if held[key] {
		return nil, lockedError(dir)
	}
	f, err := fsys.OpenReadWrite(path)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", errLockIO, dir, err)
	}
	if fd := f.Fd(); fd != ^uintptr(0) {
		if err := tryLockFd(fd); err != nil {
			_ = f.Close()
			if errors.Is(err, errLockHeld) {
				return nil, lockedError(dir)
			}
			return nil, fmt.Errorf("%w %s: %w", errLockIO, dir, err)
		}
	}
	held[key] = true
	return &dirLock{key: key, file: f}, nil
}

func lockedError(dir string) error {
	return fmt.Errorf("%w: Failed to acquire lock on file .lock in %s. A Kafka instance in another process or thread is using this directory.",
		ErrLocked, dir)
}

// release closes the file (dropping the OS lock) and the registry entry,
// once. The file stays, as Kafka leaves it.
func (l *dirLock) release() {
	l.once.Do(func() {
		heldMu.Lock()
		defer heldMu.Unlock()
		_ = l.file.Close()
		delete(held, l.key)
	})
}
