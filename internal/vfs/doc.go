// Package vfs is the filesystem seam: every byte Wharf persists goes through an FS.
//
// Implementations:
//   - Default: the operating system.
//   - NewMem: an in-memory FS with POSIX-like handles (an open file survives
//     Rename and Remove of its name, like an inode).
//   - NewCrashableMem: an in-memory FS that also remembers what was made
//     durable; CrashClone returns the filesystem a power loss would leave.
//   - WithErrors: wraps an FS and fails the operations an Injector picks.
//
// Lower layers (persist, log) take an FS; nothing below cmd/ opens files directly.
//
// # Durability model
//
// This is the contract callers must code against, and exactly what CrashClone
// keeps (it is the oracle of every crash test, so it is strict):
//   - A file's data is durable once File.Sync returns nil. After a crash a file
//     holds exactly the bytes (and size) it had at its last successful Sync;
//     empty if it was never synced.
//   - A directory entry created, renamed or removed is durable once SyncDir of
//     its parent returns nil. After a crash a directory holds exactly the
//     entries it had at its last SyncDir (none if it was never synced); an
//     entry names the same file (inode) it named then, with that file's synced
//     data. So a file created but whose directory was never synced vanishes,
//     even if the file itself was synced; a rename not followed by SyncDir
//     reverts, and the old name holds the old file. A rename across
//     directories needs SyncDir of both: with only the target synced the file
//     appears under both names, with only the source synced under neither.
//   - A directory whose own entry is not durable vanishes with everything in it.
//   - Everything else may be lost. CrashCloneWith can also keep random parts
//     of what was not synced (see CrashCloneCfg), so recovery code is tested
//     against torn tails and unordered writeback, never against bytes that
//     were not written.
//
// A failed Sync or SyncDir guarantees nothing, and on Linux a retried fsync may
// succeed without the earlier data ever reaching the disk: callers must treat a
// Sync failure as fatal for the file (ZooKeeper and Kafka both halt), not retry.
//
// # Paths
//
// Default takes OS paths. The in-memory filesystems take slash-separated
// paths rooted at "/"; a relative path is resolved against the root, so "a/b"
// and "/a/b" name the same file. Errors are *fs.PathError wrapping the same
// syscall errors the OS returns (ENOENT, EISDIR, ENOTDIR, ENOTEMPTY, EBADF,
// EINVAL), so errors.Is(err, fs.ErrNotExist) works on every FS.
//
// # Concurrency
//
// Every FS and File here is safe for concurrent use. The in-memory filesystems
// hold one mutex for the whole tree; there is no other lock, hence no lock order.
package vfs
