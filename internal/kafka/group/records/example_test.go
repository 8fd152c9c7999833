package records_test

import (
	"fmt"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

func Example() {
	commit := records.NewOffsetCommit("billing", "orders", 3, records.OffsetAndMetadata{
		Offset: 42, LeaderEpoch: 7, CommitTimestamp: 1700000000000, ExpireTimestamp: records.NoExpireTimestamp,
	})
	key, value, err := records.Encode(commit)
	if err != nil {
		panic(err)
	}
	fmt.Printf("key %x\nvalue %x\n", key, value)

	// A loader replays what it reads back; deletions come as tombstones.
	for _, kv := range [][2][]byte{{key, value}, {key, nil}} {
		r, err := records.Decode(kv[0], kv[1])
		if err != nil {
			panic(err)
		}
		switch k := r.Key.(type) {
		case records.OffsetCommitKey:
			if r.IsTombstone() {
				fmt.Printf("delete %s %s-%d\n", k.Group, k.Topic, k.Partition)
				continue
			}
			v := r.Value.(records.OffsetCommitValue)
			fmt.Printf("commit %s %s-%d at %d (epoch %d, value v%d)\n", k.Group, k.Topic, k.Partition, v.Offset, v.LeaderEpoch, v.Version)
		}
	}
	// Output:
	// key 0001000762696c6c696e6700066f726465727300000003
	// value 0003000000000000002a0000000700000000018bcfe56800
	// commit billing orders-3 at 42 (epoch 7, value v3)
	// delete billing orders-3
}
