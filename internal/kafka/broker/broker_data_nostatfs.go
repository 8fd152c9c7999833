//go:build !unix

package broker

// diskSpace: filesystem sizes are not read on this platform.
func diskSpace(string) (total, usable int64) { return -1, -1 }
