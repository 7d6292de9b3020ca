package viewer

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the child (Xvfb) exit when the test binary dies, even by a crash.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
