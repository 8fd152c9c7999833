// Package broker is Wharf's Kafka broker: the network server (listeners,
// connections, limits), the handler registry with one file per API key
// (00_produce.go, 01_fetch.go, 03_metadata.go, 18_api_versions.go, …), and
// the Broker that wires the other packages to the handlers.
//
// # Handlers
//
// Each handler file registers itself from init() with the versions it
// implements; ApiVersions advertises exactly the registry (each range
// capped at kmsg's maximum), so the table cannot drift from the code:
//
//	func init() { Register(3, 0, 11, Typed(handleMetadata)) }
//
//	func handleMetadata(ctx *RequestContext, req *kmsg.MetadataRequest) Reply {
//		b := ctx.Broker.(*Broker)            // whatever Options.Broker is
//		resp := req.ResponseKind().(*kmsg.MetadataResponse)
//		...
//		return Respond(resp)                 // version set by the server
//	}
//
// Replies: Respond(resp); NoResponse() (acks=0 produce); CloseConnection(err)
// (closes after the earlier responses are out); a Pending completed later
// from any goroutine (long-poll fetch, acks=all produce):
//
//	p := NewPending()
//	waiter.OnDone(func() { p.Complete(Respond(resp)) })
//	return p.Reply()
//
// and RespondSpliced(resp, &sp) for record data sent from files with
// sendfile: part.RecordBatches = sp.Placeholder(FileRegion(readResult.Region)).
// ctx.Done() closes with the connection, for handlers that park work.
//
// A handler runs on its connection's reading goroutine, one request at a
// time, in arrival order: the effects of pipelined requests (appends of an
// idempotent producer's five in-flight batches) happen in order. A handler
// that blocks stops its connection's reading (and only that connection).
//
// # Connections
//
// One goroutine reads and dispatches, one writes. Replies settle in any
// order but leave in request order (a queue of slots). A connection stops
// reading while queued.max.requests of its requests are unanswered,
// closes when its unsent encoded responses exceed Config.OutputBufferBytes
// (a client that sends but does not read), and closes after
// connections.max.idle.ms without traffic and with nothing in flight.
//
// As Kafka does, the connection is closed, after the responses to earlier
// requests, for a frame whose size is negative or above
// socket.request.max.bytes (refused before allocating), an unknown or
// unregistered API key, a version outside the handler's range, and a body
// that does not parse. ApiVersions is the exception: at an unsupported
// version it is answered with a v0 response carrying UNSUPPORTED_VERSION and
// the ApiVersions range (KIP-511).
//
// Limits follow Kafka's ConnectionQuotas: max.connections.per.ip (and its
// overrides) refuses a connection at once; max.connections and
// listener.name.<l>.max.connections make the acceptor wait for a free slot
// (the inter-broker listener is exempt from max.connections when there are
// other listeners). Only PLAINTEXT listeners are served; SSL and SASL
// listeners parse and are refused by NewServer.
//
// # Invariants and locks
//
//   - Every request read is answered in order, answered with nothing
//     (NoResponse), or the connection closes; Metrics.RequestDone is
//     called once for each request whose reply settled.
//   - A frame's file regions are released exactly once: sent, dropped on
//     close, or failed.
//   - conn.mu (a connection's queue) is a leaf lock; Pending.mu is never
//     held while calling out; Server.mu is not held while a connection
//     closes. No handler code runs under a server lock.
//   - Nothing a client sends panics the process: decoding and handler
//     panics close that connection only.
package broker
