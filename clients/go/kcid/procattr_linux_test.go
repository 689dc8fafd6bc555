package kcid_test

import "syscall"

// serverProcAttr makes the kernel SIGTERM the server if the test process dies
// without running its cleanup.
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
