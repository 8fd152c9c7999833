package broker

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// The controller's requests over the network: LeaderAndIsr v0-v5,
// StopReplica v0-v3 and UpdateMetadata v0-v7 are Kafka 2.8's ranges, the
// versions Wharf's controller sends (controller.LeaderAndIsrVersion, …).
// The controller of this broker's own process delivers them in process
// (controller.LocalChannel); these handlers serve a controller elected on
// another broker. All three go to Broker.handleControl, which fences
// stale broker and controller epochs as KafkaApis does. Kafka requires
// CLUSTER_ACTION for them; without an authorizer everyone has it.
func init() {
	Register(4, 0, 5, Typed(handleLeaderAndIsr))
}

func handleLeaderAndIsr(ctx *RequestContext, req *kmsg.LeaderAndISRRequest) Reply {
	return controlReply(ctx, req)
}

// controlReply answers a controller request through the broker's control
// handler; a broker shutting down closes the connection (the controller
// resends to the broker's next registration).
func controlReply(ctx *RequestContext, req kmsg.Request) Reply {
	b := ctx.Broker.(*Broker)
	resp, err := b.handleControl(context.Background(), req)
	if err != nil {
		return CloseConnection(err)
	}
	return Respond(resp)
}
