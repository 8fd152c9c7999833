package kafkapeer

import "syscall"

// sysProcAttr puts the child in its own process group (a ^C to the test
// run reaches only the test binary) and has the kernel SIGKILL it when the
// thread that started it dies, so no broker outlives a crashed test.
//
// Pdeathsig fires when the starting OS thread exits, not the process; the
// Go runtime keeps threads alive, and a test binary that ends kills its
// children in t.Cleanup anyway.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
