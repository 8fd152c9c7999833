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
