package acl

import (
	"errors"
	"fmt"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Well-known schemes and ids (ZooDefs.Ids).
const (
	SchemeWorld  = "world"
	SchemeAuth   = "auth"
	SchemeDigest = "digest"
	SchemeIP     = "ip"
	SchemeSuper  = "super"
)

var (
	// Anyone is world:anyone (ZooDefs.Ids.ANYONE_ID_UNSAFE).
	Anyone = jute.Id{Scheme: SchemeWorld, ID: "anyone"}
	// AuthIDs is auth: (ZooDefs.Ids.AUTH_IDS), replaced by the creator's ids.
	AuthIDs = jute.Id{Scheme: SchemeAuth, ID: ""}
	// Super is the identity that bypasses every check. DigestAuthenticationProvider
	// adds it, with an empty id, when the password matches the super digest.
	Super = jute.Id{Scheme: SchemeSuper, ID: ""}
)

// OpenACLUnsafe is ZooDefs.Ids.OPEN_ACL_UNSAFE: everything to anyone.
func OpenACLUnsafe() []jute.ACL { return []jute.ACL{{Perms: jute.PermAll, ID: Anyone}} }

// CreatorAllACL is ZooDefs.Ids.CREATOR_ALL_ACL: everything to the creator's ids.
func CreatorAllACL() []jute.ACL { return []jute.ACL{{Perms: jute.PermAll, ID: AuthIDs}} }

// ReadACLUnsafe is ZooDefs.Ids.READ_ACL_UNSAFE: read to anyone.
func ReadACLUnsafe() []jute.ACL { return []jute.ACL{{Perms: jute.PermRead, ID: Anyone}} }

// ErrOptions reports an invalid Options value.
var ErrOptions = errors.New("acl: invalid options")

// Options are the server-wide ACL settings.
type Options struct {
	// SkipACL is zookeeper.skipACL=yes: every check passes.
	SkipACL bool
	// SuperDigest is zookeeper.DigestAuthenticationProvider.superDigest,
	// "super:<base64(sha1("super:<password>"))>". Empty: no super user.
	SuperDigest string
	// DigestDisabled is zookeeper.DigestAuthenticationProvider.enabled=false:
	// the digest scheme is not registered.
	DigestDisabled bool
	// Providers are further schemes (zookeeper.authProvider.*), e.g. sasl or x509.
	Providers []Provider
}

// DefaultOptions returns ZooKeeper's defaults: ACLs enforced, no super user,
// digest and ip registered.
func DefaultOptions() Options { return Options{} }

// Validate checks the extra providers: each non-nil, with a scheme of its own
// that does not shadow world, auth or super.
func (o Options) Validate() error {
	seen := map[string]bool{}
	for i, p := range o.Providers {
		if p == nil {
			return fmt.Errorf("%w: provider %d is nil", ErrOptions, i)
		}
		s := p.Scheme()
		switch s {
		case "", SchemeWorld, SchemeAuth, SchemeSuper:
			return fmt.Errorf("%w: provider scheme %q is reserved", ErrOptions, s)
		}
		if seen[s] {
			return fmt.Errorf("%w: provider scheme %q registered twice", ErrOptions, s)
		}
		seen[s] = true
	}
	return nil
}

// Check is ZooKeeperServer.checkACL: whether ids may use perm on a node with
// the given ACL (false is ZooKeeper's NoAuth). An empty ACL grants everything;
// a super id passes every check; an entry grants when it carries any bit of
// perm and is world:anyone or matches one of ids of the same scheme.
func Check(acls []jute.ACL, perm int32, ids []jute.Id, opts Options) bool {
	if opts.SkipACL || len(acls) == 0 {
		return true
	}
	for i := range ids {
		if ids[i].Scheme == SchemeSuper {
			return true
		}
	}
	for i := range acls {
		a := &acls[i]
		if a.Perms&perm == 0 {
			continue
		}
		if a.ID == Anyone {
			return true
		}
		for j := range ids {
			if ids[j].Scheme == a.ID.Scheme && matches(a.ID.Scheme, ids[j].ID, a.ID.ID, opts) {
				return true
			}
		}
	}
	return false
}

// matches is ap.matches for the registered provider of scheme; an
// unregistered scheme never matches.
func matches(scheme, id, expr string, opts Options) bool {
	switch {
	case scheme == SchemeDigest && !opts.DigestDisabled:
		return id == expr
	case scheme == SchemeIP:
		return ipMatches(id, expr)
	}
	if p := extra(scheme, opts); p != nil {
		return p.Matches(id, expr)
	}
	return false
}

// FixupACL is PrepRequestProcessor.fixupACL: it drops duplicate entries,
// refuses an empty list, expands each "auth" entry into the caller's
// authenticated ids (those whose provider says isAuthenticated: digest, not
// ip), and checks every other entry with its provider's isValid. Any failure
// is jute.InvalidACL. The result is acls itself when nothing had to change.
func FixupACL(acls []jute.ACL, ids []jute.Id, opts Options) ([]jute.ACL, jute.Code) {
	uniq := removeDuplicates(acls)
	if len(uniq) == 0 {
		return nil, jute.InvalidACL
	}
	var out []jute.ACL // allocated at the first "auth" entry
	for i, a := range uniq {
		switch {
		case a.ID == Anyone:
			if out != nil {
				out = append(out, a)
			}
		case a.ID.Scheme == SchemeAuth:
			if out == nil {
				out = make([]jute.ACL, i, len(uniq)+len(ids))
				copy(out, uniq[:i])
			}
			valid := false
			for _, id := range ids {
				if p := Lookup(id.Scheme, opts); p != nil && p.IsAuthenticated() {
					valid = true
					out = append(out, jute.ACL{Perms: a.Perms, ID: id})
				}
			}
			if !valid {
				return nil, jute.InvalidACL
			}
		default:
			if !isValid(a.ID.Scheme, a.ID.ID, opts) {
				return nil, jute.InvalidACL
			}
			if out != nil {
				out = append(out, a)
			}
		}
	}
	if out != nil {
		return out, jute.OK
	}
	return uniq, jute.OK
}

func isValid(scheme, id string, opts Options) bool {
	switch {
	case scheme == SchemeDigest && !opts.DigestDisabled:
		return digestValid(id)
	case scheme == SchemeIP:
		return ipValid(id)
	}
	if p := extra(scheme, opts); p != nil {
		return p.IsValid(id)
	}
	return false
}

// removeDuplicates keeps the first of equal entries, copying only if there
// is a duplicate.
func removeDuplicates(acls []jute.ACL) []jute.ACL {
	for i := 1; i < len(acls); i++ {
		for j := 0; j < i; j++ {
			if acls[i] == acls[j] {
				return dedupe(acls)
			}
		}
	}
	return acls
}

func dedupe(acls []jute.ACL) []jute.ACL {
	out := make([]jute.ACL, 0, len(acls))
next:
	for _, a := range acls {
		for _, b := range out {
			if a == b {
				continue next
			}
		}
		out = append(out, a)
	}
	return out
}

// ReadACL answers getACL as FinalRequestProcessor does since CVE-2019-0201: a
// caller with neither READ nor ADMIN gets jute.NoAuth; a caller with ADMIN
// gets the list as stored; any other caller gets MaskDigests of it, so
// password hashes are not handed out.
func ReadACL(acls []jute.ACL, ids []jute.Id, opts Options) ([]jute.ACL, jute.Code) {
	if !Check(acls, jute.PermRead|jute.PermAdmin, ids, opts) {
		return nil, jute.NoAuth
	}
	if Check(acls, jute.PermAdmin, ids, opts) {
		return acls, jute.OK
	}
	return MaskDigests(acls), jute.OK
}

// MaskDigests returns a copy of acls with every digest id masked as getACL
// shows it to a caller without ADMIN: id.replaceAll(":.*", ":x"), so
// "user:hash" reads "user:x".
func MaskDigests(acls []jute.ACL) []jute.ACL {
	out := make([]jute.ACL, len(acls))
	for i, a := range acls {
		if a.ID.Scheme == SchemeDigest {
			a.ID.ID = maskDigest(a.ID.ID)
		}
		out[i] = a
	}
	return out
}

// WhoAmI is AuthUtil.getClientInfos: one ClientInfo per id, the user being
// the scheme's provider's getUserName (the digest user, the ip address, ...)
// or "" for a scheme without a provider (super).
func WhoAmI(ids []jute.Id, opts Options) []jute.ClientInfo {
	out := make([]jute.ClientInfo, len(ids))
	for i, id := range ids {
		out[i].AuthScheme = id.Scheme
		if p := Lookup(id.Scheme, opts); p != nil {
			out[i].User = p.UserName(id.ID)
		}
	}
	return out
}

// AddID adds id to a connection's identities unless it is already there
// (ServerCnxn keeps them in a set).
func AddID(ids []jute.Id, id jute.Id) []jute.Id {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}
