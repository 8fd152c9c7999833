// Package config reads the configuration files of the programs Wharf replaces,
// unchanged, with their original semantics.
//
//   - Java .properties (properties.go): java.util.Properties.load, checked
//     against the JDK on a golden corpus (testdata/properties, Dump.java).
//     Values are returned as Java returns them, untrimmed; each consumer trims
//     where its original does (ZooKeeper trims keys and values).
//   - Apache ZooKeeper's zoo.cfg (zoo*.go): QuorumPeerConfig.parseProperties of
//     ZooKeeper 3.9.4, including the keys ZooKeeper only honours as
//     "zookeeper.<key>" system properties, server.N lines in the classic and
//     dynamic (3.5+) forms, dynamicConfigFile and dataDir/myid.
//
// Where Wharf knowingly differs from ZooKeeper 3.9.4 reading the same file:
//   - jute.maxbuffer and znode.container.* in zoo.cfg take effect (ZooKeeper
//     reads them only as unprefixed -D properties and ignores them there);
//   - a malformed number in a key ZooKeeper reads as a system property
//     (snapCount, maxCnxns, admin.serverPort, ...) is an error, where
//     Integer.getInteger would silently use the default;
//   - clientPort=0 (an ephemeral port in 3.9, "not set" in 3.8) is refused;
//   - a 3.6 multi-address server line (a|b) keeps only its first address
//     (ZooKeeper refuses it unless multiAddress.enabled=true);
//   - files are decoded as UTF-8, not ISO-8859-1 (ASCII files read the same);
//   - server.N values are trimmed as a whole (ZooKeeper refuses trailing
//     blanks after a port number there).
//
// Invariants:
//   - A ZooConfig returned by ParseZooConfig* has passed Validate, and its
//     derived values are filled in: DataLogDir, MinSessionTimeout and
//     MaxSessionTimeout hold concrete values, paths are absolute (ZooKeeper
//     resolves relative paths against the working directory).
//   - Every refused value is an *Error (errors.Is(err, ErrInvalid)) whose text
//     is one line naming the file, the key and the value.
//   - Nothing here panics on input or starts anything: the package reads files
//     (the config, the dynamic config, myid) and returns values.
package config
