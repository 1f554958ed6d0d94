package osproc

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// LockHolder names the process holding the lock on path, as the kernel
// lists it in /proc/locks ("process 1234 (latchkey)"), or says "another
// Latchkey process" when it cannot tell.
func LockHolder(path string) string {
	const unknown = "another Latchkey process"
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return unknown
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return unknown
	}
	defer f.Close()
	// A line: "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; a waiter's
	// line has "->" after the number.
	dev := fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] == "->" || fields[5] != dev {
			continue
		}
		pid, err := strconv.Atoi(fields[4])
		if err != nil || pid <= 0 {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if name := strings.TrimSpace(string(comm)); name != "" {
			return fmt.Sprintf("process %d (%s)", pid, name)
		}
		return fmt.Sprintf("process %d", pid)
	}
	return unknown
}
