package zkdata

import "strconv"

// Kafka 2.8's znode paths (kafka.zk.ZkData). Paths are relative to the
// chroot of zookeeper.connect; the client adds it.
const (
	ControllerPath               = "/controller"
	ControllerEpochPath          = "/controller_epoch"
	BrokersPath                  = "/brokers"
	BrokerIDsPath                = "/brokers/ids"
	TopicsPath                   = "/brokers/topics"
	BrokerSeqIDPath              = "/brokers/seqid"
	ConfigPath                   = "/config"
	ConfigChangesPath            = "/config/changes"
	AdminPath                    = "/admin"
	DeleteTopicsPath             = "/admin/delete_topics"
	ReassignPartitionsPath       = "/admin/reassign_partitions"
	PreferredReplicaElectionPath = "/admin/preferred_replica_election"
	IsrChangeNotificationPath    = "/isr_change_notification"
	LogDirEventNotificationPath  = "/log_dir_event_notification"
	ProducerIDBlockPath          = "/latest_producer_id_block"
	ClusterPath                  = "/cluster"
	ClusterIDPath                = "/cluster/id"
	FeaturePath                  = "/feature"
	ConsumersPath                = "/consumers"

	// ConfigChangePrefix, IsrChangePrefix and LogDirEventPrefix name the
	// sequential notification znodes.
	ConfigChangePrefix = "config_change_"
	IsrChangePrefix    = "isr_change_"
	LogDirEventPrefix  = "log_dir_event_"

	// DefaultEntity is the config entity name of cluster-wide defaults
	// (/config/brokers/<default>).
	DefaultEntity = "<default>"
)

// Config entity types (kafka.server.ConfigType).
const (
	ConfigTopics  = "topics"
	ConfigClients = "clients"
	ConfigUsers   = "users"
	ConfigBrokers = "brokers"
	ConfigIPs     = "ips"
)

// ConfigTypes lists the config entity types in Kafka's order.
var ConfigTypes = []string{ConfigTopics, ConfigClients, ConfigUsers, ConfigBrokers, ConfigIPs}

// PersistentPaths are the znodes a broker makes sure exist at startup
// (ZkData.PersistentZkPaths), in Kafka's order.
var PersistentPaths = []string{
	ConsumersPath,
	BrokerIDsPath,
	TopicsPath,
	ConfigChangesPath,
	DeleteTopicsPath,
	BrokerSeqIDPath,
	IsrChangeNotificationPath,
	ProducerIDBlockPath,
	LogDirEventNotificationPath,
	ConfigPath + "/" + ConfigTopics,
	ConfigPath + "/" + ConfigClients,
	ConfigPath + "/" + ConfigUsers,
	ConfigPath + "/" + ConfigBrokers,
	ConfigPath + "/" + ConfigIPs,
}

// BrokerPath is /brokers/ids/<id>.
func BrokerPath(id int32) string { return BrokerIDsPath + "/" + strconv.Itoa(int(id)) }

// TopicPath is /brokers/topics/<topic>.
func TopicPath(topic string) string { return TopicsPath + "/" + topic }

// TopicPartitionsPath is /brokers/topics/<topic>/partitions.
func TopicPartitionsPath(topic string) string { return TopicPath(topic) + "/partitions" }

// PartitionPath is /brokers/topics/<topic>/partitions/<p>.
func PartitionPath(topic string, partition int32) string {
	return TopicPartitionsPath(topic) + "/" + strconv.Itoa(int(partition))
}

// PartitionStatePath is /brokers/topics/<topic>/partitions/<p>/state.
func PartitionStatePath(topic string, partition int32) string {
	return PartitionPath(topic, partition) + "/state"
}

// ConfigEntityTypePath is /config/<type>.
func ConfigEntityTypePath(entityType string) string { return ConfigPath + "/" + entityType }

// ConfigEntityPath is /config/<type>/<name>.
func ConfigEntityPath(entityType, name string) string {
	return ConfigEntityTypePath(entityType) + "/" + name
}

// DeleteTopicPath is /admin/delete_topics/<topic>.
func DeleteTopicPath(topic string) string { return DeleteTopicsPath + "/" + topic }

// ConsumerOffsetPath is /consumers/<group>/offsets/<topic>/<partition>
// (the old Scala consumers' offsets; the data is the decimal offset).
func ConsumerOffsetPath(group, topic string, partition int32) string {
	return ConsumersPath + "/" + group + "/offsets/" + topic + "/" + strconv.Itoa(int(partition))
}
