package broker

import "github.com/twmb/franz-go/pkg/kmsg"

// StopReplica v0-v3 over the network (see 04_leader_and_isr.go).
func init() { Register(5, 0, 3, Typed(handleStopReplica)) }

func handleStopReplica(ctx *RequestContext, req *kmsg.StopReplicaRequest) Reply {
	return controlReply(ctx, req)
}
