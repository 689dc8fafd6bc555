//go:build !linux

package kcid_test

import "syscall"

func serverProcAttr() *syscall.SysProcAttr { return nil }
