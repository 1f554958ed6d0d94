//go:build unix

package accounts

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// ownProcessGroup makes cmd the leader of a new process group, so that
// the timeout can kill whatever it started too.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup kills cmd's process group.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// trustedProgram refuses a hook program that another user could have
// replaced: it, and every directory above it, must belong to you or root,
// and none may be writable by others (a sticky dir such as /tmp aside, for
// the dirs above).
func trustedProgram(path string) error {
	real, err := filepath.EvalSymlinks(path)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return err
	}
	uid := fileOwner(fi)
	switch {
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file, so it is not run", real)
	case uid != os.Geteuid() && uid != 0:
		return fmt.Errorf("%s is owned by uid %d, not by you or root, so it is not run", real, uid)
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%s is writable by other users, so it is not run (chmod go-w %s)", real, real)
	}
	for p := filepath.Dir(real); ; p = filepath.Dir(p) {
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if bad := dirProblem(p, fi, false, real); bad != nil {
			return fmt.Errorf("%s %s, so it is not run (%s)", bad.path, bad.problem, bad.fix)
		}
		if filepath.Dir(p) == p {
			return nil
		}
	}
}
