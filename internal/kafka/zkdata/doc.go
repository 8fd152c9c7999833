// Package zkdata is Kafka 2.8's ZooKeeper data layout (kafka.zk.ZkData)
// and the ZooKeeper operations brokers and the controller perform on it
// (kafka.zk.KafkaZkClient, kafka.zookeeper.ZooKeeperClient).
//
// Codec: every znode Kafka writes — /brokers/ids/<id>, /brokers/topics/<t>
// and its partition states, /controller, /controller_epoch, /cluster/id,
// /brokers/seqid, /config/<type>/<name>, /config/changes/config_change_N,
// /admin/delete_topics/<t>, /admin/reassign_partitions,
// /admin/preferred_replica_election, /isr_change_notification/isr_change_N,
// /log_dir_event_notification/log_dir_event_N, /feature — is encoded byte
// for byte as Kafka's Json.encodeAsBytes (Jackson, compact) writes it,
// including the order of the fields, which in Kafka is the iteration order
// of the Scala or Java map the JSON is built from. jvmorder.go reproduces
// those orders for both Kafka 2.8 builds (Scala 2.13, the default, and
// Scala 2.12: see Flavor) and for java.util.Properties. Decoders accept
// every version Kafka 2.8 reads (broker registrations v1 to v5, topic
// znodes without topic ids, config change notifications v1 and v2).
//
// Client: one ZooKeeper session at a time, renewed when it expires
// (SessionHandler hooks run around the renewal); requests that meet a lost
// connection are sent again once it is back; watches are persistent and
// set again on each new session; writes of the controller can be fenced by
// the zkVersion of /controller_epoch (a CheckOp in the same transaction,
// ErrControllerMoved when it fails), as Kafka 2.8 fences them.
//
// Invariants:
//   - Encoders are deterministic and never fail; decoders never panic and
//     return errors wrapping ErrJSON for data Kafka would not read.
//   - Every znode is created with the open ACL (zookeeper.set.acl=false).
//   - Client.mu is a leaf lock; watch and session callbacks run without it.
//
// Left out: ACL znodes (/kafka-acl*), delegation tokens, secure ACLs.
package zkdata
