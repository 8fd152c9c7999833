package broker

import (
	"regexp"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// apiVersionsKey is ApiVersions, which the connection treats specially:
// an unsupported version still gets an answer (KIP-511).
const apiVersionsKey = 18

// ApiVersions v5 (KIP-1242) would have to check the client's cluster and
// node ids; v0-v4 differ only in encoding and the KIP-511 fields.
func init() { Register(apiVersionsKey, 0, 4, Typed(handleApiVersions)) }

// softwareRe is Kafka's ApiVersionsRequest.SOFTWARE_NAME_VERSION_PATTERN.
var softwareRe = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$`)

// handleApiVersions answers with the registry's table (every registered
// key, its handler's range capped at kmsg's), no features (a ZooKeeper-mode
// broker with no /feature znode: no supported features, finalized epoch
// -1), and records the client software of a v3+ request. A v3+ request
// whose software name or version is malformed gets INVALID_REQUEST and an
// empty table, as Kafka answers.
func handleApiVersions(ctx *RequestContext, req *kmsg.ApiVersionsRequest) Reply {
	resp := req.ResponseKind().(*kmsg.ApiVersionsResponse)
	if req.Version >= 3 {
		if !softwareRe.MatchString(req.ClientSoftwareName) || !softwareRe.MatchString(req.ClientSoftwareVersion) {
			resp.ErrorCode = kerr.InvalidRequest.Code
			return Respond(resp)
		}
		ctx.Conn.SetClientSoftware(req.ClientSoftwareName, req.ClientSoftwareVersion)
	}
	resp.ApiKeys = ctx.registry().Versions()
	return Respond(resp)
}

// apiVersionsUnsupported is the KIP-511 answer to ApiVersions at a version
// this broker does not know: a v0 response (so any client can read it)
// with UNSUPPORTED_VERSION and, as Kafka 2.4+ sends, the ApiVersions
// entry alone, from which the client picks the version to retry with. The
// request's body is not parsed.
func apiVersionsUnsupported(minVersion, maxVersion int16) kmsg.Response {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.Version = 0
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	resp.ApiKeys = []kmsg.ApiVersionsResponseApiKey{{ApiKey: apiVersionsKey, MinVersion: minVersion, MaxVersion: maxVersion}}
	return resp
}
