//go:build unix

package oidcprovidertest

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup makes cmd lead a new process group, so killProcessGroup
// ends it and anything it started.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
