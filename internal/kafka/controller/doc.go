// Package controller is Kafka 2.8's controller in ZooKeeper mode
// (kafka.controller.KafkaController) and the admin operations brokers
// perform in ZooKeeper (ZkAdminManager, AdminZkClient).
//
// Every broker runs a Controller. Start registers the broker's ephemeral
// /brokers/ids/<id> and takes part in the election: the broker that
// creates the ephemeral /controller, in the same transaction as it bumps
// /controller_epoch on the epoch's zkVersion, is active. The active
// controller reads brokers, topics and partition states, elects leaders
// (the first live replica in the ISR; an unclean choice only when
// unclean.leader.election.enable allows it), writes partition states and
// sends LeaderAndIsr, UpdateMetadata and StopReplica requests through a
// BrokerChannel (LocalChannel delivers to brokers in this process). It
// watches /brokers/ids (brokers that fail lose leadership and leave ISRs;
// a lone replica keeps its ISR place and the partition goes offline with
// leader -1 until it returns), /brokers/topics (new topics), each
// /brokers/topics/<t> (new partitions), /admin/delete_topics and
// /isr_change_notification.
//
// Invariants:
//   - One event goroutine owns the controller's state (controllerContext);
//     watches and broker responses only queue events.
//   - Every write of the active controller is fenced by the zkVersion of
//     /controller_epoch (a check in the same ZooKeeper transaction); a
//     controller whose write is refused resigns.
//   - Requests to one broker are delivered in order, from one goroutine
//     per live broker; a broker's queue goes when it dies.
//   - Decision logic is pure and tested alone: ElectOffline and friends
//     (election.go), AssignReplicas (assign.go), ValidateTopicName, the
//     request batch (batch.go).
//
// Left out for now: partition reassignment, preferred and auto leader
// rebalance, controlled shutdown, AlterIsr, feature versioning, and the
// network BrokerChannel.
package controller
