package controller

import (
	"fmt"
	"slices"
)

// BrokerMetadata is a broker as replica assignment sees it
// (kafka.admin.BrokerMetadata): its id and rack (nil: none).
type BrokerMetadata struct {
	ID   int32
	Rack *string
}

// AssignError is an assignment failure with the Kafka error it maps to.
type AssignError struct {
	Code    int16 // kerr code: INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, ...
	Message string
}

func (e *AssignError) Error() string { return "controller: " + e.Message }

// AssignReplicas is AdminUtils.assignReplicasToBrokers. brokers must be
// sorted by id. fixedStartIndex and startPartitionID are -1 for a new
// topic; rnd(n) returns a random int in [0, n) (Kafka's rand.nextInt) and
// is only called when fixedStartIndex < 0.
//
// Without racks, partition p's first replica is broker (p+start) % n and
// the others follow at a shift that grows by one every n partitions. With
// racks on every broker, brokers are interleaved rack by rack and each
// further replica goes to a rack (then a broker) that has none yet, when
// there is one.
func AssignReplicas(brokers []BrokerMetadata, nPartitions, replicationFactor int32, fixedStartIndex, startPartitionID int32, rnd func(n int) int) (map[int32][]int32, error) {
	if nPartitions <= 0 {
		return nil, &AssignError{codeInvalidPartitions, "Number of partitions must be larger than 0."}
	}
	if replicationFactor <= 0 {
		return nil, &AssignError{codeInvalidReplicationFactor, "Replication factor must be larger than 0."}
	}
	if int(replicationFactor) > len(brokers) {
		return nil, &AssignError{codeInvalidReplicationFactor, fmt.Sprintf("Replication factor: %d larger than available brokers: %d.", replicationFactor, len(brokers))}
	}
	racks := 0
	for _, b := range brokers {
		if b.Rack != nil {
			racks++
		}
	}
	if racks == 0 {
		ids := make([]int32, len(brokers))
		for i, b := range brokers {
			ids[i] = b.ID
		}
		return assignRackUnaware(ids, nPartitions, replicationFactor, fixedStartIndex, startPartitionID, rnd), nil
	}
	if racks < len(brokers) {
		return nil, &AssignError{codeInvalidReplicaAssignment, "Not all brokers have rack information for replica rack aware assignment."}
	}
	return assignRackAware(brokers, nPartitions, replicationFactor, fixedStartIndex, startPartitionID, rnd), nil
}

func replicaIndex(first, secondShift, replica, n int) int {
	shift := 1 + (secondShift+replica)%(n-1)
	return (first + shift) % n
}

func starts(n int, fixedStartIndex int32, rnd func(int) int) (start, shift int) {
	if fixedStartIndex >= 0 {
		return int(fixedStartIndex), int(fixedStartIndex)
	}
	start = rnd(n)
	return start, rnd(n)
}

func assignRackUnaware(ids []int32, nPartitions, rf, fixedStartIndex, startPartitionID int32, rnd func(int) int) map[int32][]int32 {
	n := len(ids)
	out := make(map[int32][]int32, nPartitions)
	start, shift := starts(n, fixedStartIndex, rnd)
	p := int(max(0, startPartitionID))
	for range nPartitions {
		if p > 0 && p%n == 0 {
			shift++
		}
		first := (p + start) % n
		replicas := []int32{ids[first]}
		for j := 0; j < int(rf)-1; j++ {
			replicas = append(replicas, ids[replicaIndex(first, shift, j, n)])
		}
		out[int32(p)] = replicas
		p++
	}
	return out
}

// RackAlternatedBrokers is AdminUtils.getRackAlternatedBrokerList: one
// broker of each rack in turn (racks sorted, brokers of a rack by id).
func RackAlternatedBrokers(brokers []BrokerMetadata) []int32 {
	byRack := map[string][]int32{}
	for _, b := range brokers {
		byRack[*b.Rack] = append(byRack[*b.Rack], b.ID)
	}
	racks := make([]string, 0, len(byRack))
	for r, ids := range byRack {
		slices.Sort(ids)
		racks = append(racks, r)
	}
	slices.Sort(racks)
	next := make([]int, len(racks))
	var out []int32
	for i := 0; len(out) < len(brokers); i = (i + 1) % len(racks) {
		if ids := byRack[racks[i]]; next[i] < len(ids) {
			out = append(out, ids[next[i]])
			next[i]++
		}
	}
	return out
}

func assignRackAware(brokers []BrokerMetadata, nPartitions, rf, fixedStartIndex, startPartitionID int32, rnd func(int) int) map[int32][]int32 {
	rackOf := map[int32]string{}
	rackSet := map[string]bool{}
	for _, b := range brokers {
		rackOf[b.ID] = *b.Rack
		rackSet[*b.Rack] = true
	}
	numRacks := len(rackSet)
	arranged := RackAlternatedBrokers(brokers)
	n := len(arranged)
	out := make(map[int32][]int32, nPartitions)
	start, shift := starts(n, fixedStartIndex, rnd)
	p := int(max(0, startPartitionID))
	for range nPartitions {
		if p > 0 && p%n == 0 {
			shift++
		}
		first := (p + start) % n
		leader := arranged[first]
		replicas := []int32{leader}
		racksWith := map[string]bool{rackOf[leader]: true}
		brokersWith := map[int32]bool{leader: true}
		k := 0
		for range rf - 1 {
			for {
				b := arranged[replicaIndex(first, shift*numRacks, k, n)]
				rack := rackOf[b]
				k++
				// Skip a broker whose rack already has a replica while some
				// rack has none, or that has one while some broker has none.
				if (!racksWith[rack] || len(racksWith) == numRacks) && (!brokersWith[b] || len(brokersWith) == n) {
					replicas = append(replicas, b)
					racksWith[rack] = true
					brokersWith[b] = true
					break
				}
			}
		}
		out[int32(p)] = replicas
		p++
	}
	return out
}
