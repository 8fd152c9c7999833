// Package wire is the Kafka protocol's framing and header layer, on the
// broker's side: it reads request frames, parses request headers, builds
// request bodies with kmsg, and encodes responses, including responses whose
// record data is sent from files with sendfile. kmsg (franz-go) encodes and
// decodes every message body; this package owns only what kmsg does not:
// sizes, headers, and how bytes reach the socket.
//
// # API at a glance
//
//	fr := wire.NewFrameReader(conn, 104857600)  // socket.request.max.bytes
//	frame, err := fr.Next()                      // one request, size prefix stripped
//	fr.SetPool(&pool); pool.Put(frame)           // optional: recycle large frames once done with them
//	req, err := wire.ParseRequest(frame)         // header; req.Body is an empty kmsg.Request (nil key: ErrUnknownKey)
//	err = req.Decode()                           // body; ErrInvalidRequest when it does not parse
//
//	f := wire.ResponseFrame(corr, resp)          // size + correlation id (+ tag byte) + body
//	var sp wire.Splicer                          // or with file regions:
//	p.RecordBatches = sp.Placeholder(region)     //   a 16-byte stand-in in the kmsg response
//	f, err := sp.Frame(corr, resp)               //   the region spliced in place of the stand-in
//	w := wire.NewWriter(conn)
//	err = w.Write(f); err = w.Flush()            // writev for bytes, sendfile for regions
//
// # Framing and headers
//
//	request  = size:int32 header body                 size counts header+body
//	header   v0: api_key:int16 api_version:int16 correlation_id:int32
//	         v1: v0 + client_id:nullable_string (int16 length, -1 = null)
//	         v2: v1 + tagged_fields (uvarint count, then tag:uvarint size:uvarint bytes)
//	response = size:int32 correlation_id:int32 [tagged_fields: 0x00] body
//
// The request header is v2 when the API version is flexible (KIP-482), v1
// otherwise, except ControlledShutdown v0, whose header is v0. The response
// header carries the empty tag section when the response is flexible,
// except for ApiVersions, whose response header is always v0 so a client
// can read it whatever version it asked for (KIP-511).
//
// # Invariants
//
//   - A frame whose size is negative or above the limit is refused before
//     any buffer is allocated for it; a frame's buffer grows with the bytes
//     that actually arrive, never beyond twice those bytes plus 64 KiB.
//   - Every frame is returned in its own buffer: kmsg's decoded []byte
//     fields (produce records) alias it, so handlers may keep them —
//     unless the reader has a FramePool (SetPool): then a frame of 64 KiB
//     or more may reuse a buffer its owner gave back with FramePool.Put,
//     which the owner does only once nothing refers to the old frame.
//     Taking a buffer from the pool allocates nothing, so the growth bound
//     above concerns new allocations only.
//   - Nothing here panics on input; a decoder panic is turned into
//     ErrInvalidRequest.
//   - A Frame's file regions are released exactly once: by the Writer once
//     sent or failed, or by Frame.Release.
//
// # Known issue: kmsg's tag loops
//
// kmsg v1.15.0 (the latest) reads a tagged-field section with
// "for n := b.Uvarint(); n > 0; n-- {...}" and goes on looping after its
// reader has run out of bytes. A flexible request whose tag count is a
// large uvarint followed by too few bytes therefore costs up to 2^32 empty
// iterations (about a minute of one core) before Decode fails with
// ErrInvalidRequest: a CPU cost a client can impose with a 30-byte request.
// Memory is not affected. The fix belongs in kmsg (stop the loop when the
// reader fails); until then the fuzz targets skip such inputs
// (wiretest.MayLoopOnTags).
package wire
