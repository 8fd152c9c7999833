// Package admin renders ZooKeeper's operational interfaces: the
// four-letter words (ruok, srvr, stat, mntr, conf, cons, crst, srst, envi,
// wchs, wchc, wchp, dump, dirs, isro, gtmk, stmk, hash) as the exact text
// Apache ZooKeeper 3.9.4 writes, and the AdminServer commands
// (/commands/<name>) as the JSON its Jetty servlet writes, from a View: a
// point-in-time copy of the server's figures that the server builds.
//
// The server's side:
//
//	text := admin.FourLetter(word, server.view()) // after applying crst, srst, stmk
//	h := admin.NewHandler("/commands", server.view, server) // server implements Resets
//	mux.Handle("/commands", h)  // the list, without ServeMux's redirect
//	mux.Handle("/commands/", h) // the commands
//
// Invariants:
//   - The package reads a View and never keeps or changes it; FourLetter,
//     Run and Execute are pure functions of their arguments except for the
//     Resets they are handed.
//   - Output order is ZooKeeper's where ZooKeeper's is deterministic
//     (LinkedHashMaps, TreeMaps, StatCommand's lines, the metrics
//     provider's ConcurrentHashMap order, reproduced in catalog.go). Where
//     ZooKeeper iterates a HashMap (watches, ephemerals, dump's expiry
//     sets' members), output is sorted: session ids numerically, paths
//     lexicographically. Connections keep the View's order.
//   - JSON is written as Jackson's default pretty printer writes it, and
//     doubles as Java's Double.toString, so bodies compare byte for byte.
//
// testdata/zk38 holds a real Apache ZooKeeper 3.8.0's answers and
// testdata/README.md how they were taken and where 3.9.4, which this
// package follows, differs.
package admin
