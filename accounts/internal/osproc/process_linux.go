package osproc

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// processName is pid's executable name from /proc: the base name of its
// executable, else its command name (cut to 15 bytes by the kernel).
func processName(pid int) string {
	dir := "/proc/" + strconv.Itoa(pid)
	if exe, err := os.Readlink(dir + "/exe"); err == nil && exe != "" {
		return baseName(exe)
	}
	if comm, err := os.ReadFile(dir + "/comm"); err == nil {
		return strings.TrimSpace(string(comm))
	}
	return ""
}

// parentPID reads pid's parent from /proc/PID/stat. The command name in
// parentheses may hold spaces and parentheses: fields start after the last ')'.
func parentPID(pid int) (int, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(data[i+1:])) // state ppid ...
	if len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

// processArgs returns pid's arguments after the program name. They are
// only inspected, never recorded: an argument may be a secret.
func processArgs(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(data) == 0 {
		return nil
	}
	args := strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
	return args[1:]
}

// processExe is pid's executable path from /proc/PID/exe (readable for
// the user's own processes), "" when unknown.
func processExe(pid int) string {
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return ""
	}
	return exe
}
