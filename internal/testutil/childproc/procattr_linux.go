package childproc

import "syscall"

// sysProcAttr puts the child in its own process group (a ^C to the test
// run reaches only the test binary) and has the kernel SIGKILL it when the
// process that started it dies, so no server outlives a crashed test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
