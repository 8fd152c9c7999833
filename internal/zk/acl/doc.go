// Package acl is ZooKeeper's access control: the permission check
// (ZooKeeperServer.checkACL), the built-in authentication providers (digest and
// ip, as ProviderRegistry registers them), the validation and "auth" expansion
// of a new node's ACL (PrepRequestProcessor.fixupACL), the digest masking of
// getACL replies (CVE-2019-0201) and the whoAmI mapping (AuthUtil).
//
// Behaviour follows Apache ZooKeeper 3.9.4 to the byte, including the Java
// library semantics it relies on: String.split dropping trailing empty strings,
// Integer.parseInt accepting a sign and non-ASCII digits, the UTF-8 decoding of
// the digest auth data, and the regular expression that masks digest ids.
//
// Invariants:
//   - Every function is pure: no I/O, no clock, no global state. Options is
//     passed by value and never modified.
//   - Nothing panics on input: ids, ACL expressions and auth data are
//     arbitrary client bytes.
//   - Check is allocation-free; FixupACL allocates only when it has to change
//     the list (duplicates or an "auth" entry to expand).
//   - A connection's identities are a set in ZooKeeper; AddID keeps them one
//     of each, in the order they were added.
package acl
