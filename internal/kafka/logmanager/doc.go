// Package logmanager is Kafka's LogManager: the owner of the log
// directories (log.dirs) and of every partition log in them. It opens,
// locks and recovers the directories, creates, finds, truncates and
// deletes partition logs, runs their background work (flushes, retention,
// delayed deletions, checkpoints, the cleaner) without a goroutine per
// partition, and shuts them down so that the next start skips recovery.
// It hosts the log cleaner (internal/kafka/log's Cleaner; cleaner.go).
// The partition logs themselves are internal/kafka/log; the files beside
// them are internal/kafka/log/checkpoint; every byte goes through
// internal/vfs.
//
// # API at a glance
//
//	cfg, err := logmanager.ParseConfig(props)                 // server.properties keys, Kafka's defaults
//	m, err := logmanager.Open(cfg, logmanager.Options{FS, Clock, ClusterID, BrokerID, TopicOverrides, Replication})
//	tcfg, err := m.TopicConfig(overrides)                     // broker defaults + retention.ms, segment.bytes, ...
//	l, err := m.GetOrCreateLog(tp, tcfg, topicID)             // the fewest-partitions directory; partition.metadata
//	l, ok := m.GetLog(tp)                                     // then l.AppendAsLeader, l.Read, l.Flush ... (package log)
//	err = m.TruncateTo(map[tp]offset)                         // followers; recovery points checkpointed before it returns
//	ok, err = m.AsyncDelete(tp)                               // rename to -delete now, remove after file.delete.delay.ms
//	err = m.UpdateTopicConfig(topic, tcfg)                    // dynamic topic configs
//	err = m.WriteHighWatermarks(hws); hws, err := m.ReadHighWatermarks()
//	dir := <-m.Failures().C()                                 // a log directory went offline
//	m.LogDirFailed(dir, err)                                  // the broker saw log.ErrStorage on a log there
//	err = m.Close()                                           // flush, close, checkpoints, clean shutdown marker
//
// # Layout
//
//	<log.dir>/
//	  .lock                               held while open (lock.go)
//	  meta.properties                     version 0: broker.id, cluster.id (dirs.go)
//	  .kafka_cleanshutdown                written last by Close, removed first by Open
//	  recovery-point-offset-checkpoint    checkpoints.go has the four offset checkpoints
//	  log-start-offset-checkpoint
//	  replication-offset-checkpoint
//	  cleaner-offset-checkpoint
//	  <topic>-<partition>/                a live log (package log), with partition.metadata
//	  <topic>-<partition>.<id>-delete/    removed after file.delete.delay.ms, never reopened
//	  <topic>-<partition>.<id>-future/    opened as a future log (GetFutureLog)
//	  <topic>-<partition>.<id>-stray/     left alone
//
// # Invariants
//
//   - The clean shutdown marker of a directory exists only if every log
//     in it was flushed and closed and its recovery point and log start
//     checkpoints were written after that: Close writes it last, and Open
//     removes it (and syncs the directory) before opening any log, so a
//     crash during recovery is recovered again.
//   - A recovery point in recovery-point-offset-checkpoint never exceeds
//     what is durable in its log: it is read from the log (which advances
//     it only after an fsync), and after a truncation the checkpoint is
//     rewritten before TruncateTo returns; checkpoint writes of one
//     directory are ordered (snapshot and write under one lock), so an
//     older snapshot never overwrites a newer one.
//   - Every checkpoint is replaced crash-safely: after a crash a file holds
//     its old or its new content.
//   - A partition has at most one live log; a log renamed -delete is never
//     opened again, only removed.
//   - An I/O error in a directory takes it offline (Failures): its logs
//     leave the manager and are closed, nothing more is written there, and
//     no marker, so its next start recovers it. The manager fails only
//     when no directory is left.
//
// # Concurrency and lock order
//
// Every method is safe for concurrent use. Locks, outermost first:
//
//	Manager.createMu          creation, deletion, truncation of logs (held across their I/O)
//	logDir.cpMu               a directory's checkpoint snapshots and writes
//	Manager.mu                the maps of logs; never held across I/O
//	logDir.cleanerMu          its cleaner checkpoint (never held with Manager.mu)
//	(package log's locks)     a log's own, taken by its methods
//	scheduler.mu, cfgMu, FailureChannel.mu, the lock registry: leaves
//
// No manager lock is held while a scheduled task runs. The cleaner's
// methods are called with at most createMu held; the host methods the
// cleaner calls never take createMu and never call the cleaner.
//
// # Background work
//
// One scheduler (scheduler.go) serves the manager's periodic tasks and the
// logs' deferred work (log.Scheduler): a timer heap and one goroutine that
// hands due tasks to at most background.threads goroutines. With
// Options.ManualSchedule no goroutine runs and RunDue(now) advances time
// (tests, simulators). Periodic tasks, after log.initial.task.delay.ms:
// retention every log.retention.check.interval.ms, the flush check every
// log.flush.scheduler.interval.ms, the recovery point and log start
// checkpoints every log.flush.offset.checkpoint.interval.ms and
// log.flush.start.offset.checkpoint.interval.ms, and the high watermark
// checkpoint every replica.high.watermark.checkpoint.interval.ms when
// Options.Replication is set.
package logmanager
