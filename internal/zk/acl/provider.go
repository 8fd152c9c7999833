package acl

import (
	"crypto/sha1"
	"encoding/base64"
	"strings"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Provider is an authentication scheme (ServerAuthenticationProvider).
type Provider interface {
	// Scheme is the scheme name used in auth packets and ACL ids.
	Scheme() string
	// Authenticate turns an auth packet's data into the ids to add to the
	// connection, or returns jute.AuthFailed.
	Authenticate(auth []byte, remoteIP string) ([]jute.Id, jute.Code)
	// IsAuthenticated says whether the scheme's ids stand for an
	// authenticated user, so an "auth" ACL entry may expand into them.
	IsAuthenticated() bool
	// IsValid says whether id is well formed as an ACL id of this scheme.
	IsValid(id string) bool
	// Matches says whether the connection id matches the ACL id aclExpr.
	Matches(id, aclExpr string) bool
	// UserName is the user that whoAmI reports for id.
	UserName(id string) string
}

// Lookup is ProviderRegistry.getServerProvider: the provider registered for
// scheme, or nil. ip is always registered, digest unless disabled, and then
// opts.Providers. There is no provider for world, auth or super.
func Lookup(scheme string, opts Options) Provider {
	switch {
	case scheme == SchemeDigest && !opts.DigestDisabled:
		return DigestProvider{SuperDigest: opts.SuperDigest}
	case scheme == SchemeIP:
		return IPProvider{}
	}
	if p := extra(scheme, opts); p != nil {
		return p
	}
	return nil
}

func extra(scheme string, opts Options) Provider {
	for _, p := range opts.Providers {
		if p != nil && p.Scheme() == scheme {
			return p
		}
	}
	return nil
}

// Authenticate handles an auth packet (ZooKeeperServer.processPacket): the
// ids to add to the connection, or jute.AuthFailed for a scheme with no
// provider or data the provider refuses. remoteIP is the client's address.
func Authenticate(scheme string, auth []byte, remoteIP string, opts Options) ([]jute.Id, jute.Code) {
	p := Lookup(scheme, opts)
	if p == nil {
		return nil, jute.AuthFailed
	}
	ids, code := p.Authenticate(auth, remoteIP)
	if code != jute.OK {
		return nil, code
	}
	return ids, jute.OK
}

// DigestProvider is DigestAuthenticationProvider: "user:password" becomes
// digest:user:base64(sha1("user:password")).
type DigestProvider struct {
	// SuperDigest is the configured "super:<hash>"; a password whose digest
	// equals it also gets the super id.
	SuperDigest string
}

func (DigestProvider) Scheme() string { return SchemeDigest }

// Authenticate never fails: any bytes are a user and a password (a missing
// colon makes the whole string the user). The data is read as a Java String
// is built from bytes: UTF-8, malformed sequences replaced by U+FFFD.
func (p DigestProvider) Authenticate(auth []byte, _ string) ([]jute.Id, jute.Code) {
	d := Digest(javaString(auth))
	if p.SuperDigest != "" && d == p.SuperDigest {
		return []jute.Id{Super, {Scheme: SchemeDigest, ID: d}}, jute.OK
	}
	return []jute.Id{{Scheme: SchemeDigest, ID: d}}, jute.OK
}

func (DigestProvider) IsAuthenticated() bool { return true }

// IsValid is id.split(":").length == 2, with Java's split, which drops
// trailing empty strings: "u:h" and "u:h:" are valid, "u:" and "u:h:x" not.
func (DigestProvider) IsValid(id string) bool { return digestValid(id) }

func (DigestProvider) Matches(id, aclExpr string) bool { return id == aclExpr }

// UserName is the part before the first colon.
func (DigestProvider) UserName(id string) string {
	user, _, _ := strings.Cut(id, ":")
	return user
}

func digestValid(id string) bool { return javaSplitLen(id, ':') == 2 }

// Digest is DigestAuthenticationProvider.generateDigest: for "user:password"
// it returns "user:" + base64(sha1("user:password")), the id that digest ACLs
// name and the form of the super digest.
func Digest(idPassword string) string {
	user, _, _ := strings.Cut(idPassword, ":")
	sum := sha1.Sum([]byte(idPassword))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// IPProvider is IPAuthenticationProvider: the id is the client's address;
// ACL ids are an address with an optional prefix length, IPv4 or IPv6.
type IPProvider struct{}

func (IPProvider) Scheme() string { return SchemeIP }

// Authenticate ignores the data and answers with the client's address.
func (IPProvider) Authenticate(_ []byte, remoteIP string) ([]jute.Id, jute.Code) {
	return []jute.Id{IPID(remoteIP)}, jute.OK
}

func (IPProvider) IsAuthenticated() bool           { return false }
func (IPProvider) IsValid(id string) bool          { return ipValid(id) }
func (IPProvider) Matches(id, aclExpr string) bool { return ipMatches(id, aclExpr) }
func (IPProvider) UserName(id string) string       { return id }
