package broker

import "github.com/twmb/franz-go/pkg/kmsg"

// UpdateMetadata v0-v7 over the network (see 04_leader_and_isr.go).
func init() { Register(6, 0, 7, Typed(handleUpdateMetadata)) }

func handleUpdateMetadata(ctx *RequestContext, req *kmsg.UpdateMetadataRequest) Reply {
	return controlReply(ctx, req)
}
